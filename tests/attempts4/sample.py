"""Round-4 attempts at sample (lesson 11, a real task)."""

import torch
from attempts import Attempt


def multiplies_by_temperature(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        logits, tokens = logits[-1], []
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(logits * temperature, dim=-1), 1, generator=generator
            )
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
            logits = logits[-1]
        return torch.cat(tokens)


def takes_the_argmax(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        logits, tokens = logits[-1], []
        for _ in range(max_len):
            token = (logits / temperature).argmax().view(1)
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
            logits = logits[-1]
        return torch.cat(tokens)


def softmax_over_positions(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)  # (K, V)
        tokens = []
        for _ in range(max_len):
            probs = torch.softmax(logits / temperature, dim=0)[-1]
            token = torch.multinomial(probs, 1, generator=generator)
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)  # (1, V)
        return torch.cat(tokens)


def drops_the_state(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, _ = model.step(prompt)
        logits, tokens = logits[-1], []
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(logits / temperature, dim=-1), 1, generator=generator
            )
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, _ = model.step(token)
            logits = logits[-1]
        return torch.cat(tokens)


def stops_before_keeping_end(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        logits, tokens = logits[-1], []
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(logits / temperature, dim=-1), 1, generator=generator
            )
            if token.item() == end_index:
                break
            tokens.append(token)
            logits, state = model.step(token, state)
            logits = logits[-1]
        return torch.cat(tokens) if tokens else prompt.new_zeros(0)


def returns_the_prompt_too(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        logits, tokens = logits[-1], [prompt]
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(logits / temperature, dim=-1), 1, generator=generator
            )
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
            logits = logits[-1]
        return torch.cat(tokens)


def global_random_numbers(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        logits, tokens = logits[-1], []
        for _ in range(max_len):
            token = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1)
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
            logits = logits[-1]
        return torch.cat(tokens)


def divides_the_probabilities(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        logits, tokens = logits[-1], []
        for _ in range(max_len):
            probs = torch.softmax(logits, dim=-1) / temperature
            token = torch.multinomial(probs, 1, generator=generator)
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
            logits = logits[-1]
        return torch.cat(tokens)


def one_draw_too_many(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        logits, tokens = logits[-1], []
        while len(tokens) <= max_len:
            token = torch.multinomial(
                torch.softmax(logits / temperature, dim=-1), 1, generator=generator
            )
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
            logits = logits[-1]
        return torch.cat(tokens)


def rereads_everything(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        seq = prompt
        for _ in range(max_len):
            logits, _ = model.step(seq)  # from a zero state, the whole text so far
            token = torch.multinomial(
                torch.softmax(logits[-1] / temperature, dim=-1), 1, generator=generator
            )
            seq = torch.cat([seq, token])
            if token.item() == end_index:
                break
        return seq[len(prompt) :].tolist()


def preallocated_while(model, prompt, temperature, max_len, end_index, generator):
    out = torch.empty(max_len, dtype=torch.long, device=prompt.device)
    count = 0
    with torch.no_grad():
        logits, state = model.step(prompt)
        while count < max_len:
            probs = torch.softmax(logits[-1] / temperature, dim=0)
            out[count] = torch.multinomial(probs, 1, generator=generator)[0]
            count += 1
            if out[count - 1].item() == end_index:
                break
            logits, state = model.step(out[count - 1 : count], state)
    return out[:count]


ATTEMPTS = [
    Attempt(
        multiplies_by_temperature,
        False,
        "multiplied the scores by the temperature instead of dividing",
        ("divid|multipl|temperature",),
    ),
    Attempt(
        takes_the_argmax,
        False,
        "took the most likely token instead of drawing one with multinomial",
        ("argmax|draw|multinomial|random|greedy",),
    ),
    Attempt(
        softmax_over_positions,
        False,
        "took the softmax over the positions (dim 0) of the (K, V) logits instead of over the vocabulary",
        ("dim|axis|vocab|position",),
    ),
    Attempt(
        drops_the_state,
        False,
        "fed each new token from a fresh zero state instead of the state the previous step returned",
        ("state|hidden",),
    ),
    Attempt(
        stops_before_keeping_end,
        False,
        "stopped without keeping the end token as the last token",
        ("end|keep|last token",),
    ),
    Attempt(
        returns_the_prompt_too,
        False,
        "returned the prompt together with the drawn tokens",
        ("prompt",),
    ),
    Attempt(
        global_random_numbers,
        False,
        "drew without passing the generator, so the draws are not the checker's",
        ("generator|reproduc|random",),
    ),
    Attempt(
        divides_the_probabilities,
        False,
        "divided the probabilities after the softmax by the temperature, which changes nothing",
        ("temperature|softmax|before|logit|score",),
    ),
    Attempt(
        one_draw_too_many,
        False,
        "looped while len(tokens) <= max_len, drawing one token too many",
        ("max_len|too many|one more|off by one|off-by-one|length",),
    ),
    Attempt(rereads_everything, True),
    Attempt(preallocated_while, True),
]
