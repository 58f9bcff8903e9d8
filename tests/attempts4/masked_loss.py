"""Round-4 attempts at masked_loss (lesson 10, variable-length batches)."""

import torch
import torch.nn.functional as F
from attempts import Attempt
from torch.nn.utils.rnn import pack_padded_sequence


def _batch_first(logits, targets, batch_first):
    if batch_first:
        return logits, targets
    return logits.transpose(0, 1), targets.transpose(0, 1)


def _mask(lengths, L):
    return torch.arange(L)[None, :] < lengths[:, None]


def mean_over_everything(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    return F.cross_entropy(logits.transpose(1, 2), targets)


def mean_of_sequence_means(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    per = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    mask = _mask(lengths, targets.shape[1])
    return ((per * mask).sum(1) / lengths).mean()


def divides_by_all_positions(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    per = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    return (per * _mask(lengths, targets.shape[1])).mean()


def mask_one_step_too_long(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    per = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    mask = torch.arange(targets.shape[1])[None, :] <= lengths[:, None]
    return per[mask].mean()


def ignore_index_zero(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)


def softmax_before_loss(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    probs = torch.softmax(logits, dim=-1)
    return F.cross_entropy(
        probs[_mask(lengths, targets.shape[1])], targets[_mask(lengths, targets.shape[1])]
    )


def reshape_instead_of_transpose(logits, targets, lengths, batch_first):
    if not batch_first:
        L, N, C = logits.shape
        logits, targets = logits.reshape(N, L, C), targets.reshape(N, L)
    mask = _mask(lengths, targets.shape[1])
    return F.cross_entropy(logits[mask], targets[mask])


def overwrites_targets(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    targets[~_mask(lengths, targets.shape[1])] = -100
    return F.cross_entropy(logits.transpose(1, 2), targets)


def nll_on_raw_scores(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = _mask(lengths, targets.shape[1])
    return F.nll_loss(logits[mask], targets[mask])


def packed_rows(logits, targets, lengths, batch_first):
    packed_logits = pack_padded_sequence(
        logits, lengths.cpu(), batch_first=batch_first, enforce_sorted=False
    )
    packed_targets = pack_padded_sequence(
        targets, lengths.cpu(), batch_first=batch_first, enforce_sorted=False
    )
    return F.cross_entropy(packed_logits.data, packed_targets.data)


def by_hand_logsumexp(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = _mask(lengths, targets.shape[1])
    picked = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (N, L)
    per = torch.logsumexp(logits, dim=-1) - picked
    return torch.where(mask, per, torch.zeros_like(per)).sum() / mask.sum()


def ignore_index_on_a_copy(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    safe = targets.masked_fill(~_mask(lengths, targets.shape[1]), -100)
    return F.cross_entropy(logits.transpose(1, 2), safe, ignore_index=-100)


ATTEMPTS = [
    Attempt(
        mean_over_everything,
        False,
        "took the mean over every position, padding included",
        ("padd|mask|real",),
    ),
    Attempt(
        mean_of_sequence_means,
        False,
        "averaged each sequence first and then averaged the sequences, weighting short ones more",
        ("per sequence|each sequence|mean of|weight|one mean",),
    ),
    Attempt(
        divides_by_all_positions,
        False,
        "zeroed the padding but still divided by N * L instead of the number of real positions",
        ("divid|count|number|n * l|real",),
    ),
    Attempt(
        mask_one_step_too_long,
        False,
        "built the mask with <= so each sequence also scores one padded step",
        ("off by one|off-by-one|<=|one padd|mask",),
    ),
    Attempt(
        ignore_index_zero,
        False,
        "used ignore_index=0 on the targets, but padding can hold any class and real targets can be 0",
        ("ignore_index|target|class",),
    ),
    Attempt(
        softmax_before_loss,
        False,
        "applied softmax before cross_entropy, which already applies log-softmax",
        ("softmax|raw|logit",),
    ),
    Attempt(
        reshape_instead_of_transpose,
        False,
        "used reshape instead of transpose to make the time-major input batch-first, scrambling positions",
        ("reshape|view|transpos|layout",),
    ),
    Attempt(
        overwrites_targets,
        False,
        "wrote -100 into the caller's targets in place",
        ("in place|in-place|chang|modif",),
    ),
    Attempt(
        nll_on_raw_scores,
        False,
        "called nll_loss on raw scores, forgetting the log-softmax",
        ("log_softmax|log-softmax|log softmax|nll",),
    ),
    Attempt(packed_rows, True),
    Attempt(by_hand_logsumexp, True),
    Attempt(ignore_index_on_a_copy, True),
]
