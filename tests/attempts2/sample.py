"""Attempts at sample, lesson 11 (a real task, end to end)."""

import torch
from attempts import Attempt


def _carry(model, token, history, state):
    return model.step(token, state)  # (1, V): only the newest token, from the carried state


def _generate(model, prompt, max_len, end_index, draw, feed=_carry, keep_end=True, limit=None):
    """The loop every attempt below shares; draw(logits (K, V)) -> token (1,) is where most slipped."""
    with torch.no_grad():
        logits, state = model.step(prompt)  # (K, V): read the whole prompt
        tokens = []
        for _ in range(max_len if limit is None else limit):
            token = draw(logits)
            if token.item() == end_index and not keep_end:
                break
            tokens.append(token)
            if token.item() == end_index:
                break
            logits, state = feed(model, token, torch.cat([prompt, *tokens]), state)
        return torch.cat(tokens) if tokens else prompt[:0]


def _drawer(temperature, generator):
    return lambda logits: torch.multinomial(
        torch.softmax(logits[-1] / temperature, dim=-1), 1, generator=generator
    )


def state_dropped(model, prompt, temperature, max_len, end_index, generator):
    def without_state(model, token, history, state):
        return model.step(token)

    return _generate(
        model, prompt, max_len, end_index, _drawer(temperature, generator), feed=without_state
    )


def temperature_multiplies(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return torch.multinomial(
            torch.softmax(logits[-1] * temperature, dim=-1), 1, generator=generator
        )

    return _generate(model, prompt, max_len, end_index, draw)


def reads_first_prompt_position(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return torch.multinomial(
            torch.softmax(logits[0] / temperature, dim=-1), 1, generator=generator
        )

    return _generate(model, prompt, max_len, end_index, draw)


def prompt_returned_too(model, prompt, temperature, max_len, end_index, generator):
    drawn = _generate(model, prompt, max_len, end_index, _drawer(temperature, generator))
    return torch.cat([prompt, drawn])


def end_token_dropped(model, prompt, temperature, max_len, end_index, generator):
    return _generate(
        model, prompt, max_len, end_index, _drawer(temperature, generator), keep_end=False
    )


def most_likely_token(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return (logits[-1] / temperature).argmax().view(1)

    return _generate(model, prompt, max_len, end_index, draw)


def softmax_across_positions(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return torch.multinomial(
            torch.softmax(logits / temperature, dim=0)[-1], 1, generator=generator
        )

    return _generate(model, prompt, max_len, end_index, draw)


def one_token_too_many(model, prompt, temperature, max_len, end_index, generator):
    # while len(tokens) <= max_len: one more pass than max_len
    return _generate(
        model, prompt, max_len, end_index, _drawer(temperature, generator), limit=max_len + 1
    )


def everything_fed_again(model, prompt, temperature, max_len, end_index, generator):
    def whole_sequence(model, token, history, state):
        return model.step(history, state)  # prompt and every drawn token, from the carried state

    return _generate(
        model, prompt, max_len, end_index, _drawer(temperature, generator), feed=whole_sequence
    )


def no_generator(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return torch.multinomial(torch.softmax(logits[-1] / temperature, dim=-1), 1)

    return _generate(model, prompt, max_len, end_index, draw)


def temperature_on_probabilities(model, prompt, temperature, max_len, end_index, generator):
    def draw(logits):
        return torch.multinomial(
            torch.softmax(logits[-1], dim=-1) / temperature, 1, generator=generator
        )

    return _generate(model, prompt, max_len, end_index, draw)


def list_of_ints(model, prompt, temperature, max_len, end_index, generator):
    drawn = []
    with torch.no_grad():
        logits, state = model.step(prompt)
        while len(drawn) < max_len and (not drawn or drawn[-1] != end_index):
            scaled = logits[-1:] / temperature  # (1, V)
            token = torch.multinomial(scaled.softmax(dim=1)[0], num_samples=1, generator=generator)
            drawn.append(int(token))
            logits, state = model.step(token, state)
    return drawn


def preallocated_tensor(model, prompt, temperature, max_len, end_index, generator):
    out = prompt.new_empty(max_len)
    with torch.no_grad():
        logits, state = model.step(prompt)
        for t in range(max_len):
            probs = torch.nn.functional.softmax(logits[-1].div(temperature), dim=0)
            out[t : t + 1] = torch.multinomial(probs, 1, generator=generator)
            if out[t] == end_index:
                return out[: t + 1]
            logits, state = model.step(out[t : t + 1], state)
    return out


ATTEMPTS = [
    Attempt(
        state_dropped,
        False,
        "feeds each drawn token without the state the previous step returned, so the model forgets the"
        " prompt and everything drawn",
        ("state|carr|memory|hidden",),
    ),
    Attempt(
        temperature_multiplies,
        False,
        "multiplies the logits by the temperature instead of dividing by it",
        ("divid|multipl",),
    ),
    Attempt(
        reads_first_prompt_position,
        False,
        "draws the first token from the scores at the prompt's first position instead of its last",
        (
            "last position|last logits|logits[-1]|first position|prompt's last|last step|its last token",
        ),
    ),
    Attempt(
        prompt_returned_too,
        False,
        "returns the prompt in front of the drawn tokens",
        ("prompt",),
    ),
    Attempt(
        end_token_dropped,
        False,
        "stops on end_index without keeping it as the last token",
        ("end|keep|last token",),
    ),
    Attempt(
        most_likely_token,
        False,
        "takes the argmax instead of drawing from the probabilities with torch.multinomial",
        ("multinomial|draw|argmax|greedy|random|sampl",),
    ),
    Attempt(
        softmax_across_positions,
        False,
        "takes the softmax along dim 0, across the positions of the prompt, instead of over the vocabulary",
        ("dim|axis|vocab|position",),
    ),
    Attempt(
        one_token_too_many,
        False,
        "loops while len(tokens) <= max_len and so may draw max_len + 1 tokens",
        ("max_len|one too many|too many|+ 1",),
    ),
    Attempt(
        everything_fed_again,
        False,
        "feeds the whole sequence so far together with the carried state, so the state reads every token"
        " again instead of only the newest one",
        ("newest|only the|again|twice|whole|re-read|reread|already read",),
    ),
    Attempt(
        no_generator,
        False,
        "calls torch.multinomial without the given generator, so its draws are not the generator's",
        ("generator",),
    ),
    Attempt(
        temperature_on_probabilities,
        False,
        "divides the probabilities after the softmax by the temperature, which multinomial normalises away,"
        " instead of the logits before it",
        ("logit|before the softmax|before softmax|probabilit",),
    ),
    Attempt(list_of_ints, True),
    Attempt(preallocated_tensor, True),
]
