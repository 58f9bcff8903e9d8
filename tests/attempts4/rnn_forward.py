"""Attempts at rnn_forward (lesson 06, bidirectional RNNs)."""

import torch
from attempts import Attempt


def _run(x, h, w_ih, w_hh, b_ih, b_hh, reverse=False):
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    states = [None] * x.shape[0]
    for t in steps:
        h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        states[t] = h
    return torch.stack(states), h


def _weights(params, k, d):
    suffix = f"l{k}" + ("_reverse" if d else "")
    return [params[f"{name}_{suffix}"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def _forward(x, h0, params, num_layers, D, h0_index):
    inp, finals = x, []
    for k in range(num_layers):
        outs = []
        for d in range(D):
            out, h = _run(inp, h0[h0_index(k, d)], *_weights(params, k, d), reverse=d == 1)
            outs.append(out)
            finals.append(h)
        inp = torch.cat(outs, -1)  # (L, N, D*H)
    return inp, finals


def _layer_major(num_layers, D):
    return lambda k, d: k * D + d


def output_left_time_major(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)
    out, finals = _forward(x, h0, params, num_layers, D, _layer_major(num_layers, D))
    return out, torch.stack(finals)


def h0_direction_major(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)
    out, finals = _forward(x, h0, params, num_layers, D, lambda k, d: d * num_layers + k)
    h_n = torch.stack(
        [finals[k * D + d] for d in range(D) for k in range(num_layers)]
    )  # direction-major
    return (out.transpose(0, 1) if batch_first else out), h_n


def h_n_batch_first_too(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)
    out, finals = _forward(x, h0, params, num_layers, D, _layer_major(num_layers, D))
    h_n = torch.stack(finals)
    if batch_first:
        return out.transpose(0, 1), h_n.transpose(0, 1)
    return out, h_n


def reshape_for_batch_first(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        N, L, H_in = x.shape
        x = x.reshape(L, N, H_in)
    out, finals = _forward(x, h0, params, num_layers, D, _layer_major(num_layers, D))
    if batch_first:
        out = out.reshape(out.shape[1], out.shape[0], out.shape[2])
    return out, torch.stack(finals)


def h_n_top_layer_only(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)
    out, finals = _forward(x, h0, params, num_layers, D, _layer_major(num_layers, D))
    return (out.transpose(0, 1) if batch_first else out), torch.stack(finals[-D:])


def one_h0_per_layer(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)
    out, finals = _forward(x, h0, params, num_layers, D, lambda k, d: k)
    return (out.transpose(0, 1) if batch_first else out), torch.stack(finals)


def directions_summed(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)
    inp, finals = x, []
    for k in range(num_layers):
        outs = []
        for d in range(D):
            w_ih, w_hh, b_ih, b_hh = _weights(params, k, d)
            w_ih = w_ih[:, : inp.shape[-1]]
            out, h = _run(inp, h0[k * D + d], w_ih, w_hh, b_ih, b_hh, reverse=d == 1)
            outs.append(out)
            finals.append(h)
        inp = sum(outs)
    return (inp.transpose(0, 1) if batch_first else inp), torch.stack(finals)


def backward_never_reversed(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)
    inp, finals = x, []
    for k in range(num_layers):
        outs = []
        for d in range(D):
            out, h = _run(inp, h0[k * D + d], *_weights(params, k, d))
            outs.append(out)
            finals.append(h)
        inp = torch.cat(outs, -1)
    return (inp.transpose(0, 1) if batch_first else inp), torch.stack(finals)


def movedim_and_preallocated_h_n(x, h0, params, num_layers, bidirectional, batch_first):
    D = 1 + int(bidirectional)
    inp = torch.movedim(x, 1, 0) if batch_first else x  # (L, N, H_in)
    h_n = torch.empty_like(h0)  # (D * num_layers, N, H)
    for k in range(num_layers):
        outs = []
        for d in range(D):
            out, h_n[k * D + d] = _run(inp, h0[k * D + d], *_weights(params, k, d), reverse=bool(d))
            outs.append(out)
        inp = torch.cat(outs, dim=2)  # (L, N, D*H)
    return (torch.movedim(inp, 0, 1) if batch_first else inp), h_n


def flip_based(x, h0, params, num_layers, bidirectional, batch_first):
    inp = x.transpose(0, 1) if batch_first else x
    h_list = list(h0.unbind(0))
    D = 2 if bidirectional else 1
    finals = []
    for k in range(num_layers):
        fwd, h_f = _run(inp, h_list[k * D], *_weights(params, k, 0))
        finals.append(h_f)
        if D == 2:
            bwd, h_b = _run(inp.flip(0), h_list[k * D + 1], *_weights(params, k, 1))
            finals.append(h_b)
            fwd = torch.cat([fwd, bwd.flip(0)], dim=-1)
        inp = fwd
    out = inp.transpose(0, 1) if batch_first else inp
    return out.contiguous(), torch.stack(finals)


ATTEMPTS = [
    Attempt(
        output_left_time_major,
        False,
        "x is transposed to time-major on the way in, but output is not transposed back to batch-first on the way out.",
        ("batch_first|batch-first|transpos",),
    ),
    Attempt(
        h0_direction_major,
        False,
        "h0 and h_n are indexed direction-major (d * num_layers + k) instead of layer-major (k * D + d).",
        ("h0|h_n|order|index|layout",),
    ),
    Attempt(
        h_n_batch_first_too,
        False,
        "h_n is transposed for batch_first as well; batch_first never changes h_n's layout.",
        ("h_n|batch_first|batch-first|transpos",),
    ),
    Attempt(
        reshape_for_batch_first,
        False,
        "reshape is used to swap N and L for batch_first, which scrambles the entries instead of transposing.",
        ("reshape|view|transpos|scrambl|permut",),
    ),
    Attempt(
        h_n_top_layer_only,
        False,
        "h_n holds only the top layer's final states instead of every layer's.",
        ("layer|h_n|shape",),
    ),
    Attempt(
        one_h0_per_layer,
        False,
        "Both directions of layer k start from h0[k] instead of h0[k * D + d].",
        ("h0|initial|index|direction",),
    ),
    Attempt(
        directions_summed,
        False,
        "The two directions' states are added instead of concatenated, so output is (L, N, H) and the next layer "
        "sees half its input.",
        ("concat|cat|sum|add|shape",),
    ),
    Attempt(
        backward_never_reversed,
        False,
        "The _reverse weights run forward in time; the backward direction must walk from the last step.",
        ("revers|backward|flip|direction|time",),
    ),
    Attempt(movedim_and_preallocated_h_n, True),
    Attempt(flip_based, True),
]
