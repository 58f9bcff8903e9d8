"""Attempts at rnn_cell (lesson 01, the RNN cell)."""

import torch
from attempts import Attempt


def hh_not_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh + bias_hh)


def sigmoid_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.sigmoid(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def no_bias_hh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T)


def tanh_on_input_only(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih) + h @ weight_hh.T + bias_hh


def column_vectors(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = weight_ih @ x.T + weight_hh @ h.T + (bias_ih + bias_hh)[:, None]  # (H, N)
    return torch.tanh(a)


def adds_old_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return h + torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def float32_buffer(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    out = torch.zeros(h.shape)
    out += torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    return out


def biases_outside_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T) + bias_ih + bias_hh


def with_einsum(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = torch.einsum("ni,hi->nh", x, weight_ih) + torch.einsum("nk,hk->nh", h, weight_hh)
    return torch.tanh(a + bias_ih + bias_hh)


def with_addmm(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = torch.addmm(bias_ih, x, weight_ih.t())
    return torch.tanh(torch.addmm(a + bias_hh, h, weight_hh.t()))


def one_matmul(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    xh = torch.cat([x, h], dim=1)  # (N, H_in + H)
    w = torch.cat([weight_ih, weight_hh], dim=1)  # (H, H_in + H)
    return torch.tanh(xh @ w.T + bias_ih + bias_hh)


ATTEMPTS = [
    Attempt(
        hh_not_transposed,
        False,
        "weight_hh is used without its transpose: h @ W_hh instead of h @ W_hh^T.",
        ("transpos|w_hh|weight_hh",),
    ),
    Attempt(
        sigmoid_cell,
        False,
        "The cell uses sigmoid instead of tanh as its nonlinearity.",
        ("sigmoid|tanh",),
    ),
    Attempt(
        no_bias_hh,
        False,
        "The recurrent bias bias_hh is left out of the sum.",
        ("bias_hh|b_hh|bias",),
    ),
    Attempt(
        tanh_on_input_only,
        False,
        "tanh wraps only the input term; the recurrent term and bias_hh are added after it.",
        ("tanh|nonlinear|activation",),
    ),
    Attempt(
        column_vectors,
        False,
        "Written with column vectors (W x), so the result is (H, N) instead of (N, H).",
        ("transpos|shape|layout|column|(n, h)",),
    ),
    Attempt(
        adds_old_state,
        False,
        "The old state h is added to the new one, as if the cell updated h instead of replacing it.",
        ("add|residual|old state|previous|extra",),
    ),
    Attempt(
        float32_buffer,
        False,
        "The result is written into torch.zeros, which is float32, so float64 inputs come back float32.",
        ("dtype|float",),
    ),
    Attempt(
        biases_outside_tanh,
        False,
        "Both biases are added after tanh instead of inside it.",
        ("bias",),
    ),
    Attempt(with_einsum, True),
    Attempt(with_addmm, True),
    Attempt(one_matmul, True),
]
