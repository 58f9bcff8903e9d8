"""Attempts at rnn_layer (lesson 02_unrolling)."""

import torch
from attempts import Attempt


def _step(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def keeps_state_before_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        states.append(h)  # stored before the update: h_{t-1}
        h = _step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh)
    return torch.stack(states), h


def every_step_from_h0(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    states = []
    for t in range(1, x.shape[0] + 1):
        h = _step(x[t - 1], h0, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.stack(states), h


def h_n_with_layer_axis(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = _step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.stack(states), h.unsqueeze(0)  # like nn.RNN's h_n: (1, N, H)


def h_n_from_first_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = _step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    output = torch.stack(states)
    return output, output[0]


def concatenates_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = _step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.cat(states), h  # (L * N, H)


def range_stops_early(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L = x.shape[0]
    h, states = h0, []
    for t in range(1, L):  # t = 1 .. L - 1
        h = _step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.stack(states), h


def reads_sequence_backwards(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L = x.shape[0]
    output = x.new_empty(L, x.shape[1], weight_hh.shape[0])
    h = h0
    for t in range(L, 0, -1):
        h = _step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh)
        output[t - 1] = h
    return output, h


def float32_output_buffer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L, N = x.shape[0], x.shape[1]
    output = torch.zeros(L, N, weight_hh.shape[0])  # (L, N, H)
    h = h0
    for t in range(1, L + 1):
        h = _step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh)
        output[t - 1] = h
    return output, h


def updates_one_state_in_place(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0.clone()
    states = []
    for t in range(1, x.shape[0] + 1):
        h.copy_(_step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh))
        states.append(h)  # the same tensor every time
    return torch.stack(states), h


def preallocated_new_empty(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L, N, H = x.shape[0], x.shape[1], weight_hh.shape[0]
    output = x.new_empty(L, N, H)
    for t in range(1, L + 1):
        previous = h0 if t == 1 else output[t - 2]
        output[t - 1] = torch.tanh(
            x[t - 1] @ weight_ih.T + bias_ih + previous @ weight_hh.T + bias_hh
        )
    return output, output[-1]


def input_projection_first(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    projected = x @ weight_ih.T + bias_ih + bias_hh  # (L, N, H): every step's input part at once
    h, states = h0, []
    for x_part in projected:
        h = torch.tanh(x_part + h @ weight_hh.T)
        states.append(h)
    return torch.stack(states), h


def while_loop(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    t, h, states = 0, h0, []
    while t < len(x):
        h = torch.tanh(
            torch.mm(x[t], weight_ih.t()) + torch.mm(h, weight_hh.t()) + bias_ih + bias_hh
        )
        states.append(h)
        t += 1
    return torch.stack(states, dim=0), states[-1]


ATTEMPTS = [
    Attempt(
        keeps_state_before_step,
        False,
        "stores each step's starting state h_{t-1} instead of the state after reading x_t",
        ("shift|off|one step|previous|before|after|h_{t-1}|h0|h_0",),
    ),
    Attempt(
        every_step_from_h0,
        False,
        "starts every step from h0 instead of carrying the previous step's state",
        ("h0|h_0|carr|previous|h_{t-1}|updat",),
    ),
    Attempt(
        h_n_with_layer_axis,
        False,
        "returns h_n with nn.RNN's leading layer axis, (1, N, H), where the exercise wants (N, H)",
        ("shape|axis|dim|(1,",),
    ),
    Attempt(
        h_n_from_first_step,
        False,
        "returns the state after the first step as h_n instead of the state after the last step",
        ("last|h_n|final",),
    ),
    Attempt(
        concatenates_states,
        False,
        "joins the states with torch.cat, giving (L*N, H) instead of stacking them to (L, N, H)",
        ("shape|stack|cat",),
    ),
    Attempt(
        range_stops_early,
        False,
        "loops over range(1, L), so the last step x_L is never read",
        ("step|range|last|length|miss",),
    ),
    Attempt(
        reads_sequence_backwards,
        False,
        "reads the sequence from x_L down to x_1 instead of in time order",
        ("revers|backward|order|direction",),
    ),
    Attempt(
        float32_output_buffer,
        False,
        "preallocates output with torch.zeros, which is float32, so float64 states are rounded",
        ("dtype|float",),
    ),
    Attempt(
        updates_one_state_in_place,
        False,
        "updates one state tensor in place and appends it each step, so every entry is the last state",
        ("same|alias|in place|in-place|clone|copy|overwr",),
    ),
    Attempt(preallocated_new_empty, True),
    Attempt(input_projection_first, True),
    Attempt(while_loop, True),
]
