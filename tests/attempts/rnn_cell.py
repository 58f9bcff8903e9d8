"""Attempts at lesson 01's `rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)`."""

import torch
import torch.nn.functional as F

from attempts import Attempt


def ih_not_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih + bias_ih + h @ weight_hh.T + bias_hh)


def bias_ih_twice(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_ih)


def bias_hh_forgotten(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T)


def biases_averaged(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # "only their sum enters h_t", read as: use one bias, their mean
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T + (bias_ih + bias_hh) / 2)


def sigmoid_instead_of_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.sigmoid(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def relu_instead_of_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.relu(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def tanh_closes_too_early(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih) + h @ weight_hh.T + bias_hh


def biases_after_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T) + bias_ih + bias_hh


def cast_to_float32(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    pre = x.float() @ weight_ih.float().T + bias_ih.float() + h.float() @ weight_hh.float().T
    return torch.tanh(pre + bias_hh.float())


def returns_a_tuple(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    return h_next, h_next


def weights_swapped_by_transposing_inputs(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # W x + W h, column-vector habit from a textbook, transposed back at the end
    return torch.tanh(weight_ih @ x.T + weight_hh @ h.T + (bias_ih + bias_hh)[:, None]).T


def addmm_style(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(
        torch.addmm(bias_ih, x, weight_ih.t()) + torch.addmm(bias_hh, h, weight_hh.t())
    )


def concatenated_weights(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    xh = torch.cat([x, h], dim=1)  # (N, H_in + H)
    w = torch.cat([weight_ih, weight_hh], dim=1)  # (H, H_in + H)
    return torch.tanh(xh @ w.T + (bias_ih + bias_hh))


def einsum_style(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    pre = torch.einsum("ni,hi->nh", x, weight_ih) + torch.einsum("nk,hk->nh", h, weight_hh)
    return (pre + bias_ih + bias_hh).tanh()


def linear_style(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))


ATTEMPTS = [
    Attempt(
        ih_not_transposed,
        False,
        "x is multiplied by weight_ih without transposing it.",
        ("transpos",),
    ),
    Attempt(bias_ih_twice, False, "bias_ih is added twice and bias_hh never.", ("bias_ih|b_ih",)),
    Attempt(bias_hh_forgotten, False, "bias_hh is left out.", ("bias_hh|b_hh",)),
    Attempt(
        biases_averaged, False, "The two biases are averaged instead of both added.", ("bias",)
    ),
    Attempt(
        sigmoid_instead_of_tanh,
        False,
        "sigmoid is used where the cell applies tanh.",
        ("tanh|sigmoid",),
    ),
    Attempt(
        relu_instead_of_tanh, False, "relu is used where the cell applies tanh.", ("tanh|relu",)
    ),
    Attempt(
        tanh_closes_too_early,
        False,
        "tanh's bracket closes after the input part, so the hidden part is added outside tanh.",
        ("tanh",),
    ),
    Attempt(
        biases_after_tanh,
        False,
        "The biases are added after tanh instead of inside it.",
        ("bias", "tanh"),
    ),
    Attempt(
        cast_to_float32,
        False,
        "The inputs are cast to float32, so a float64 case loses its dtype.",
        ("float",),
    ),
    Attempt(
        returns_a_tuple,
        False,
        "It returns a pair (h_next, h_next) instead of one tensor.",
        ("tuple|pair",),
    ),
    Attempt(addmm_style, True),
    Attempt(concatenated_weights, True),
    Attempt(einsum_style, True),
    Attempt(linear_style, True),
    Attempt(weights_swapped_by_transposing_inputs, True),
]
