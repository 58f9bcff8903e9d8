"""Attempts at gru_cell, lesson 13 (GRU)."""

import torch
from attempts import Attempt


def _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    gi = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # input parts of r, z, n: (N, H) each
    gh = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)  # hidden parts of r, z, n
    return gi, gh


def update_gate_reversed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return z * n + (1 - z) * h


def hidden_bias_outside_reset(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    (i_r, i_z, i_n), _ = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    h_r, h_z, h_n = (h @ weight_hh.T).chunk(3, dim=1)
    b_hr, b_hz, b_hn = bias_hh.split(H)
    r, z = torch.sigmoid(i_r + h_r + b_hr), torch.sigmoid(i_z + h_z + b_hz)
    n = torch.tanh(i_n + r * h_n + b_hn)
    return (1 - z) * n + z * h


def reset_before_product(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    (i_r, i_z, i_n), (h_r, h_z, _) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + (r * h) @ weight_hh[2 * H :].T + bias_hh[2 * H :])
    return (1 - z) * n + z * h


def reset_gate_unused(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + h_n)
    return (1 - z) * n + z * h


def order_z_r_n(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_z, i_r, i_n), (h_z, h_r, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def sigmoid_candidate(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.sigmoid(i_n + r * h_n)
    return (1 - z) * n + z * h


def interleaved_blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    N, H = h.shape
    i_r, i_z, i_n = (x @ weight_ih.T + bias_ih).view(N, H, 3).unbind(-1)
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).view(N, H, 3).unbind(-1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def returns_candidate(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r = torch.sigmoid(i_r + h_r)
    return torch.tanh(i_n + r * h_n)


def gates_from_input_only(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (_, _, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r), torch.sigmoid(i_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def lerp_towards_old_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    gi = torch.addmm(bias_ih, x, weight_ih.t())  # (N, 3H)
    gh = torch.addmm(bias_hh, h, weight_hh.t())  # (N, 3H)
    H = h.shape[1]
    rz = torch.sigmoid(gi[:, : 2 * H] + gh[:, : 2 * H])  # (N, 2H)
    r, z = rz[:, :H], rz[:, H:]
    n = torch.tanh(torch.addcmul(gi[:, 2 * H :], r, gh[:, 2 * H :]))
    return torch.lerp(n, h, z)  # n + z (h - n)


def einsum_blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    gi = torch.einsum("ni,ki->nk", x, weight_ih) + bias_ih  # (N, 3H)
    gh = torch.einsum("nj,kj->nk", h, weight_hh) + bias_hh  # (N, 3H)
    r = torch.sigmoid(gi[:, :H] + gh[:, :H])
    z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return n + z * (h - n)


ATTEMPTS = [
    Attempt(
        update_gate_reversed,
        False,
        "mixes with z * n + (1 - z) * h, so z = 1 takes the candidate instead of keeping the old "
        "state",
        ("update|1 - z|1-z|revers|swap",),
    ),
    Attempt(
        hidden_bias_outside_reset,
        False,
        "adds the hidden bias b_hn outside the reset gate's product instead of inside it",
        ("bias|b_hn",),
    ),
    Attempt(
        reset_before_product,
        False,
        "applies the reset gate to h before the matrix product, the original paper's placement, "
        "not torch's",
        ("reset",),
    ),
    Attempt(
        reset_gate_unused,
        False,
        "never uses the reset gate: the candidate takes the whole hidden part",
        ("reset",),
    ),
    Attempt(
        order_z_r_n,
        False,
        "cuts the blocks in the order z, r, n instead of torch's r, z, n",
        ("order|block",),
    ),
    Attempt(
        sigmoid_candidate,
        False,
        "squashes the candidate n with the sigmoid instead of tanh",
        ("tanh|candidate",),
    ),
    Attempt(
        interleaved_blocks,
        False,
        "splits the three blocks with view(N, H, 3), interleaving the units instead of taking "
        "contiguous blocks",
        ("block|contigu|split|chunk|view|layout",),
    ),
    Attempt(
        returns_candidate,
        False,
        "returns the candidate n instead of mixing it with the old state through z",
        ("update|mix|candidate|old state",),
    ),
    Attempt(
        gates_from_input_only,
        False,
        "computes r and z from the input part alone, leaving out the hidden state's part",
        ("hidden|weight_hh|w_h",),
    ),
    Attempt(lerp_towards_old_state, True),
    Attempt(einsum_blocks, True),
]
