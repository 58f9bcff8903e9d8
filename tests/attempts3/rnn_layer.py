"""Attempts at rnn_layer (lesson 02, unrolling through time)."""

import torch
from attempts import Attempt


def keeps_state_before_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        states.append(h)  # kept before the update
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    return torch.stack(states), h


def every_step_reads_h0(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    states = []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def h_n_with_layer_axis(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h.unsqueeze(0)  # (1, N, H) like nn.RNN's h_n


def loop_stops_early(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L = x.shape[0]
    h, states = h0, []
    for t in range(1, L):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def indexes_batch_axis(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[1] + 1):
        h = torch.tanh(x[:, t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def cat_instead_of_stack(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.cat(states), h  # (L * N, H)


def updates_state_in_place(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h.copy_(torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh))
        states.append(h)
    return torch.stack(states), h


def h_n_from_first_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    output = torch.stack(states)
    return output, output[0]  # "h_n[0]"


def output_as_list(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return states, h


def preallocated_output(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L, N = x.shape[0], x.shape[1]
    output = x.new_empty(L, N, weight_hh.shape[0])
    h = h0
    t = 1
    while t <= L:
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        output[t - 1] = h
        t += 1
    return output, output[-1]


def input_part_for_all_steps_first(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    from_input = torch.einsum("lni,hi->lnh", x, weight_ih) + bias_ih + bias_hh  # (L, N, H)
    h, states = h0, []
    for x_part in from_input.unbind(0):
        h = torch.tanh(x_part + h @ weight_hh.T)
        states.append(h)
    return torch.stack(states, dim=0), h


ATTEMPTS = [
    Attempt(
        keeps_state_before_step,
        False,
        "Each step keeps the state it started from, so output holds h_0 .. h_{L-1}, one step behind h_1 .. h_L.",
        ("shift|off by one|off-by-one|one step|before|behind|h0|h_0|earlier",),
    ),
    Attempt(
        every_step_reads_h0,
        False,
        "Every step reads h0 instead of the state the previous step wrote, so no state is carried along.",
        ("h0|h_0|initial|carr|previous|stale",),
    ),
    Attempt(
        h_n_with_layer_axis,
        False,
        "h_n keeps a leading layer axis, (1, N, H), as nn.RNN does, but the exercise asks for (N, H).",
        ("shape|axis|dim|leading|unsqueeze",),
    ),
    Attempt(
        loop_stops_early,
        False,
        "The loop runs range(1, L), one step short, so x_L is never read.",
        ("last|range|miss|early|short|fewer|one step",),
    ),
    Attempt(
        indexes_batch_axis,
        False,
        "x is indexed as x[:, t - 1], as if batch-first, but the input is time-major: x[t - 1] is step t.",
        ("batch|axis|time-major|layout|dim",),
    ),
    Attempt(
        cat_instead_of_stack,
        False,
        "The states are joined with torch.cat along axis 0, (L*N, H), instead of stacked along a new time axis.",
        ("stack|cat|shape|axis",),
    ),
    Attempt(
        updates_state_in_place,
        False,
        "The state is overwritten in place with copy_ (into h0 itself), so every entry of output is the same "
        "tensor, h_L.",
        ("in place|in-place|alias|same tensor|copy|clone|overwrit",),
    ),
    Attempt(
        h_n_from_first_step,
        False,
        "h_n is output[0], the state after the first step, instead of the state after the last step.",
        ("last|first|final",),
    ),
    Attempt(
        output_as_list,
        False,
        "output is returned as a Python list of states, not a stacked (L, N, H) tensor.",
        ("list|stack|tensor",),
    ),
    Attempt(preallocated_output, True),
    Attempt(input_part_for_all_steps_first, True),
]
