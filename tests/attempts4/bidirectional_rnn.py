"""Attempts at bidirectional_rnn (lesson 06, bidirectional RNNs)."""

import torch
from attempts import Attempt


def _layer(x, h, w_ih, w_hh, b_ih, b_hh):
    states = []
    for x_t in x:
        h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        states.append(h)
    return torch.stack(states), h


def _weights(params, suffix):
    return [params[f"{name}_{suffix}"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def _directions(x, h0, params, layer):
    """The forward states, its final state, the backward states in time order, its final state."""
    fwd, h_f = _layer(x, h0[0], *_weights(params, f"l{layer}"))
    bwd, h_b = _layer(x.flip(0), h0[1], *_weights(params, f"l{layer}_reverse"))
    return fwd, h_f, bwd.flip(0), h_b


def no_flip_back(x, h0, params, layer=0):
    fwd, h_f = _layer(x, h0[0], *_weights(params, f"l{layer}"))
    bwd, h_b = _layer(x.flip(0), h0[1], *_weights(params, f"l{layer}_reverse"))
    return torch.cat([fwd, bwd], dim=-1), torch.stack([h_f, h_b])


def forward_weights_twice(x, h0, params, layer=0):
    fwd, h_f = _layer(x, h0[0], *_weights(params, f"l{layer}"))
    bwd, h_b = _layer(x.flip(0), h0[1], *_weights(params, f"l{layer}"))
    return torch.cat([fwd, bwd.flip(0)], dim=-1), torch.stack([h_f, h_b])


def backward_starts_from_h0_0(x, h0, params, layer=0):
    fwd, h_f = _layer(x, h0[0], *_weights(params, f"l{layer}"))
    bwd, h_b = _layer(x.flip(0), h0[0], *_weights(params, f"l{layer}_reverse"))
    return torch.cat([fwd, bwd.flip(0)], dim=-1), torch.stack([h_f, h_b])


def h_n_from_last_output_row(x, h0, params, layer=0):
    fwd, _, bwd, _ = _directions(x, h0, params, layer)
    output = torch.cat([fwd, bwd], dim=-1)
    H = fwd.shape[-1]
    return output, torch.stack([output[-1, :, :H], output[-1, :, H:]])


def joined_along_time(x, h0, params, layer=0):
    fwd, h_f, bwd, h_b = _directions(x, h0, params, layer)
    return torch.cat([fwd, bwd], dim=0), torch.stack([h_f, h_b])


def hardcoded_layer_zero(x, h0, params, layer=0):
    fwd, h_f = _layer(x, h0[0], *_weights(params, "l0"))
    bwd, h_b = _layer(x.flip(0), h0[1], *_weights(params, "l0_reverse"))
    return torch.cat([fwd, bwd.flip(0)], dim=-1), torch.stack([h_f, h_b])


def flipped_batch(x, h0, params, layer=0):
    fwd, h_f = _layer(x, h0[0], *_weights(params, f"l{layer}"))
    bwd, h_b = _layer(x.flip(1), h0[1], *_weights(params, f"l{layer}_reverse"))
    return torch.cat([fwd, bwd.flip(1)], dim=-1), torch.stack([h_f, h_b])


def backward_half_first(x, h0, params, layer=0):
    fwd, h_f, bwd, h_b = _directions(x, h0, params, layer)
    return torch.cat([bwd, fwd], dim=-1), torch.stack([h_f, h_b])


def index_loop_into_buffer(x, h0, params, layer=0):
    L, N, H = x.shape[0], h0.shape[1], h0.shape[2]
    output = x.new_empty(L, N, 2 * H)
    h_n = torch.empty_like(h0)
    for d, (suffix, steps) in enumerate(
        [(f"l{layer}", range(L)), (f"l{layer}_reverse", range(L - 1, -1, -1))]
    ):
        w_ih, w_hh, b_ih, b_hh = _weights(params, suffix)
        h = h0[d]
        for t in steps:
            h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            output[t, :, d * H : (d + 1) * H] = h
        h_n[d] = h
    return output, h_n


def reversed_list(x, h0, params, layer=0):
    fwd, h_f = _layer(x, h0[0], *_weights(params, f"l{layer}"))
    bwd_rev, h_b = _layer(
        torch.stack(list(reversed(x.unbind(0)))), h0[1], *_weights(params, f"l{layer}_reverse")
    )
    bwd = torch.stack(list(reversed(bwd_rev.unbind(0))))
    return torch.cat((fwd, bwd), dim=2), torch.stack((h_f, h_b))


ATTEMPTS = [
    Attempt(
        no_flip_back,
        False,
        "The backward states are joined in the order they were computed; they must be flipped back into time order.",
        ("flip|revers|order|time",),
    ),
    Attempt(
        forward_weights_twice,
        False,
        "The backward pass uses the forward weights instead of the _reverse ones.",
        ("reverse|weight|direction",),
    ),
    Attempt(
        backward_starts_from_h0_0,
        False,
        "The backward direction starts from h0[0] instead of h0[1].",
        ("h0|initial",),
    ),
    Attempt(
        h_n_from_last_output_row,
        False,
        "h_n's backward half is read at the last step of output; the backward direction ends at the first step.",
        ("first|backward|last|h_n",),
    ),
    Attempt(
        joined_along_time,
        False,
        "The two directions are concatenated along time (dim 0) instead of the features (dim -1).",
        ("dim|axis|feature|concat|cat|shape",),
    ),
    Attempt(
        hardcoded_layer_zero,
        False,
        "The layer argument is ignored: the keys are always _l0 instead of _l{layer}.",
        ("layer|key|l0",),
    ),
    Attempt(
        flipped_batch,
        False,
        "The sequence is reversed along the batch axis (dim 1) instead of time (dim 0).",
        ("dim|axis|time|batch|flip",),
    ),
    Attempt(
        backward_half_first,
        False,
        "The backward half is placed before the forward half in output's last axis.",
        ("order|half|forward|first",),
    ),
    Attempt(index_loop_into_buffer, True),
    Attempt(reversed_list, True),
]
