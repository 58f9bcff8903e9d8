"""Attempts at rnn_cell (lesson 01, the RNN cell)."""

import torch
from attempts import Attempt


def untransposed_weight_hh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh + bias_hh)


def only_bias_ih(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T)


def hidden_part_outside_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih) + h @ weight_hh.T + bias_hh


def relu_instead_of_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.relu(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def no_nonlinearity(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    pre_activation = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    return pre_activation


def float32_buffer(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = torch.zeros(x.shape[0], weight_hh.shape[0])
    a += x @ weight_ih.T
    a += h @ weight_hh.T
    a += bias_ih + bias_hh
    return torch.tanh(a)


def column_form_not_transposed_back(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # the lesson's column form, W x + b, with the whole batch as columns
    a = weight_ih @ x.T + bias_ih[:, None] + weight_hh @ h.T + bias_hh[:, None]  # (H, N)
    return torch.tanh(a)


def squashes_h_again(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + torch.tanh(h) @ weight_hh.T + bias_hh)


def starts_from_zeros(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    h = torch.zeros_like(h)  # "leave out h0 and torch uses zeros"
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def column_form_transposed_back(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = weight_ih @ x.T + bias_ih[:, None] + weight_hh @ h.T + bias_hh[:, None]  # (H, N)
    return torch.tanh(a).T  # (N, H)


def einsum_and_addmm(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    from_input = torch.addmm(bias_ih, x, weight_ih.t())  # (N, H)
    from_hidden = torch.einsum("nk,jk->nj", h, weight_hh) + bias_hh  # (N, H)
    return torch.tanh(from_input + from_hidden)


ATTEMPTS = [
    Attempt(
        untransposed_weight_hh,
        False,
        "h is multiplied by weight_hh itself instead of its transpose weight_hh.T.",
        ("transpos|swap|w_hh|weight_hh",),
    ),
    Attempt(only_bias_ih, False, "bias_hh is left out: only bias_ih is added.", ("bias|b_hh",)),
    Attempt(
        hidden_part_outside_tanh,
        False,
        "The bracket closes too early: tanh covers only the input part, and the hidden part is added after it.",
        ("tanh|nonlinear|activation|inside|outside|bracket|parenthes",),
    ),
    Attempt(
        relu_instead_of_tanh,
        False,
        "relu is used as the nonlinearity; the exercise's cell uses tanh.",
        ("relu|tanh|nonlinear|activation",),
    ),
    Attempt(
        no_nonlinearity,
        False,
        "tanh is never applied: the pre-activation is returned.",
        ("tanh|nonlinear|activation|squash",),
    ),
    Attempt(
        float32_buffer,
        False,
        "The sum is built in a torch.zeros buffer of the default float32 dtype, so float64 inputs come back "
        "as float32.",
        ("dtype|float32|float64|precision|double",),
    ),
    Attempt(
        column_form_not_transposed_back,
        False,
        "The column form W x gives one column per sequence, (H, N), and it is never transposed back to (N, H).",
        ("transpos|shape|column|orient|(h, n)",),
    ),
    Attempt(
        squashes_h_again,
        False,
        "tanh is applied to the previous state h before weight_hh, although h is already a tanh output.",
        ("tanh|squash|nonlinear|activation",),
    ),
    Attempt(
        starts_from_zeros,
        False,
        "The given previous state h is ignored and replaced by zeros.",
        ("previous|hidden state|hx|zero|ignor",),
    ),
    Attempt(column_form_transposed_back, True),
    Attempt(einsum_and_addmm, True),
]
