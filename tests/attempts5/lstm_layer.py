"""Attempts at lstm_layer, lesson 12 (LSTM)."""

import torch
from attempts import Attempt


def _cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)
    i, f, g, o = gates.chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def cell_state_not_carried(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h, c_t = _cell(x[t], h, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        c = c_t
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def unpacks_c_then_h(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        c, h = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def output_holds_cell_state(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(c)
    return torch.stack(outputs), (h, c)


def flat_return(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), h, c


def stores_state_before_step(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        outputs.append(h)
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    return torch.stack(outputs), (h, c)


def h_n_from_first_row(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    output = torch.stack(outputs)
    return output, (output[0], c)


def stacks_on_batch_axis(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs, dim=1), (h, c)


def loops_over_second_axis(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[1]):
        h, c = _cell(x[:, t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def reads_time_backwards(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for x_t in reversed(x):
        h, c = _cell(x_t, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def keeps_layer_axis(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h.unsqueeze(0), c.unsqueeze(0))  # (1, N, H), like nn.LSTM


def precomputed_inputs(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    L, N, _ = x.shape
    H = h0.shape[1]
    x_part = x @ weight_ih.T + bias_ih  # (L, N, 4H): every step's input part at once
    output = x.new_empty(L, N, H)
    h, c = h0, c0
    for t in range(L):
        gates = x_part[t] + h @ weight_hh.T + bias_hh  # (N, 4H)
        i, f, g, o = gates.split(H, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        output[t] = h
    return output, (h, c)


def unbind_and_cat(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    state = (h0, c0)
    steps = []
    for x_t in x.unbind(0):
        state = _cell(x_t, *state, weight_ih, weight_hh, bias_ih, bias_hh)
        steps.append(state[0].unsqueeze(0))  # (1, N, H)
    return torch.cat(steps, dim=0), state


ATTEMPTS = [
    Attempt(
        cell_state_not_carried,
        False,
        "passes c0 to the cell at every step instead of carrying the cell state from step to step",
        ("cell|c0|carr",),
    ),
    Attempt(
        unpacks_c_then_h,
        False,
        "unpacks the cell's (h_next, c_next) as (c, h), swapping the two states",
        ("swap|order|unpack",),
    ),
    Attempt(
        output_holds_cell_state,
        False,
        "stores the cell state c_t in output instead of the hidden state h_t",
        ("cell|c_t|hidden|h_t",),
    ),
    Attempt(
        flat_return,
        False,
        "returns (output, h_n, c_n) flat instead of nn.LSTM's nesting (output, (h_n, c_n))",
        ("nest|tuple|structure|pair",),
    ),
    Attempt(
        stores_state_before_step,
        False,
        "appends h before the step, so output holds h_0 .. h_{L-1}, one step behind",
        ("shift|off|behind|before|previous|h0|one step",),
    ),
    Attempt(
        h_n_from_first_row,
        False,
        "returns output[0], the first step's state, as h_n instead of the last step's",
        ("last|first",),
    ),
    Attempt(
        stacks_on_batch_axis,
        False,
        "stacks the steps on dim 1, giving (N, L, H) instead of time-major (L, N, H)",
        ("stack|dim|axis|shape|time",),
    ),
    Attempt(
        loops_over_second_axis,
        False,
        "loops over x's second axis as if x were batch-first, though it is time-major (L, N, H_in)",
        ("time|batch|axis|layout",),
    ),
    Attempt(
        reads_time_backwards,
        False,
        "walks through the sequence from its last step to its first",
        ("revers|direction|backward|last|order",),
    ),
    Attempt(
        keeps_layer_axis,
        False,
        "gives h_n and c_n nn.LSTM's leading layer axis, (1, N, H), though this one-layer exercise "
        "asks for (N, H)",
        ("shape|axis|dim|leading|(n, h)|unsqueeze",),
    ),
    Attempt(precomputed_inputs, True),
    Attempt(unbind_and_cat, True),
]
