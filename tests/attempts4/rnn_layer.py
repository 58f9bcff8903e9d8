"""Attempts at rnn_layer (lesson 02, unrolling)."""

import torch
from attempts import Attempt


def _cell(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def stores_state_before_update(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        states.append(h)
        h = _cell(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
    return torch.stack(states), h


def keeps_h0_in_output(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, [h0]
    for t in range(x.shape[0]):
        h = _cell(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.stack(states), h


def always_from_h0(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    states = [_cell(x[t], h0, weight_ih, weight_hh, bias_ih, bias_hh) for t in range(x.shape[0])]
    return torch.stack(states), states[-1]


def h_n_is_first_state(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = _cell(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    output = torch.stack(states)
    return output, output[0]


def cat_not_stack(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = _cell(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.cat(states), h


def stacked_batch_first(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = _cell(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.stack(states, dim=1), h


def updates_h_in_place(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0.clone(), []
    for t in range(x.shape[0]):
        h.copy_(_cell(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh))
        states.append(h)
    return torch.stack(states), h


def walks_time_backwards(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in reversed(range(x.shape[0])):
        h = _cell(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.stack(states), h


def preallocated(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    output = x.new_empty(x.shape[0], h0.shape[0], h0.shape[1])  # (L, N, H)
    h = h0
    for t, x_t in enumerate(x):
        h = _cell(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh)
        output[t] = h
    return output, output[-1]


def inputs_projected_once(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    projected = torch.einsum("lni,hi->lnh", x, weight_ih) + bias_ih + bias_hh  # (L, N, H)
    h, states = h0, []
    for p_t in projected.unbind(0):
        h = torch.tanh(p_t + h @ weight_hh.T)
        states.append(h)
    return torch.stack(states), h


ATTEMPTS = [
    Attempt(
        stores_state_before_update,
        False,
        "Each step stores the state before updating it, so output holds h0..h_{L-1}, one step behind.",
        ("off|shift|before|behind|step",),
    ),
    Attempt(
        keeps_h0_in_output,
        False,
        "h0 is kept as the first entry of output, which then has L + 1 steps.",
        ("h0|initial|l + 1|extra|length",),
    ),
    Attempt(
        always_from_h0,
        False,
        "Every step starts from h0 instead of the previous step's state.",
        ("h0|previous|carr|update|recurren",),
    ),
    Attempt(
        h_n_is_first_state,
        False,
        "h_n is taken from the first step of output instead of the last.",
        ("last|first|h_n",),
    ),
    Attempt(
        cat_not_stack,
        False,
        "torch.cat joins the states along N, giving (L*N, H) instead of stacking them to (L, N, H).",
        ("stack|cat|shape",),
    ),
    Attempt(
        stacked_batch_first,
        False,
        "The states are stacked along dim 1, giving (N, L, H) instead of time-major (L, N, H).",
        ("dim|axis|batch_first|time-major|layout|shape",),
    ),
    Attempt(
        updates_h_in_place,
        False,
        "h is updated in place with copy_, so every entry appended to the list is the same tensor, the last state.",
        ("in-place|in place|alias|same tensor|clone|copy",),
    ),
    Attempt(
        walks_time_backwards,
        False,
        "The loop walks the steps in reverse order, from the last to the first.",
        ("revers|order|backward|direction",),
    ),
    Attempt(preallocated, True),
    Attempt(inputs_projected_once, True),
]
