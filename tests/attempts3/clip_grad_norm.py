"""Attempts at clip_grad_norm (lesson 09, vanishing and exploding gradients)."""

import torch
from attempts import Attempt


def each_tensor_on_its_own(grads, max_norm):
    clipped, squares = [], 0
    for g in grads:
        norm = g.norm()
        squares = squares + norm**2
        clipped.append(g * min(1.0, max_norm / (norm.item() + 1e-6)))
    return clipped, squares.sqrt()


def sum_of_norms(grads, max_norm):
    total_norm = sum(g.norm() for g in grads)
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    return [g * coef for g in grads], total_norm


def never_capped_at_one(grads, max_norm):
    total_norm = torch.cat([g.flatten() for g in grads]).norm()
    coef = max_norm / (total_norm + 1e-6)
    return [g * coef for g in grads], total_norm


def clamps_every_entry(grads, max_norm):
    total_norm = torch.cat([g.flatten() for g in grads]).norm()
    return [g.clamp(-max_norm, max_norm) for g in grads], total_norm


def scales_inputs_in_place(grads, max_norm):
    total_norm = torch.cat([g.flatten() for g in grads]).norm()
    coef = min(1.0, max_norm / (total_norm.item() + 1e-6))
    for g in grads:
        g.mul_(coef)
    return grads, total_norm


def norm_after_clipping(grads, max_norm):
    total_norm = torch.cat([g.flatten() for g in grads]).norm()
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    clipped = [g * coef for g in grads]
    return clipped, torch.cat([g.flatten() for g in clipped]).norm()


def norm_as_python_float(grads, max_norm):
    total_norm = sum((g**2).sum().item() for g in grads) ** 0.5
    coef = min(1.0, max_norm / (total_norm + 1e-6))
    return [g * coef for g in grads], total_norm


def epsilon_outside_the_division(grads, max_norm):
    total_norm = torch.cat([g.flatten() for g in grads]).norm()
    coef = torch.clamp(max_norm / total_norm + 1e-6, max=1.0)
    return [g * coef for g in grads], total_norm


def stacks_the_gradients(grads, max_norm):
    total_norm = torch.stack(grads).norm()
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    return [g * coef for g in grads], total_norm


def norm_of_the_norms(grads, max_norm):
    total_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    return [g.mul(coef) for g in grads], total_norm


def only_when_too_long(grads, max_norm):
    total_norm = torch.sqrt(sum(torch.sum(g * g) for g in grads))
    if total_norm + 1e-6 <= max_norm:  # coefficient would be at least 1: leave them alone
        return [g.clone() for g in grads], total_norm
    coef = max_norm / (total_norm + 1e-6)
    return [g * coef for g in grads], total_norm


ATTEMPTS = [
    Attempt(
        each_tensor_on_its_own,
        False,
        "Each tensor is clipped by its own norm instead of all of them by one global norm.",
        (
            "global|each tensor|per tensor|per-tensor|separately|together|own norm|one coef|same factor",
        ),
    ),
    Attempt(
        sum_of_norms,
        False,
        "The global norm is taken as the sum of the tensors' norms instead of the square root of the sum of all "
        "squared entries.",
        ("square|sqrt|l2|sum of norms|sum of the norms|global norm",),
    ),
    Attempt(
        never_capped_at_one,
        False,
        "The coefficient is not capped at 1, so gradients shorter than max_norm get scaled up.",
        ("cap|min|small|scale up|scaled up|enlarg|grow|short",),
    ),
    Attempt(
        clamps_every_entry,
        False,
        "Each entry is clamped to [-max_norm, max_norm] (clipping by value), which changes the direction, instead "
        "of scaling by one coefficient.",
        ("value|clamp|direction|entr",),
    ),
    Attempt(
        scales_inputs_in_place,
        False,
        "The input gradients are scaled in place with mul_ instead of returning new tensors.",
        ("in place|in-place|new tensor|modif|chang|mutat",),
    ),
    Attempt(
        norm_after_clipping,
        False,
        "The returned total_norm is the norm after clipping, not before.",
        ("before|after",),
    ),
    Attempt(
        norm_as_python_float,
        False,
        "total_norm is returned as a Python float, not a 0-dim tensor.",
        ("float|tensor|0-dim|python|item|type",),
    ),
    Attempt(
        epsilon_outside_the_division,
        False,
        "Operator precedence: the 1e-6 is added to the ratio max_norm / norm instead of to the norm.",
        ("1e-6|epsilon|eps|precedence|parenthes|bracket",),
    ),
    Attempt(
        stacks_the_gradients,
        False,
        "torch.stack needs tensors of one shape, and the gradients have different shapes; they must be flattened.",
        ("shape|flatten|stack|size",),
    ),
    Attempt(norm_of_the_norms, True),
    Attempt(only_when_too_long, True),
]
