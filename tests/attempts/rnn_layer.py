"""Attempts at lesson 02's `rnn_layer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)`."""

import itertools

import torch

from attempts import Attempt


def _step(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def skips_first_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(1, x.shape[0]):
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def reads_x_t_minus_1_from_zero(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def h0_kept_in_output(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    states = [h0]
    for t in range(x.shape[0]):
        states.append(torch.tanh(x[t] @ weight_ih.T + bias_ih + states[-1] @ weight_hh.T + bias_hh))
    return torch.stack(states), states[-1]


def stores_state_before_update(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        states.append(h)
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    return torch.stack(states), h


def h_n_from_first_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    output = torch.stack(states)
    return output, output[0]


def state_never_carried(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    states = []
    for t in range(x.shape[0]):
        states.append(torch.tanh(x[t] @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh))
    return torch.stack(states), states[-1]


def cat_instead_of_stack(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.cat(states), h


def stacked_on_batch_axis(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states, dim=1), h


def in_place_state(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0.clone()
    states = []
    for t in range(x.shape[0]):
        h.copy_(torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh))
        states.append(h)  # the same tensor every time
    return torch.stack(states), h


def loops_over_batch_not_time(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    # x read as (N, L, H_in): the loop runs over axis 1 as if it were time
    h, states = h0, []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def projections_first(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    xw = x @ weight_ih.T + bias_ih  # (L, N, H), every step's input part at once
    output = x.new_empty(x.shape[0], h0.shape[0], h0.shape[1])
    h = h0
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(xw[t - 1] + h @ weight_hh.T + bias_hh)
        output[t - 1] = h
    return output, output[-1].clone()


def accumulate_style(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    def step(h, x_t):
        return _step(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh)

    states = list(itertools.accumulate(x.unbind(0), step, initial=h0))[1:]
    return torch.stack(states), states[-1]


def while_loop(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    outputs, h, t = [], h0, 1
    while t <= len(x):
        h = _step(x[t - 1], h, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs += [h]
        t += 1
    return torch.stack(outputs, 0), outputs[-1]


ATTEMPTS = [
    Attempt(skips_first_step, False, "range(1, L) skips the first step, x_1.", ("first|skip",)),
    Attempt(
        reads_x_t_minus_1_from_zero,
        False,
        "With t from 0, x[t - 1] makes step 1 read x[-1], the last input, so the inputs are shifted by one.",
        ("x[t - 1]|x[-1]|last input|shift|off by one",),
    ),
    Attempt(
        h0_kept_in_output,
        False,
        "h0 is kept as the first row of output, which then has L + 1 rows.",
        ("h0",),
    ),
    Attempt(
        stores_state_before_update,
        False,
        "Each step stores the state before updating it, so output holds h0..h_{L-1} instead of h_1..h_L.",
        ("h0|before|previous|shift",),
    ),
    Attempt(
        h_n_from_first_step,
        False,
        "h_n is taken from the first step instead of the last.",
        ("h_n",),
    ),
    Attempt(
        state_never_carried,
        False,
        "Every step reads h0 instead of the previous step's state.",
        ("h0|carr",),
    ),
    Attempt(
        cat_instead_of_stack,
        False,
        "torch.cat joins the states into (L*N, H); stack adds the time axis.",
        ("stack",),
    ),
    Attempt(
        stacked_on_batch_axis,
        False,
        "The states are stacked on dim 1, giving (N, L, H) instead of time-major (L, N, H).",
        ("dim|axis|time-major|batch",),
    ),
    Attempt(
        in_place_state,
        False,
        "The state is updated in place, so every row of output is the same tensor, the last state.",
        ("in place|in-place|inplace|same tensor|alias",),
    ),
    Attempt(
        loops_over_batch_not_time,
        False,
        "The loop runs over axis 1 as if x were batch-first; time is axis 0.",
        ("axis|time-major|batch",),
    ),
    Attempt(projections_first, True),
    Attempt(accumulate_style, True),
    Attempt(while_loop, True),
]
