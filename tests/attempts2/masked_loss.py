"""Attempts at masked_loss, lesson 10 (variable-length batches)."""

import torch
import torch.nn.functional as F
from attempts import Attempt
from torch.nn.utils.rnn import pack_padded_sequence


def _batch_major(logits, targets, batch_first):
    if batch_first:
        return logits, targets
    return logits.transpose(0, 1), targets.transpose(0, 1)  # (N, L, C), (N, L)


def _real(lengths, steps):
    return torch.arange(steps)[None, :] < lengths[:, None]  # (N, L)


def mean_over_everything(logits, targets, lengths, batch_first):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def padding_counted_in_mean(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    per_position = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (N, L)
    return (per_position * _real(lengths, targets.shape[1])).mean()


def mean_of_sequence_means(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    per_position = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (N, L)
    per_sequence = (per_position * _real(lengths, targets.shape[1])).sum(dim=1) / lengths  # (N,)
    return per_sequence.mean()


def ignore_zero_targets(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)


def mask_one_step_too_long(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    mask = torch.arange(targets.shape[1])[None, :] <= lengths[:, None]  # steps 1..length
    return F.cross_entropy(logits[mask], targets[mask])


def flat_mask_in_batch_order(logits, targets, lengths, batch_first):
    num_classes = logits.shape[-1]
    steps = logits.shape[1] if batch_first else logits.shape[0]
    mask = _real(lengths, steps).reshape(-1)  # (N * L,)
    flat_logits = logits.reshape(-1, num_classes)
    flat_targets = targets.reshape(-1)
    return F.cross_entropy(flat_logits[mask], flat_targets[mask])


def softmax_then_cross_entropy(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    mask = _real(lengths, targets.shape[1])
    probabilities = logits.softmax(dim=-1)
    return F.cross_entropy(probabilities[mask], targets[mask])


def nll_on_raw_scores(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    mask = _real(lengths, targets.shape[1])
    return F.nll_loss(logits[mask], targets[mask])


def mark_padding_in_targets(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    targets[~_real(lengths, targets.shape[1])] = -100  # cross_entropy's default ignore_index
    return F.cross_entropy(logits.transpose(1, 2), targets)


def summed_not_averaged(logits, targets, lengths, batch_first):
    logits, targets = _batch_major(logits, targets, batch_first)
    mask = _real(lengths, targets.shape[1])
    return F.cross_entropy(logits[mask], targets[mask], reduction="sum")


def packed_positions(logits, targets, lengths, batch_first):
    packed_logits = pack_padded_sequence(
        logits, lengths, batch_first=batch_first, enforce_sorted=False
    )
    packed_targets = pack_padded_sequence(
        targets, lengths, batch_first=batch_first, enforce_sorted=False
    )
    return F.cross_entropy(packed_logits.data, packed_targets.data)


def weighted_sum_over_count(logits, targets, lengths, batch_first):
    time_axis = 1 if batch_first else 0
    steps = logits.shape[time_axis]
    mask = torch.arange(steps)[None, :] < lengths[:, None]  # (N, L)
    if not batch_first:
        mask = mask.T  # (L, N), the layout of targets
    log_probs = torch.log_softmax(logits, dim=-1)
    picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # same layout as targets
    return -(picked * mask).sum() / mask.sum()


ATTEMPTS = [
    Attempt(
        mean_over_everything,
        False,
        "averages the cross-entropy over every position, the padding included",
        ("padd|mask|real",),
    ),
    Attempt(
        padding_counted_in_mean,
        False,
        "zeroes the padding's losses but still divides by N * L, all positions, instead of by the number of"
        " real positions",
        ("divid|denominat|number|count|all positions|n * l",),
    ),
    Attempt(
        mean_of_sequence_means,
        False,
        "averages each sequence's loss first and then the sequences, so a short sequence's positions weigh"
        " more than a long one's",
        ("each sequence|per sequence|per-sequence|mean of|weigh|row",),
    ),
    Attempt(
        ignore_zero_targets,
        False,
        "finds the padding from the targets with ignore_index=0, but a padded target may hold any class and"
        " real targets may be 0",
        ("ignore_index|padded target|from the targets|target value|targets hold|targets may",),
    ),
    Attempt(
        mask_one_step_too_long,
        False,
        "builds the mask with <= lengths, which also counts the first padded step of every shorter sequence",
        ("<=|off by|off-by|one extra|one more|one step|one position|- 1",),
    ),
    Attempt(
        flat_mask_in_batch_order,
        False,
        "flattens time-major logits and targets in (L, N) order but the mask in (N, L) order, so the mask"
        " marks the wrong positions when batch_first is False",
        ("batch_first|batch-first|time-major|layout|transpos|order|axis|axes",),
    ),
    Attempt(
        softmax_then_cross_entropy,
        False,
        "applies softmax before F.cross_entropy, which applies log-softmax itself to raw scores",
        ("softmax|raw|logit|probabilit",),
    ),
    Attempt(
        nll_on_raw_scores,
        False,
        "uses F.nll_loss on the raw scores, leaving out the log-softmax",
        ("log-softmax|log_softmax|log softmax|logarithm|log of",),
    ),
    Attempt(
        mark_padding_in_targets,
        False,
        "writes -100 into the padded targets to ignore them, which changes the caller's targets in place",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        summed_not_averaged,
        False,
        "sums the real positions' losses instead of averaging them",
        ("sum|mean|averag",),
    ),
    Attempt(packed_positions, True),
    Attempt(weighted_sum_over_count, True),
]
