"""Attempts at lesson 06's `rnn_forward(x, h0, params, num_layers, bidirectional, batch_first)`."""

import torch

from attempts import Attempt


def _direction(x, h, params, k, d):
    s = f"_l{k}" + ("_reverse" if d == 1 else "")
    w_ih, w_hh = params["weight_ih" + s], params["weight_hh" + s]
    b_ih, b_hh = params["bias_ih" + s], params["bias_hh" + s]
    steps = range(x.shape[0]) if d == 0 else range(x.shape[0] - 1, -1, -1)
    out = [None] * x.shape[0]
    for t in steps:
        h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        out[t] = h
    return torch.stack(out), h


def _stack(x, h0, params, num_layers, D, h0_row, feed):
    inp, finals, outs = x, [], None
    for k in range(num_layers):
        outs = []
        for d in range(D):
            out, h = _direction(inp, h0[h0_row(k, d)], params, k, d)
            outs.append(out)
            finals.append(h)
        inp = feed(outs)
    return inp, torch.stack(finals)


def _cat(outs):
    return torch.cat(outs, dim=-1)


def h0_transposed_for_batch_first(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x, h0 = x.transpose(0, 1), h0.transpose(0, 1)
    out, h_n = _stack(x, h0, params, num_layers, D, lambda k, d: k * D + d, _cat)
    return (out.transpose(0, 1) if batch_first else out), h_n


def h0_direction_major(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    x = x.transpose(0, 1) if batch_first else x
    out, h_n = _stack(x, h0, params, num_layers, D, lambda k, d: d * num_layers + k, _cat)
    return (out.transpose(0, 1) if batch_first else out), h_n


def output_left_time_major(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    x = x.transpose(0, 1) if batch_first else x
    return _stack(x, h0, params, num_layers, D, lambda k, d: k * D + d, _cat)


def upper_layer_reads_forward_half(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    x = x.transpose(0, 1) if batch_first else x
    inp, finals, outs = x, [], []
    for k in range(num_layers):
        outs = []
        for d in range(D):
            out, h = _direction(inp, h0[k * D + d], params, k, d)
            outs.append(out)
            finals.append(h)
        inp = outs[0]
    out = torch.cat(outs, dim=-1)
    return (out.transpose(0, 1) if batch_first else out), torch.stack(finals)


def h_n_grouped_by_direction(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    x = x.transpose(0, 1) if batch_first else x
    out, h_n = _stack(x, h0, params, num_layers, D, lambda k, d: k * D + d, _cat)
    if D == 2:
        h_n = torch.cat([h_n[0::2], h_n[1::2]])
    return (out.transpose(0, 1) if batch_first else out), h_n


def reshape_for_batch_first(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    if batch_first:
        x = x.reshape(x.shape[1], x.shape[0], x.shape[2])
    out, h_n = _stack(x, h0, params, num_layers, D, lambda k, d: k * D + d, _cat)
    if batch_first:
        out = out.reshape(out.shape[1], out.shape[0], out.shape[2])
    return out, h_n


def returns_forward_half_only(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    x = x.transpose(0, 1) if batch_first else x
    out, h_n = _stack(x, h0, params, num_layers, D, lambda k, d: k * D + d, _cat)
    out = out[..., : h0.shape[-1]]
    return (out.transpose(0, 1) if batch_first else out), h_n


def h0_indexed_by_layer_only(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    x = x.transpose(0, 1) if batch_first else x
    out, h_n = _stack(x, h0, params, num_layers, D, lambda k, d: k, _cat)
    return (out.transpose(0, 1) if batch_first else out), h_n


def h0_as_grid(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    grid = h0.view(num_layers, D, *h0.shape[1:])  # (num_layers, D, N, H)
    seq = x.permute(1, 0, 2) if batch_first else x
    finals = []
    for k in range(num_layers):
        runs = [_direction(seq, grid[k, d], params, k, d) for d in range(D)]
        seq = torch.cat([r[0] for r in runs], dim=2)
        finals += [r[1] for r in runs]
    return (seq.permute(1, 0, 2) if batch_first else seq), torch.stack(finals)


def flip_for_backward(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    seq = x.transpose(0, 1) if batch_first else x
    h_n = []
    for k in range(num_layers):
        parts = []
        for d in range(D):
            s = f"_l{k}" + ("_reverse" if d else "")
            src = seq.flip(0) if d else seq
            h, states = h0[k * D + d], []
            for x_t in src:
                h = torch.tanh(
                    x_t @ params["weight_ih" + s].T
                    + params["bias_ih" + s]
                    + h @ params["weight_hh" + s].T
                    + params["bias_hh" + s]
                )
                states.append(h)
            run = torch.stack(states)
            parts.append(run.flip(0) if d else run)
            h_n.append(h)
        seq = torch.cat(parts, dim=-1)
    return (seq.transpose(0, 1).contiguous() if batch_first else seq), torch.stack(h_n)


def movedim_and_reshape(x, h0, params, num_layers, bidirectional, batch_first):
    D = 1 + int(bidirectional)
    seq = torch.movedim(x, 1, 0) if batch_first else x  # (L, N, H_in)
    states = h0.reshape(num_layers, D, h0.shape[1], h0.shape[2])
    finals = []
    for k in range(num_layers):
        outs = []
        for d in range(D):
            out, h = _direction(seq, states[k][d], params, k, d)
            outs.append(out)
            finals.append(h)
        seq = torch.cat(outs, dim=2)
    out = torch.movedim(seq, 0, 1) if batch_first else seq
    return out, torch.stack(finals).reshape(h0.shape)


ATTEMPTS = [
    Attempt(
        h0_transposed_for_batch_first,
        False,
        "h0 is transposed for batch_first; batch_first changes x and output only, h0 stays (D*num_layers, N, H).",
        ("h0",),
    ),
    Attempt(
        h0_direction_major,
        False,
        "h0 is read direction-major (d*num_layers + k); its entry for layer k, direction d is k*D + d.",
        ("h0", "order|index|entry|row|k·d|k*d|k * d|layer"),
    ),
    Attempt(
        output_left_time_major,
        False,
        "With batch_first, output is returned time-major; it must be transposed back to (N, L, D*H).",
        ("batch_first|batch-first|(n, l",),
    ),
    Attempt(
        upper_layer_reads_forward_half,
        False,
        "The layer above reads only the forward direction's output; it should read both directions concatenated.",
        ("both|concat|d*h|d·h|2h|2*h|2 * h",),
    ),
    Attempt(
        h_n_grouped_by_direction,
        False,
        "h_n lists all forward states, then all backward ones; torch orders it layer by layer (k*D + d).",
        ("h_n", "order"),
    ),
    Attempt(
        reshape_for_batch_first,
        False,
        "reshape does not swap the batch and time axes; batch_first needs a transpose.",
        ("transpos|permute|swap",),
    ),
    Attempt(
        returns_forward_half_only,
        False,
        "output keeps only the forward half of the top layer's features.",
        ("backward|direction|half",),
    ),
    Attempt(
        h0_indexed_by_layer_only,
        False,
        "h0 is indexed by layer only, so both directions of layer k start from h0[k].",
        ("h0",),
    ),
    Attempt(h0_as_grid, True),
    Attempt(flip_for_backward, True),
    Attempt(movedim_and_reshape, True),
]
