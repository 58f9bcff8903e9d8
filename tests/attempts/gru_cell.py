"""Attempts at lesson 13's `gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)`."""

import torch

from attempts import Attempt


def _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i_r, i_z, i_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    return i_r, i_z, i_n, h_r, h_z, h_n


def reset_on_both_parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i_r, i_z, i_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(r * (i_n + h_n))
    return (1 - z) * n + z * h


def precedence_slip(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    W_hn, b_hn = weight_hh[2 * H :], bias_hh[2 * H :]
    i_r, i_z, i_n, h_r, h_z, _ = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h @ W_hn.T + b_hn)  # meant r * (h @ W_hn.T + b_hn)
    return (1 - z) * n + z * h


def mix_the_other_way(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i_r, i_z, i_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return z * n + (1 - z) * h


def blocks_in_order_zrn(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i_z, i_r, i_n, h_z, h_r, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def b_hn_outside_reset(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    gi = x @ weight_ih.T + bias_ih
    gh = h @ weight_hh.T  # biases added later
    r = torch.sigmoid(gi[:, :H] + gh[:, :H] + bias_hh[:H])
    z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H] + bias_hh[H : 2 * H])
    n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :] + bias_hh[2 * H :])
    return (1 - z) * n + z * h


def paper_placement(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    i_r, i_z, i_n, h_r, h_z, _ = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + (r * h) @ weight_hh[2 * H :].T + bias_hh[2 * H :])
    return (1 - z) * n + z * h


def no_reset_at_all(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    r_pre, z_pre, n_pre = (x @ weight_ih.T + h @ weight_hh.T + bias_ih + bias_hh).chunk(3, 1)
    z = torch.sigmoid(z_pre)
    n = torch.tanh(n_pre)
    return (1 - z) * n + z * h


def chunk_on_batch_axis(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i_r, i_z, i_n = (x @ weight_ih.T + bias_ih).chunk(3)
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def candidate_with_sigmoid(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i_r, i_z, i_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.sigmoid(i_n + r * h_n)
    return (1 - z) * n + z * h


def update_gate_on_candidate_only(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i_r, i_z, i_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + h


def lerp_mix(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i_r, i_z, i_n, h_r, h_z, h_n = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return torch.lerp(n, h, z)


def per_block_weights(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    W_ir, W_iz, W_in = weight_ih.chunk(3)
    W_hr, W_hz, W_hn = weight_hh.chunk(3)
    b_ir, b_iz, b_in = bias_ih.chunk(3)
    b_hr, b_hz, b_hn = bias_hh.chunk(3)
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = torch.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    return n + z * (h - n)


def one_product_split(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.size(-1)
    gi = torch.addmm(bias_ih, x, weight_ih.t())
    gh = torch.addmm(bias_hh, h, weight_hh.t())
    rz = torch.sigmoid(gi[:, : 2 * H] + gh[:, : 2 * H])
    r, z = rz[:, :H], rz[:, H:]
    n = torch.tanh(torch.addcmul(gi[:, 2 * H :], r, gh[:, 2 * H :]))
    return z * h + (1.0 - z) * n


ATTEMPTS = [
    Attempt(
        reset_on_both_parts,
        False,
        "The reset gate multiplies the input part of the candidate too; it applies to the hidden part only.",
        ("reset", "input|both|x"),
    ),
    Attempt(
        precedence_slip,
        False,
        "`r * h @ W_hn.T` is read as (r * h) @ W_hn.T: * and @ share one precedence, so brackets are needed.",
        ("precedence|bracket|parenthes",),
    ),
    Attempt(
        mix_the_other_way,
        False,
        "The update gate mixes the wrong way round: z should weigh h, 1 - z the candidate.",
        ("z",),
    ),
    Attempt(
        blocks_in_order_zrn,
        False,
        "The blocks are cut as z, r, n; torch's order is r, z, n.",
        ("order",),
    ),
    Attempt(
        b_hn_outside_reset,
        False,
        "b_hn is added outside the reset gate; torch multiplies the hidden part with its bias by r.",
        ("b_hn|bias",),
    ),
    Attempt(
        paper_placement,
        False,
        "The reset gate is applied to h before the product (the paper's placement); torch applies it after.",
        ("paper|before|after",),
    ),
    Attempt(
        no_reset_at_all,
        False,
        "The input and hidden parts are summed at once, so the reset gate is never applied.",
        ("reset",),
    ),
    Attempt(
        chunk_on_batch_axis,
        False,
        "chunk splits along dim 0, the batch, instead of the blocks' dim 1.",
        ("chunk", "dim|axis"),
    ),
    Attempt(
        candidate_with_sigmoid,
        False,
        "The candidate n uses sigmoid instead of tanh.",
        ("tanh|candidate",),
    ),
    Attempt(
        update_gate_on_candidate_only,
        False,
        "The old state is added without its z weight: h_next should be (1 - z) * n + z * h.",
        ("z",),
    ),
    Attempt(lerp_mix, True),
    Attempt(per_block_weights, True),
    Attempt(one_product_split, True),
]
