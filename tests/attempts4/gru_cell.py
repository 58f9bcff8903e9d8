"""Round-4 attempts at gru_cell (lesson 13, GRU)."""

import torch
from attempts import Attempt


def _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    gi = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # 3 x (N, H)
    gh = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    return gi, gh


def reset_outside_bias(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, _) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    H = h.shape[1]
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * (h @ weight_hh[2 * H :].T) + bias_hh[2 * H :])
    return (1 - z) * n + z * h


def reset_before_product(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, _) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    H = h.shape[1]
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + (r * h) @ weight_hh[2 * H :].T + bias_hh[2 * H :])
    return (1 - z) * n + z * h


def mix_swapped(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return z * n + (1 - z) * h


def order_z_r_n(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_z, i_r, i_n), (h_z, h_r, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def reset_on_both_parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(r * (i_n + h_n))
    return (1 - z) * n + z * h


def sigmoid_candidate(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.sigmoid(i_n + r * h_n)
    return (1 - z) * n + z * h


def no_input_bias(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(
        x, h, weight_ih, weight_hh, torch.zeros_like(bias_ih), bias_hh
    )
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def returns_the_candidate(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r = torch.sigmoid(i_r + h_r)
    return torch.tanh(i_n + r * h_n)


def update_gate_from_input_only(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, _, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def sliced_weights(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    rows = [slice(k * H, (k + 1) * H) for k in range(3)]

    def part(k, inp, w, b):
        return inp @ w[rows[k]].T + b[rows[k]]

    r = torch.sigmoid(part(0, x, weight_ih, bias_ih) + part(0, h, weight_hh, bias_hh))
    z = torch.sigmoid(part(1, x, weight_ih, bias_ih) + part(1, h, weight_hh, bias_hh))
    n = torch.tanh(part(2, x, weight_ih, bias_ih) + r * part(2, h, weight_hh, bias_hh))
    return n + z * (h - n)


def lerp_and_addmm(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    N, H = h.shape
    gi = torch.addmm(bias_ih, x, weight_ih.t()).view(N, 3, H)
    gh = torch.addmm(bias_hh, h, weight_hh.t()).view(N, 3, H)
    r, z = torch.sigmoid(gi[:, :2] + gh[:, :2]).unbind(1)
    n = torch.tanh(torch.addcmul(gi[:, 2], r, gh[:, 2]))
    return torch.lerp(n, h, z)


ATTEMPTS = [
    Attempt(
        reset_outside_bias,
        False,
        "multiplied only h @ W_hn by the reset gate and added b_hn outside it",
        ("bias|b_hn|reset",),
    ),
    Attempt(
        reset_before_product,
        False,
        "applied the reset gate to h before the matrix product instead of to the hidden part",
        ("reset|before|hidden part|r * h|product",),
    ),
    Attempt(
        mix_swapped,
        False,
        "mixed z * n + (1 - z) * h, swapping the roles of z and 1 - z",
        ("1 - z|swap|update|z",),
    ),
    Attempt(
        order_z_r_n,
        False,
        "cut the blocks as z, r, n instead of torch's r, z, n",
        ("order|r, z, n|block",),
    ),
    Attempt(
        reset_on_both_parts,
        False,
        "let the reset gate multiply the input part of the candidate too",
        ("reset|input part|both",),
    ),
    Attempt(
        sigmoid_candidate,
        False,
        "squashed the candidate n with sigmoid instead of tanh",
        ("tanh|sigmoid|candidate",),
    ),
    Attempt(no_input_bias, False, "left out bias_ih", ("bias",)),
    Attempt(
        returns_the_candidate,
        False,
        "returned the candidate n without mixing it with h through the update gate",
        ("update|mix|z|interpol",),
    ),
    Attempt(
        update_gate_from_input_only,
        False,
        "computed the update gate from the input part only, leaving out the hidden part",
        ("update|hidden|z",),
    ),
    Attempt(sliced_weights, True),
    Attempt(lerp_and_addmm, True),
]
