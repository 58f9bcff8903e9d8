"""Attempts at rnn_cell (lesson 01_rnn_cell)."""

import torch
from attempts import Attempt


def hh_not_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh + bias_hh)


def column_form_result(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # the lesson's column form W x + b, applied to the whole batch at once
    a = weight_ih @ x.T + bias_ih[:, None] + weight_hh @ h.T + bias_hh[:, None]  # (H, N)
    return torch.tanh(a)


def only_bias_ih(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # "mathematically, one bias would do"
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T)


def relu_instead_of_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.relu(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def tanh_on_hidden_part_only(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + bias_ih + torch.tanh(h @ weight_hh.T + bias_hh)


def biases_after_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T) + bias_ih + bias_hh


def float32_buffer(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    h_next = torch.zeros(x.shape[0], weight_hh.shape[0])  # (N, H)
    h_next += x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    return torch.tanh(h_next)


def merges_biases_in_place(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # move the whole bias into bias_ih, as in the lesson's "two biases" cell
    bias_ih += bias_hh
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T + bias_ih)


def einsum_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = torch.einsum("ni,hi->nh", x, weight_ih) + torch.einsum("nk,hk->nh", h, weight_hh)
    return torch.tanh(a + (bias_ih + bias_hh))


def addmm_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = torch.addmm(bias_ih + bias_hh, x, weight_ih.t())  # (N, H)
    return torch.tanh(torch.addmm(a, h, weight_hh.t()))


def concatenated_weights(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    xh = torch.cat([x, h], dim=1)  # (N, H_in + H)
    weight = torch.cat([weight_ih, weight_hh], dim=1)  # (H, H_in + H)
    return torch.tanh(xh @ weight.T + bias_ih + bias_hh)


ATTEMPTS = [
    Attempt(
        hh_not_transposed,
        False,
        "multiplies h by weight_hh without transposing it",
        ("transpos|weight_hh|w_hh",),
    ),
    Attempt(
        column_form_result,
        False,
        "computes the column form W x, so the result is (H, N) instead of one row per sequence",
        ("shape|transpos|row|(h, n)",),
    ),
    Attempt(
        only_bias_ih,
        False,
        "leaves out bias_hh, keeping only bias_ih",
        ("bias",),
    ),
    Attempt(
        relu_instead_of_tanh,
        False,
        "applies relu where the cell uses tanh",
        ("tanh|relu|nonlinear|activation",),
    ),
    Attempt(
        tanh_on_hidden_part_only,
        False,
        "applies tanh to the hidden-state term only, not to the whole sum",
        ("tanh|nonlinear|activation",),
    ),
    Attempt(
        biases_after_tanh,
        False,
        "adds the two biases after the tanh instead of inside it",
        ("bias",),
    ),
    Attempt(
        float32_buffer,
        False,
        "accumulates into a torch.zeros buffer, which is float32, so float64 inputs give float32",
        ("dtype|float",),
    ),
    Attempt(
        merges_biases_in_place,
        False,
        "adds bias_hh into bias_ih in place, changing the caller's bias tensor",
        ("in place|in-place|modif|chang|mutat|overwr",),
    ),
    Attempt(einsum_cell, True),
    Attempt(addmm_cell, True),
    Attempt(concatenated_weights, True),
]
