"""Exercises for the forward pass: the cell, one layer, final states, stacked, bidirectional, all of nn.RNN."""

import torch
from torch import nn

from .cases import DTYPE, dims_label, generator, randn
from .core import Case, Exercise, Mistake, register

# ---------------------------------------------------------------------------------------------
# 1. rnn_cell
# ---------------------------------------------------------------------------------------------

# (N, H_in, H): N=1 included, and N, H_in, H all different so a swapped axis cannot hide.
_CELL_SHAPES = [(3, 4, 5), (1, 2, 3), (5, 3, 2), (2, 6, 4), (4, 1, 6)]


def _cell_case(seed, n, input_size, hidden_size):
    gen = generator(seed)
    x, h = randn(gen, n, input_size), randn(gen, n, hidden_size)
    weight_ih, weight_hh = randn(gen, hidden_size, input_size), randn(gen, hidden_size, hidden_size)
    bias_ih, bias_hh = randn(gen, hidden_size), randn(gen, hidden_size)
    cell = nn.RNNCell(input_size, hidden_size, dtype=DTYPE)
    cell.load_state_dict(
        {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}
    )
    with torch.no_grad():
        expected = cell(x, h)
    label = dims_label(N=n, H_in=input_size, H=hidden_size)
    return Case((x, h, weight_ih, weight_hh, bias_ih, bias_hh), expected, label, ("(N, H)",))


def _cell_cases():
    return [_cell_case(100 + i, *shape) for i, shape in enumerate(_CELL_SHAPES)]


def _cell_without_b_hh(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T)


def _cell_without_b_ih(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + h @ w_hh.T + b_hh)


def _cell_without_biases(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + h @ w_hh.T)


def _cell_without_tanh(x, h, w_ih, w_hh, b_ih, b_hh):
    return x @ w_ih.T + b_ih + h @ w_hh.T + b_hh


def _cell_with_relu(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.relu(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def _cell_with_sigmoid(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.sigmoid(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def _cell_w_hh_untransposed(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh + b_hh)


def _cell_ignores_h(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih + b_hh)


def _cell_tanh_per_term(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih) + torch.tanh(h @ w_hh.T + b_hh)


def _cell_returns_h(x, h, w_ih, w_hh, b_ih, b_hh):
    return h


register(
    Exercise(
        id="rnn_cell",
        title="One step of an RNN cell",
        signature="rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h_next",
        arg_names=("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        output_names=("h_next",),
        make_cases=_cell_cases,
        lesson="01_rnn_cell",
        mistakes=(
            Mistake("your h_next ignores b_hh (torch adds two biases, b_ih and b_hh)", _cell_without_b_hh),
            Mistake("your h_next ignores b_ih (torch adds two biases, b_ih and b_hh)", _cell_without_b_ih),
            Mistake("your h_next leaves out both biases", _cell_without_biases),
            Mistake("your h_next is missing the tanh: it returns the pre-activation", _cell_without_tanh),
            Mistake("your h_next uses relu; this exercise uses tanh", _cell_with_relu),
            Mistake("your h_next uses sigmoid; an RNN cell uses tanh", _cell_with_sigmoid),
            Mistake("you multiply h by weight_hh without transposing it (torch computes h @ W_hh^T)", _cell_w_hh_untransposed),
            Mistake("your h_next ignores the previous hidden state h", _cell_ignores_h),
            Mistake("you apply tanh to the input part and the hidden part separately; tanh wraps their sum", _cell_tanh_per_term),
            Mistake("your function returns the previous hidden state h unchanged", _cell_returns_h),
        ),
        hints=(
            "Write down the shape of every term: x is (N, H_in) and weight_ih is (H, H_in). "
            "Which product of the two gives (N, H)?",
            "There are four terms inside the nonlinearity: one from the input, one from the previous "
            "hidden state, and one bias for each of them.",
            "Transpose a weight matrix with `.T`. Broadcasting adds a bias of shape (H,) to every row "
            "of an (N, H) tensor.",
        ),
    )
)
