"""Round-4 attempts at lstm_layer (lesson 12, LSTM)."""

import torch
from attempts import Attempt


def _cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def stores_state_before_update(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outs = h0, c0, []
    for t in range(x.shape[0]):
        outs.append(h)
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    return torch.stack(outs), (h, c)


def cell_never_carried(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, outs = h0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        outs.append(h)
    return torch.stack(outs), (h, c)


def flat_triple(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outs.append(h)
    return torch.stack(outs), h, c


def states_swapped(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outs.append(h)
    return torch.stack(outs), (c, h)


def stacks_on_batch_axis(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outs.append(h)
    return torch.stack(outs, dim=1), (h, c)


def runs_backwards(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    L = x.shape[0]
    h, c, output = h0, c0, [None] * L
    for t in reversed(range(L)):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        output[t] = h
    return torch.stack(output), (h, c)


def returns_initial_cell(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outs.append(h)
    return torch.stack(outs), (h, c0)


def stops_one_step_early(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outs = h0, c0, [h0]
    for t in range(x.shape[0] - 1):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outs.append(h)
    return torch.stack(outs), (h, c)


def writes_into_h0(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    output = x.new_empty(x.shape[0], *h0.shape)
    for t in range(x.shape[0]):
        h_next, c_next = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        h.copy_(h_next)
        c.copy_(c_next)
        output[t] = h
    return output, (h, c)


def preallocated(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    L, N = x.shape[:2]
    output = x.new_empty(L, N, h0.shape[1])  # (L, N, H)
    h, c = h0, c0
    for t in range(L):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        output[t] = h
    return output, (output[-1], c)


def input_projection_first(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    projected = torch.einsum("lni,gi->lng", x, weight_ih) + bias_ih + bias_hh  # (L, N, 4H)
    h, c, outs = h0, c0, []
    for step in projected.unbind(0):
        i, f, g, o = (step + h @ weight_hh.T).chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs), (h, c)


ATTEMPTS = [
    Attempt(
        stores_state_before_update,
        False,
        "stored h before updating it, so output starts with h0 and misses the last step",
        ("before|h0|shift|off by one|off-by-one|initial",),
    ),
    Attempt(
        cell_never_carried,
        False,
        "passed c0 to every step instead of carrying the cell state forward",
        ("cell state|carr|c0",),
    ),
    Attempt(
        flat_triple,
        False,
        "returned a flat triple (output, h_n, c_n) instead of the nested pair (output, (h_n, c_n))",
        ("nest|tuple|structure|pair",),
    ),
    Attempt(
        states_swapped,
        False,
        "returned (c_n, h_n) in the inner pair instead of (h_n, c_n)",
        ("order|swap|c_n",),
    ),
    Attempt(
        stacks_on_batch_axis,
        False,
        "stacked the steps on dim 1, giving (N, L, H) instead of (L, N, H)",
        ("dim|axis|stack|shape|batch",),
    ),
    Attempt(
        runs_backwards,
        False,
        "looped over the steps in reverse, from last to first",
        ("direction|reverse|backward|order",),
    ),
    Attempt(
        returns_initial_cell,
        False,
        "returned the initial c0 as c_n instead of the final cell state",
        ("c_n|c0|cell state|final|last",),
    ),
    Attempt(
        stops_one_step_early,
        False,
        "looped over range(L - 1) and put h0 first, so the last input is never read",
        ("off by one|off-by-one|last step|l - 1|h0",),
    ),
    Attempt(
        writes_into_h0,
        False,
        "copied each new state into h and c, which are the caller's h0 and c0, changing them in place",
        ("in place|in-place|h0|c0|copy_",),
    ),
    Attempt(preallocated, True),
    Attempt(input_projection_first, True),
]
