"""Attempts at clip_grad_norm (lesson 09_vanishing_exploding)."""

import math

import torch
from attempts import Attempt


def _global_norm(grads):
    return torch.sqrt(sum((g**2).sum() for g in grads))


def each_tensor_on_its_own(grads, max_norm):
    clipped = []
    for g in grads:
        coef = min(1.0, max_norm / (g.norm().item() + 1e-6))
        clipped.append(g * coef)
    return clipped, _global_norm(grads)


def no_cap_at_one(grads, max_norm):
    total = _global_norm(grads)
    coef = max_norm / (total + 1e-6)  # brings every gradient to max_norm
    return [g * coef for g in grads], total


def clamps_each_entry(grads, max_norm):
    total = _global_norm(grads)
    return [g.clamp(-max_norm, max_norm) for g in grads], total


def norm_after_clipping(grads, max_norm):
    total = _global_norm(grads)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    clipped = [g * coef for g in grads]
    return clipped, _global_norm(clipped)


def scales_in_place(grads, max_norm):
    total = _global_norm(grads)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)  # as clip_grad_norm_ does
    return grads, total


def adds_the_tensor_norms(grads, max_norm):
    total = sum(g.norm() for g in grads)  # the norm of all the gradients together
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total


def forgets_square_root(grads, max_norm):
    total = sum((g * g).sum() for g in grads)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total


def total_norm_as_float(grads, max_norm):
    total = math.sqrt(sum((g**2).sum().item() for g in grads))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [g * coef for g in grads], total


def total_norm_from_python_float(grads, max_norm):
    total = torch.tensor(math.sqrt(sum((g**2).sum().item() for g in grads)))  # float32 by default
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total


def flatten_and_where(grads, max_norm):
    flat = torch.cat([g.reshape(-1) for g in grads])
    total = torch.linalg.vector_norm(flat)
    ratio = max_norm / (total + 1e-6)
    coef = torch.where(ratio < 1, ratio, torch.ones_like(ratio))
    return [g.mul(coef) for g in grads], total


def norm_of_norms(grads, max_norm):
    total = torch.stack(
        [torch.linalg.vector_norm(g) for g in grads]
    ).norm()  # sqrt of the sum of squares
    if total > max_norm:
        coef = max_norm / (total + 1e-6)
        return [g * coef for g in grads], total
    return [g.clone() for g in grads], total


ATTEMPTS = [
    Attempt(
        each_tensor_on_its_own,
        False,
        "clips each tensor by its own norm instead of scaling all of them by one global coefficient",
        ("global|together|combined|whole|all the|one long|per-tensor|per tensor|each tensor",),
    ),
    Attempt(
        no_cap_at_one,
        False,
        "leaves out the cap at 1, so gradients smaller than max_norm are scaled up",
        ("cap|min|small|below|leave|unchang|scale",),
    ),
    Attempt(
        clamps_each_entry,
        False,
        "clamps every entry to [-max_norm, max_norm], clipping by value instead of by the norm",
        ("value|clamp|direction|entr",),
    ),
    Attempt(
        norm_after_clipping,
        False,
        "returns the norm after clipping instead of the total norm before it",
        ("before|after",),
    ),
    Attempt(
        scales_in_place,
        False,
        "scales the input tensors in place with mul_ instead of returning new ones",
        ("in place|in-place|new|modif|chang|mutat",),
    ),
    Attempt(
        adds_the_tensor_norms,
        False,
        "adds up the tensors' norms instead of taking the square root of the sum of all squares",
        ("square|sqrt|l2|global|root",),
    ),
    Attempt(
        forgets_square_root,
        False,
        "sums the squares but never takes the square root",
        ("sqrt|square|root",),
    ),
    Attempt(
        total_norm_as_float,
        False,
        "returns the total norm as a Python float instead of a 0-dim tensor",
        ("tensor|float|0-dim|item",),
    ),
    Attempt(
        total_norm_from_python_float,
        False,
        "rebuilds the total norm with torch.tensor from a Python float, which makes it float32",
        ("dtype|float",),
    ),
    Attempt(flatten_and_where, True),
    Attempt(norm_of_norms, True),
]
