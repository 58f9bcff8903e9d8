"""Attempts at rnn_forward (lesson 06, all of nn.RNN's forward pass)."""

import torch
from attempts import Attempt


def output_left_time_major(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[k * D + d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input
    return output, torch.stack(finals)


def reshape_instead_of_transpose(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.reshape(x.shape[1], x.shape[0], x.shape[2])  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[k * D + d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input.reshape(x.shape[1], x.shape[0], -1) if batch_first else layer_input
    return output, torch.stack(finals)


def h0_row_k_plus_d(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[k + d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    return output, torch.stack(finals)


def h0_row_two_k_plus_d(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[2 * k + d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    return output, torch.stack(finals)


def h0_same_rows_every_layer(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    return output, torch.stack(finals)


def h_n_batch_first_too(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[k * D + d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    h_n = torch.stack(finals)
    return output, (h_n.transpose(0, 1) if batch_first else h_n)


def h_n_top_layer_only(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[k * D + d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    return output, torch.stack(finals[-D:])


def h_n_directions_before_layers(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[k * D + d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    h_n = torch.stack([finals[k * D + d] for d in range(D) for k in range(num_layers)])
    return output, h_n


def helper_per_direction(x, h0, params, num_layers, bidirectional, batch_first):
    def direction(inputs, h, suffix, reverse):
        w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
        b_ih, b_hh = params["bias_ih" + suffix], params["bias_hh" + suffix]
        steps = range(len(inputs) - 1, -1, -1) if reverse else range(len(inputs))
        states = [None] * len(inputs)
        for i in steps:
            h = torch.tanh(inputs[i] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            states[i] = h
        return torch.stack(states), h

    D = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, finals = x, []
    for k in range(num_layers):
        halves = []
        for d in range(D):
            suffix = f"_l{k}" + ("_reverse" if d == 1 else "")
            half, final = direction(layer_input, h0[k * D + d], suffix, reverse=d == 1)
            halves.append(half)
            finals.append(final)
        layer_input = torch.cat(halves, dim=-1)  # (L, N, D*H)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    return output, torch.stack(finals)


def recursive_layers(x, h0, params, num_layers, bidirectional, batch_first):
    D = 1 + int(bidirectional)
    seq = x.permute(1, 0, 2) if batch_first else x  # (L, N, H_in)

    def run(seq, k):
        """Layers k .. num_layers - 1 on seq (L, N, *) -> top output (L, N, D*H), finals of those layers."""
        if k == num_layers:
            return seq, []
        halves, finals = [], []
        for d in range(D):
            suffix = f"_l{k}_reverse" if d else f"_l{k}"
            w_ih, w_hh = params[f"weight_ih{suffix}"], params[f"weight_hh{suffix}"]
            bias = params[f"bias_ih{suffix}"] + params[f"bias_hh{suffix}"]
            ordered = seq.flip(0) if d else seq
            projected = torch.einsum("lni,hi->lnh", ordered, w_ih) + bias  # (L, N, H)
            h, states = h0[k * D + d], []
            for p in projected:
                h = torch.tanh(p + h @ w_hh.T)
                states.append(h)
            half = torch.stack(states)
            halves.append(half.flip(0) if d else half)
            finals.append(h)
        top, above = run(torch.cat(halves, dim=2), k + 1)
        return top, finals + above

    top, finals = run(seq, 0)
    return (top.permute(1, 0, 2) if batch_first else top), torch.stack(finals)


ATTEMPTS = [
    Attempt(
        output_left_time_major,
        False,
        "with batch_first the input is transposed to time-major but output is not transposed back to (N, L, D*H).",
        ("batch_first|batch-first|transpos|layout",),
    ),
    Attempt(
        reshape_instead_of_transpose,
        False,
        "batch_first is handled with reshape instead of transpose, which reorders the numbers instead of "
        "swapping the batch and time axes.",
        ("reshap|view|transpos|axes|axis",),
    ),
    Attempt(
        h0_row_k_plus_d,
        False,
        "layer k, direction d reads h0[k + d] instead of h0[k * D + d].",
        ("h0|initial|index",),
    ),
    Attempt(
        h0_row_two_k_plus_d,
        False,
        "the h0 row is always 2k + d, as if every RNN were bidirectional; with one direction it is k.",
        ("h0|initial|index|direction",),
    ),
    Attempt(
        h0_same_rows_every_layer,
        False,
        "every layer starts from the first layer's initial states h0[d] instead of its own rows of h0.",
        ("h0|initial|layer",),
    ),
    Attempt(
        h_n_batch_first_too,
        False,
        "h_n is also transposed when batch_first is set, but batch_first never applies to h_n.",
        ("batch_first|batch-first|transpos",),
    ),
    Attempt(
        h_n_top_layer_only,
        False,
        "h_n holds only the top layer's final states instead of every layer's.",
        ("layer|shape",),
    ),
    Attempt(
        h_n_directions_before_layers,
        False,
        "h_n is ordered by direction first (all forward layers, then all backward ones) instead of layer by "
        "layer with forward before backward.",
        ("order|layer|direction",),
    ),
    Attempt(helper_per_direction, True),
    Attempt(recursive_layers, True),
]
