"""Attempts at cell_backward (lesson 08, backpropagation through time)."""

import torch
from attempts import Attempt


def derivative_from_input_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)  # noqa: F841
    delta = grad_h_next * (1 - h * h)  # h is the state the cell read
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def no_tanh_derivative(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    delta = grad_h_next
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def weight_gradient_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": x.T @ delta,  # (H_in, H)
        "weight_hh": h.T @ delta,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def h_gradient_through_transpose(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh.T,  # as in the forward pass
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def bias_gradient_averaged(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.mean(0),
        "bias_hh": delta.mean(0),
    }


def bias_gradient_per_row(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta,
        "bias_hh": delta,
    }


def derivative_square_misplaced(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    delta = grad_h_next * (1 - h_next) ** 2
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def weight_hh_gradient_from_new_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h_next,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def tuple_in_argument_order(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    delta = grad_h_next * (1 - h_next**2)
    return (
        delta @ weight_ih,
        delta @ weight_hh,
        delta.T @ x,
        delta.T @ h,
        delta.sum(0),
        delta.sum(0),
    )


def with_einsum(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    pre = (
        torch.einsum("ni,hi->nh", x, weight_ih)
        + torch.einsum("nj,hj->nh", h, weight_hh)
        + bias_ih
        + bias_hh
    )
    delta = grad_h_next / torch.cosh(pre) ** 2  # tanh'(a) = 1 / cosh(a)^2
    ones = torch.ones(x.shape[0], dtype=x.dtype)
    bias = ones @ delta  # (H,)
    return {
        "x": torch.einsum("nh,hi->ni", delta, weight_ih),
        "h": torch.einsum("nh,hj->nj", delta, weight_hh),
        "weight_ih": torch.einsum("nh,ni->hi", delta, x),
        "weight_hh": torch.einsum("nh,nj->hj", delta, h),
        "bias_ih": bias,
        "bias_hh": bias.clone(),
    }


def with_mm_and_keys_in_a_loop(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.addmm(bias_ih, x, weight_ih.t()).addmm_(h, weight_hh.t()).add_(bias_hh).tanh_()
    delta = grad_h_next * (1 - h_next * h_next)
    grads = {}
    for name, inp, weight in (("x", x, weight_ih), ("h", h, weight_hh)):
        grads[name] = delta.mm(weight)
        grads["weight_" + ("ih" if name == "x" else "hh")] = delta.t().mm(inp)
    grads["bias_ih"] = delta.sum(dim=0)
    grads["bias_hh"] = delta.sum(dim=0)
    return grads


ATTEMPTS = [
    Attempt(
        derivative_from_input_state,
        False,
        "tanh's derivative is taken as 1 - h^2 with the input state h instead of the new state h_next.",
        ("h_next|h'|new state|output|derivative|tanh",),
    ),
    Attempt(
        no_tanh_derivative,
        False,
        "the gradient is not multiplied by tanh's derivative 1 - h_next^2 before going through the products.",
        ("tanh|derivative|1 - h|slope",),
    ),
    Attempt(
        weight_gradient_transposed,
        False,
        "the weight gradients are x^T delta and h^T delta, transposed: (H_in, H) instead of delta^T x, (H, H_in).",
        ("transpos|shape|weight_ih",),
    ),
    Attempt(
        h_gradient_through_transpose,
        False,
        "the gradient for h goes through weight_hh^T, as in the forward pass, instead of weight_hh.",
        ("transpos|weight_hh|w_hh",),
    ),
    Attempt(
        bias_gradient_averaged,
        False,
        "the bias gradients average the rows instead of summing them.",
        ("sum|mean|averag|bias",),
    ),
    Attempt(
        bias_gradient_per_row,
        False,
        "the bias gradients keep one row per example, (N, H), instead of summing over the batch to (H,).",
        ("sum|shape|bias|batch",),
    ),
    Attempt(
        derivative_square_misplaced,
        False,
        "tanh's derivative is written (1 - h_next)**2 instead of 1 - h_next**2 (the square is in the wrong place).",
        ("derivative|tanh|square|1 - h|precedence|parenthes",),
    ),
    Attempt(
        weight_hh_gradient_from_new_state,
        False,
        "the weight_hh gradient uses h_next instead of the state h the cell read.",
        ("weight_hh|w_hh|previous|h_next",),
    ),
    Attempt(
        tuple_in_argument_order,
        False,
        "a tuple in argument order is returned instead of a dict keyed by the inputs' names.",
        ("dict|key|tuple|type",),
    ),
    Attempt(with_einsum, True),
    Attempt(with_mm_and_keys_in_a_loop, True),
]
