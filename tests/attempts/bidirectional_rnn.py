"""Attempts at lesson 06's `bidirectional_rnn(x, h0, params, layer=0)`."""

import torch

from attempts import Attempt


def _weights(params, layer, reverse):
    s = f"_l{layer}" + ("_reverse" if reverse else "")
    return (
        params["weight_ih" + s],
        params["weight_hh" + s],
        params["bias_ih" + s],
        params["bias_hh" + s],
    )


def _run(x, h, w, steps):
    w_ih, w_hh, b_ih, b_hh = w
    out = [None] * x.shape[0]
    for t in steps:
        h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        out[t] = h
    return torch.stack(out), h


def tensor_slice_reversed(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, h_b = _run(x[::-1], h0[1], _weights(params, layer, True), range(len(x)))
    return torch.cat([fwd, bwd[::-1]], dim=2), torch.stack([h_f, h_b])


def backward_outputs_not_realigned(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, h_b = _run(x.flip(0), h0[1], _weights(params, layer, True), range(len(x)))
    return torch.cat([fwd, bwd], dim=2), torch.stack([h_f, h_b])


def forward_weights_both_ways(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, h_b = _run(x, h0[1], _weights(params, layer, False), reversed(range(len(x))))
    return torch.cat([fwd, bwd], dim=2), torch.stack([h_f, h_b])


def backward_h_n_at_last_step(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, _ = _run(x, h0[1], _weights(params, layer, True), reversed(range(len(x))))
    return torch.cat([fwd, bwd], dim=2), torch.stack([h_f, bwd[-1]])


def both_from_h0_0(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, h_b = _run(x, h0[0], _weights(params, layer, True), reversed(range(len(x))))
    return torch.cat([fwd, bwd], dim=2), torch.stack([h_f, h_b])


def backward_continues_forward(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, h_b = _run(x, h_f, _weights(params, layer, True), reversed(range(len(x))))
    return torch.cat([fwd, bwd], dim=2), torch.stack([h_f, h_b])


def backward_half_first(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, h_b = _run(x, h0[1], _weights(params, layer, True), reversed(range(len(x))))
    return torch.cat([bwd, fwd], dim=2), torch.stack([h_f, h_b])


def joined_on_time_axis(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, h_b = _run(x, h0[1], _weights(params, layer, True), reversed(range(len(x))))
    return torch.cat([fwd, bwd]), torch.stack([h_f, h_b])


def h_n_concatenated(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd, h_b = _run(x, h0[1], _weights(params, layer, True), reversed(range(len(x))))
    return torch.cat([fwd, bwd], dim=2), torch.cat([h_f, h_b], dim=-1)


def flip_twice(x, h0, params, layer=0):
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(len(x)))
    bwd_rev, h_b = _run(
        torch.flip(x, dims=[0]), h0[1], _weights(params, layer, True), range(len(x))
    )
    return torch.cat([fwd, torch.flip(bwd_rev, dims=[0])], dim=-1), torch.stack([h_f, h_b])


def index_list_reversed(x, h0, params, layer=0):
    L = x.shape[0]
    outs, finals = [], []
    for d, order in enumerate([list(range(L)), list(range(L - 1, -1, -1))]):
        out, h = _run(x, h0[d], _weights(params, layer, d == 1), order)
        outs.append(out)
        finals.append(h)
    return torch.cat(outs, 2), torch.stack(finals, 0)


def one_based_time(x, h0, params, layer=0):
    w_ih, w_hh, b_ih, b_hh = _weights(params, layer, True)
    L = len(x)
    h = h0[1]
    back = x.new_zeros(L, x.shape[1], h0.shape[-1])
    for t in range(L, 0, -1):  # steps L, ..., 1 read x_t = x[t - 1]
        h = torch.tanh(x[t - 1] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        back[t - 1] = h
    fwd, h_f = _run(x, h0[0], _weights(params, layer, False), range(L))
    return torch.cat((fwd, back), dim=-1), torch.stack((h_f, h))


ATTEMPTS = [
    Attempt(
        tensor_slice_reversed,
        False,
        "x[::-1] does not work on a tensor (negative steps are not supported); torch.flip reverses time.",
        ("flip|negative|[::-1]",),
    ),
    Attempt(
        backward_outputs_not_realigned,
        False,
        "The backward outputs stay in processing order; they must be flipped back so row t is the state at step t.",
        ("backward", "order|revers|flip|align"),
    ),
    Attempt(
        forward_weights_both_ways,
        False,
        "The backward direction uses the forward weights; it has its own, ending in _reverse.",
        ("_reverse|reverse",),
    ),
    Attempt(
        backward_h_n_at_last_step,
        False,
        "h_n's backward entry is read at the last time step, where the backward pass starts, not where it ends.",
        ("h_n|final", "backward"),
    ),
    Attempt(
        both_from_h0_0,
        False,
        "Both directions start from h0[0]; the backward one starts from h0[1].",
        ("h0",),
    ),
    Attempt(
        backward_continues_forward,
        False,
        "The backward direction starts from the forward direction's final state instead of h0[1].",
        ("h0",),
    ),
    Attempt(
        backward_half_first,
        False,
        "output's halves are in the wrong order: forward first, then backward.",
        ("half|halves|order|swap",),
    ),
    Attempt(
        joined_on_time_axis,
        False,
        "The two directions are concatenated on the time axis instead of the feature axis.",
        ("axis|dim|feature",),
    ),
    Attempt(
        h_n_concatenated,
        False,
        "h_n joins the two final states along the features instead of stacking them: (2, N, H).",
        ("stack|h_n",),
    ),
    Attempt(flip_twice, True),
    Attempt(index_list_reversed, True),
    Attempt(one_based_time, True),
]
