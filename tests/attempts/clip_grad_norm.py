"""Attempts at lesson 09's `clip_grad_norm(grads, max_norm)`."""

import torch

from attempts import Attempt


def _total(grads):
    return torch.sqrt(sum((g**2).sum() for g in grads))


def total_as_item(grads, max_norm):
    total = _total(grads)
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total.item()


def each_tensor_on_its_own(grads, max_norm):
    clipped = []
    for g in grads:
        coef = min(1.0, max_norm / (g.norm().item() + 1e-6))
        clipped.append(g * coef)
    return clipped, _total(grads)


def never_capped(grads, max_norm):
    total = _total(grads)
    return [g * (max_norm / (total + 1e-6)) for g in grads], total


def sum_of_norms(grads, max_norm):
    total = sum(g.norm() for g in grads)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total


def scaled_in_place(grads, max_norm):
    total = _total(grads)
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    for g in grads:
        g.mul_(coef)
    return grads, total


def norm_after_clipping(grads, max_norm):
    total = _total(grads)
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    clipped = [g * coef for g in grads]
    return clipped, _total(clipped)


def clamped_by_value(grads, max_norm):
    return [g.clamp(-max_norm, max_norm) for g in grads], _total(grads)


def no_square_root(grads, max_norm):
    total = sum((g**2).sum() for g in grads)
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total


def ratio_upside_down(grads, max_norm):
    total = _total(grads)
    coef = total / max_norm if total > max_norm else torch.ones(())
    return [g * coef for g in grads], total


def largest_entry_norm(grads, max_norm):
    total = max(g.abs().max() for g in grads)
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total


def mean_of_squares(grads, max_norm):
    flat = torch.cat([g.reshape(-1) for g in grads])
    total = flat.pow(2).mean().sqrt()
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total


def vector_norm_of_cat(grads, max_norm):
    total = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads]))
    coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
    return [g * coef for g in grads], total


def norm_of_norms(grads, max_norm):
    total = torch.stack([torch.linalg.vector_norm(g) for g in grads]).norm()
    scale = torch.where(total > max_norm, max_norm / (total + 1e-6), torch.ones_like(total))
    return [g.clone().mul_(scale) for g in grads], total


def python_min_and_tensor(grads, max_norm):
    squares = 0.0
    for g in grads:
        squares = squares + g.pow(2).sum()
    total = squares**0.5
    coef = max_norm / (float(total) + 1e-6)
    return ([g * coef for g in grads] if coef < 1 else [g.clone() for g in grads]), total


ATTEMPTS = [
    Attempt(
        total_as_item,
        False,
        "total_norm is returned as a Python float (.item()) instead of a 0-dim tensor.",
        ("tensor|item|float",),
    ),
    Attempt(
        each_tensor_on_its_own,
        False,
        "Each tensor is clipped by its own norm; clipping uses one global norm over all of them.",
        ("global|each|own|separate|per",),
    ),
    Attempt(
        never_capped,
        False,
        "The coefficient is never capped at 1, so gradients below max_norm are scaled up.",
        ("cap|min|below|up|only when|1",),
    ),
    Attempt(
        sum_of_norms,
        False,
        "The global norm is taken as the sum of the tensors' norms, not the square root of the sum of all squares.",
        ("square|sum of|add up",),
    ),
    Attempt(
        scaled_in_place,
        False,
        "The input gradients are scaled in place instead of returning new tensors.",
        ("in place|in-place|inplace|new|modif|chang",),
    ),
    Attempt(
        norm_after_clipping,
        False,
        "It returns the norm after clipping; the exercise asks for the norm before.",
        ("before|after",),
    ),
    Attempt(
        clamped_by_value,
        False,
        "Every entry is clamped to [-max_norm, max_norm] (clipping by value) instead of scaling by the global norm.",
        ("value|clamp|entr",),
    ),
    Attempt(
        no_square_root,
        False,
        "The square root is missing: the total is the sum of squares.",
        ("root|sqrt|square",),
    ),
    Attempt(
        ratio_upside_down,
        False,
        "The coefficient is total / max_norm, upside down: it should be max_norm / total.",
        ("invert|upside|revers|ratio|max_norm /",),
    ),
    Attempt(
        largest_entry_norm,
        False,
        "The norm used is the largest entry (infinity norm), not the L2 norm.",
        ("l2|square|max|largest",),
    ),
    Attempt(
        mean_of_squares,
        False,
        "The norm is the root of the mean of squares instead of the sum.",
        ("mean|sum",),
    ),
    Attempt(vector_norm_of_cat, True),
    Attempt(norm_of_norms, True),
    Attempt(python_min_and_tensor, True),
]
