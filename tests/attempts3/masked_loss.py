"""Attempts at ``masked_loss`` (lesson 10, variable-length batches)."""

import torch
import torch.nn.functional as F
from attempts import Attempt
from torch.nn.utils.rnn import pack_padded_sequence


def _batch_major(logits, targets, batch_first):
    if batch_first:
        return logits, targets
    return logits.transpose(0, 1), targets.transpose(0, 1)  # (N, L, C), (N, L)


def _mask(lengths, L):
    return torch.arange(L)[None, :] < lengths[:, None]  # (N, L)


def _per_position(logits, targets):
    return F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (N, L)


def plain_mean(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    return _per_position(logits, targets).mean()


def padding_as_free(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    per_position = _per_position(logits, targets)
    return (per_position * _mask(lengths, targets.shape[1])).mean()


def mean_of_sequence_means(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    per_position = _per_position(logits, targets) * _mask(lengths, targets.shape[1])
    return (per_position.sum(dim=1) / lengths).mean()


def ignore_class_zero(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)


def mask_flattened_in_the_wrong_order(logits, targets, lengths, batch_first):
    C = logits.shape[-1]
    per_position = F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1), reduction="none")
    mask = _mask(lengths, logits.shape[1] if batch_first else logits.shape[0]).reshape(-1)
    return (per_position * mask).sum() / mask.sum()


def reshaped_not_transposed(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    N, L, C = logits.shape
    per_position = F.cross_entropy(logits.reshape(N, C, L), targets, reduction="none")
    mask = _mask(lengths, L)
    return per_position[mask].mean()


def one_padding_step_included(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    L = targets.shape[1]
    mask = torch.arange(L)[None, :] <= lengths[:, None]
    return _per_position(logits, targets)[mask].mean()


def nll_on_raw_scores(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    per_position = F.nll_loss(logits.transpose(1, 2), targets, reduction="none")
    return per_position[_mask(lengths, targets.shape[1])].mean()


def targets_shifted_by_one(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    per_position = _per_position(logits[:, :-1], targets[:, 1:])  # (N, L - 1)
    mask = _mask(lengths - 1, targets.shape[1] - 1)
    return per_position[mask].mean()


def packed_rows(logits, targets, lengths, batch_first):
    packed_logits = pack_padded_sequence(
        logits, lengths, batch_first=batch_first, enforce_sorted=False
    )
    packed_targets = pack_padded_sequence(
        targets, lengths, batch_first=batch_first, enforce_sorted=False
    )
    return F.cross_entropy(packed_logits.data, packed_targets.data)


def log_softmax_and_gather(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    log_probs = logits.log_softmax(dim=-1)  # (N, L, C)
    picked = log_probs.gather(2, targets[..., None])[..., 0]  # (N, L)
    weights = _mask(lengths, targets.shape[1]).to(logits.dtype)
    return -(picked * weights).sum() / weights.sum()


def time_major_boolean_index(logits, targets, lengths, batch_first):
    if batch_first:
        logits, targets = logits.transpose(0, 1), targets.transpose(0, 1)  # (L, N, C), (L, N)
    mask = torch.arange(targets.shape[0])[:, None] < lengths[None, :]  # (L, N)
    return F.cross_entropy(logits[mask], targets[mask])


ATTEMPTS = [
    Attempt(
        plain_mean,
        False,
        "Takes the mean over every position, padding included, without any mask.",
        ("padd|mask|real",),
    ),
    Attempt(
        padding_as_free,
        False,
        "Zeroes the padding's losses with the mask but still divides by all N * L positions.",
        ("divid|count|number|real|mean",),
    ),
    Attempt(
        mean_of_sequence_means,
        False,
        "Averages each sequence over its own length, then averages the sequences, so short ones weigh more.",
        ("sequence|weigh|mean of|per row|each row",),
    ),
    Attempt(
        ignore_class_zero,
        False,
        "Finds the padding by ignore_index=0 on the targets, but padded targets may hold any class.",
        ("ignore_index|target",),
    ),
    Attempt(
        mask_flattened_in_the_wrong_order,
        False,
        "Flattens time-major losses but a batch-first mask, so the mask marks the wrong positions.",
        ("batch_first|time-major|time major|layout|transpos|axis|axes|order",),
    ),
    Attempt(
        reshaped_not_transposed,
        False,
        "Reshapes the logits to (N, C, L) instead of transposing them, scrambling the class scores.",
        ("reshape|view|transpos|permut|class",),
    ),
    Attempt(
        one_padding_step_included,
        False,
        "Builds the mask with <= lengths, which keeps one padding step after each sequence.",
        ("off|one|<=|extra",),
    ),
    Attempt(
        nll_on_raw_scores,
        False,
        "Calls nll_loss on the raw logits, forgetting log_softmax.",
        ("log_softmax|log-softmax|log softmax|softmax|nll",),
    ),
    Attempt(
        targets_shifted_by_one,
        False,
        "Shifts the targets one step left for next-character prediction, though they already line up with the logits.",
        ("shift|align|line up|next|one step",),
    ),
    Attempt(packed_rows, True),
    Attempt(log_softmax_and_gather, True),
    Attempt(time_major_boolean_index, True),
]
