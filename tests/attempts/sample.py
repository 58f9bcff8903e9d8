"""Attempts at lesson 11's `sample(model, prompt, temperature, max_len, end_index, generator)`."""

import torch
import torch.nn.functional as F

from attempts import Attempt


def _draw(logits, temperature, generator):
    probs = torch.softmax(logits[-1] / temperature, dim=-1)  # (V,)
    return torch.multinomial(probs, 1, generator=generator)  # (1,)


def _loop(model, prompt, max_len, end_index, draw):
    """The right loop around a draw(logits) -> token (1,) that may hold the slip."""
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            token = draw(logits)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return torch.tensor(tokens, dtype=torch.long)


def softmax_over_positions(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        probs = torch.softmax(logits / temperature, dim=0)[-1]
        return torch.multinomial(probs, 1, generator=generator)

    return _loop(model, prompt, max_len, end_index, draw)


def temperature_multiplies(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return torch.multinomial(
            torch.softmax(logits[-1] * temperature, dim=-1), 1, generator=generator
        )

    return _loop(model, prompt, max_len, end_index, draw)


def greedy_argmax(model, prompt, temperature, max_len, end_index, generator):
    return _loop(
        model,
        prompt,
        max_len,
        end_index,
        lambda logits: (logits[-1] / temperature).argmax().view(1),
    )


def first_prompt_position(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return torch.multinomial(
            torch.softmax(logits[0] / temperature, dim=-1), 1, generator=generator
        )

    return _loop(model, prompt, max_len, end_index, draw)


def generator_not_passed(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return torch.multinomial(torch.softmax(logits[-1] / temperature, dim=-1), 1)

    return _loop(model, prompt, max_len, end_index, draw)


def rereads_everything_with_state(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            token = _draw(logits, temperature, generator)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            seen = torch.cat([prompt, torch.tensor(tokens, dtype=torch.long)])
            logits, state = model.step(seen, state)
    return torch.tensor(tokens, dtype=torch.long)


def state_dropped(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, _ = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            token = _draw(logits, temperature, generator)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, _ = model.step(token, None)
    return torch.tensor(tokens, dtype=torch.long)


def end_token_not_kept(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        for _ in range(max_len):
            token = _draw(logits, temperature, generator)
            if token.item() == end_index:
                break
            tokens.append(token.item())
            logits, state = model.step(token, state)
    return torch.tensor(tokens, dtype=torch.long)


def prompt_returned_too(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = prompt.tolist()
        for _ in range(max_len):
            token = _draw(logits, temperature, generator)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return torch.tensor(tokens, dtype=torch.long)


def one_token_too_many(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        while len(tokens) <= max_len:
            token = _draw(logits, temperature, generator)
            tokens.append(token.item())
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return torch.tensor(tokens, dtype=torch.long)


def prompt_fed_again_each_step(model, prompt, temperature, max_len, end_index, generator):
    # the state is dropped and the whole history is re-read from zeros: same logits in exact arithmetic
    # for an RNN, but the hint says to feed only the newest token with the state
    with torch.no_grad():
        tokens = []
        for _ in range(max_len):
            logits, _ = model.step(torch.cat([prompt, torch.tensor(tokens, dtype=torch.long)]))
            token = _draw(logits, temperature, generator)
            tokens.append(token.item())
            if token.item() == end_index:
                break
    return torch.tensor(tokens, dtype=torch.long)


def while_loop_with_list(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        out = []
        while len(out) < max_len and (not out or out[-1] != end_index):
            if out:
                logits, state = model.step(torch.tensor([out[-1]]), state)
            scaled = logits[-1] / temperature
            out.append(int(torch.multinomial(F.softmax(scaled, dim=0), 1, generator=generator)))
    return out


def tensor_cat(model, prompt, temperature, max_len, end_index, generator):
    drawn = prompt.new_empty(0)
    with torch.no_grad():
        logits, state = model.step(prompt)
        for _ in range(max_len):
            nxt = _draw(logits, temperature, generator)
            drawn = torch.cat([drawn, nxt])
            if nxt.item() == end_index:
                break
            logits, state = model.step(nxt, state)
    return drawn


ATTEMPTS = [
    Attempt(
        softmax_over_positions,
        False,
        "softmax runs over dim 0, the positions, instead of over the vocabulary (the last axis).",
        ("softmax|dim|axis",),
    ),
    Attempt(
        temperature_multiplies,
        False,
        "The scores are multiplied by the temperature instead of divided.",
        ("temperature",),
    ),
    Attempt(
        rereads_everything_with_state,
        False,
        "Each step re-reads the whole history on top of the state, so it is read twice; feed only the newest token.",
        ("newest|new token|twice|again|whole|only the",),
    ),
    Attempt(
        state_dropped,
        False,
        "The state is not passed on: each new token is read from a zero state.",
        ("state",),
    ),
    Attempt(
        end_token_not_kept,
        False,
        "The end token is dropped; it should be kept as the last token.",
        ("end",),
    ),
    Attempt(
        prompt_returned_too, False, "The prompt is returned with the drawn tokens.", ("prompt",)
    ),
    Attempt(
        greedy_argmax,
        False,
        "It takes the argmax instead of drawing with torch.multinomial.",
        ("argmax|greedy|draw|multinomial",),
    ),
    Attempt(
        first_prompt_position,
        False,
        "The first draw uses the scores at the prompt's first position instead of its last.",
        ("last|first|position",),
    ),
    Attempt(one_token_too_many, False, "The loop allows max_len + 1 tokens.", ("max_len",)),
    Attempt(
        generator_not_passed,
        False,
        "The generator is not passed to torch.multinomial, so the draws are not the expected ones.",
        ("generator",),
    ),
    Attempt(prompt_fed_again_each_step, True),
    Attempt(while_loop_with_list, True),
    Attempt(tensor_cat, True),
]
