"""Attempts at ``seq2seq_loss`` (lesson 15, encoder-decoder)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _inputs(tgt, sos_index):
    sos = torch.full_like(tgt[:, :1], sos_index)
    return torch.cat([sos, tgt[:, :-1]], dim=1)  # (N, L): SOS, then the targets shifted right


def _run(step, h, inputs):
    logits = []
    for t in range(inputs.shape[1]):
        step_logits, h = step(inputs[:, t], h)
        logits.append(step_logits)
    return torch.stack(logits, dim=1)  # (N, L, C)


def targets_as_inputs(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, tgt)
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=pad_index)


def context_at_every_step(step, h, tgt, sos_index, pad_index):
    inputs = _inputs(tgt, sos_index)
    logits = torch.stack([step(inputs[:, t], h)[0] for t in range(tgt.shape[1])], dim=1)
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=pad_index)


def padding_scored(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten())


def last_column_left_out(step, h, tgt, sos_index, pad_index):
    logits = _run(
        step, h, _inputs(tgt, sos_index)
    )  # the last target is never an input, so not scored
    return F.cross_entropy(
        logits[:, :-1].flatten(0, 1), tgt[:, :-1].flatten(), ignore_index=pad_index
    )


def fed_its_own_guess(step, h, tgt, sos_index, pad_index):
    y = torch.full_like(tgt[:, 0], sos_index)
    logits = []
    for _ in range(tgt.shape[1]):
        step_logits, h = step(y, h)
        logits.append(step_logits)
        y = step_logits.argmax(dim=-1)
    logits = torch.stack(logits, dim=1)
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=pad_index)


def mean_of_sequence_means(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    per_token = F.cross_entropy(logits.transpose(1, 2), tgt, reduction="none")  # (N, L)
    real = tgt != pad_index
    return ((per_token * real).sum(dim=1) / real.sum(dim=1)).mean()


def stacked_time_first_flattened_batch_first(step, h, tgt, sos_index, pad_index):
    inputs = _inputs(tgt, sos_index)
    logits = []
    for t in range(tgt.shape[1]):
        step_logits, h = step(inputs[:, t], h)
        logits.append(step_logits)
    logits = torch.stack(logits)  # (L, N, C)
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=pad_index
    )


def softmax_before_the_loss(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    probs = logits.softmax(dim=-1)
    return F.cross_entropy(probs.flatten(0, 1), tgt.flatten(), ignore_index=pad_index)


def summed_over_tokens(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    return F.cross_entropy(
        logits.flatten(0, 1), tgt.flatten(), ignore_index=pad_index, reduction="sum"
    )


def summed_then_divided(step, h, tgt, sos_index, pad_index):
    y = torch.full_like(tgt[:, 0], sos_index)
    total = 0.0
    for t in range(tgt.shape[1]):
        logits, h = step(y, h)
        total = total + F.cross_entropy(logits, tgt[:, t], ignore_index=pad_index, reduction="sum")
        y = tgt[:, t]
    return total / (tgt != pad_index).sum()


def log_probs_into_a_buffer(step, h, tgt, sos_index, pad_index):
    N, L = tgt.shape
    picked = None
    inputs = _inputs(tgt, sos_index)
    for t in range(L):
        logits, h = step(inputs[:, t], h)
        if picked is None:
            picked = logits.new_zeros(N, L)  # (N, L): log-probability of each target
        picked[:, t] = logits.log_softmax(dim=-1).gather(1, tgt[:, t : t + 1])[:, 0]
    real = tgt != pad_index
    return -picked[real].mean()


ATTEMPTS = [
    Attempt(
        targets_as_inputs,
        False,
        "Feeds target t as the input of step t, so each step is shown the token it must predict; no SOS, no shift.",
        ("shift|sos|previous|right",),
    ),
    Attempt(
        context_at_every_step,
        False,
        "Starts every step from the context h instead of carrying the state the previous step returned.",
        ("carr|h_next|state|context",),
    ),
    Attempt(
        padding_scored,
        False,
        "Takes the mean over every target position, padding included.",
        ("pad|ignore|mask",),
    ),
    Attempt(
        last_column_left_out,
        False,
        "Leaves the last target column out of the loss, misreading 'the last target is never an input'.",
        ("last|eos|final|every|column",),
    ),
    Attempt(
        fed_its_own_guess,
        False,
        "Feeds the decoder its own argmax instead of the true previous target (no teacher forcing).",
        ("teacher|forc|argmax|own|true previous|previous target",),
    ),
    Attempt(
        mean_of_sequence_means,
        False,
        "Averages each sequence over its own tokens, then the sequences, instead of one mean over all real tokens.",
        ("sequence|weigh|mean of|each row|per row",),
    ),
    Attempt(
        stacked_time_first_flattened_batch_first,
        False,
        "Stacks the logits time-first (L, N, C) but flattens the targets batch-first, so they do not line up.",
        ("order|transpos|flatten|layout|axis|axes|line up|time",),
    ),
    Attempt(
        softmax_before_the_loss,
        False,
        "Applies softmax before cross_entropy, which already takes raw logits.",
        ("softmax|logit|raw",),
    ),
    Attempt(
        summed_over_tokens,
        False,
        "Sums the losses of the real tokens instead of taking their mean.",
        ("mean|sum|divid|averag",),
    ),
    Attempt(summed_then_divided, True),
    Attempt(log_probs_into_a_buffer, True),
]
