"""Attempts at seq2seq_loss, lesson 15 (encoder-decoder)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _inputs(tgt, sos_index):
    sos = torch.full_like(tgt[:, :1], sos_index)  # (N, 1)
    return torch.cat([sos, tgt[:, :-1]], dim=1)  # (N, L): the targets shifted right


def _run(step, h, inputs):
    logits = []
    for t in range(inputs.shape[1]):
        out, h = step(inputs[:, t], h)
        logits.append(out)
    return torch.stack(logits, dim=1)  # (N, L, C)


def feeds_current_target(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, tgt)  # step t reads the token it must predict
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def no_start_token(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, tgt[:, :-1])  # (N, L - 1, C)
    return F.cross_entropy(logits.transpose(1, 2), tgt[:, 1:], ignore_index=pad_index)


def context_every_step(step, h, tgt, sos_index, pad_index):
    inputs = _inputs(tgt, sos_index)
    logits = []
    for t in range(inputs.shape[1]):
        out, _ = step(inputs[:, t], h)
        logits.append(out)
    logits = torch.stack(logits, dim=1)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def feeds_own_predictions(step, h, tgt, sos_index, pad_index):
    y = torch.full_like(tgt[:, 0], sos_index)
    logits = []
    for _ in range(tgt.shape[1]):
        out, h = step(y, h)
        logits.append(out)
        y = out.argmax(dim=-1)
    logits = torch.stack(logits, dim=1)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def counts_padding(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    return F.cross_entropy(logits.transpose(1, 2), tgt)


def time_major_stack_flattened(step, h, tgt, sos_index, pad_index):
    inputs = _inputs(tgt, sos_index)
    logits = []
    for t in range(inputs.shape[1]):
        out, h = step(inputs[:, t], h)
        logits.append(out)
    logits = torch.stack(logits)  # (L, N, C)
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=pad_index
    )


def mean_per_sequence(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    losses = F.cross_entropy(logits.transpose(1, 2), tgt, reduction="none")  # (N, L)
    real = tgt != pad_index
    return ((losses * real).sum(dim=1) / real.sum(dim=1)).mean()


def sums_step_means(step, h, tgt, sos_index, pad_index):
    inputs = _inputs(tgt, sos_index)
    loss = 0.0
    for t in range(inputs.shape[1]):
        out, h = step(inputs[:, t], h)
        if (tgt[:, t] != pad_index).any():
            loss = loss + F.cross_entropy(out, tgt[:, t], ignore_index=pad_index)
    return loss


def indexes_rows_as_steps(step, h, tgt, sos_index, pad_index):
    y = torch.full_like(tgt[:, 0], sos_index)
    logits = []
    for t in range(tgt.shape[1]):
        out, h = step(y, h)
        logits.append(out)
        y = tgt[t]  # the target of this step, to feed next
    logits = torch.stack(logits, dim=1)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def sum_and_count(step, h, tgt, sos_index, pad_index):
    y = torch.full((tgt.shape[0],), sos_index, dtype=tgt.dtype, device=tgt.device)
    total, count = 0.0, 0
    for t in range(tgt.shape[1]):
        logits, h = step(y, h)
        real = tgt[:, t] != pad_index  # (N,)
        losses = F.cross_entropy(logits, tgt[:, t], reduction="none")  # (N,)
        total = total + losses[real].sum()
        count += int(real.sum())
        y = tgt[:, t]
    return total / count


def shifted_inputs_unbind(step, h, tgt, sos_index, pad_index):
    inputs = _inputs(tgt, sos_index)  # (N, L)
    logits = []
    for y in inputs.unbind(dim=1):
        out, h = step(y, h)
        logits.append(out)
    logits = torch.stack(logits, dim=1)  # (N, L, C)
    flat = logits.flatten(0, 1)  # (N * L, C)
    return F.cross_entropy(flat, tgt.flatten(), ignore_index=pad_index)


ATTEMPTS = [
    Attempt(
        feeds_current_target,
        False,
        "feeds each step the target it must predict instead of the previous target, with SOS first",
        ("shift|previous|sos|right|offset",),
    ),
    Attempt(
        no_start_token,
        False,
        "starts from the first target instead of SOS, so the first target is never scored",
        ("sos|start|first",),
    ),
    Attempt(
        context_every_step,
        False,
        "gives every step the context again instead of the state the previous step returned",
        ("state|carr|h_next|hidden",),
    ),
    Attempt(
        feeds_own_predictions,
        False,
        "feeds the decoder's own argmax predictions instead of the true previous targets",
        ("teacher|forc|argmax|prediction|own",),
    ),
    Attempt(
        counts_padding,
        False,
        "averages over every position, padding included, instead of leaving out pad_index",
        ("pad|ignore",),
    ),
    Attempt(
        time_major_stack_flattened,
        False,
        "stacks the logits time-major (L, N, C) but flattens the batch-first targets (N, L), so "
        "they are paired with the wrong positions",
        ("transpos|layout|stack|dim|axis|align|order",),
    ),
    Attempt(
        mean_per_sequence,
        False,
        "averages each sequence's loss and then the sequences, instead of one mean over all real "
        "target tokens",
        ("sequence|row|mean of means|average of|token",),
    ),
    Attempt(
        sums_step_means,
        False,
        "adds up the mean loss of every step instead of taking one mean over all real tokens",
        ("sum|add|mean|divid",),
    ),
    Attempt(
        indexes_rows_as_steps,
        False,
        "feeds tgt[t], row t of the batch, as if tgt were time-major, instead of column tgt[:, t]",
        ("row|column|batch|time|axis|index",),
    ),
    Attempt(sum_and_count, True),
    Attempt(shifted_inputs_unbind, True),
]
