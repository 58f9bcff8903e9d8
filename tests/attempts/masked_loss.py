"""Attempts at lesson 10's `masked_loss(logits, targets, lengths, batch_first)`."""

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

from attempts import Attempt


def _batch_first(logits, targets, batch_first):
    if batch_first:
        return logits, targets
    return logits.transpose(0, 1), targets.transpose(0, 1)


def _per_position(logits, targets):
    return F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (N, L)


def mask_on_wrong_axis(logits, targets, lengths, batch_first):
    per = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none").view(
        targets.shape
    )
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]  # (N, L), whatever the layout
    return (per * mask).sum() / mask.sum()


def numerator_over_all_positions(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    per = _per_position(logits, targets)
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]
    return per.sum() / mask.sum()


def mean_of_sequence_means(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    per = _per_position(logits, targets)
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]
    return ((per * mask).sum(1) / lengths).mean()


def ignore_index_zero(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)


def one_padded_step_included(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    per = _per_position(logits, targets)
    mask = torch.arange(targets.shape[1])[None, :] <= lengths[:, None]
    return (per * mask).sum() / mask.sum()


def plain_mean(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    return _per_position(logits, targets).mean()


def layout_ignored(logits, targets, lengths, batch_first):
    per = _per_position(logits, targets)
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]
    return (per * mask).sum() / mask.sum()


def classes_not_on_axis_1(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    per = F.cross_entropy(logits, targets, reduction="none")
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]
    return (per * mask).sum() / mask.sum()


def padded_targets_zeroed(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]
    return F.cross_entropy(logits.transpose(1, 2), targets * mask, ignore_index=0)


def divided_by_batch_size(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    per = _per_position(logits, targets)
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]
    return (per * mask).sum() / len(lengths)


def boolean_selection(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    real = torch.arange(targets.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)  # (N, L)
    return F.cross_entropy(logits[real], targets[real])


def packed_like_lesson_11(logits, targets, lengths, batch_first):
    packed_logits = pack_padded_sequence(
        logits, lengths, batch_first=batch_first, enforce_sorted=False
    )
    packed_targets = pack_padded_sequence(
        targets, lengths, batch_first=batch_first, enforce_sorted=False
    )
    return F.cross_entropy(packed_logits.data, packed_targets.data)


def loop_over_sequences(logits, targets, lengths, batch_first):
    total = logits.new_zeros(())
    for n, length in enumerate(lengths.tolist()):
        seq_logits = logits[n, :length] if batch_first else logits[:length, n]
        seq_targets = targets[n, :length] if batch_first else targets[:length, n]
        total = total + F.cross_entropy(seq_logits, seq_targets, reduction="sum")
    return total / lengths.sum()


def where_weights(logits, targets, lengths, batch_first):
    time_axis = 1 if batch_first else 0
    steps = torch.arange(targets.shape[time_axis])
    real = steps[None, :] < lengths[:, None] if batch_first else steps[:, None] < lengths[None, :]
    per = -torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return torch.where(real, per, torch.zeros_like(per)).sum() / real.sum()


ATTEMPTS = [
    Attempt(
        mask_on_wrong_axis,
        False,
        "The mask is built (N, L) whatever the layout, so on time-major targets it marks the wrong positions.",
        ("mask", "axis|layout|time-major|batch_first|transpos|shape"),
    ),
    Attempt(
        numerator_over_all_positions,
        False,
        "The numerator sums the loss over every position, padding included; only the denominator counts real ones.",
        ("pad",),
    ),
    Attempt(
        mean_of_sequence_means,
        False,
        "It averages each sequence's mean; the exercise asks for one mean over all real positions together.",
        ("sequence|one mean|weigh",),
    ),
    Attempt(
        ignore_index_zero,
        False,
        "ignore_index=0 drops real positions whose target is class 0 and keeps padded ones with other classes.",
        ("ignore_index|class 0",),
    ),
    Attempt(
        one_padded_step_included,
        False,
        "The mask uses <=, so each sequence counts one padded step too many.",
        ("<=|off by one|one step|one extra|extra",),
    ),
    Attempt(
        plain_mean, False, "A plain mean over all positions includes the padding.", ("pad|mask",)
    ),
    Attempt(
        layout_ignored,
        False,
        "batch_first is ignored: time-major logits are read as batch-first.",
        ("batch_first|batch-first|layout|time-major",),
    ),
    Attempt(
        classes_not_on_axis_1,
        False,
        "F.cross_entropy expects the classes on axis 1; (N, L, C) logits must be transposed to (N, C, L).",
        ("class|axis 1|dim 1|transpos",),
    ),
    Attempt(
        padded_targets_zeroed,
        False,
        "Zeroing the padded targets and ignoring class 0 also drops the real positions whose class is 0.",
        ("class 0|ignore_index|0",),
    ),
    Attempt(
        divided_by_batch_size,
        False,
        "The masked sum is divided by N, the number of sequences, instead of the number of real positions.",
        ("divid|number of real|count|positions",),
    ),
    Attempt(boolean_selection, True),
    Attempt(packed_like_lesson_11, True),
    Attempt(loop_over_sequences, True),
    Attempt(where_weights, True),
]
