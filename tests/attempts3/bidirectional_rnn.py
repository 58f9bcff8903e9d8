"""Attempts at bidirectional_rnn (lesson 06, bidirectional RNNs)."""

import torch
from attempts import Attempt


def _step(x_t, h, params, suffix):
    a = x_t @ params["weight_ih" + suffix].T + params["bias_ih" + suffix]
    return torch.tanh(a + h @ params["weight_hh" + suffix].T + params["bias_hh" + suffix])


def backward_not_flipped_back(x, h0, params, layer=0):
    L, suffix = x.shape[0], f"_l{layer}"
    h, forward = h0[0], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, suffix)
        forward.append(h)
    h_b, backward = h0[1], []
    for t in range(L, 0, -1):
        h_b = _step(x[t - 1], h_b, params, suffix + "_reverse")
        backward.append(h_b)  # in the order computed: step L first
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1)
    return output, torch.stack([h, h_b])


def backward_uses_forward_weights(x, h0, params, layer=0):
    L, suffix = x.shape[0], f"_l{layer}"
    h, forward = h0[0], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, suffix)
        forward.append(h)
    h_b, backward = h0[1], [None] * L
    for t in range(L, 0, -1):
        h_b = _step(x[t - 1], h_b, params, suffix)
        backward[t - 1] = h_b
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1)
    return output, torch.stack([h, h_b])


def backward_starts_from_h0_0(x, h0, params, layer=0):
    L, suffix = x.shape[0], f"_l{layer}"
    h, forward = h0[0], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, suffix)
        forward.append(h)
    h_b, backward = h0[0], [None] * L
    for t in range(L, 0, -1):
        h_b = _step(x[t - 1], h_b, params, suffix + "_reverse")
        backward[t - 1] = h_b
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1)
    return output, torch.stack([h, h_b])


def h_n_from_last_output_step(x, h0, params, layer=0):
    L, suffix = x.shape[0], f"_l{layer}"
    h, forward = h0[0], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, suffix)
        forward.append(h)
    h_b, backward = h0[1], [None] * L
    for t in range(L, 0, -1):
        h_b = _step(x[t - 1], h_b, params, suffix + "_reverse")
        backward[t - 1] = h_b
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1)
    H = h0.shape[-1]
    return output, torch.stack([output[-1, :, :H], output[-1, :, H:]])


def always_layer_0(x, h0, params, layer=0):
    L = x.shape[0]
    h, forward = h0[0], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, "_l0")
        forward.append(h)
    h_b, backward = h0[1], [None] * L
    for t in range(L, 0, -1):
        h_b = _step(x[t - 1], h_b, params, "_l0_reverse")
        backward[t - 1] = h_b
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1)
    return output, torch.stack([h, h_b])


def backward_reads_in_forward_order(x, h0, params, layer=0):
    L, suffix = x.shape[0], f"_l{layer}"
    h, h_b, forward, backward = h0[0], h0[1], [], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, suffix)
        h_b = _step(x[t - 1], h_b, params, suffix + "_reverse")
        forward.append(h)
        backward.append(h_b)
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1)
    return output, torch.stack([h, h_b])


def backward_half_first(x, h0, params, layer=0):
    L, suffix = x.shape[0], f"_l{layer}"
    h, forward = h0[0], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, suffix)
        forward.append(h)
    h_b, backward = h0[1], [None] * L
    for t in range(L, 0, -1):
        h_b = _step(x[t - 1], h_b, params, suffix + "_reverse")
        backward[t - 1] = h_b
    output = torch.cat([torch.stack(backward), torch.stack(forward)], dim=-1)
    return output, torch.stack([h, h_b])


def h_n_concatenated(x, h0, params, layer=0):
    L, suffix = x.shape[0], f"_l{layer}"
    h, forward = h0[0], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, suffix)
        forward.append(h)
    h_b, backward = h0[1], [None] * L
    for t in range(L, 0, -1):
        h_b = _step(x[t - 1], h_b, params, suffix + "_reverse")
        backward[t - 1] = h_b
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1)
    return output, torch.cat([h, h_b], dim=-1)  # (N, 2H)


