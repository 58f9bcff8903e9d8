"""Attempts at lesson 08's `cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next)`."""

import torch

from attempts import Attempt


def _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    pre = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    return pre, torch.tanh(pre)


def _grads(x, h, weight_ih, weight_hh, da, h_for_w_hh=None):
    return {
        "x": da @ weight_ih,
        "h": da @ weight_hh,
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ (h if h_for_w_hh is None else h_for_w_hh),
        "bias_ih": da.sum(0),
        "bias_hh": da.sum(0),
    }


def w_hh_paired_with_h_next(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)
    return _grads(x, h, weight_ih, weight_hh, da, h_for_w_hh=h_next)


def derivative_from_preactivation(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    pre, _ = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - pre**2)
    return _grads(x, h, weight_ih, weight_hh, da)


def tanh_derivative_forgotten(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    da = grad_h_next
    return _grads(x, h, weight_ih, weight_hh, da)


def derivative_not_squared(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next)
    return _grads(x, h, weight_ih, weight_hh, da)


def weight_grad_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(x, h, weight_ih, weight_hh, da)
    grads["weight_ih"] = x.T @ da
    return grads


def bias_grads_averaged(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(x, h, weight_ih, weight_hh, da)
    grads["bias_ih"] = grads["bias_hh"] = da.mean(0)
    return grads


def bias_grads_not_summed(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(x, h, weight_ih, weight_hh, da)
    grads["bias_ih"] = grads["bias_hh"] = da
    return grads


def grad_h_uses_transpose(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    # the forward multiplies by W_hh^T, so "the backward multiplies by W_hh^T again"
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(x, h, weight_ih, weight_hh, da)
    grads["h"] = da @ weight_hh.T
    return grads


def grad_h_is_local_gradient(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(x, h, weight_ih, weight_hh, da)
    grads["h"] = da
    return grads


def keys_with_grad_prefix(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)
    return {"grad_" + k: v for k, v in _grads(x, h, weight_ih, weight_hh, da).items()}


def weights_averaged_over_batch(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2) / x.shape[0]
    return _grads(x, h, weight_ih, weight_hh, da)


def einsum_style(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(
        torch.einsum("ni,hi->nh", x, weight_ih)
        + torch.einsum("nk,hk->nh", h, weight_hh)
        + bias_ih
        + bias_hh
    )
    da = grad_h_next - grad_h_next * h_next * h_next
    return {
        "x": torch.einsum("nh,hi->ni", da, weight_ih),
        "h": torch.einsum("nh,hk->nk", da, weight_hh),
        "weight_ih": torch.einsum("nh,ni->hi", da, x),
        "weight_hh": torch.einsum("nh,nk->hk", da, h),
        "bias_ih": da.sum(dim=0),
        "bias_hh": da.sum(dim=0).clone(),
    }


def sech_squared(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    pre, _ = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next / torch.cosh(pre) ** 2
    return _grads(x, h, weight_ih, weight_hh, da)


def outer_products_summed(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, h_next = _forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next.square())
    w_ih = sum(torch.outer(da[n], x[n]) for n in range(x.shape[0]))
    w_hh = sum(torch.outer(da[n], h[n]) for n in range(x.shape[0]))
    db = da.sum(0)
    return dict(
        x=da.mm(weight_ih),
        h=da.mm(weight_hh),
        weight_ih=w_ih,
        weight_hh=w_hh,
        bias_ih=db,
        bias_hh=db,
    )


ATTEMPTS = [
    Attempt(
        w_hh_paired_with_h_next,
        False,
        "weight_hh's gradient pairs the local gradient with h_next; it should pair it with h, the state the cell read.",
        ("weight_hh", "h_next|h'|new state|output"),
    ),
    Attempt(
        derivative_from_preactivation,
        False,
        "tanh's slope is 1 - h_next**2, but it is computed from the pre-activation: 1 - a**2.",
        ("tanh|deriv|slope",),
    ),
    Attempt(
        tanh_derivative_forgotten,
        False,
        "The gradient is not multiplied by tanh's slope 1 - h_next**2.",
        ("tanh|deriv|slope",),
    ),
    Attempt(
        derivative_not_squared,
        False,
        "tanh's slope is written 1 - h_next instead of 1 - h_next**2.",
        ("tanh|deriv|slope|square",),
    ),
    Attempt(
        weight_grad_transposed,
        False,
        "weight_ih's gradient is x.T @ da, the transpose of the right (H, H_in) one.",
        ("transpos|another order|swap",),
    ),
    Attempt(
        bias_grads_averaged,
        False,
        "The bias gradients average over the batch instead of summing.",
        ("bias", "sum|mean|average"),
    ),
    Attempt(
        bias_grads_not_summed,
        False,
        "The bias gradients keep the batch axis; they must be summed over it.",
        ("bias", "sum|batch"),
    ),
    Attempt(
        grad_h_uses_transpose,
        False,
        "h's gradient multiplies by weight_hh.T; the backward of h @ W_hh^T multiplies by W_hh itself.",
        ("transpos|weight_hh",),
    ),
    Attempt(
        grad_h_is_local_gradient,
        False,
        "h's gradient is the local gradient at the pre-activation, not yet multiplied by weight_hh.",
        ("weight_hh",),
    ),
    Attempt(
        keys_with_grad_prefix,
        False,
        "The dict's keys are 'grad_x' and so on, not the argument names.",
        ("key",),
    ),
    Attempt(
        weights_averaged_over_batch,
        False,
        "Every gradient is divided by N, as if the loss were a mean; the sum has no 1/N.",
        ("mean|average|divid|1/n|batch",),
    ),
    Attempt(einsum_style, True),
    Attempt(sech_squared, True),
    Attempt(outer_products_summed, True),
]
