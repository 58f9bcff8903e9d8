"""Attempts at clip_grad_norm (lesson 09, vanishing and exploding gradients)."""

import torch
from attempts import Attempt


def each_tensor_on_its_own(grads, max_norm):
    clipped, norms = [], []
    for g in grads:
        norm = g.norm()
        clipped.append(g * min(1.0, max_norm / (norm + 1e-6)))
        norms.append(norm**2)
    return clipped, torch.stack(norms).sum().sqrt()


def no_cap_at_one(grads, max_norm):
    total_norm = torch.sqrt(sum((g**2).sum() for g in grads))
    coef = max_norm / (total_norm + 1e-6)
    return [g * coef for g in grads], total_norm


def ratio_upside_down(grads, max_norm):
    total_norm = torch.sqrt(sum((g**2).sum() for g in grads))
    coef = torch.clamp(total_norm / max_norm, max=1.0)
    return [g * coef for g in grads], total_norm


def norm_after_clipping(grads, max_norm):
    total_norm = torch.sqrt(sum((g**2).sum() for g in grads))
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    clipped = [g * coef for g in grads]
    return clipped, torch.sqrt(sum((g**2).sum() for g in clipped))


def scales_in_place(grads, max_norm):
    total_norm = torch.sqrt(sum((g**2).sum() for g in grads))
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return grads, total_norm


def sum_of_norms(grads, max_norm):
    total_norm = sum(g.norm() for g in grads)
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    return [g * coef for g in grads], total_norm


def forgot_square_root(grads, max_norm):
    total_norm = sum((g**2).sum() for g in grads)
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    return [g * coef for g in grads], total_norm


def clamps_every_entry(grads, max_norm):
    total_norm = torch.sqrt(sum((g**2).sum() for g in grads))
    return [g.clamp(-max_norm, max_norm) for g in grads], total_norm


def norm_as_python_float(grads, max_norm):
    total_norm = torch.sqrt(sum((g**2).sum() for g in grads)).item()
    coef = min(1.0, max_norm / (total_norm + 1e-6))
    return [g * coef for g in grads], total_norm


def one_flat_vector(grads, max_norm):
    flat = torch.cat([g.reshape(-1) for g in grads])
    total_norm = torch.linalg.vector_norm(flat)
    coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    return [g * coef for g in grads], total_norm


def norm_of_norms(grads, max_norm):
    total_norm = torch.stack([torch.linalg.vector_norm(g) for g in grads]).norm()
    coef = max_norm / (total_norm + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total_norm
    return [g.clone() for g in grads], total_norm


ATTEMPTS = [
    Attempt(
        each_tensor_on_its_own,
        False,
        "each tensor is clipped by its own norm instead of all of them by one coefficient from the global norm.",
        ("global|each tensor|per tensor|per-tensor|own norm|one coefficient|same",),
    ),
    Attempt(
        no_cap_at_one,
        False,
        "the coefficient is not capped at 1, so gradients smaller than max_norm are scaled up.",
        ("cap|min(|at most|small|scaled up|larger|increas",),
    ),
    Attempt(
        ratio_upside_down,
        False,
        "the coefficient is total_norm / max_norm, upside down, instead of max_norm / (total_norm + 1e-6).",
        ("ratio|invert|upside|max_norm /",),
    ),
    Attempt(
        norm_after_clipping,
        False,
        "the total norm is returned after clipping instead of before.",
        ("before|after",),
    ),
    Attempt(
        scales_in_place,
        False,
        "the input tensors are scaled in place (mul_) instead of new tensors being returned.",
        ("in place|in-place|new tensor|modif|mutat",),
    ),
    Attempt(
        sum_of_norms,
        False,
        "the global norm is taken as the sum of the tensors' norms instead of the square root of the sum of all "
        "squared entries.",
        ("square|sum of|add up",),
    ),
    Attempt(
        forgot_square_root,
        False,
        "the square root is forgotten: the sum of squares is used as the norm.",
        ("sqrt|square root|square",),
    ),
    Attempt(
        clamps_every_entry,
        False,
        "every entry is clamped to [-max_norm, max_norm] (clipping by value) instead of scaling by the norm.",
        ("value|clamp|entr|direction|scal",),
    ),
    Attempt(
        norm_as_python_float,
        False,
        "the total norm is returned as a Python float with .item() instead of a 0-dim tensor.",
        ("tensor|item|float|type",),
    ),
    Attempt(one_flat_vector, True),
    Attempt(norm_of_norms, True),
]
