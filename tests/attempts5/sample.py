"""Attempts at sample, lesson 11 (a real task, end to end)."""

import torch
from attempts import Attempt


def forgets_the_state(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        drawn = []
        for _ in range(max_len):
            probs = torch.softmax(logits[-1] / temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)
            drawn.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token)  # state not passed back in
    return drawn


def takes_the_argmax(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        drawn = []
        for _ in range(max_len):
            token = (logits[-1] / temperature).argmax(dim=-1, keepdim=True)
            drawn.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return drawn


def reads_first_position(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        drawn = []
        for _ in range(max_len):
            probs = torch.softmax(logits[0] / temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)
            drawn.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return drawn


def returns_prompt_too(model, prompt, temperature, max_len, end_index, generator):
    tokens = prompt.clone()
    with torch.no_grad():
        logits, state = model.step(prompt)
        for _ in range(max_len):
            probs = torch.softmax(logits[-1] / temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)
            tokens = torch.cat([tokens, token])
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return tokens


def drops_the_end_token(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        drawn = []
        for _ in range(max_len):
            probs = torch.softmax(logits[-1] / temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)
            if token.item() == end_index:
                break
            drawn.append(token.item())
            logits, state = model.step(token, state)
    return drawn


def feeds_everything_with_state(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        seen = prompt
        logits, state = model.step(seen)
        drawn = []
        for _ in range(max_len):
            probs = torch.softmax(logits[-1] / temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)
            drawn.append(token.item())
            if token.item() == end_index:
                break
            seen = torch.cat([seen, token])
            logits, state = model.step(seen, state)  # the whole text again, from the carried state
    return drawn


def temperature_after_softmax(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        drawn = []
        for _ in range(max_len):
            probs = torch.softmax(logits[-1], dim=-1) / temperature
            token = torch.multinomial(probs, 1, generator=generator)
            drawn.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return drawn


def softmax_over_positions(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)  # (K, V), then (1, V)
        drawn = []
        for _ in range(max_len):
            probs = torch.softmax(logits / temperature, dim=0)[-1]
            token = torch.multinomial(probs, 1, generator=generator)
            drawn.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return drawn


def global_random_numbers(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        drawn = []
        for _ in range(max_len):
            probs = torch.softmax(logits[-1] / temperature, dim=-1)
            token = torch.multinomial(probs, 1)
            drawn.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return drawn


def one_token_too_many(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        drawn = []
        while len(drawn) <= max_len:
            probs = torch.softmax(logits[-1] / temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator)
            drawn.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return drawn


def preallocated_while_loop(model, prompt, temperature, max_len, end_index, generator):
    tokens = torch.empty(max_len, dtype=torch.int64)
    count = 0
    with torch.no_grad():
        logits, state = model.step(prompt)  # (K, V)
        last = logits[-1]  # (V,)
        while count < max_len:
            token = torch.multinomial((last / temperature).softmax(-1), 1, generator=generator)
            tokens[count] = token.item()
            count += 1
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)  # (1, V)
            last = logits[0]
    return tokens[:count]


def batch_of_one(model, prompt, temperature, max_len, end_index, generator):
    drawn = []
    with torch.no_grad():
        logits, state = model.step(prompt[None, :])  # (1, K, V), state (1, 1, H)
        for _ in range(max_len):
            probs = torch.softmax(logits[0, -1] / temperature, dim=-1)  # (V,)
            token = torch.multinomial(probs, 1, generator=generator)  # (1,)
            drawn.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token[None, :], state)  # (1, 1, V)
    return torch.cat(drawn) if drawn else torch.empty(0, dtype=torch.int64)


ATTEMPTS = [
    Attempt(
        forgets_the_state,
        False,
        "feeds each new token from a zero state instead of passing back the state the previous "
        "step returned",
        ("state|hidden",),
    ),
    Attempt(
        takes_the_argmax,
        False,
        "takes the most likely token with argmax instead of drawing it with torch.multinomial",
        ("multinomial|draw|sampl|argmax|greedy|random",),
    ),
    Attempt(
        reads_first_position,
        False,
        "reads the scores at the prompt's first position instead of its last",
        ("last|first|position",),
    ),
    Attempt(
        returns_prompt_too,
        False,
        "returns the prompt followed by the drawn tokens instead of the drawn tokens only",
        ("prompt",),
    ),
    Attempt(
        drops_the_end_token,
        False,
        "tests for the end token before keeping it, so the end token is dropped from the result",
        ("end|keep|last token",),
    ),
    Attempt(
        feeds_everything_with_state,
        False,
        "feeds the whole text so far again together with the carried state, so the model reads "
        "the history twice",
        ("newest|only|twice|again|whole|state",),
    ),
    Attempt(
        temperature_after_softmax,
        False,
        "divides the probabilities by the temperature after the softmax instead of the scores "
        "before it, which multinomial undoes",
        ("temperatur",),
    ),
    Attempt(
        softmax_over_positions,
        False,
        "takes the softmax over the positions (dim 0) instead of over the vocabulary",
        ("dim|axis|vocab|position",),
    ),
    Attempt(
        global_random_numbers,
        False,
        "draws with the global random generator instead of the generator it is given",
        ("generator",),
    ),
    Attempt(
        one_token_too_many,
        False,
        "loops while len(drawn) <= max_len, so it can draw max_len + 1 tokens",
        ("max_len|too many|one more|extra|length",),
    ),
    Attempt(preallocated_while_loop, True),
    Attempt(batch_of_one, True),
]
