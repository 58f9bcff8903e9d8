"""Attempts at rnn_layer (lesson 02, unrolling through time)."""

import torch
from attempts import Attempt


def stores_state_before_update(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0
    states = []
    for t in range(1, x.shape[0] + 1):
        states.append(h)  # kept before the step: h_{t-1}
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    return torch.stack(states), h


def always_reads_h0(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    states = []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def misses_last_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L = x.shape[0]
    h = h0
    states = []
    for t in range(1, L):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def h_n_with_layer_axis(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0
    states = []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h.unsqueeze(0)  # (1, N, H), like nn.RNN


def stacked_batch_first(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0
    states = []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states, dim=1), h  # (N, L, H)


def h_n_from_first_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0
    states = []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    output = torch.stack(states)
    return output, output[0]


def zeros_buffer_default_dtype(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L, N = x.shape[0], x.shape[1]
    H = weight_hh.shape[0]
    output = torch.zeros(L, N, H)
    h = h0
    for t in range(1, L + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        output[t - 1] = h
    return output, output[-1]


def reads_sequence_backwards(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L = x.shape[0]
    h = h0
    states = []
    for t in range(1, L + 1):
        h = torch.tanh(x[L - t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def updates_one_tensor_in_place(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0
    states = []
    for t in range(1, x.shape[0] + 1):
        h[:] = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def concatenated_not_stacked(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0
    states = []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.cat(states), h  # (L * N, H)


def input_projection_first(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    projected = x @ weight_ih.T + bias_ih + bias_hh  # (L, N, H): every step's input part at once
    h = h0
    states = []
    for x_part in projected:
        h = torch.tanh(x_part + h @ weight_hh.T)
        states.append(h)
    return torch.stack(states), h


def preallocated_new_empty(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    L, N = x.shape[0], x.shape[1]
    output = x.new_empty(L, N, h0.shape[1])  # (L, N, H), the input's dtype
    for t in range(1, L + 1):
        previous = h0 if t == 1 else output[t - 2]
        output[t - 1] = torch.tanh(
            x[t - 1] @ weight_ih.T + bias_ih + previous @ weight_hh.T + bias_hh
        )
    return output, output[-1].clone()


def while_loop(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    t, h, states = 0, h0, []
    while t < len(x):
        h = (x[t] @ weight_ih.T + h @ weight_hh.T + bias_ih + bias_hh).tanh()
        states.append(h)
        t += 1
    return torch.stack(states, 0), states[-1]


ATTEMPTS = [
    Attempt(
        stores_state_before_update,
        False,
        "each step's state is kept before the update, so output holds h_0 .. h_{L-1}, one step late.",
        ("off by one|shift|before|previous|late|h_0|h0",),
    ),
    Attempt(
        always_reads_h0,
        False,
        "every step reads h0 instead of the previous step's state, so the state is never carried.",
        ("h0|h_0|previous|carr|initial",),
    ),
    Attempt(
        misses_last_step,
        False,
        "the loop runs to L - 1, so the last input step is never read.",
        ("last|range|loop|l - 1|length",),
    ),
    Attempt(
        h_n_with_layer_axis,
        False,
        "h_n keeps nn.RNN's leading layer axis, (1, N, H), though the exercise asks for (N, H).",
        ("shape|axis|leading|(n, h)|dimension",),
    ),
    Attempt(
        stacked_batch_first,
        False,
        "the states are stacked along axis 1, giving (N, L, H) instead of the time-major (L, N, H).",
        ("axis|dim|shape|time|batch",),
    ),
    Attempt(
        h_n_from_first_step,
        False,
        "h_n is taken from output[0], the state after the first step, instead of the last one.",
        ("last|first|final",),
    ),
    Attempt(
        zeros_buffer_default_dtype,
        False,
        "output is preallocated with torch.zeros in the default float32, so float64 results are rounded "
        "and come back in the wrong dtype.",
        ("dtype|float",),
    ),
    Attempt(
        reads_sequence_backwards,
        False,
        "the inputs are read from the last step to the first (x[L - t]) instead of in time order.",
        ("order|revers|backward|index|last",),
    ),
    Attempt(
        updates_one_tensor_in_place,
        False,
        "the state is updated in place (h[:] = ...) in the one tensor that is appended every step, so every "
        "entry of output is the last state, and h0 is overwritten.",
        ("in place|in-place|same tensor|overwr|alias|copy|clone",),
    ),
    Attempt(
        concatenated_not_stacked,
        False,
        "the states are joined with torch.cat, giving (L * N, H), instead of stacked into (L, N, H).",
        ("stack|cat|shape",),
    ),
    Attempt(input_projection_first, True),
    Attempt(preallocated_new_empty, True),
    Attempt(while_loop, True),
]
