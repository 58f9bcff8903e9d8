"""Attempts at greedy_decode, lesson 15 (encoder-decoder)."""

import torch
from attempts import Attempt


def _start(h, sos_index):
    return torch.full((h.shape[0],), sos_index, dtype=torch.int64, device=h.device)  # (N,)


def keeps_writing_after_eos(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    done = torch.zeros_like(y, dtype=torch.bool)
    tokens = []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def stops_at_first_eos(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    done = torch.zeros_like(y, dtype=torch.bool)
    tokens = []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = torch.where(done, pad_index, logits.argmax(dim=-1))
        tokens.append(y)
        done |= y == eos_index
        if done.any():
            break
    return torch.stack(tokens, dim=1)


def keeps_sos(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    done = torch.zeros_like(y, dtype=torch.bool)
    tokens = [y]
    for _ in range(max_len):
        logits, h = step(y, h)
        y = torch.where(done, pad_index, logits.argmax(dim=-1))
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def always_feeds_sos(step, h, sos_index, eos_index, pad_index, max_len):
    sos = _start(h, sos_index)
    done = torch.zeros_like(sos, dtype=torch.bool)
    tokens = []
    for _ in range(max_len):
        logits, h = step(sos, h)
        y = torch.where(done, pad_index, logits.argmax(dim=-1))
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def context_every_step(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    done = torch.zeros_like(y, dtype=torch.bool)
    tokens = []
    for _ in range(max_len):
        logits, _ = step(y, h)
        y = torch.where(done, pad_index, logits.argmax(dim=-1))
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def pads_the_eos_too(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    done = torch.zeros_like(y, dtype=torch.bool)
    tokens = []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        done |= y == eos_index
        tokens.append(torch.where(done, pad_index, y))
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def time_major_result(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    done = torch.zeros_like(y, dtype=torch.bool)
    tokens = []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = torch.where(done, pad_index, logits.argmax(dim=-1))
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens)  # (T, N)


def argmax_over_batch(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    done = torch.zeros_like(y, dtype=torch.bool)
    tokens = []
    for _ in range(max_len):
        logits, h = step(y, h)
        best = logits.argmax(dim=0)  # (C,)
        y = torch.where(done, pad_index, best[: y.shape[0]])
        tokens.append(y)
        done |= y == eos_index
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def never_stops_early(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    done = torch.zeros_like(y, dtype=torch.bool)
    tokens = []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = torch.where(done, pad_index, logits.argmax(dim=-1))
        tokens.append(y)
        done |= y == eos_index
    return torch.stack(tokens, dim=1)


def float_buffer(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    out = torch.zeros(N, max_len) + pad_index  # (N, max_len), filled with padding
    y = _start(h, sos_index)
    done = torch.zeros(N, dtype=torch.bool)
    T = max_len
    for t in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        out[~done, t] = y[~done].to(out.dtype)
        done |= y == eos_index
        if done.all():
            T = t + 1
            break
    return out[:, :T]


def preallocated_then_trimmed(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    out = torch.full((N, max_len), pad_index, dtype=torch.int64, device=h.device)  # (N, max_len)
    alive = torch.ones(N, dtype=torch.bool, device=h.device)
    y = _start(h, sos_index)
    T = 0
    while T < max_len and alive.any():
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)  # (N,)
        out[alive, T] = y[alive]
        alive &= y != eos_index
        T += 1
    return out[:, :T]


def feeds_pad_to_finished_rows(step, h, sos_index, eos_index, pad_index, max_len):
    y = _start(h, sos_index)
    finished = torch.zeros_like(y, dtype=torch.bool)
    columns = []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1).masked_fill(finished, pad_index)  # (N,)
        columns.append(y.unsqueeze(1))
        finished = finished | (y == eos_index)
        if bool(finished.all()):
            break
    return torch.cat(columns, dim=1)


ATTEMPTS = [
    Attempt(
        keeps_writing_after_eos,
        False,
        "keeps each row's predictions after its EOS instead of writing pad_index there",
        ("pad|after|finish",),
    ),
    Attempt(
        stops_at_first_eos,
        False,
        "stops as soon as any row writes EOS instead of when every row has",
        ("all|every|any|first",),
    ),
    Attempt(
        keeps_sos,
        False,
        "puts SOS in front of the result, which should hold the predictions only",
        ("sos|start",),
    ),
    Attempt(
        always_feeds_sos,
        False,
        "feeds SOS at every step instead of feeding back the previous prediction",
        ("feed|previous|prediction|back",),
    ),
    Attempt(
        context_every_step,
        False,
        "gives every step the context again instead of the state the previous step returned",
        ("state|hidden|carr|h_next",),
    ),
    Attempt(
        pads_the_eos_too,
        False,
        "marks a row finished before writing its EOS, so the EOS itself becomes padding",
        ("eos|keep",),
    ),
    Attempt(
        time_major_result,
        False,
        "stacks the steps on dim 0, returning (T, N) instead of (N, T)",
        ("shape|transpos|stack|dim|axis",),
    ),
    Attempt(
        argmax_over_batch,
        False,
        "takes the argmax over the batch axis instead of over the classes",
        ("argmax|dim|axis|class|vocab",),
    ),
    Attempt(
        never_stops_early,
        False,
        "always runs max_len steps instead of stopping when every row has written EOS",
        ("stop|max_len|length|trim|early",),
    ),
    Attempt(
        float_buffer,
        False,
        "fills a float buffer, torch.zeros(N, max_len) + pad_index, so the tokens come back as "
        "floats, not int64",
        ("dtype|int64|long|float|integer",),
    ),
    Attempt(preallocated_then_trimmed, True),
    Attempt(feeds_pad_to_finished_rows, True),
]
