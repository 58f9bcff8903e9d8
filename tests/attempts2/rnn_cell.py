"""Attempts at rnn_cell (lesson 01, the RNN cell)."""

import torch
from attempts import Attempt


def weight_hh_not_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh + bias_hh)


def only_one_bias(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T + bias_ih)


def relu_instead_of_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.relu(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def biases_outside_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T) + bias_ih + bias_hh


def two_separate_tanhs(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    from_input = torch.tanh(x @ weight_ih.T + bias_ih)
    from_state = torch.tanh(h @ weight_hh.T + bias_hh)
    return from_input + from_state


def cast_to_float32(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x, h = x.float(), h.float()
    weight_ih, weight_hh = weight_ih.float(), weight_hh.float()
    bias_ih, bias_hh = bias_ih.float(), bias_hh.float()
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def column_form_returned(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # the lesson's column form, one column per sequence: (H, N)
    a = weight_ih @ x.T + bias_ih[:, None] + weight_hh @ h.T + bias_hh[:, None]
    return torch.tanh(a)


def no_activation(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh


def with_einsum(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = torch.einsum("ni,hi->nh", x, weight_ih) + torch.einsum("nj,hj->nh", h, weight_hh)
    return torch.tanh(a + bias_ih + bias_hh)


def with_addmm(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = torch.addmm(bias_ih, x, weight_ih.t())
    a = torch.addmm(a + bias_hh, h, weight_hh.t())
    return a.tanh()


def one_joined_product(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    xh = torch.cat([x, h], dim=1)  # (N, H_in + H)
    weight = torch.cat([weight_ih, weight_hh], dim=1)  # (H, H_in + H)
    return torch.tanh(xh @ weight.T + (bias_ih + bias_hh))


ATTEMPTS = [
    Attempt(
        weight_hh_not_transposed,
        False,
        "h is multiplied by weight_hh instead of its transpose (it is square, so it runs).",
        ("transpos|weight_hh|w_hh",),
    ),
    Attempt(
        only_one_bias,
        False,
        "bias_hh is left out: only bias_ih is added.",
        ("bias_hh|b_hh|bias",),
    ),
    Attempt(
        relu_instead_of_tanh,
        False,
        "relu is used as the nonlinearity instead of tanh.",
        ("tanh|relu|nonlinear|activation",),
    ),
    Attempt(
        biases_outside_tanh,
        False,
        "the two biases are added after tanh instead of inside it.",
        ("bias",),
    ),
    Attempt(
        two_separate_tanhs,
        False,
        "tanh is applied to the input part and the state part separately and the results added, "
        "instead of one tanh of the whole sum.",
        ("tanh|sum|separat|together",),
    ),
    Attempt(
        cast_to_float32,
        False,
        "everything is converted to float32, so a float64 input comes back as float32.",
        ("dtype|float|precision",),
    ),
    Attempt(
        column_form_returned,
        False,
        "the textbook column form is returned as it is: (H, N), one column per sequence, instead of (N, H).",
        ("shape|transpos|column|row|(n, h)|layout",),
    ),
    Attempt(
        no_activation,
        False,
        "tanh is forgotten: the pre-activation is returned.",
        ("tanh|activation|nonlinear",),
    ),
    Attempt(with_einsum, True),
    Attempt(with_addmm, True),
    Attempt(one_joined_product, True),
]
