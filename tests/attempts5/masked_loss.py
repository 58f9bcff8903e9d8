"""Attempts at masked_loss, lesson 10 (variable-length batches)."""

import torch
import torch.nn.functional as F
from attempts import Attempt
from torch.nn.utils.rnn import pack_padded_sequence


def _batch_first(logits, targets, batch_first):
    if batch_first:
        return logits, targets
    return logits.transpose(0, 1), targets.transpose(0, 1)  # (N, L, C), (N, L)


def _mask(lengths, L):
    return torch.arange(L)[None, :] < lengths[:, None]  # (N, L)


def _per_position(logits, targets):
    return F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (N, L)


def plain_mean(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    return _per_position(logits, targets).mean()


def padding_as_free(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = _mask(lengths, targets.shape[1])
    return (_per_position(logits, targets) * mask).mean()


def ignore_index_on_raw_targets(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)  # padding is 0, surely


def softmax_before_cross_entropy(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = _mask(lengths, targets.shape[1])
    probs = logits.softmax(dim=-1)  # (N, L, C)
    return _per_position(probs, targets)[mask].mean()


def mean_of_sequence_means(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = _mask(lengths, targets.shape[1])
    per_sequence = (_per_position(logits, targets) * mask).sum(dim=1) / lengths  # (N,)
    return per_sequence.mean()


def mask_with_less_or_equal(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    L = targets.shape[1]
    mask = torch.arange(L)[None, :] <= lengths[:, None]  # (N, L)
    return _per_position(logits, targets)[mask].mean()


def transposes_logits_only(logits, targets, lengths, batch_first):
    if not batch_first:
        logits = logits.transpose(0, 1)  # (N, L, C); the targets stay as they came
    flat_logits = logits.reshape(-1, logits.shape[-1])  # (N * L, C)
    flat_targets = targets.reshape(-1)  # (N * L,)
    mask = _mask(lengths, logits.shape[1]).reshape(-1)
    return F.cross_entropy(flat_logits[mask], flat_targets[mask])


def log_prob_without_minus(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = _mask(lengths, targets.shape[1])
    log_probs = logits.log_softmax(dim=-1)  # (N, L, C)
    picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (N, L)
    return picked[mask].mean()


def packs_with_enforce_sorted(logits, targets, lengths, batch_first):
    packed_logits = pack_padded_sequence(logits, lengths, batch_first=batch_first)
    packed_targets = pack_padded_sequence(targets, lengths, batch_first=batch_first)
    return F.cross_entropy(packed_logits.data, packed_targets.data)


def sum_over_mask_count(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = _mask(lengths, targets.shape[1])
    losses = _per_position(logits, targets)  # (N, L)
    return torch.where(mask, losses, torch.zeros_like(losses)).sum() / mask.sum()


def packs_both(logits, targets, lengths, batch_first):
    kw = dict(batch_first=batch_first, enforce_sorted=False)
    packed_logits = pack_padded_sequence(logits, lengths.cpu(), **kw)
    packed_targets = pack_padded_sequence(targets, lengths.cpu(), **kw)
    return F.cross_entropy(packed_logits.data, packed_targets.data)


def ignore_index_on_a_masked_copy(logits, targets, lengths, batch_first):
    logits, targets = _batch_first(logits, targets, batch_first)
    mask = _mask(lengths, targets.shape[1])
    marked = targets.masked_fill(~mask, -100)  # a new tensor: the padding now holds -100
    return F.cross_entropy(logits.transpose(1, 2), marked, ignore_index=-100)


ATTEMPTS = [
    Attempt(
        plain_mean,
        False,
        "takes a plain mean over every position, padding included, and never uses the lengths",
        ("pad|mask|real|length",),
    ),
    Attempt(
        padding_as_free,
        False,
        "multiplies the losses by the mask but then divides by all N * L positions instead of the "
        "number of real ones",
        ("divid|denominator|count|number|all positions|every position",),
    ),
    Attempt(
        ignore_index_on_raw_targets,
        False,
        "uses ignore_index=0 on the targets as they are, which drops real positions of class 0 and "
        "keeps padding that holds another class",
        ("ignore_index|target",),
    ),
    Attempt(
        softmax_before_cross_entropy,
        False,
        "applies softmax to the logits before F.cross_entropy, which applies log-softmax itself",
        ("softmax|probabilit|raw|logit",),
    ),
    Attempt(
        mean_of_sequence_means,
        False,
        "averages each sequence's loss first and then averages the sequences, instead of one mean "
        "over all real positions together",
        ("sequence|row|mean of means|average of",),
    ),
    Attempt(
        mask_with_less_or_equal,
        False,
        "builds the mask with <= lengths, so it counts one padding step of every shorter sequence",
        ("<=|off|one step|one extra|one more|mask",),
    ),
    Attempt(
        transposes_logits_only,
        False,
        "transposes time-major logits to batch-first but leaves the targets time-major",
        ("target",),
    ),
    Attempt(
        log_prob_without_minus,
        False,
        "averages the log-probabilities of the targets but forgets the minus sign",
        ("sign|minus|negat",),
    ),
    Attempt(
        packs_with_enforce_sorted,
        False,
        "packs with enforce_sorted left at True, so a batch whose lengths are not sorted is refused",
        ("sort",),
    ),
    Attempt(sum_over_mask_count, True),
    Attempt(packs_both, True),
    Attempt(ignore_index_on_a_masked_copy, True),
]
