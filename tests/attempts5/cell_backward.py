"""Attempts at cell_backward (lesson 08_backprop_through_time)."""

import torch
from attempts import Attempt


def _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """The pre-activation a and h_next = tanh(a), both (N, H)."""
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    return a, torch.tanh(a)


def _grads(delta, x, h, weight_ih, weight_hh):
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def squares_pre_activation(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    a, _ = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - a**2)  # tanh'(a) = 1 - tanh^2(a), written with a
    return _grads(delta, x, h, weight_ih, weight_hh)


def weight_ih_grad_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    grads = _grads(delta, x, h, weight_ih, weight_hh)
    grads["weight_ih"] = x.T @ delta  # (H_in, H)
    return grads


def h_grad_through_transpose(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    grads = _grads(delta, x, h, weight_ih, weight_hh)
    grads["h"] = delta @ weight_hh.T  # the forward pass used weight_hh.T, so the backward does too
    return grads


def bias_grad_averaged(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    grads = _grads(delta, x, h, weight_ih, weight_hh)
    grads["bias_ih"] = grads["bias_hh"] = delta.mean(0)
    return grads


def skips_tanh_derivative(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    delta = grad_h_next  # straight through to the products
    return _grads(delta, x, h, weight_ih, weight_hh)


def derivative_from_old_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    delta = grad_h_next * (1 - h * h)  # 1 - h'^2, with the state that came in
    return _grads(delta, x, h, weight_ih, weight_hh)


def weight_hh_grad_from_new_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    grads = _grads(delta, x, h, weight_ih, weight_hh)
    grads["weight_hh"] = delta.T @ h_next
    return grads


def returns_a_tuple(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    grads = _grads(delta, x, h, weight_ih, weight_hh)
    return tuple(grads[name] for name in ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def x_grad_through_weight_hh(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    grads = _grads(delta, x, h, weight_ih, weight_hh)
    grads["x"] = delta @ weight_hh  # copied from the line for h
    return grads


def einsum_gradients(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(
        torch.einsum("ni,ji->nj", x, weight_ih)
        + torch.einsum("nk,jk->nj", h, weight_hh)
        + bias_ih
        + bias_hh
    )
    delta = grad_h_next * (1 - h_next) * (1 + h_next)
    bias = torch.einsum("nj->j", delta)
    return {
        "x": torch.einsum("nj,ji->ni", delta, weight_ih),
        "h": torch.einsum("nj,jk->nk", delta, weight_hh),
        "weight_ih": torch.einsum("nj,ni->ji", delta, x),
        "weight_hh": torch.einsum("nj,nk->jk", delta, h),
        "bias_ih": bias,
        "bias_hh": bias.clone(),
    }


def sech_squared_and_outer_products(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    delta = grad_h_next / torch.cosh(a) ** 2  # tanh'(a) = sech^2(a)
    return {
        "x": torch.mm(delta, weight_ih),
        "h": torch.mm(delta, weight_hh),
        "weight_ih": (delta[:, :, None] * x[:, None, :]).sum(0),  # one outer product per row
        "weight_hh": (delta[:, :, None] * h[:, None, :]).sum(0),
        "bias_ih": delta.sum(dim=0),
        "bias_hh": delta.sum(dim=0),
    }


ATTEMPTS = [
    Attempt(
        squares_pre_activation,
        False,
        "writes tanh's derivative as 1 - a^2 with the pre-activation instead of 1 - h'^2",
        ("tanh|deriv|1 - h|h'|pre-activation|slope",),
    ),
    Attempt(
        weight_ih_grad_transposed,
        False,
        "computes weight_ih's gradient as x^T delta, (H_in, H), the transpose of delta^T x",
        ("transpos|shape|weight_ih|w_ih",),
    ),
    Attempt(
        h_grad_through_transpose,
        False,
        "sends the gradient to h through weight_hh.T instead of weight_hh",
        ("transpos|weight_hh|w_hh",),
    ),
    Attempt(
        bias_grad_averaged,
        False,
        "averages delta over the batch for the bias gradients instead of summing the rows",
        ("sum|mean|averag|row|batch",),
    ),
    Attempt(
        skips_tanh_derivative,
        False,
        "passes grad_h_next straight to the products without multiplying by tanh's derivative",
        ("tanh|deriv|1 - h|slope",),
    ),
    Attempt(
        derivative_from_old_state,
        False,
        "uses the incoming state h in 1 - h^2 instead of the new state h'",
        ("h'|h_next|new state|next state|1 - h|deriv",),
    ),
    Attempt(
        weight_hh_grad_from_new_state,
        False,
        "computes weight_hh's gradient from the new state h' instead of the state h the cell read",
        ("weight_hh|w_hh|h_next|h'",),
    ),
    Attempt(
        returns_a_tuple,
        False,
        "returns the six gradients as a tuple instead of a dict keyed by name",
        ("dict|key",),
    ),
    Attempt(
        x_grad_through_weight_hh,
        False,
        "computes x's gradient with weight_hh, copied from the line for h, instead of weight_ih",
        ("weight_ih|w_ih|weight_hh|w_hh",),
    ),
    Attempt(einsum_gradients, True),
    Attempt(sech_squared_and_outer_products, True),
]
