"""Attempts at lesson 05's `stacked_rnn(x, h0, params, num_layers)`."""

import torch

from attempts import Attempt


def _layer(x, h, p, k):
    w_ih, w_hh = p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"]
    b = p[f"bias_ih_l{k}"] + p[f"bias_hh_l{k}"]
    states = []
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ w_ih.T + h @ w_hh.T + b)
        states.append(h)
    return torch.stack(states), h


def h0_not_indexed(x, h0, params, num_layers):
    inp, finals = x, []
    for k in range(num_layers):
        inp, h = _layer(inp, h0[0], params, k)
        finals.append(h)
    return inp, torch.stack(finals)


def layers_one_step_late(x, h0, params, num_layers):
    # time outer, layers inner: the layer above reads what the layer below had at the previous step
    hs = [h0[k] for k in range(num_layers)]
    outputs = []
    for t in range(x.shape[0]):
        new = []
        for k in range(num_layers):
            inp = x[t] if k == 0 else hs[k - 1]
            p = params
            pre = inp @ p[f"weight_ih_l{k}"].T + p[f"bias_ih_l{k}"]
            new.append(torch.tanh(pre + hs[k] @ p[f"weight_hh_l{k}"].T + p[f"bias_hh_l{k}"]))
        hs = new
        outputs.append(hs[-1])
    return torch.stack(outputs), torch.stack(hs)


def every_layer_reads_x(x, h0, params, num_layers):
    out, finals = None, []
    for k in range(num_layers):
        out, h = _layer(x, h0[k], params, k)
        finals.append(h)
    return out, torch.stack(finals)


def layer_zero_params_everywhere(x, h0, params, num_layers):
    inp, finals = x, []
    for k in range(num_layers):
        inp, h = _layer(inp, h0[k], params, 0)
        finals.append(h)
    return inp, torch.stack(finals)


def h_n_top_layer_only(x, h0, params, num_layers):
    inp = x
    for k in range(num_layers):
        inp, h = _layer(inp, h0[k], params, k)
    return inp, h.unsqueeze(0)


def output_of_first_layer(x, h0, params, num_layers):
    inp, finals, first = x, [], None
    for k in range(num_layers):
        inp, h = _layer(inp, h0[k], params, k)
        first = inp if first is None else first
        finals.append(h)
    return first, torch.stack(finals)


def h_n_top_first(x, h0, params, num_layers):
    inp, finals = x, []
    for k in range(num_layers):
        inp, h = _layer(inp, h0[k], params, k)
        finals.insert(0, h)
    return inp, torch.stack(finals)


def h_n_concatenated(x, h0, params, num_layers):
    inp, finals = x, []
    for k in range(num_layers):
        inp, h = _layer(inp, h0[k], params, k)
        finals.append(h)
    return inp, torch.cat(finals)


def h_n_from_first_step(x, h0, params, num_layers):
    inp, finals = x, []
    for k in range(num_layers):
        inp, _ = _layer(inp, h0[k], params, k)
        finals.append(inp[0])
    return inp, torch.stack(finals)


def recursive_layers(x, h0, params, num_layers):
    if num_layers == 0:
        return x, h0[:0]
    below, h_below = recursive_layers(x, h0, params, num_layers - 1)
    out, h = _layer(below, h0[num_layers - 1], params, num_layers - 1)
    return out, torch.cat([h_below, h.unsqueeze(0)])


def preallocated(x, h0, params, num_layers):
    L, N = x.shape[:2]
    h_n = torch.empty_like(h0)
    inp = x
    for k in range(num_layers):
        xw = inp @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]  # (L, N, H)
        out = xw.new_zeros(L, N, h0.shape[-1])
        h = h0[k]
        for t in range(1, L + 1):
            h = torch.tanh(xw[t - 1] + h @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            out[t - 1] = h
        h_n[k] = h
        inp = out
    return inp, h_n


def time_outer_done_right(x, h0, params, num_layers):
    hs = list(h0.unbind(0))
    outputs = []
    for t in range(x.shape[0]):
        inp = x[t]
        for k in range(num_layers):
            pre = inp @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            hs[k] = torch.tanh(pre + hs[k] @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            inp = hs[k]  # the same step's state feeds the layer above
        outputs.append(inp)
    return torch.stack(outputs), torch.stack(hs)


ATTEMPTS = [
    Attempt(
        h0_not_indexed,
        False,
        "Every layer starts from h0[0]; layer k should start from h0[k].",
        ("h0",),
    ),
    Attempt(
        layers_one_step_late,
        False,
        "Time outside, layers inside: each layer above reads the state the layer below had at the previous step.",
        ("previous step|one step|same step|delay|late|lag|t - 1",),
    ),
    Attempt(
        every_layer_reads_x,
        False,
        "Every layer reads x; layer k should read the output of the layer below.",
        ("below|previous layer|layer k - 1|layer k-1|lower layer|input",),
    ),
    Attempt(
        layer_zero_params_everywhere,
        False,
        "Every layer uses layer 0's parameters (keys ending in _l0).",
        ("_l0|l0|parameter|weight",),
    ),
    Attempt(
        h_n_top_layer_only, False, "h_n holds only the top layer's final state.", ("h_n", "layer")
    ),
    Attempt(
        output_of_first_layer,
        False,
        "output is the first layer's states, not the top layer's.",
        ("top|last layer",),
    ),
    Attempt(
        h_n_top_first,
        False,
        "h_n lists the layers top first instead of bottom first.",
        ("order|revers",),
    ),
    Attempt(
        h_n_concatenated,
        False,
        "h_n is concatenated into (num_layers*N, H) instead of stacked.",
        ("stack",),
    ),
    Attempt(
        h_n_from_first_step,
        False,
        "h_n takes each layer's first step instead of its last.",
        ("h_n", "first|last"),
    ),
    Attempt(recursive_layers, True),
    Attempt(preallocated, True),
    Attempt(time_outer_done_right, True),
]
