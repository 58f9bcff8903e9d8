"""Attempts at cell_backward (lesson 08, backpropagation through time)."""

import torch
from attempts import Attempt


def _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def slope_from_previous_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    delta = grad_h_next * (1 - h * h)  # tanh' written with h
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def skips_tanh_derivative(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    delta = grad_h_next
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def weight_hh_gradient_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": h.T @ delta,  # (H, H) either way
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def h_gradient_with_transposed_weight(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh.T,  # back through h @ weight_hh.T
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def bias_gradient_averaged(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.mean(0),
        "bias_hh": delta.mean(0),
    }


def slope_not_squared(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def one_bias_gets_it_all(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": torch.zeros_like(bias_hh),  # only the sum of the biases matters
    }


def returns_a_tuple(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return (
        delta @ weight_ih,
        delta @ weight_hh,
        delta.T @ x,
        delta.T @ h,
        delta.sum(0),
        delta.sum(0),
    )


def recomputes_without_bias_hh(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def with_einsum(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    a = (
        torch.einsum("nk,jk->nj", x, weight_ih)
        + torch.einsum("nk,jk->nj", h, weight_hh)
        + bias_ih
        + bias_hh
    )
    delta = grad_h_next * (1 - torch.tanh(a) ** 2)  # (N, H)
    bias_grad = torch.einsum("nj->j", delta)
    return {
        "x": torch.einsum("nj,jk->nk", delta, weight_ih),
        "h": torch.einsum("nj,jk->nk", delta, weight_hh),
        "weight_ih": torch.einsum("nj,nk->jk", delta, x),
        "weight_hh": torch.einsum("nj,nk->jk", delta, h),
        "bias_ih": bias_grad,
        "bias_hh": bias_grad.clone(),
    }


def with_mm_and_cosh(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    a = torch.addmm(bias_ih + bias_hh, x, weight_ih.t()) + torch.mm(h, weight_hh.t())
    delta = grad_h_next / torch.cosh(a) ** 2  # tanh'(a) = 1 / cosh(a)^2
    names = ["x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    grads = [
        torch.mm(delta, weight_ih),
        torch.mm(delta, weight_hh),
        torch.mm(delta.t(), x),
        torch.mm(delta.t(), h),
        delta.sum(dim=0),
        delta.sum(dim=0),
    ]
    return dict(zip(names, grads))


ATTEMPTS = [
    Attempt(
        slope_from_previous_state,
        False,
        "tanh's derivative is computed from the previous state h instead of the new state h_next.",
        ("h_next|new state|tanh|deriv|slope",),
    ),
    Attempt(
        skips_tanh_derivative,
        False,
        "The gradient is not multiplied by tanh's derivative 1 - h_next^2.",
        ("tanh|deriv|slope|1 - h",),
    ),
    Attempt(
        weight_hh_gradient_transposed,
        False,
        "weight_hh's gradient is h^T delta, the transpose of delta^T h; being square, it has the right shape.",
        ("transpos|weight_hh|w_hh",),
    ),
    Attempt(
        h_gradient_with_transposed_weight,
        False,
        "h's gradient uses weight_hh transposed (delta W_hh^T) instead of delta W_hh.",
        ("transpos|weight_hh|w_hh",),
    ),
    Attempt(
        bias_gradient_averaged,
        False,
        "The bias gradients average the rows of delta instead of summing them.",
        ("sum|mean|averag",),
    ),
    Attempt(
        slope_not_squared,
        False,
        "tanh's derivative is written 1 - h_next instead of 1 - h_next squared.",
        ("square|deriv|tanh|slope",),
    ),
    Attempt(
        one_bias_gets_it_all,
        False,
        "bias_hh gets a zero gradient, but both biases receive the same gradient, the rows of delta summed.",
        ("bias",),
    ),
    Attempt(
        returns_a_tuple,
        False,
        "The gradients are returned as a tuple, like torch.autograd.grad, instead of a dict with the six keys.",
        ("dict|key|tuple",),
    ),
    Attempt(
        recomputes_without_bias_hh,
        False,
        "h_next is recomputed without bias_hh, so tanh's derivative is taken at the wrong point.",
        ("bias|recomput|h_next",),
    ),
    Attempt(with_einsum, True),
    Attempt(with_mm_and_cosh, True),
]
