"""Attempts at attention, lesson 16 (attention)."""

import math

import torch
from attempts import Attempt


def _masked(scores, mask):
    if mask is None:
        return scores
    return scores.masked_fill(~mask[:, None, :], float("-inf"))  # (N, L, S)


def no_scaling(query, keys, values, mask=None):
    scores = _masked(query @ keys.transpose(1, 2), mask)  # (N, L, S)
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def divides_by_size(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / query.shape[-1]
    weights = _masked(scores, mask).softmax(dim=-1)
    return weights @ values, weights


def softmax_over_queries(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    weights = _masked(scores, mask).softmax(dim=1)
    return weights @ values, weights


def mask_read_backwards(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask[:, None, :], float("-inf"))  # True = padding
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def masks_after_softmax(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    weights = scores.softmax(dim=-1)
    if mask is not None:
        weights = weights * mask[:, None, :]
    return weights @ values, weights


def mask_on_query_axis(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask[:, :, None], float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def masks_with_zero(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], 0.0)
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def keys_times_queries(query, keys, values, mask=None):
    scores = keys @ query.transpose(1, 2) / math.sqrt(query.shape[-1])  # (N, S, L)
    if mask is not None:
        scores = scores.masked_fill(~mask[:, :, None], float("-inf"))
    weights = scores.softmax(dim=1)
    return weights.transpose(1, 2) @ values, weights


def weights_first(query, keys, values, mask=None):
    scores = _masked(query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1]), mask)
    weights = scores.softmax(dim=-1)
    return weights, weights @ values


def averages_the_keys(query, keys, values, mask=None):
    scores = _masked(query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1]), mask)
    weights = scores.softmax(dim=-1)
    return weights @ keys, weights


def adds_the_mask(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])  # (N, L, S)
    if mask is not None:
        scores = scores + mask[:, None, :]  # an attention mask is added to the scores
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def einsum_scaled_query(query, keys, values, mask=None):
    q = query / query.shape[-1] ** 0.5
    scores = torch.einsum("nle,nse->nls", q, keys)  # (N, L, S)
    if mask is not None:
        scores = torch.where(mask.unsqueeze(1), scores, torch.tensor(float("-inf")))
    weights = torch.softmax(scores, dim=2)
    context = torch.einsum("nls,nsv->nlv", weights, values)  # (N, L, Ev)
    return context, weights


def exp_times_mask(query, keys, values, mask=None):
    scores = torch.bmm(query, keys.mT) / math.sqrt(keys.shape[-1])  # (N, L, S)
    if mask is not None:
        keep = mask[:, None, :].to(scores.dtype)  # (N, 1, S)
        top = scores.masked_fill(keep == 0, float("-inf")).amax(dim=-1, keepdim=True)
        e = torch.exp(scores - top) * keep
    else:
        e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    weights = e / e.sum(dim=-1, keepdim=True)
    return torch.bmm(weights, values), weights


ATTEMPTS = [
    Attempt(
        no_scaling,
        False,
        "leaves out the division of the scores by sqrt(E)",
        ("scal|sqrt|root",),
    ),
    Attempt(
        divides_by_size,
        False,
        "divides the scores by E instead of sqrt(E)",
        ("sqrt|root|scal",),
    ),
    Attempt(
        softmax_over_queries,
        False,
        "takes the softmax over the queries (dim 1) instead of over the keys",
        ("softmax|dim|axis|key",),
    ),
    Attempt(
        mask_read_backwards,
        False,
        "fills the scores where mask is True, reading True as padding, the opposite of the mask's "
        "meaning",
        ("true|invert|revers|opposite|meaning",),
    ),
    Attempt(
        masks_after_softmax,
        False,
        "zeroes the padded keys' weights after the softmax, so each query's weights no longer sum "
        "to 1",
        ("sum|normal|before|after",),
    ),
    Attempt(
        mask_on_query_axis,
        False,
        "broadcasts the (N, S) mask along the query axis with mask[:, :, None] instead of the key "
        "axis",
        ("broadcast|axis|dim|shape",),
    ),
    Attempt(
        masks_with_zero,
        False,
        "fills the padded keys' scores with 0 instead of -inf, so they still get weight",
        ("inf|negative|minus|exp",),
    ),
    Attempt(
        keys_times_queries,
        False,
        "computes keys @ query^T, so its weights are (N, S, L), the transpose of what was asked",
        ("transpos|shape|swap|order",),
    ),
    Attempt(
        weights_first,
        False,
        "returns (weights, context) instead of (context, weights)",
        ("order|swap|return",),
    ),
    Attempt(
        averages_the_keys,
        False,
        "averages the keys with the weights instead of the values",
        ("value",),
    ),
    Attempt(
        adds_the_mask,
        False,
        "adds the bool mask to the scores, which adds 1 to the real keys instead of giving the "
        "padded keys -inf",
        ("inf|add|bool|float",),
    ),
    Attempt(einsum_scaled_query, True),
    Attempt(exp_times_mask, True),
]
