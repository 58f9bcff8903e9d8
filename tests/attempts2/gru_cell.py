"""Attempts at gru_cell, lesson 13 (GRU)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # input parts, (N, H) each
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)  # hidden parts, (N, H) each
    return x_r, x_z, x_n, h_r, h_z, h_n


def reset_before_product(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n, h_r, h_z, _ = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    W_hn, b_hn = weight_hh.chunk(3)[2], bias_hh.chunk(3)[2]
    n = torch.tanh(x_n + (r * h) @ W_hn.T + b_hn)
    return (1 - z) * n + z * h


def reset_skips_hidden_bias(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h @ weight_hh.T).chunk(3, dim=1)
    b_hr, b_hz, b_hn = bias_hh.chunk(3)
    r, z = torch.sigmoid(x_r + h_r + b_hr), torch.sigmoid(x_z + h_z + b_hz)
    n = torch.tanh(x_n + r * h_n + b_hn)
    return (1 - z) * n + z * h


def mix_mirrored(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return z * n + (1 - z) * h


def order_z_r_n(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_z, x_r, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_z, h_r, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def sigmoid_candidate(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.sigmoid(x_n + r * h_n)
    return (1 - z) * n + z * h


def mix_into_h_in_place(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    h.mul_(z).add_((1 - z) * n)
    return h


def per_gate_weights_untransposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    W_ir, W_iz, W_in = weight_ih.chunk(3)  # (H, H_in) each
    W_hr, W_hz, W_hn = weight_hh.chunk(3)  # (H, H) each
    b_ir, b_iz, b_in = bias_ih.chunk(3)
    b_hr, b_hz, b_hn = bias_hh.chunk(3)
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz + b_hz)
    n = torch.tanh(x @ W_in.T + b_in + r * (h @ W_hn + b_hn))
    return (1 - z) * n + z * h


def returns_a_pair(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    h_next = (1 - z) * n + z * h
    return h_next, h_next


def gates_from_input_only(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n, _, _, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(x_r), torch.sigmoid(x_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def reset_on_input_part_too(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(r * (x_n + h_n))
    return (1 - z) * n + z * h


def linear_per_block(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]

    def part(weight, bias, inputs, k):
        rows = slice(k * H, (k + 1) * H)
        return F.linear(inputs, weight[rows], bias[rows])

    r = torch.sigmoid(part(weight_ih, bias_ih, x, 0) + part(weight_hh, bias_hh, h, 0))
    z = torch.sigmoid(part(weight_ih, bias_ih, x, 1) + part(weight_hh, bias_hh, h, 1))
    n = torch.tanh(part(weight_ih, bias_ih, x, 2) + r * part(weight_hh, bias_hh, h, 2))
    return n + z * (h - n)


def addmm_and_view(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    N, H = h.shape
    from_x = torch.addmm(bias_ih, x, weight_ih.T).view(N, 3, H)  # (N, 3, H): r, z, n
    from_h = torch.addmm(bias_hh, h, weight_hh.T).view(N, 3, H)
    r, z = torch.sigmoid(from_x[:, :2] + from_h[:, :2]).unbind(dim=1)
    n = torch.tanh(torch.addcmul(from_x[:, 2], r, from_h[:, 2]))
    return torch.lerp(n, h, z)


ATTEMPTS = [
    Attempt(
        reset_before_product,
        False,
        "applies the reset gate to h before the product with W_hn (the 2014 paper's placement), where"
        " torch applies it after, to h W_hn^T + b_hn",
        ("reset", "before|after|product|placement|paper"),
    ),
    Attempt(
        reset_skips_hidden_bias,
        False,
        "multiplies only h W_hn^T by the reset gate and adds b_hn outside it, where r multiplies the bias"
        " too",
        ("bias|b_hn",),
    ),
    Attempt(
        mix_mirrored,
        False,
        "mixes z * n + (1 - z) * h, the mirror image: in torch z is the fraction of the old state kept",
        ("update|mirror|flip|swap|z = 1|keep|kept",),
    ),
    Attempt(
        order_z_r_n,
        False,
        "cuts the blocks in the order z, r, n, but torch stacks them r, z, n",
        ("order|block|r, z, n|stack|rows",),
    ),
    Attempt(
        sigmoid_candidate,
        False,
        "squashes the candidate n with a sigmoid instead of tanh",
        ("tanh|candidate",),
    ),
    Attempt(
        mix_into_h_in_place,
        False,
        "mixes the new state into h with mul_ and add_, which changes the caller's h in place",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        per_gate_weights_untransposed,
        False,
        "multiplies h by each (H, H) block of weight_hh without transposing it; the square blocks hide the"
        " slip",
        ("transpos",),
    ),
    Attempt(
        returns_a_pair,
        False,
        "returns a pair (h_next, h_next) as an LSTM cell would, where a GRU cell returns one tensor",
        ("tuple|pair|one tensor|single|structur",),
    ),
    Attempt(
        gates_from_input_only,
        False,
        "computes r and z from the input part alone and leaves out the hidden part h W_h^T + b_h",
        ("hidden|h_{t-1}|w_hr|w_hz|weight_hh|previous state|old state",),
    ),
    Attempt(
        reset_on_input_part_too,
        False,
        "lets the reset gate multiply the input part of the candidate as well, where it scales only the"
        " hidden part",
        ("reset", "input part|input|hidden part|only"),
    ),
    Attempt(linear_per_block, True),
    Attempt(addmm_and_view, True),
]
