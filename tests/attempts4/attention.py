"""Round-4 attempts at attention (lesson 16, attention)."""

import math

import torch
from attempts import Attempt


def _masked(scores, mask):
    if mask is None:
        return scores
    return scores.masked_fill(~mask[:, None, :], float("-inf"))


def unscaled(query, keys, values, mask=None):
    weights = torch.softmax(_masked(query @ keys.transpose(1, 2), mask), dim=-1)
    return weights @ values, weights


def scaled_by_e(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / query.shape[-1]
    weights = torch.softmax(_masked(scores, mask), dim=-1)
    return weights @ values, weights


def softmax_over_queries(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    weights = torch.softmax(_masked(scores, mask), dim=1)
    return weights @ values, weights


def masked_with_zero(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], 0.0)
    weights = torch.softmax(scores, dim=-1)
    return weights @ values, weights


def mask_meaning_inverted(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask[:, None, :], -1e9)
    weights = torch.softmax(scores, dim=-1)
    return weights @ values, weights


def zeroed_after_softmax(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights * mask[:, None, :]
    return weights @ values, weights


def scaled_by_value_size(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(values.shape[-1])
    weights = torch.softmax(_masked(scores, mask), dim=-1)
    return weights @ values, weights


def masks_the_values(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        values = values * mask[:, :, None]
    weights = torch.softmax(scores, dim=-1)
    return weights @ values, weights


def returns_weights_first(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    weights = torch.softmax(_masked(scores, mask), dim=-1)
    return weights, weights @ values


def einsum_style(query, keys, values, mask=None):
    scores = torch.einsum("nle,nse->nls", query, keys) * query.shape[-1] ** -0.5
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not().unsqueeze(1), -torch.inf)
    weights = scores.softmax(dim=2)
    return torch.einsum("nls,nsv->nlv", weights, values), weights


def softmax_by_hand(query, keys, values, mask=None):
    scores = torch.bmm(query, keys.transpose(1, 2)) / query.shape[-1] ** 0.5  # (N, L, S)
    keep = (
        torch.ones_like(scores)
        if mask is None
        else mask[:, None, :].to(scores.dtype).expand_as(scores)
    )
    top = torch.where(keep > 0, scores, torch.full_like(scores, -torch.inf)).amax(
        dim=-1, keepdim=True
    )
    e = torch.exp(scores - top) * keep
    weights = e / e.sum(dim=-1, keepdim=True)
    return torch.bmm(weights, values), weights


ATTEMPTS = [
    Attempt(
        unscaled,
        False,
        "forgot to divide the scores by the square root of the key size",
        ("scal|sqrt|square root",),
    ),
    Attempt(
        scaled_by_e,
        False,
        "divided the scores by E instead of by the square root of E",
        ("sqrt|square root|scal",),
    ),
    Attempt(
        softmax_over_queries,
        False,
        "took the softmax over the queries' axis instead of over the keys",
        ("softmax|axis|dim|keys",),
    ),
    Attempt(
        masked_with_zero,
        False,
        "set padded scores to 0 instead of minus infinity, so padded keys still get weight",
        ("inf|mask|padd",),
    ),
    Attempt(
        mask_meaning_inverted,
        False,
        "hid the keys where the mask is True, but True marks the real keys",
        ("true|invert|mask|real",),
    ),
    Attempt(
        zeroed_after_softmax,
        False,
        "zeroed the padded weights after the softmax, so the real weights no longer sum to 1",
        ("sum|renormal|after|softmax",),
    ),
    Attempt(
        scaled_by_value_size,
        False,
        "scaled by the square root of the values' size E_v instead of the keys' size E",
        ("scal|sqrt|e_v|key size|size",),
    ),
    Attempt(
        masks_the_values,
        False,
        "zeroed the padded values instead of the padded keys' weights",
        ("weight|mask|value",),
    ),
    Attempt(
        returns_weights_first,
        False,
        "returned (weights, context) instead of (context, weights)",
        ("order|swap|return",),
    ),
    Attempt(einsum_style, True),
    Attempt(softmax_by_hand, True),
]
