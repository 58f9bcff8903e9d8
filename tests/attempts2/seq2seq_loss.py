"""Attempts at seq2seq_loss, lesson 15 (encoder-decoder)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _teacher_inputs(tgt, sos_index):
    return torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)  # (N, L)


def _run(step, h, inputs):
    scores = []
    for t in range(inputs.shape[1]):
        logits, h = step(inputs[:, t], h)
        scores.append(logits)
    return torch.stack(scores, dim=1)  # (N, L, C)


def feeds_the_target_itself(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, tgt)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def starts_without_sos(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, tgt[:, :-1])  # (N, L - 1, C): predicts tgt[:, 1:]
    return F.cross_entropy(logits.transpose(1, 2), tgt[:, 1:], ignore_index=pad_index)


def context_at_every_step(step, h, tgt, sos_index, pad_index):
    inputs = _teacher_inputs(tgt, sos_index)
    scores = []
    for t in range(tgt.shape[1]):
        logits, _ = step(inputs[:, t], h)
        scores.append(logits)
    return F.cross_entropy(torch.stack(scores, dim=2), tgt, ignore_index=pad_index)


def padding_scored(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _teacher_inputs(tgt, sos_index))
    return F.cross_entropy(logits.transpose(1, 2), tgt)


def mask_from_the_inputs(step, h, tgt, sos_index, pad_index):
    inputs = _teacher_inputs(tgt, sos_index)
    logits = _run(step, h, inputs)
    real = inputs != pad_index  # (N, L)
    return F.cross_entropy(logits[real], tgt[real])


def mean_of_row_means(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _teacher_inputs(tgt, sos_index))
    losses = F.cross_entropy(logits.transpose(1, 2), tgt, reduction="none")  # (N, L)
    real = tgt != pad_index
    return ((losses * real).sum(dim=1) / real.sum(dim=1)).mean()


def feeds_its_own_guess(step, h, tgt, sos_index, pad_index):
    y = torch.full_like(tgt[:, 0], sos_index)
    scores = []
    for _ in range(tgt.shape[1]):
        logits, h = step(y, h)
        scores.append(logits)
        y = logits.argmax(dim=-1)
    return F.cross_entropy(torch.stack(scores, dim=2), tgt, ignore_index=pad_index)


def steps_stacked_time_first(step, h, tgt, sos_index, pad_index):
    inputs = _teacher_inputs(tgt, sos_index)
    scores = []
    for t in range(tgt.shape[1]):
        logits, h = step(inputs[:, t], h)
        scores.append(logits)
    logits = torch.stack(scores)  # (L, N, C)
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=pad_index
    )


def summed_over_tokens(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _teacher_inputs(tgt, sos_index))
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index, reduction="sum")


def step_losses_then_count(step, h, tgt, sos_index, pad_index):
    y = tgt.new_full((tgt.shape[0],), sos_index)
    total = 0.0
    for t in range(tgt.shape[1]):
        logits, h = step(y, h)
        total = total + F.cross_entropy(logits, tgt[:, t], ignore_index=pad_index, reduction="sum")
        y = tgt[:, t]
    return total / (tgt != pad_index).sum()


def preallocated_scores(step, h, tgt, sos_index, pad_index):
    N, L = tgt.shape
    previous = torch.roll(tgt, shifts=1, dims=1)
    previous[:, 0] = sos_index  # SOS, then the targets shifted right
    first, h = step(previous[:, 0], h)
    logits = first.new_empty(N, L, first.shape[-1])
    logits[:, 0] = first
    for t in range(1, L):
        logits[:, t], h = step(previous[:, t], h)
    keep = tgt.ne(pad_index).reshape(-1)
    return F.cross_entropy(logits.reshape(N * L, -1)[keep], tgt.reshape(-1)[keep])


ATTEMPTS = [
    Attempt(
        feeds_the_target_itself,
        False,
        "feeds tgt[:, t] at step t, the token it must predict, instead of SOS and the targets shifted right"
        " by one",
        ("shift|sos|previous|right",),
    ),
    Attempt(
        starts_without_sos,
        False,
        "leaves out SOS and feeds tgt[:, :-1], so the first target token is never predicted",
        ("sos|first",),
    ),
    Attempt(
        context_at_every_step,
        False,
        "starts every step from the context h and throws away the h_next that step returns",
        ("carr|h_next|update|previous|returned|feed",),
    ),
    Attempt(
        padding_scored,
        False,
        "averages over every target position, padding included",
        ("pad|ignore",),
    ),
    Attempt(
        mask_from_the_inputs,
        False,
        "builds the mask from the shifted inputs instead of the targets, so each row's first padding"
        " position after EOS is scored",
        ("shift|one position|off by|off-by|inputs instead",),
    ),
    Attempt(
        mean_of_row_means,
        False,
        "averages each row's loss first and then the rows, so tokens of short rows weigh more",
        ("each row|per row|per-row|per sequence|weigh|mean of",),
    ),
    Attempt(
        feeds_its_own_guess,
        False,
        "feeds back the decoder's own argmax instead of the true previous target (no teacher forcing)",
        ("teacher|target|argmax|own|guess|prediction",),
    ),
    Attempt(
        steps_stacked_time_first,
        False,
        "stacks the steps time-first, (L, N, C), then flattens them against tgt flattened in (N, L) order,"
        " so scores and targets are paired wrongly",
        ("order|transpos|layout|axis|axes|stack|pair",),
    ),
    Attempt(
        summed_over_tokens,
        False,
        "sums the cross-entropy over the real tokens instead of averaging",
        ("sum|mean|averag",),
    ),
    Attempt(step_losses_then_count, True),
    Attempt(preallocated_scores, True),
]
