"""Attempts at bidirectional_rnn (lesson 06, bidirectional RNNs)."""

import torch
from attempts import Attempt


def backward_not_flipped_back(x, h0, params, layer=0):
    def run(inputs, h, suffix):
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
        states = []
        for x_t in inputs:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h

    forward, h_forward = run(x, h0[0], f"_l{layer}")
    backward, h_backward = run(x.flip(0), h0[1], f"_l{layer}_reverse")  # still in reading order
    return torch.cat([forward, backward], dim=-1), torch.stack([h_forward, h_backward])


def backward_uses_forward_weights(x, h0, params, layer=0):
    def run(inputs, h, suffix):
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
        states = []
        for x_t in inputs:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h

    forward, h_forward = run(x, h0[0], f"_l{layer}")
    backward, h_backward = run(x.flip(0), h0[1], f"_l{layer}")
    return torch.cat([forward, backward.flip(0)], dim=-1), torch.stack([h_forward, h_backward])


def both_directions_start_from_h0_0(x, h0, params, layer=0):
    def run(inputs, h, suffix):
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
        states = []
        for x_t in inputs:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h

    forward, h_forward = run(x, h0[0], f"_l{layer}")
    backward, h_backward = run(x.flip(0), h0[0], f"_l{layer}_reverse")
    return torch.cat([forward, backward.flip(0)], dim=-1), torch.stack([h_forward, h_backward])


def h_n_backward_from_last_step(x, h0, params, layer=0):
    def run(inputs, h, suffix):
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
        states = []
        for x_t in inputs:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h

    forward, _ = run(x, h0[0], f"_l{layer}")
    backward, _ = run(x.flip(0), h0[1], f"_l{layer}_reverse")
    output = torch.cat([forward, backward.flip(0)], dim=-1)  # (L, N, 2H)
    H = h0.shape[-1]
    return output, torch.stack(
        [output[-1, :, :H], output[-1, :, H:]]
    )  # both halves of the last step


def joined_along_time(x, h0, params, layer=0):
    def run(inputs, h, suffix):
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
        states = []
        for x_t in inputs:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h

    forward, h_forward = run(x, h0[0], f"_l{layer}")
    backward, h_backward = run(x.flip(0), h0[1], f"_l{layer}_reverse")
    return torch.cat([forward, backward.flip(0)]), torch.stack(
        [h_forward, h_backward]
    )  # (2L, N, H)


def backward_half_first(x, h0, params, layer=0):
    def run(inputs, h, suffix):
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
        states = []
        for x_t in inputs:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h

    forward, h_forward = run(x, h0[0], f"_l{layer}")
    backward, h_backward = run(x.flip(0), h0[1], f"_l{layer}_reverse")
    return torch.cat([backward.flip(0), forward], dim=-1), torch.stack([h_forward, h_backward])


def always_layer_0(x, h0, params, layer=0):
    def run(inputs, h, suffix):
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
        states = []
        for x_t in inputs:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h

    forward, h_forward = run(x, h0[0], "_l0")
    backward, h_backward = run(x.flip(0), h0[1], "_l0_reverse")
    return torch.cat([forward, backward.flip(0)], dim=-1), torch.stack([h_forward, h_backward])


