"""Attempts at attention, lesson 16 (attention)."""

import math

import torch
from attempts import Attempt


def _weights(scores, mask):
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    return scores.softmax(dim=-1)  # (N, L, S)


def unscaled_scores(query, keys, values, mask=None):
    weights = _weights(query @ keys.transpose(1, 2), mask)
    return weights @ values, weights


def scaled_by_value_size(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(values.shape[-1])
    weights = _weights(scores, mask)
    return weights @ values, weights


def softmax_over_queries(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])  # (N, L, S)
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = scores.softmax(dim=1)
    return weights @ values, weights


def padding_zeroed_after_softmax(query, keys, values, mask=None):
    weights = (query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])).softmax(dim=-1)
    if mask is not None:
        weights = weights * mask[:, None, :]
    return weights @ values, weights


def true_means_padding(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask[:, None, :], float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def padded_scores_set_to_zero(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores * mask[:, None, :]
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def weights_first(query, keys, values, mask=None):
    weights = _weights(query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1]), mask)
    return weights, weights @ values


def averages_the_keys(query, keys, values, mask=None):
    weights = _weights(query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1]), mask)
    return weights @ keys, weights


def query_scaled_in_place(query, keys, values, mask=None):
    query /= math.sqrt(query.shape[-1])
    weights = _weights(query @ keys.transpose(1, 2), mask)
    return weights @ values, weights


def mask_never_used(query, keys, values, mask=None):
    weights = (query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])).softmax(dim=-1)
    return weights @ values, weights


def einsum_and_where(query, keys, values, mask=None):
    scores = torch.einsum("nle,nse->nls", query, keys) / query.shape[-1] ** 0.5
    if mask is not None:
        scores = torch.where(mask.unsqueeze(1), scores, torch.full_like(scores, -math.inf))
    weights = torch.softmax(scores, dim=2)
    return torch.einsum("nls,nsv->nlv", weights, values), weights


def baddbmm_and_log_mask(query, keys, values, mask=None):
    N, L, S = query.shape[0], query.shape[1], keys.shape[1]
    bias = query.new_zeros(N, L, S)
    if mask is not None:
        bias = (
            bias + torch.log(mask.to(query.dtype))[:, None, :]
        )  # log 1 = 0 on real keys, -inf on padding
    scores = torch.baddbmm(bias, query, keys.mT, alpha=1 / math.sqrt(query.shape[-1]))
    weights = scores.softmax(dim=-1)  # (N, L, S)
    return torch.bmm(weights, values), weights


ATTEMPTS = [
    Attempt(
        unscaled_scores,
        False,
        "leaves out the division of the scores by sqrt(E)",
        ("sqrt|scal|√",),
    ),
    Attempt(
        scaled_by_value_size,
        False,
        "divides by the square root of the values' size E_v, where E is the size of a query and a key",
        ("e_v|value|key size|query size|size of a query",),
    ),
    Attempt(
        softmax_over_queries,
        False,
        "takes the softmax over the queries axis (dim=1) instead of over the keys",
        ("softmax|axis|dim|over the keys|sum to 1|sums to 1",),
    ),
    Attempt(
        padding_zeroed_after_softmax,
        False,
        "multiplies the weights by the mask after the softmax, so the real keys' weights no longer sum to 1",
        ("after|before|-inf|sum to 1|sums to 1|score",),
    ),
    Attempt(
        true_means_padding,
        False,
        "fills -inf where the mask is True, but True marks the real keys, not the padding",
        ("true|invert|convention|revers|opposite",),
    ),
    Attempt(
        padded_scores_set_to_zero,
        False,
        "multiplies the padded scores by 0, but a score of 0 still gets weight after the softmax; only -inf"
        " gets none",
        ("-inf|infinit|score of 0|score 0|zero score|exp(0)",),
    ),
    Attempt(
        weights_first,
        False,
        "returns (weights, context) instead of (context, weights)",
        ("order|swap|return|(context, weights)",),
    ),
    Attempt(
        averages_the_keys,
        False,
        "takes the weighted average of the keys instead of the values",
        ("value",),
    ),
    Attempt(
        query_scaled_in_place,
        False,
        "scales the query with /=, which changes the caller's query in place",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        mask_never_used,
        False,
        "never applies the mask, so padded keys still get weight",
        ("mask|padd",),
    ),
    Attempt(einsum_and_where, True),
    Attempt(baddbmm_and_log_mask, True),
]
