"""Attempts at rnn_forward (lesson 06, all of nn.RNN's forward pass)."""

import torch
from attempts import Attempt


def _direction(x, h, params, suffix, reverse=False):
    """One direction of one layer: x (L, N, H_in), h (N, H) -> states (L, N, H) in time order, final (N, H)."""
    L = x.shape[0]
    states = [None] * L
    for t in range(L, 0, -1) if reverse else range(1, L + 1):
        a = x[t - 1] @ params["weight_ih" + suffix].T + params["bias_ih" + suffix]
        h = torch.tanh(a + h @ params["weight_hh" + suffix].T + params["bias_hh" + suffix])
        states[t - 1] = h
    return torch.stack(states), h


def _layer(x, h0_rows, params, k, D):
    """Layer k, D directions: h0_rows (D, N, H) -> output (L, N, D*H), finals list of D (N, H)."""
    outputs, finals = [], []
    for d in range(D):
        out, final = _direction(
            x, h0_rows[d], params, f"_l{k}" + ("_reverse" if d else ""), reverse=d == 1
        )
        outputs.append(out)
        finals.append(final)
    return torch.cat(outputs, dim=-1), finals


def output_left_time_major(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = x.transpose(0, 1) if batch_first else x
    finals = []
    for k in range(num_layers):
        layer_input, layer_finals = _layer(layer_input, h0[k * D : (k + 1) * D], params, k, D)
        finals += layer_finals
    return layer_input, torch.stack(finals)


def h_n_made_batch_first_too(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = x.transpose(0, 1) if batch_first else x
    finals = []
    for k in range(num_layers):
        layer_input, layer_finals = _layer(layer_input, h0[k * D : (k + 1) * D], params, k, D)
        finals += layer_finals
    h_n = torch.stack(finals)
    if batch_first:
        return layer_input.transpose(0, 1), h_n.transpose(0, 1)
    return layer_input, h_n


def h_n_forward_entries_first(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = x.transpose(0, 1) if batch_first else x
    per_direction = [[] for _ in range(D)]
    for k in range(num_layers):
        layer_input, layer_finals = _layer(layer_input, h0[k * D : (k + 1) * D], params, k, D)
        for d in range(D):
            per_direction[d].append(layer_finals[d])
    h_n = torch.cat(
        [torch.stack(finals) for finals in per_direction]
    )  # all forward, then all backward
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    return output, h_n


def upper_layer_reads_forward_half(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = x.transpose(0, 1) if batch_first else x
    H = h0.shape[-1]
    finals = []
    for k in range(num_layers):
        output, layer_finals = _layer(layer_input, h0[k * D : (k + 1) * D], params, k, D)
        finals += layer_finals
        layer_input = output[..., :H]  # the forward states go up
    output = output.transpose(0, 1) if batch_first else output
    return output, torch.stack(finals)


def h0_rows_from_layer_index(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = x.transpose(0, 1) if batch_first else x
    finals = []
    for k in range(num_layers):
        rows = h0[k : k + D]  # layer k's D initial states
        layer_input, layer_finals = _layer(layer_input, rows, params, k, D)
        finals += layer_finals
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    return output, torch.stack(finals)


def output_of_first_layer(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    x = x.transpose(0, 1) if batch_first else x
    out, finals = _layer(x, h0[0:D], params, 0, D)
    layer_input = out
    for k in range(1, num_layers):
        layer_input, layer_finals = _layer(layer_input, h0[k * D : (k + 1) * D], params, k, D)
        finals += layer_finals
    output = out.transpose(0, 1) if batch_first else out
    return output, torch.stack(finals)


def float32_buffers(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = x.transpose(0, 1) if batch_first else x
    L, N, H = layer_input.shape[0], layer_input.shape[1], h0.shape[-1]
    h_n = torch.zeros(D * num_layers, N, H)  # filled layer by layer
    for k in range(num_layers):
        layer_input, layer_finals = _layer(layer_input, h0[k * D : (k + 1) * D], params, k, D)
        for d in range(D):
            h_n[k * D + d] = layer_finals[d]
    output = torch.zeros(L, N, D * H)
    output[:] = layer_input
    output = output.transpose(0, 1) if batch_first else output
    return output, h_n


def transposes_back_when_not_batch_first(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = x.transpose(0, 1) if batch_first else x
    finals = []
    for k in range(num_layers):
        layer_input, layer_finals = _layer(layer_input, h0[k * D : (k + 1) * D], params, k, D)
        finals += layer_finals
    output = layer_input if batch_first else layer_input.transpose(0, 1)
    return output, torch.stack(finals)


def h0_through_a_grid_view(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = x.permute(1, 0, 2) if batch_first else x
    grid = h0.view(num_layers, D, h0.shape[1], h0.shape[2])  # [k, d] is entry k * D + d
    h_n = torch.empty_like(h0).view(num_layers, D, h0.shape[1], h0.shape[2])
    for k in range(num_layers):
        layer_input, layer_finals = _layer(layer_input, grid[k], params, k, D)
        h_n[k] = torch.stack(layer_finals)
    output = layer_input.permute(1, 0, 2) if batch_first else layer_input
    return output, h_n.view(D * num_layers, h0.shape[1], h0.shape[2])


def flips_for_the_backward_pass(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input = torch.swapaxes(x, 0, 1) if batch_first else x
    h_n = []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            seq = layer_input.flip(0) if d == 1 else layer_input
            states, h = _direction(seq, h0[k * D + d], params, suffix)
            halves.append(states.flip(0) if d == 1 else states)
            h_n.append(h)
        layer_input = torch.cat(halves, dim=2)
    output = torch.swapaxes(layer_input, 0, 1) if batch_first else layer_input
    return output, torch.stack(h_n)


ATTEMPTS = [
    Attempt(
        output_left_time_major,
        False,
        "With batch_first=True, x is transposed on the way in but output is never transposed back to (N, L, D*H).",
        ("batch_first|batch-first|batch first|transpos|swap|layout",),
    ),
    Attempt(
        h_n_made_batch_first_too,
        False,
        "h_n is transposed to batch-first as well, but h_n is never batch-first: it stays (D*num_layers, N, H).",
        ("h_n|batch",),
    ),
    Attempt(
        h_n_forward_entries_first,
        False,
        "h_n lists every layer's forward final state first and then the backward ones, instead of layer by layer "
        "(entry k*D + d).",
        ("order|index|layer by layer|arrang|layout|interleav",),
    ),
    Attempt(
        upper_layer_reads_forward_half,
        False,
        "The layer above reads only the forward half of the layer below, instead of both directions' 2H features.",
        ("both|half|2h|2 h|2*h|backward|whole",),
    ),
    Attempt(
        h0_rows_from_layer_index,
        False,
        "Layer k's initial states are read from h0[k : k + D] instead of h0[k*D : k*D + D], so in a bidirectional "
        "stack the upper layers start from the wrong rows of h0.",
        ("h0|initial|index",),
    ),
    Attempt(
        output_of_first_layer,
        False,
        "output is the first layer's sequence instead of the top layer's.",
        ("top|last layer|first layer|layer 0",),
    ),
    Attempt(
        float32_buffers,
        False,
        "output and h_n are filled into torch.zeros buffers of the default float32, so float64 inputs come back "
        "as float32.",
        ("dtype|float32|float64|precision|double",),
    ),
    Attempt(
        transposes_back_when_not_batch_first,
        False,
        "On the way out the condition is inverted: output is transposed when batch_first is False and left "
        "time-major when it is True.",
        ("batch_first|batch-first|batch first|transpos|layout|condition|invert",),
    ),
    Attempt(h0_through_a_grid_view, True),
    Attempt(flips_for_the_backward_pass, True),
]