def backward_reads_in_forward_order(x, h0, params, layer=0):
    L = x.shape[0]
    suffix = f"_l{layer}_reverse"
    w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
    b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
    forward, h = [], h0[0]
    for t in range(1, L + 1):
        h = torch.tanh(
            x[t - 1] @ params[f"weight_ih_l{layer}"].T
            + params[f"bias_ih_l{layer}"]
            + h @ params[f"weight_hh_l{layer}"].T
            + params[f"bias_hh_l{layer}"]
        )
        forward.append(h)
    h_forward = h
    backward, h = [None] * L, h0[1]
    for t in range(L, 0, -1):
        h = torch.tanh(x[L - t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)  # x_1 first
        backward[t - 1] = h
    return torch.cat([torch.stack(forward), torch.stack(backward)], dim=-1), torch.stack(
        [h_forward, h]
    )


def h_n_stacked_on_batch_axis(x, h0, params, layer=0):
    def run(inputs, h, suffix):
        w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
        b_ih, b_hh = params[f"bias_ih{suffix}"], params[f"bias_hh{suffix}"]
        states = []
        for x_t in inputs:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states.append(h)
        return torch.stack(states), h

    forward, h_forward = run(x, h0[0], f"_l{layer}")
    backward, h_backward = run(x.flip(0), h0[1], f"_l{layer}_reverse")
    return torch.cat([forward, backward.flip(0)], dim=-1), torch.stack(
        [h_forward, h_backward], dim=1
    )


def one_loop_both_directions(x, h0, params, layer=0):
    L = x.shape[0]
    fw = [params[f"{kind}_l{layer}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    bw = [
        params[f"{kind}_l{layer}_reverse"]
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]
    h_f, h_b = h0[0], h0[1]
    forward, backward = [None] * L, [None] * L
    for t in range(1, L + 1):
        s = L + 1 - t  # the backward pass's step: L, L - 1, ..., 1
        h_f = torch.tanh(x[t - 1] @ fw[0].T + fw[2] + h_f @ fw[1].T + fw[3])
        h_b = torch.tanh(x[s - 1] @ bw[0].T + bw[2] + h_b @ bw[1].T + bw[3])
        forward[t - 1], backward[s - 1] = h_f, h_b
    output = torch.cat([torch.stack(forward), torch.stack(backward)], dim=2)  # (L, N, 2H)
    return output, torch.stack([h_f, h_b])


def preallocated_output(x, h0, params, layer=0):
    L, N, H = x.shape[0], x.shape[1], h0.shape[-1]
    output = x.new_zeros(L, N, 2 * H)
    h_n = torch.empty_like(h0)
    for d, suffix in enumerate((f"_l{layer}", f"_l{layer}_reverse")):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b = params["bias_ih" + suffix] + params["bias_hh" + suffix]
        steps = range(L) if d == 0 else range(L - 1, -1, -1)
        h = h0[d]
        for i in steps:
            h = torch.tanh(torch.addmm(b, x[i], w_ih.T) + h @ w_hh.T)
            output[i, :, d * H : (d + 1) * H] = h
        h_n[d] = h
    return output, h_n


ATTEMPTS = [
    Attempt(
        backward_not_flipped_back,
        False,
        "the backward pass's states are not flipped back in time, so each sits at the wrong step.",
        ("flip|revers|time order|wrong step|order",),
    ),
    Attempt(
        backward_uses_forward_weights,
        False,
        "the backward direction uses the forward weights instead of the _reverse ones.",
        ("_reverse|reverse weight|revers",),
    ),
    Attempt(
        both_directions_start_from_h0_0,
        False,
        "both directions start from h0[0]; the backward one should start from h0[1].",
        ("h0|initial",),
    ),
    Attempt(
        h_n_backward_from_last_step,
        False,
        "the backward final state is read at the last step, but the backward pass ends at the first step.",
        ("backward|revers", "first|h_n"),
    ),
    Attempt(
        joined_along_time,
        False,
        "the two directions are concatenated along time, (2L, N, H), instead of along the features, (L, N, 2H).",
        ("feature|axis|dim|concat|shape",),
    ),
    Attempt(
        backward_half_first,
        False,
        "the backward half is put before the forward half in output; torch puts the forward half first.",
        ("forward|order|half|first",),
    ),
    Attempt(
        always_layer_0,
        False,
        "the layer argument is ignored: the keys _l0 and _l0_reverse are always used.",
        ("layer|_l0|key",),
    ),
    Attempt(
        backward_reads_in_forward_order,
        False,
        "the backward direction reads x_1 first (x[L - t]) instead of x_L first, so it never runs backwards "
        "over the inputs.",
        ("backward|revers|order|flip",),
    ),
    Attempt(
        h_n_stacked_on_batch_axis,
        False,
        "the two final states are stacked along axis 1, giving (N, 2, H) instead of (2, N, H).",
        ("axis|dim|shape|(2, n, h)",),
    ),
    Attempt(one_loop_both_directions, True),
    Attempt(preallocated_output, True),
]
