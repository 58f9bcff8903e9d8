"""Attempts at ``gru_cell`` (lesson 13, GRU)."""

import torch
from attempts import Attempt


def _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    gi = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # r, z, n input parts, (N, H) each
    gh = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)  # r, z, n hidden parts
    return gi, gh


def mix_the_other_way(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return z * n + (1 - z) * h


def reset_before_the_product(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    (i_r, i_z, i_n), (h_r, h_z, _) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + (r * h) @ weight_hh[2 * H :].T + bias_hh[2 * H :])
    return (1 - z) * n + z * h


def reset_leaves_out_the_bias(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    (i_r, i_z, i_n), (h_r, h_z, _) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * (h @ weight_hh[2 * H :].T) + bias_hh[2 * H :])
    return (1 - z) * n + z * h


def update_gate_first(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_z, i_r, i_n), (h_z, h_r, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def candidate_through_sigmoid(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.sigmoid(i_n + r * h_n)
    return (1 - z) * n + z * h


def all_blocks_summed_first(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 3H), like the LSTM
    a_r, a_z, a_n = a.chunk(3, dim=1)
    z = torch.sigmoid(a_z)
    n = torch.tanh(a_n)
    return (1 - z) * n + z * h


def reset_on_the_input_part(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(r * i_n + h_n)
    return (1 - z) * n + z * h


def mixed_into_h_in_place(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return h.mul_(z).add_((1 - z) * n)  # saves one (N, H) tensor


def reset_gate_reads_the_update_block(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (i_r, i_z, i_n), (h_r, h_z, h_n) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    z = torch.sigmoid(i_z + h_z)
    r = z  # the same sigmoid of the same inputs, so one gate is enough
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def gate_by_gate_slices(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]

    def block(k, inp, weight, bias):
        return inp @ weight[k * H : (k + 1) * H].T + bias[k * H : (k + 1) * H]

    r = torch.sigmoid(block(0, x, weight_ih, bias_ih) + block(0, h, weight_hh, bias_hh))
    z = torch.sigmoid(block(1, x, weight_ih, bias_ih) + block(1, h, weight_hh, bias_hh))
    n = torch.tanh(block(2, x, weight_ih, bias_ih) + r * block(2, h, weight_hh, bias_hh))
    return n + z * (h - n)


def einsum_and_lerp(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    gi = torch.einsum("ni,gi->ng", x, weight_ih) + bias_ih  # (N, 3H)
    gh = torch.einsum("nj,gj->ng", h, weight_hh) + bias_hh
    gi, gh = gi.view(-1, 3, H), gh.view(-1, 3, H)  # (N, 3, H)
    r = torch.sigmoid(gi[:, 0] + gh[:, 0])
    z = torch.sigmoid(gi[:, 1] + gh[:, 1])
    n = torch.tanh(gi[:, 2] + r * gh[:, 2])
    return torch.lerp(n, h, z)


def addmm_stacked(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    gi = torch.addmm(bias_ih, x, weight_ih.T)  # (N, 3H)
    gh = torch.addmm(bias_hh, h, weight_hh.T)
    i_r, i_z, i_n = gi.tensor_split(3, dim=1)
    h_r, h_z, h_n = gh.tensor_split(3, dim=1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = torch.addcmul(i_n, r, h_n).tanh()
    return (1 - z) * n + z * h


ATTEMPTS = [
    Attempt(
        mix_the_other_way,
        False,
        "Mixes z * n + (1 - z) * h, giving the candidate the share that belongs to the old state.",
        ("update gate|1 - z|1-z|swap|mix|interpolat|other way|share",),
    ),
    Attempt(
        reset_before_the_product,
        False,
        "Applies the reset gate to h before the product with W_hn, as in the paper, not after it as torch does.",
        ("reset",),
    ),
    Attempt(
        reset_leaves_out_the_bias,
        False,
        "Multiplies only h W_hn^T by the reset gate and adds b_hn outside it.",
        ("bias|b_hn",),
    ),
    Attempt(
        update_gate_first,
        False,
        "Cuts the blocks as z | r | n instead of torch's r | z | n.",
        ("order|r | z|r, z|rzn|block|swap",),
    ),
    Attempt(
        candidate_through_sigmoid,
        False,
        "Squashes the candidate n with a sigmoid instead of tanh.",
        ("tanh|candidat",),
    ),
    Attempt(
        all_blocks_summed_first,
        False,
        "Adds the input and hidden parts of all three blocks first, as for the LSTM, so the reset gate never acts.",
        ("reset|hidden part|apart|separat",),
    ),
    Attempt(
        reset_on_the_input_part,
        False,
        "Multiplies the input part of the candidate by the reset gate instead of its hidden part.",
        ("reset|hidden part|input part",),
    ),
    Attempt(
        mixed_into_h_in_place,
        False,
        "Mixes the new state into h in place, changing the caller's tensor.",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        reset_gate_reads_the_update_block,
        False,
        "Uses the update gate z as the reset gate too, ignoring the r block of the weights.",
        ("reset|r block|block|update",),
    ),
    Attempt(gate_by_gate_slices, True),
    Attempt(einsum_and_lerp, True),
    Attempt(addmm_stacked, True),
]
