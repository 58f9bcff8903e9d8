"""Attempts at stacked_rnn (lesson 05, stacked RNNs)."""

import torch
from attempts import Attempt


def _layer(x, h, w_ih, w_hh, b_ih, b_hh):
    states = []
    for x_t in x:
        h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        states.append(h)
    return torch.stack(states), h


def _weights(params, k, hh_layer=None):
    j = k if hh_layer is None else hh_layer
    return (
        params[f"weight_ih_l{k}"],
        params[f"weight_hh_l{j}"],
        params[f"bias_ih_l{k}"],
        params[f"bias_hh_l{j}"],
    )


def same_h0_for_all(x, h0, params, num_layers):
    out, finals = x, []
    for k in range(num_layers):
        out, h = _layer(out, h0[0], *_weights(params, k))
        finals.append(h)
    return out, torch.stack(finals)


def stale_weight_hh(x, h0, params, num_layers):
    out, finals = x, []
    for k in range(num_layers):
        out, h = _layer(out, h0[k], *_weights(params, k, hh_layer=0))
        finals.append(h)
    return out, torch.stack(finals)


def all_layers_in_output(x, h0, params, num_layers):
    out, outs, finals = x, [], []
    for k in range(num_layers):
        out, h = _layer(out, h0[k], *_weights(params, k))
        outs.append(out)
        finals.append(h)
    return torch.cat(outs, dim=-1), torch.stack(finals)


def h_n_top_first(x, h0, params, num_layers):
    out, finals = x, []
    for k in range(num_layers):
        out, h = _layer(out, h0[k], *_weights(params, k))
        finals.insert(0, h)
    return out, torch.stack(finals)


def returns_first_layer_output(x, h0, params, num_layers):
    inp, finals, first = x, [], None
    for k in range(num_layers):
        out, h = _layer(inp, h0[k], *_weights(params, k))
        if first is None:
            first = out
        finals.append(h)
        inp = out
    return first, torch.stack(finals)


def state_passed_up(x, h0, params, num_layers):
    out, h, finals = x, h0[0], []
    for k in range(num_layers):
        out, h = _layer(out, h, *_weights(params, k))
        finals.append(h)
    return out, torch.stack(finals)


def h_n_from_first_step(x, h0, params, num_layers):
    out, finals = x, []
    for k in range(num_layers):
        out, _ = _layer(out, h0[k], *_weights(params, k))
        finals.append(out[0])
    return out, torch.stack(finals)


def tanh_only_on_top(x, h0, params, num_layers):
    out, finals = x, []
    for k in range(num_layers):
        w_ih, w_hh, b_ih, b_hh = _weights(params, k)
        h, states = h0[k], []
        for x_t in out:
            a = x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            h = torch.tanh(a) if k == num_layers - 1 else a
            states.append(h)
        out = torch.stack(states)
        finals.append(h)
    return out, torch.stack(finals)


def time_outer_layers_inner(x, h0, params, num_layers):
    hs = list(h0.unbind(0))
    top = []
    for x_t in x:
        inp = x_t
        for k in range(num_layers):
            w_ih, w_hh, b_ih, b_hh = _weights(params, k)
            hs[k] = torch.tanh(inp @ w_ih.T + b_ih + hs[k] @ w_hh.T + b_hh)
            inp = hs[k]
        top.append(inp)
    return torch.stack(top), torch.stack(hs)


def preallocated_h_n(x, h0, params, num_layers):
    h_n = torch.empty_like(h0)  # (num_layers, N, H)
    out = x
    for k in range(num_layers):
        out, h_n[k] = _layer(out, h0[k], *_weights(params, k))
    return out, h_n


ATTEMPTS = [
    Attempt(
        same_h0_for_all,
        False,
        "Every layer starts from h0[0] instead of its own initial state h0[k].",
        ("h0|initial",),
    ),
    Attempt(
        stale_weight_hh,
        False,
        "weight_hh and bias_hh are read from layer 0 for every layer (a stale _l0 key).",
        ("layer|l0|weight_hh|key",),
    ),
    Attempt(
        all_layers_in_output,
        False,
        "output concatenates every layer's states instead of returning the last layer's states only.",
        ("last layer|top|concat|cat|shape",),
    ),
    Attempt(
        h_n_top_first,
        False,
        "h_n lists the layers from the top down; h_n[0] must be the first layer.",
        ("order|revers|layer",),
    ),
    Attempt(
        returns_first_layer_output,
        False,
        "output is the first layer's states instead of the last layer's.",
        ("last layer|top|first layer|layer",),
    ),
    Attempt(
        state_passed_up,
        False,
        "Each layer starts from the previous layer's final state instead of its own h0[k].",
        ("h0|initial",),
    ),
    Attempt(
        h_n_from_first_step,
        False,
        "Each layer's final state is taken at the first time step instead of the last.",
        ("last|first|step",),
    ),
    Attempt(
        tanh_only_on_top,
        False,
        "tanh is applied only in the top layer; the lower layers stay linear.",
        ("tanh|nonlinear|activation|linear",),
    ),
    Attempt(time_outer_layers_inner, True),
    Attempt(preallocated_h_n, True),
]
