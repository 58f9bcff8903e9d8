"""Attempts at bidirectional_rnn (lesson 06_bidirectional_rnns)."""

import torch
from attempts import Attempt


def _weights(params, suffix):
    return tuple(
        params[f"{kind}{suffix}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )


def _run(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """A forward loop over x in the order given: (L, N, H), last state."""
    states = []
    for x_t in x:
        h = torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def backward_not_flipped_back(x, h0, params, layer=0):
    fwd, fwd_final = _run(x, h0[0], *_weights(params, f"_l{layer}"))
    bwd, bwd_final = _run(x.flip(0), h0[1], *_weights(params, f"_l{layer}_reverse"))
    return torch.cat([fwd, bwd], dim=-1), torch.stack([fwd_final, bwd_final])


def backward_uses_forward_weights(x, h0, params, layer=0):
    weights = _weights(params, f"_l{layer}")
    fwd, fwd_final = _run(x, h0[0], *weights)
    bwd, bwd_final = _run(x.flip(0), h0[1], *weights)
    return torch.cat([fwd, bwd.flip(0)], dim=-1), torch.stack([fwd_final, bwd_final])


def both_directions_from_h0_0(x, h0, params, layer=0):
    fwd, fwd_final = _run(x, h0[0], *_weights(params, f"_l{layer}"))
    bwd, bwd_final = _run(x.flip(0), h0[0], *_weights(params, f"_l{layer}_reverse"))
    return torch.cat([fwd, bwd.flip(0)], dim=-1), torch.stack([fwd_final, bwd_final])


def backward_reads_in_forward_order(x, h0, params, layer=0):
    fwd, fwd_final = _run(x, h0[0], *_weights(params, f"_l{layer}"))
    bwd, bwd_final = _run(x, h0[1], *_weights(params, f"_l{layer}_reverse"))
    return torch.cat([fwd, bwd], dim=-1), torch.stack([fwd_final, bwd_final])


def backward_final_at_last_step(x, h0, params, layer=0):
    fwd, _ = _run(x, h0[0], *_weights(params, f"_l{layer}"))
    flipped, _ = _run(x.flip(0), h0[1], *_weights(params, f"_l{layer}_reverse"))
    output = torch.cat([fwd, flipped.flip(0)], dim=-1)  # (L, N, 2H)
    H = fwd.shape[-1]
    return output, torch.stack([output[-1, :, :H], output[-1, :, H:]])


def always_layer_zero(x, h0, params, layer=0):
    fwd, fwd_final = _run(x, h0[0], *_weights(params, "_l0"))
    bwd, bwd_final = _run(x.flip(0), h0[1], *_weights(params, "_l0_reverse"))
    return torch.cat([fwd, bwd.flip(0)], dim=-1), torch.stack([fwd_final, bwd_final])


def joined_along_time(x, h0, params, layer=0):
    fwd, fwd_final = _run(x, h0[0], *_weights(params, f"_l{layer}"))
    bwd, bwd_final = _run(x.flip(0), h0[1], *_weights(params, f"_l{layer}_reverse"))
    return torch.cat([fwd, bwd.flip(0)]), torch.stack([fwd_final, bwd_final])  # (2L, N, H)


def backward_half_first(x, h0, params, layer=0):
    fwd, fwd_final = _run(x, h0[0], *_weights(params, f"_l{layer}"))
    bwd, bwd_final = _run(x.flip(0), h0[1], *_weights(params, f"_l{layer}_reverse"))
    return torch.cat([bwd.flip(0), fwd], dim=-1), torch.stack([bwd_final, fwd_final])


def flips_the_features(x, h0, params, layer=0):
    fwd, fwd_final = _run(x, h0[0], *_weights(params, f"_l{layer}"))
    bwd, bwd_final = _run(x.flip(-1), h0[1], *_weights(params, f"_l{layer}_reverse"))
    return torch.cat([fwd, bwd.flip(-1)], dim=-1), torch.stack([fwd_final, bwd_final])


def writes_into_preallocated_halves(x, h0, params, layer=0):
    L, N, H = x.shape[0], x.shape[1], h0.shape[-1]
    output = x.new_empty(L, N, 2 * H)
    h_n = x.new_empty(2, N, H)
    for d, suffix in enumerate((f"_l{layer}", f"_l{layer}_reverse")):
        weight_ih, weight_hh, bias_ih, bias_hh = _weights(params, suffix)
        steps = range(1, L + 1) if d == 0 else range(L, 0, -1)
        h = h0[d]
        for t in steps:
            h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            output[t - 1, :, d * H : (d + 1) * H] = h
        h_n[d] = h
    return output, h_n


def reversed_index_lists(x, h0, params, layer=0):
    L = x.shape[0]
    fwd, fwd_final = _run(x, h0[0], *_weights(params, f"_l{layer}"))
    back_order = list(range(L - 1, -1, -1))
    bwd, bwd_final = _run(x[back_order], h0[1], *_weights(params, f"_l{layer}_reverse"))
    return torch.cat((fwd, bwd[back_order]), dim=2), torch.stack((fwd_final, bwd_final))


ATTEMPTS = [
    Attempt(
        backward_not_flipped_back,
        False,
        "does not flip the backward pass's output back, so its states sit at the wrong time steps",
        ("flip|revers|order|time",),
    ),
    Attempt(
        backward_uses_forward_weights,
        False,
        "runs the backward direction with the forward weights instead of the _reverse ones",
        ("reverse|weight",),
    ),
    Attempt(
        both_directions_from_h0_0,
        False,
        "starts the backward direction from h0[0] instead of h0[1]",
        ("h0|h_0|initial",),
    ),
    Attempt(
        backward_reads_in_forward_order,
        False,
        "the backward direction reads x_1 to x_L like the forward one instead of from x_L down",
        ("revers|flip|order|direction|backward",),
    ),
    Attempt(
        backward_final_at_last_step,
        False,
        "takes the backward final state at the last step, where it has read only x_L, not at step 1",
        ("first|h_n|final",),
    ),
    Attempt(
        always_layer_zero,
        False,
        "ignores the layer argument and always reads the _l0 parameters",
        ("layer",),
    ),
    Attempt(
        joined_along_time,
        False,
        "joins the two directions along time, (2L, N, H), instead of along the features",
        ("shape|cat|concat|dim|axis|feature",),
    ),
    Attempt(
        backward_half_first,
        False,
        "puts the backward direction first, where torch puts the forward one first",
        ("order|forward first|swap|forward",),
    ),
    Attempt(
        flips_the_features,
        False,
        "flips the feature axis instead of the time axis for the backward pass",
        ("flip|axis|dim|time",),
    ),
    Attempt(writes_into_preallocated_halves, True),
    Attempt(reversed_index_lists, True),
]
