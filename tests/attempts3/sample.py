"""Attempts at ``sample`` (lesson 11, a real task)."""

import torch
from attempts import Attempt


def temperature_multiplied(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)  # (K, V)
        last, tokens = logits[-1], []
        for _ in range(max_len):
            probs = torch.softmax(last * temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)  # (1,)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
            last = logits[-1]
    return tokens


def first_position_of_the_prompt(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        last, tokens = logits[0], []
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(last / temperature, dim=-1), 1, generator=generator
            )
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
            last = logits[0]
    return tokens


def whole_text_read_again(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        text = prompt
        logits, state = model.step(text)
        tokens = []
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(logits[-1] / temperature, dim=-1), 1, generator=generator
            )
            tokens.append(token.item())
            if token.item() == end_index:
                break
            text = torch.cat([text, token])
            logits, state = model.step(text, state)  # the model sees everything so far
    return tokens


def state_dropped(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, _ = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(logits[-1] / temperature, dim=-1), 1, generator=generator
            )
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, _ = model.step(token)
    return tokens


def most_likely_token(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            token = torch.softmax(logits[-1] / temperature, dim=-1).argmax(
                dim=-1, keepdim=True
            )  # (1,)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return tokens


def end_token_dropped(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(logits[-1] / temperature, dim=-1), 1, generator=generator
            )
            if token.item() == end_index:
                break
            tokens.append(token.item())
            logits, state = model.step(token, state)
    return tokens


def prompt_included(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = prompt.tolist()
        for _ in range(max_len):
            token = torch.multinomial(
                torch.softmax(logits[-1] / temperature, dim=-1), 1, generator=generator
            )
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return tokens


def softmax_over_the_batch_axis(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt[None])  # (1, K, V)
        tokens = []
        for _ in range(max_len):
            probs = torch.softmax(logits[:, -1] / temperature, dim=0)[0]  # (V,)
            token = torch.multinomial(probs, 1, generator=generator)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token[None], state)
    return tokens


def global_random_state(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            token = torch.multinomial(torch.softmax(logits[-1] / temperature, dim=-1), 1)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return tokens


def temperature_after_softmax(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            probs = torch.softmax(logits[-1], dim=-1) / temperature
            token = torch.multinomial(probs, 1, generator=generator)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return tokens


def batched_with_a_buffer(model, prompt, temperature, max_len, end_index, generator):
    drawn = torch.empty(max_len, dtype=torch.long)
    T = 0
    with torch.no_grad():
        logits, state = model.step(prompt[None])  # (1, K, V)
        while T < max_len:
            probs = (logits[0, -1] / temperature).softmax(dim=0)  # (V,)
            token = torch.multinomial(probs, 1, generator=generator)  # (1,)
            drawn[T] = token.item()
            T += 1
            if token.item() == end_index:
                break
            logits, state = model.step(token[None], state)  # (1, 1) in, (1, 1, V) out
    return drawn[:T]


def one_call_per_token(model, prompt, temperature, max_len, end_index, generator):
    tokens = []
    with torch.no_grad():
        state, fed = None, prompt
        while len(tokens) < max_len and (not tokens or tokens[-1] != end_index):
            logits, state = model.step(fed, state)
            probs = torch.nn.functional.softmax(logits[-1].div(temperature), dim=-1)
            fed = torch.multinomial(probs, 1, generator=generator)
            tokens.append(int(fed))
    return torch.tensor(tokens, dtype=torch.long)


ATTEMPTS = [
    Attempt(
        temperature_multiplied,
        False,
        "Multiplies the scores by the temperature instead of dividing them by it.",
        ("divid|temperatur",),
    ),
    Attempt(
        first_position_of_the_prompt,
        False,
        "Draws from the scores at the prompt's first position instead of its last.",
        ("last|position",),
    ),
    Attempt(
        whole_text_read_again,
        False,
        "Feeds the whole text so far at every step, on top of the carried state, instead of only the newest token.",
        ("newest|only|again|twice|whole|state",),
    ),
    Attempt(
        state_dropped,
        False,
        "Feeds the new token from a zero state instead of the state the previous step returned.",
        ("state|carr",),
    ),
    Attempt(
        most_likely_token,
        False,
        "Takes the argmax instead of drawing with torch.multinomial.",
        ("multinomial|draw|sampl|argmax|random",),
    ),
    Attempt(
        end_token_dropped,
        False,
        "Stops before keeping the end token instead of keeping it as the last token.",
        ("end|keep|kept|last token",),
    ),
    Attempt(
        prompt_included,
        False,
        "Returns the prompt followed by the drawn tokens instead of the drawn tokens only.",
        ("prompt",),
    ),
    Attempt(
        softmax_over_the_batch_axis,
        False,
        "Takes the softmax over the batch axis of (1, V) scores, so every probability is 1.",
        ("axis|dim|softmax|vocab",),
    ),
    Attempt(
        global_random_state,
        False,
        "Calls torch.multinomial without the generator, so the draws come from the global random state.",
        ("generator|reproduc|seed",),
    ),
    Attempt(
        temperature_after_softmax,
        False,
        "Divides the probabilities by the temperature after the softmax, which changes nothing once normalised.",
        ("before|after|temperatur|scores|logit",),
    ),
    Attempt(batched_with_a_buffer, True),
    Attempt(one_call_per_token, True),
]
