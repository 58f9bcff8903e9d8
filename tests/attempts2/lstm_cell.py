"""Attempts at lstm_cell, lesson 12 (LSTM)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)  # 4 x (N, H)


def order_i_f_o_g(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_o, a_g = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, o, g = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.sigmoid(a_o), torch.tanh(a_g)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def sigmoid_on_every_block(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = torch.sigmoid(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(
        4, dim=1
    )
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def output_without_tanh(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    return o * c_next, c_next


def one_bias_only(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + h @ weight_hh.T + bias_ih  # (N, 4H)
    a_i, a_f, a_g, a_o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def forget_gate_on_h(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * h + i * g
    return o * torch.tanh(c_next), c_next


def returns_c_first(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    return c_next, h_next


def shows_the_old_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    h_next = o * torch.tanh(c)
    c_next = f * c + i * g
    return h_next, c_next


def input_gate_keeps_memory(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = i * c + f * g
    return o * torch.tanh(c_next), c_next


def one_minus_forget(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = (1 - f) * c + i * g
    return o * torch.tanh(c_next), c_next


def update_c_in_place(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = c.mul_(f).add_(i * g)
    return o * torch.tanh(c_next), c_next


def split_in_fours(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)
    a_i, a_f, a_g, a_o = gates.split(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def one_linear_per_gate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]

    def block(k):
        rows = slice(k * H, (k + 1) * H)
        return F.linear(x, weight_ih[rows], bias_ih[rows]) + F.linear(
            h, weight_hh[rows], bias_hh[rows]
        )

    i, f, o = torch.sigmoid(block(0)), torch.sigmoid(block(1)), torch.sigmoid(block(3))
    g = torch.tanh(block(2))
    c_next = torch.addcmul(f * c, i, g)
    return o * c_next.tanh(), c_next


def einsum_and_view(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    N, H = h.shape
    gates = torch.einsum("nk,gk->ng", x, weight_ih) + torch.einsum("nk,gk->ng", h, weight_hh)
    gates = (gates + bias_ih + bias_hh).view(N, 4, H)  # (N, 4, H): blocks i, f, g, o
    i, f, g, o = gates.unbind(dim=1)
    c_next = i.sigmoid() * g.tanh() + f.sigmoid() * c
    h_next = o.sigmoid() * c_next.tanh()
    return h_next, c_next


ATTEMPTS = [
    Attempt(
        order_i_f_o_g,
        False,
        "cuts the blocks in the order i, f, o, g, but torch stacks them i, f, g, o",
        ("order|block|i, f, g, o|stack|rows",),
    ),
    Attempt(
        sigmoid_on_every_block,
        False,
        "squashes the candidate g with a sigmoid like the gates, where it takes tanh",
        ("tanh|candidate",),
    ),
    Attempt(
        output_without_tanh,
        False,
        "computes h_next as o * c_next, leaving out the tanh of the new cell state",
        ("tanh",),
    ),
    Attempt(
        one_bias_only,
        False,
        "adds bias_ih but forgets bias_hh",
        ("bias",),
    ),
    Attempt(
        forget_gate_on_h,
        False,
        "keeps f * h where the forget gate scales the old cell state c",
        ("cell state|c_t|c_{t|old c|previous c|c_prev|where `c` belongs",),
    ),
    Attempt(
        returns_c_first,
        False,
        "returns (c_next, h_next) instead of (h_next, c_next)",
        ("order|swap|return|(h_next, c_next)",),
    ),
    Attempt(
        shows_the_old_cell,
        False,
        "computes h_next from tanh of the old cell state c instead of the new c_next",
        ("c_next|new cell|c'|updated cell|old cell",),
    ),
    Attempt(
        input_gate_keeps_memory,
        False,
        "swaps the roles of the gates: the input gate scales the old cell state and the forget gate the"
        " candidate",
        ("forget|input gate|in the order f",),
    ),
    Attempt(
        one_minus_forget,
        False,
        "keeps (1 - f) * c, as if f were how much to forget, where torch keeps f * c",
        ("forget|1 -|1-",),
    ),
    Attempt(
        update_c_in_place,
        False,
        "updates c with mul_ and add_, which changes the caller's c in place",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        split_in_fours,
        False,
        "uses split(4), which cuts pieces 4 columns wide, where chunk(4) cuts 4 blocks of H",
        ("split|chunk|block|size|4h",),
    ),
    Attempt(one_linear_per_gate, True),
    Attempt(einsum_and_view, True),
]
