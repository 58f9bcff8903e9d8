"""Attempts at ``greedy_decode`` (lesson 15, encoder-decoder)."""

import torch
from attempts import Attempt


def never_padded(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def stops_at_the_first_eos(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)
        tokens.append(y)
        done |= y == eos_index
        if done.any():
            break
    return torch.stack(tokens, dim=1)


def keeps_the_sos(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [y], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def always_max_len(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)
        tokens.append(y)
        done |= y == eos_index
    return torch.stack(tokens, dim=1)


def eos_padded_too(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        done |= y == eos_index
        y = y.masked_fill(done, pad_index)
        tokens.append(y)
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def start_token_every_step(step, h, sos_index, eos_index, pad_index, max_len):
    sos = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(sos, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(sos, h)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def context_every_step(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, _ = step(y, h)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def stacked_time_first(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens)  # (T, N)


def one_step_too_many(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    t = 0
    while t <= max_len:
        logits, h = step(y, h)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
        t += 1
    return torch.stack(tokens, dim=1)


def preallocated_then_trimmed(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    tokens = torch.full((N, max_len), pad_index, dtype=torch.long, device=h.device)
    running = torch.ones(N, dtype=torch.bool, device=h.device)
    y = torch.full((N,), sos_index, dtype=torch.long, device=h.device)
    T = 0
    while T < max_len and running.any():
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        tokens[running, T] = y[running]
        running &= y != eos_index
        T += 1
    return tokens[:, :T]


def where_and_cat(step, h, sos_index, eos_index, pad_index, max_len):
    y = h.new_full((h.shape[0],), sos_index, dtype=torch.long)
    out = y.new_empty(h.shape[0], 0)  # (N, 0): grows by one column per step
    ended = torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = torch.where(ended, torch.full_like(y, pad_index), logits.max(dim=1).indices)
        out = torch.cat([out, y[:, None]], dim=1)
        ended = ended | (y == eos_index)
        if bool(ended.all()):
            break
    return out


ATTEMPTS = [
    Attempt(
        never_padded,
        False,
        "Keeps every row's predictions after its EOS instead of writing pad_index there.",
        ("pad|after|finish",),
    ),
    Attempt(
        stops_at_the_first_eos,
        False,
        "Stops as soon as any row writes EOS instead of when every row has.",
        ("all|every|any|first",),
    ),
    Attempt(
        keeps_the_sos,
        False,
        "Puts the SOS token at the front of the returned tokens.",
        ("sos|start",),
    ),
    Attempt(
        always_max_len,
        False,
        "Always runs max_len steps instead of stopping when every row has written EOS.",
        ("stop|all|every|early|max_len|length",),
    ),
    Attempt(
        eos_padded_too,
        False,
        "Marks a row finished before padding, so the EOS itself is replaced by pad_index.",
        ("eos|keep|kept",),
    ),
    Attempt(
        start_token_every_step,
        False,
        "Feeds SOS at every step instead of feeding back the token just predicted.",
        ("feed|back|argmax|previous|sos|predict",),
    ),
    Attempt(
        context_every_step,
        False,
        "Starts every step from the context h instead of carrying the state the step returned.",
        ("carr|state|h_next|context",),
    ),
    Attempt(
        stacked_time_first,
        False,
        "Stacks the steps into (T, N) instead of (N, T).",
        ("transpos|shape|time|(n, t)|row",),
    ),
    Attempt(
        one_step_too_many,
        False,
        "Loops while t <= max_len, so a row that never ends gets max_len + 1 tokens.",
        ("max_len|off|one|steps|most",),
    ),
    Attempt(preallocated_then_trimmed, True),
    Attempt(where_and_cat, True),
]
