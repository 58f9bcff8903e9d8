"""Attempts at clip_grad_norm (lesson 09, vanishing and exploding gradients)."""

import torch
from attempts import Attempt


def _total(grads):
    return torch.sqrt(sum((g**2).sum() for g in grads))


def per_tensor_clipping(grads, max_norm):
    clipped = [g * min(1.0, max_norm / (g.norm().item() + 1e-6)) for g in grads]
    return clipped, _total(grads)


def no_cap_at_one(grads, max_norm):
    total = _total(grads)
    return [g * (max_norm / (total + 1e-6)) for g in grads], total


def clipped_by_value(grads, max_norm):
    return [g.clamp(-max_norm, max_norm) for g in grads], _total(grads)


def scales_inputs_in_place(grads, max_norm):
    total = _total(grads)
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g.mul_(coef) for g in grads], total


def sum_of_norms(grads, max_norm):
    total = sum(g.norm() for g in grads)
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total


def norm_after_clipping(grads, max_norm):
    total = _total(grads)
    clipped = [g * min(1.0, max_norm / (total.item() + 1e-6)) for g in grads]
    return clipped, _total(clipped)


def squared_norm(grads, max_norm):
    total = sum((g**2).sum() for g in grads)
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total


def root_mean_square(grads, max_norm):
    total = torch.cat([g.flatten() for g in grads]).pow(2).mean().sqrt()
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total


def ratio_upside_down(grads, max_norm):
    total = _total(grads)
    coef = min(1.0, total.item() / (max_norm + 1e-6))
    return [g * coef for g in grads], total


def vector_norm_of_norms(grads, max_norm):
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total


def flat_then_split(grads, max_norm):
    flat = torch.cat([g.reshape(-1) for g in grads])
    total = flat.norm()
    if total > max_norm:
        flat = flat * (max_norm / (total + 1e-6))
    pieces = flat.split([g.numel() for g in grads])
    return [p.view_as(g).clone() for p, g in zip(pieces, grads)], total


ATTEMPTS = [
    Attempt(
        per_tensor_clipping,
        False,
        "Each tensor is clipped by its own norm instead of one global norm over all of them.",
        ("global|each|per|separate|own",),
    ),
    Attempt(
        no_cap_at_one,
        False,
        "The coefficient is not capped at 1, so gradients smaller than max_norm are scaled up.",
        ("cap|min|small|larg|grow",),
    ),
    Attempt(
        clipped_by_value,
        False,
        "Each entry is clamped to [-max_norm, max_norm] (clipping by value), not scaled by the norm.",
        ("value|clamp|norm|direction",),
    ),
    Attempt(
        scales_inputs_in_place,
        False,
        "mul_ scales the given tensors in place instead of returning new ones.",
        ("in place|in-place|new|modif|chang",),
    ),
    Attempt(
        sum_of_norms,
        False,
        "The total norm adds the tensors' norms instead of taking the square root of the summed squares.",
        ("sqrt|square|norm|sum",),
    ),
    Attempt(
        norm_after_clipping,
        False,
        "total_norm is measured after clipping instead of before.",
        ("before|after",),
    ),
    Attempt(
        squared_norm,
        False,
        "The total is the sum of squares without the square root.",
        ("sqrt|square|root",),
    ),
    Attempt(
        root_mean_square,
        False,
        "The norm averages the squares (a root mean square) instead of summing them.",
        ("mean|sum|averag",),
    ),
    Attempt(
        ratio_upside_down,
        False,
        "The coefficient is total_norm / max_norm, the ratio upside down.",
        ("ratio|invert|upside|coef|divid",),
    ),
    Attempt(vector_norm_of_norms, True),
    Attempt(flat_then_split, True),
]
