"""Attempts at cell_backward (lesson 08, backpropagation through time)."""

import torch
from attempts import Attempt


def _pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, H)


def _grads(da, x, h, weight_ih, weight_hh):
    return {
        "x": da @ weight_ih,
        "h": da @ weight_hh,
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ h,
        "bias_ih": da.sum(0),
        "bias_hh": da.sum(0),
    }


def slope_from_pre_activation(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    a = _pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    return _grads(grad_h_next * (1 - a**2), x, h, weight_ih, weight_hh)


def no_tanh_slope(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    return _grads(grad_h_next, x, h, weight_ih, weight_hh)


def weight_grads_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(_pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh))
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(da, x, h, weight_ih, weight_hh)
    grads["weight_ih"], grads["weight_hh"] = x.T @ da, h.T @ da
    return grads


def hh_transposed_for_h(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(_pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh))
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(da, x, h, weight_ih, weight_hh)
    grads["h"] = da @ weight_hh.T
    return grads


def bias_grads_averaged(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(_pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh))
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(da, x, h, weight_ih, weight_hh)
    grads["bias_ih"] = grads["bias_hh"] = da.mean(0)
    return grads


def slope_from_old_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    return _grads(grad_h_next * (1 - h**2), x, h, weight_ih, weight_hh)


def new_state_for_weight_hh(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(_pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh))
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(da, x, h, weight_ih, weight_hh)
    grads["weight_hh"] = da.T @ h_next
    return grads


def h_gets_a_second_road(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(_pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh))
    da = grad_h_next * (1 - h_next**2)
    grads = _grads(da, x, h, weight_ih, weight_hh)
    grads["h"] = grads["h"] + grad_h_next
    return grads


def with_einsum(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(
        torch.einsum("ni,hi->nh", x, weight_ih)
        + torch.einsum("nk,hk->nh", h, weight_hh)
        + bias_ih
        + bias_hh
    )
    da = grad_h_next * (1 - h_next * h_next)  # (N, H)
    return {
        "x": torch.einsum("nh,hi->ni", da, weight_ih),
        "h": torch.einsum("nh,hk->nk", da, weight_hh),
        "weight_ih": torch.einsum("nh,ni->hi", da, x),
        "weight_hh": torch.einsum("nh,nk->hk", da, h),
        "bias_ih": torch.einsum("nh->h", da),
        "bias_hh": torch.einsum("nh->h", da),
    }


def with_cosh(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    a = _pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next / torch.cosh(a) ** 2  # tanh'(a) = sech^2(a)
    stacked = torch.cat([x, h], dim=1)  # (N, H_in + H)
    w = torch.cat([weight_ih, weight_hh], dim=1)  # (H, H_in + H)
    grad_in, grad_w = da @ w, da.T @ stacked
    H_in = x.shape[1]
    return {
        "x": grad_in[:, :H_in],
        "h": grad_in[:, H_in:],
        "weight_ih": grad_w[:, :H_in],
        "weight_hh": grad_w[:, H_in:],
        "bias_ih": da.sum(0),
        "bias_hh": da.sum(dim=0).clone(),
    }


ATTEMPTS = [
    Attempt(
        slope_from_pre_activation,
        False,
        "tanh's slope is computed as 1 - a^2 from the pre-activation instead of 1 - h_next^2 from the output.",
        ("slope|derivative|tanh|pre-activation|1 - h",),
    ),
    Attempt(
        no_tanh_slope,
        False,
        "The gradient skips tanh's slope: grad_h_next is used as the pre-activation gradient.",
        ("slope|derivative|tanh",),
    ),
    Attempt(
        weight_grads_transposed,
        False,
        "The weight gradients are computed as x^T G, transposed: shape (H_in, H) instead of (H, H_in).",
        ("transpos|shape",),
    ),
    Attempt(
        hh_transposed_for_h,
        False,
        "The gradient for h multiplies by W_hh^T instead of W_hh.",
        ("transpos|w_hh|weight_hh",),
    ),
    Attempt(
        bias_grads_averaged,
        False,
        "The bias gradients average over the batch instead of summing.",
        ("sum|mean|averag|batch",),
    ),
    Attempt(
        slope_from_old_state,
        False,
        "tanh's slope is taken from the old state h instead of the new state h_next.",
        ("slope|derivative|h_next|new state|output",),
    ),
    Attempt(
        new_state_for_weight_hh,
        False,
        "weight_hh's gradient uses h_next instead of the state h that W_hh multiplied.",
        ("weight_hh|w_hh|state|h_next|previous",),
    ),
    Attempt(
        h_gets_a_second_road,
        False,
        "grad_h_next is added to h's gradient as if h also reached h_next directly; its only road goes through tanh.",
        ("extra|road|add|direct|twice|double",),
    ),
    Attempt(with_einsum, True),
    Attempt(with_cosh, True),
]
