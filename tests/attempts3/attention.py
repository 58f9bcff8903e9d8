"""Attempts at ``attention`` (lesson 16, attention)."""

import math

import torch
from attempts import Attempt


def _scores(query, keys):
    return query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])  # (N, L, S)


def _masked(scores, mask):
    if mask is None:
        return scores
    return scores.masked_fill(~mask[:, None, :], float("-inf"))


def scaled_by_the_value_size(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(values.shape[-1])
    weights = _masked(scores, mask).softmax(dim=-1)
    return weights @ values, weights


def softmax_over_the_queries(query, keys, values, mask=None):
    weights = _masked(_scores(query, keys), mask).softmax(dim=1)
    return weights @ values, weights


def padded_scores_set_to_zero(query, keys, values, mask=None):
    scores = _scores(query, keys)
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], 0.0)
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def mask_read_as_padding(query, keys, values, mask=None):
    scores = _scores(query, keys)
    if mask is not None:
        scores = scores.masked_fill(
            mask[:, None, :], float("-inf")
        )  # True = ignore, as key_padding_mask
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def mask_applied_after_softmax(query, keys, values, mask=None):
    weights = _scores(query, keys).softmax(dim=-1)
    if mask is not None:
        weights = weights * mask[:, None, :]
    return weights @ values, weights


def weights_keys_first(query, keys, values, mask=None):
    weights = _masked(_scores(query, keys), mask).softmax(dim=-1)
    return weights @ values, weights.transpose(1, 2)  # (N, S, L): one column per key


def weights_first(query, keys, values, mask=None):
    weights = _masked(_scores(query, keys), mask).softmax(dim=-1)
    return weights, weights @ values


def average_of_the_keys(query, keys, values, mask=None):
    weights = _masked(_scores(query, keys), mask).softmax(dim=-1)
    return weights @ keys, weights


def truth_value_of_the_mask(query, keys, values, mask=None):
    scores = _scores(query, keys)
    if mask:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def einsum_with_where(query, keys, values, mask=None):
    scores = torch.einsum("nle,nse->nls", query, keys) / query.shape[-1] ** 0.5
    if mask is not None:
        scores = torch.where(mask.unsqueeze(1), scores, torch.full_like(scores, -math.inf))
    weights = torch.softmax(scores, dim=2)
    return torch.einsum("nls,nsv->nlv", weights, values), weights


def baddbmm_and_manual_softmax(query, keys, values, mask=None):
    N, L, E = query.shape
    bias = query.new_zeros(N, 1, keys.shape[1])  # (N, 1, S): 0 for real keys
    scores = torch.baddbmm(bias.expand(N, L, -1), query, keys.mT, alpha=1 / math.sqrt(E))
    exp = (scores - scores.amax(dim=-1, keepdim=True)).exp()
    if mask is not None:
        exp = exp * mask[:, None, :]  # exactly 0 on padding, before normalising
    weights = exp / exp.sum(dim=-1, keepdim=True)
    return torch.bmm(weights, values), weights


def scale_the_query_first(query, keys, values, mask=None):
    scores = (query / math.sqrt(query.shape[-1])) @ keys.mT
    if mask is not None:
        scores = scores + torch.zeros_like(scores).masked_fill(~mask[:, None, :], -math.inf)
    weights = scores.softmax(-1)
    return weights @ values, weights


ATTEMPTS = [
    Attempt(
        scaled_by_the_value_size,
        False,
        "Divides the scores by the square root of the value size E_v instead of the query and key size E.",
        ("sqrt|scale|size|e_v|dimension",),
    ),
    Attempt(
        softmax_over_the_queries,
        False,
        "Takes the softmax over the queries (dim 1) instead of over the keys (the last axis).",
        ("axis|dim|over the keys|queries|softmax",),
    ),
    Attempt(
        padded_scores_set_to_zero,
        False,
        "Sets padded keys' scores to 0 instead of -inf, so they still get weight.",
        ("inf|mask",),
    ),
    Attempt(
        mask_read_as_padding,
        False,
        "Reads True in the mask as padding (as nn.MultiheadAttention's key_padding_mask does), the opposite meaning.",
        ("true|invert|meaning|opposite|real|convention",),
    ),
    Attempt(
        mask_applied_after_softmax,
        False,
        "Zeroes the padded keys' weights after the softmax without renormalising, so the weights no longer sum to 1.",
        ("sum|normali|renormal|after|before",),
    ),
    Attempt(
        weights_keys_first,
        False,
        "Returns the weights transposed, (N, S, L), instead of (N, L, S).",
        ("transpos|shape|(n, l, s)",),
    ),
    Attempt(
        weights_first,
        False,
        "Returns (weights, context) instead of (context, weights).",
        ("order|return|swap|tuple",),
    ),
    Attempt(
        average_of_the_keys,
        False,
        "Takes the weighted average of the keys instead of the values.",
        ("value|key",),
    ),
    Attempt(
        truth_value_of_the_mask,
        False,
        "Tests `if mask:` on a tensor, which fails for a real mask, instead of `if mask is not None`.",
        ("none|is not none|truth|ambiguous|bool",),
    ),
    Attempt(einsum_with_where, True),
    Attempt(baddbmm_and_manual_softmax, True),
    Attempt(scale_the_query_first, True),
]