def reverse_loop_mixes_counting(x, h0, params, layer=0):
    L, suffix = x.shape[0], f"_l{layer}"
    h, forward = h0[0], []
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, params, suffix)
        forward.append(h)
    h_b, backward = h0[1], [None] * L
    for t in range(L - 1, -1, -1):
        h_b = _step(x[t - 1], h_b, params, suffix + "_reverse")
        backward[t] = h_b
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1)
    return output, torch.stack([h, h_b])


def flip_in_time(x, h0, params, layer=0):
    def one_direction(inputs, h, suffix):
        states = []
        for x_t in inputs:
            h = _step(x_t, h, params, suffix)
            states.append(h)
        return torch.stack(states), h

    forward, h_f = one_direction(x, h0[0], f"_l{layer}")
    flipped, h_b = one_direction(x.flip(0), h0[1], f"_l{layer}_reverse")  # reads x_L first
    return torch.cat([forward, flipped.flip(0)], dim=2), torch.stack([h_f, h_b])


def preallocated_halves(x, h0, params, layer=0):
    L, N, H = x.shape[0], x.shape[1], h0.shape[-1]
    output = x.new_zeros(L, N, 2 * H)
    h_n = torch.empty_like(h0)
    for d, (suffix, steps) in enumerate(
        [(f"_l{layer}", range(1, L + 1)), (f"_l{layer}_reverse", range(L, 0, -1))]
    ):
        h = h0[d]
        for t in steps:
            h = _step(x[t - 1], h, params, suffix)
            output[t - 1, :, d * H : (d + 1) * H] = h
        h_n[d] = h
    return output, h_n


ATTEMPTS = [
    Attempt(
        backward_not_flipped_back,
        False,
        "The backward pass's states are kept in the order it computed them (step L first), so they sit at "
        "the wrong time steps.",
        ("flip|revers|order|wrong step|time step",),
    ),
    Attempt(
        backward_uses_forward_weights,
        False,
        "The backward pass uses the forward direction's parameters instead of the _reverse ones.",
        ("reverse",),
    ),
    Attempt(
        backward_starts_from_h0_0,
        False,
        "The backward pass starts from h0[0], the forward direction's initial state, instead of h0[1].",
        ("h0|initial",),
    ),
    Attempt(
        h_n_from_last_output_step,
        False,
        "h_n's backward entry is read at the last step of output, but the backward pass finishes at step 1.",
        ("first|finish|begin|start|step 1|t = 1",),
    ),
    Attempt(
        always_layer_0,
        False,
        "The `layer` argument is ignored: the keys ending in _l0 are used for every layer.",
        ("layer|suffix|_l0",),
    ),
    Attempt(
        backward_reads_in_forward_order,
        False,
        "The backward direction reads x_1 first, in the same order as the forward pass, instead of from x_L "
        "down to x_1.",
        ("revers|order|backward|direction|flip|x_l",),
    ),
    Attempt(
        backward_half_first,
        False,
        "output puts the backward half first; torch puts the forward half in the first H features.",
        ("order|forward first|swap|half",),
    ),
    Attempt(
        h_n_concatenated,
        False,
        "h_n is the two final states concatenated, (N, 2H), instead of stacked into (2, N, H).",
        ("stack|shape|concat|cat",),
    ),
    Attempt(
        reverse_loop_mixes_counting,
        False,
        "The reverse loop mixes counting from 0 and from 1: it reads x[t - 1] for t = L - 1 .. 0, "
        "so it starts at x_{L-1} and ends with x[-1], which is x_L.",
        ("index|off by one|off-by-one|range|count|t - 1",),
    ),
    Attempt(flip_in_time, True),
    Attempt(preallocated_halves, True),
]
