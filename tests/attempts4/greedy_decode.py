"""Round-4 attempts at greedy_decode (lesson 15, encoder-decoder)."""

import torch
from attempts import Attempt


def keeps_sos(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [y], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        tokens.append(torch.where(done, torch.full_like(y, pad_index), y))
        done = done | (y == eos_index)
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def no_padding_after_eos(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        tokens.append(y)
        done = done | (y == eos_index)
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def stops_at_first_eos(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        tokens.append(torch.where(done, torch.full_like(y, pad_index), y))
        done = done | (y == eos_index)
        if done.any():
            break
    return torch.stack(tokens, dim=1)


def always_max_len(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        tokens.append(torch.where(done, torch.full_like(y, pad_index), y))
        done = done | (y == eos_index)
    return torch.stack(tokens, dim=1)


def feeds_sos_every_step(step, h, sos_index, eos_index, pad_index, max_len):
    sos = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(sos, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(sos, h)
        y = logits.argmax(dim=-1)
        tokens.append(torch.where(done, torch.full_like(y, pad_index), y))
        done = done | (y == eos_index)
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def context_every_step(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, _ = step(y, h)
        y = logits.argmax(dim=-1)
        tokens.append(torch.where(done, torch.full_like(y, pad_index), y))
        done = done | (y == eos_index)
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def pads_the_eos_too(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        done = done | (y == eos_index)
        tokens.append(torch.where(done, torch.full_like(y, pad_index), y))
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def float_buffer(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    out = torch.full((N, max_len), float(pad_index))
    y = torch.full((N,), sos_index, dtype=torch.long, device=h.device)
    done = torch.zeros(N, dtype=torch.bool)
    T = max_len
    for t in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        out[:, t] = torch.where(done, out[:, t], y.float().cpu())
        done = done | (y.cpu() == eos_index)
        if done.all():
            T = t + 1
            break
    return out[:, :T]


def softmax_draw_instead_of_argmax(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    tokens, done = [], torch.zeros_like(y, dtype=torch.bool)
    gen = torch.Generator(device=h.device).manual_seed(0)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=gen).squeeze(1)
        tokens.append(torch.where(done, torch.full_like(y, pad_index), y))
        done = done | (y == eos_index)
        if done.all():
            break
    return torch.stack(tokens, dim=1)


def preallocated_then_trimmed(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    out = torch.full((N, max_len), pad_index, dtype=torch.long, device=h.device)
    y = torch.full((N,), sos_index, dtype=torch.long, device=h.device)
    alive = torch.ones(N, dtype=torch.bool, device=h.device)
    t = 0
    while t < max_len and alive.any():
        logits, h = step(y, h)
        y = logits.argmax(dim=1)
        out[alive, t] = y[alive]
        alive &= y != eos_index
        t += 1
    return out[:, :t]


def per_row_lists(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    rows = [[] for _ in range(N)]
    y = torch.full((N,), sos_index, dtype=torch.long, device=h.device)
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.max(dim=-1).indices
        for n in range(N):
            if not rows[n] or rows[n][-1] != eos_index:
                rows[n].append(int(y[n]))
        if all(r[-1] == eos_index for r in rows):
            break
    T = max(len(r) for r in rows)
    return torch.tensor(
        [r + [pad_index] * (T - len(r)) for r in rows], dtype=torch.long, device=h.device
    )


ATTEMPTS = [
    Attempt(
        keeps_sos, False, "returned the SOS column in front of the predictions", ("sos|start",)
    ),
    Attempt(
        no_padding_after_eos,
        False,
        "kept the predictions a row makes after its EOS instead of writing pad_index there",
        ("pad|after|eos|finish",),
    ),
    Attempt(
        stops_at_first_eos,
        False,
        "stopped as soon as any row wrote EOS instead of when every row had",
        ("all|every|any|stop",),
    ),
    Attempt(
        always_max_len,
        False,
        "always ran max_len steps instead of stopping when every row had ended",
        ("stop|max_len|early|length",),
    ),
    Attempt(
        feeds_sos_every_step,
        False,
        "fed SOS at every step instead of the previous prediction",
        ("feed|previous|prediction|sos",),
    ),
    Attempt(
        context_every_step,
        False,
        "passed the context h to every step instead of the state each step returned",
        ("state|carr|h_next|context",),
    ),
    Attempt(
        pads_the_eos_too,
        False,
        "marked a row finished before writing its token, so the EOS itself became padding",
        ("eos|kept|keep",),
    ),
    Attempt(
        float_buffer,
        False,
        "filled a float tensor, so the tokens are not int64",
        ("dtype|int64|long|float",),
    ),
    Attempt(
        softmax_draw_instead_of_argmax,
        False,
        "drew tokens from the softmax instead of taking the most likely one",
        ("argmax|greedy|most likely|draw|sampl",),
    ),
    Attempt(preallocated_then_trimmed, True),
    Attempt(per_row_lists, True),
]
