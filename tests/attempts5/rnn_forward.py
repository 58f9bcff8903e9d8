"""Attempts at rnn_forward (lesson 06_bidirectional_rnns)."""

import torch
from attempts import Attempt


def _run(x, h, params, suffix):
    """One direction of one layer over x in the order given: (L, N, H), last state."""
    weight_ih, weight_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
    bias = params[f"bias_ih{suffix}"] + params[f"bias_hh{suffix}"]
    states = []
    for x_t in x:
        h = torch.tanh(x_t @ weight_ih.T + h @ weight_hh.T + bias)
        states.append(h)
    return torch.stack(states), h


def _layer(x, h0_rows, params, k, bidirectional):
    """Layer k: output (L, N, D*H) and its final states, a list of D tensors (N, H)."""
    fwd, fwd_final = _run(x, h0_rows[0], params, f"_l{k}")
    if not bidirectional:
        return fwd, [fwd_final]
    bwd, bwd_final = _run(x.flip(0), h0_rows[1], params, f"_l{k}_reverse")
    return torch.cat([fwd, bwd.flip(0)], dim=-1), [fwd_final, bwd_final]


def _stack(x, h0, params, num_layers, bidirectional):
    D = 2 if bidirectional else 1
    finals = []
    for k in range(num_layers):
        x, layer_finals = _layer(x, h0[D * k : D * k + D], params, k, bidirectional)
        finals += layer_finals
    return x, torch.stack(finals)


def output_left_time_major(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.transpose(0, 1)
    return _stack(x, h0, params, num_layers, bidirectional)


def reshape_to_time_major(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.reshape(x.shape[1], x.shape[0], x.shape[2])
    output, h_n = _stack(x, h0, params, num_layers, bidirectional)
    if batch_first:
        output = output.reshape(output.shape[1], output.shape[0], output.shape[2])
    return output, h_n


def direction_major_h0(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.transpose(0, 1)
    D = 2 if bidirectional else 1
    finals = [None] * (D * num_layers)
    for k in range(num_layers):
        rows = [h0[d * num_layers + k] for d in range(D)]  # all forward rows first, then backward
        x, layer_finals = _layer(x, rows, params, k, bidirectional)
        for d in range(D):
            finals[d * num_layers + k] = layer_finals[d]
    output = x.transpose(0, 1) if batch_first else x
    return output, torch.stack(finals)


def upper_layer_reads_forward_half(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.transpose(0, 1)
    D = 2 if bidirectional else 1
    finals = []
    for k in range(num_layers):
        output, layer_finals = _layer(x, h0[D * k : D * k + D], params, k, bidirectional)
        x = output[..., : h0.shape[-1]]  # the next layer reads the forward states
        finals += layer_finals
    output = output.transpose(0, 1) if batch_first else output
    return output, torch.stack(finals)


def h_n_made_batch_first(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.transpose(0, 1)
    output, h_n = _stack(x, h0, params, num_layers, bidirectional)
    if batch_first:
        output, h_n = output.transpose(0, 1), h_n.transpose(0, 1)
    return output, h_n


def every_layer_from_zeros(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.transpose(0, 1)
    output, h_n = _stack(x, torch.zeros_like(h0), params, num_layers, bidirectional)
    return (output.transpose(0, 1) if batch_first else output), h_n


def h_n_grouped_by_layer(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.transpose(0, 1)
    D = 2 if bidirectional else 1
    per_layer = []
    for k in range(num_layers):
        x, layer_finals = _layer(x, h0[D * k : D * k + D], params, k, bidirectional)
        per_layer.append(torch.stack(layer_finals))  # (D, N, H)
    return (x.transpose(0, 1) if batch_first else x), torch.stack(
        per_layer
    )  # (num_layers, D, N, H)


def backward_final_from_last_step(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.transpose(0, 1)
    D, H = (2 if bidirectional else 1), h0.shape[-1]
    finals = []
    for k in range(num_layers):
        x, _ = _layer(x, h0[D * k : D * k + D], params, k, bidirectional)
        finals += [x[-1, :, d * H : (d + 1) * H] for d in range(D)]  # the last step of each half
    return (x.transpose(0, 1) if batch_first else x), torch.stack(finals)


def per_direction_loops(x, h0, params, num_layers, bidirectional, batch_first):
    sequence = x.movedim(1, 0) if batch_first else x  # (L, N, H_in)
    D = 2 if bidirectional else 1
    grid = h0.view(num_layers, D, h0.shape[1], h0.shape[2])  # [layer, direction]
    L, finals = sequence.shape[0], []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            h, states = grid[k, d], [None] * L
            for t in range(L, 0, -1) if d == 1 else range(1, L + 1):
                h = torch.tanh(
                    sequence[t - 1] @ params["weight_ih" + suffix].T
                    + params["bias_ih" + suffix]
                    + h @ params["weight_hh" + suffix].T
                    + params["bias_hh" + suffix]
                )
                states[t - 1] = h
            halves.append(torch.stack(states))
            finals.append(h)
        sequence = torch.cat(halves, dim=2)
    output = sequence.movedim(0, 1) if batch_first else sequence
    return output, torch.stack(finals)


def flat_h0_indices(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.permute(1, 0, 2)
    D = 2 if bidirectional else 1
    h_n = torch.empty_like(h0)
    for k in range(num_layers):
        x, layer_finals = _layer(
            x, [h0[2 * k + d] if D == 2 else h0[k] for d in range(D)], params, k, bidirectional
        )
        for d, final in enumerate(layer_finals):
            h_n[k * D + d] = final
    return (x.permute(1, 0, 2) if batch_first else x), h_n


ATTEMPTS = [
    Attempt(
        output_left_time_major,
        False,
        "transposes a batch-first input to time-major but returns output without transposing it back",
        ("batch_first|batch first|transpos|layout|axis",),
    ),
    Attempt(
        reshape_to_time_major,
        False,
        "swaps the batch and time axes with reshape, which scrambles the sequences, instead of transpose",
        ("transpos|reshape|view|permute",),
    ),
    Attempt(
        direction_major_h0,
        False,
        "reads h0 and writes h_n as all forward layers first, then all backward ones, not 2k + d",
        ("index|order|layout|entr|2k|2 * k|2*k",),
    ),
    Attempt(
        upper_layer_reads_forward_half,
        False,
        "feeds a bidirectional upper layer only the forward half of the layer below, not both",
        ("both|half|2h|2 * h|2*h|backward",),
    ),
    Attempt(
        h_n_made_batch_first,
        False,
        "transposes h_n too when batch_first, but h_n is never batch-first",
        ("h_n|batch_first|batch first|transpos",),
    ),
    Attempt(
        every_layer_from_zeros,
        False,
        "ignores the given h0 and starts every layer from zeros",
        ("h0|h_0|initial|zero",),
    ),
    Attempt(
        h_n_grouped_by_layer,
        False,
        "returns h_n as (num_layers, D, N, H) instead of (D*num_layers, N, H)",
        ("shape|stack|cat|dim|axis|view",),
    ),
    Attempt(
        backward_final_from_last_step,
        False,
        "takes each backward final state at the last step instead of at step 1, where it stops",
        ("first|backward|final",),
    ),
    Attempt(per_direction_loops, True),
    Attempt(flat_h0_indices, True),
]
