"""Attempts at lstm_cell, lesson 12 (LSTM)."""

import torch
from attempts import Attempt


def _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)


def order_i_f_o_g(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, o, g = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def interleaved_view(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    N, H = h.shape
    i, f, g, o = gates.view(N, H, 4).unbind(dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def no_tanh_on_output(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g
    return o * c_next, c_next


def squashes_cell_state(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = torch.tanh(f * c + i * g)
    return o * torch.tanh(c_next), c_next


def sigmoid_on_candidate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = torch.sigmoid(_gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh))  # all four at once
    i, f, g, o = gates.chunk(4, dim=1)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def returns_c_then_h(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    return c_next, h_next


def forget_and_input_swapped(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = i * c + f * g
    return o * torch.tanh(c_next), c_next


def output_reads_old_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    h_next = o * torch.tanh(c)
    c_next = f * c + i * g
    return h_next, c_next


def one_bias_only(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + h @ weight_hh.T + bias_ih  # (N, 4H)
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def addmm_and_unbind(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = torch.addmm(bias_ih, x, weight_ih.t())  # (N, 4H)
    gates = torch.addmm(gates + bias_hh, h, weight_hh.t())
    N, H = h.shape
    i, f, g, o = gates.view(N, 4, H).unbind(dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_next = torch.sigmoid(o) * torch.tanh(c_next)
    return h_next, c_next


def einsum_per_block(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    w_i = weight_ih.view(4, H, -1)  # (4, H, H_in)
    w_h = weight_hh.view(4, H, H)  # (4, H, H)
    pre = torch.einsum("ni,ghi->gnh", x, w_i) + torch.einsum("nj,ghj->gnh", h, w_h)  # (4, N, H)
    pre = pre + (bias_ih + bias_hh).view(4, 1, H)
    i, f, o = torch.sigmoid(pre[[0, 1, 3]])
    g = torch.tanh(pre[2])
    c_next = torch.addcmul(f * c, i, g)
    return o * c_next.tanh(), c_next


ATTEMPTS = [
    Attempt(
        order_i_f_o_g,
        False,
        "cuts the blocks in the order i, f, o, g instead of torch's i, f, g, o",
        ("order|block",),
    ),
    Attempt(
        interleaved_view,
        False,
        "splits the gates with view(N, H, 4), which interleaves the units instead of taking four "
        "contiguous blocks of H",
        ("block|contigu|split|chunk|view|layout",),
    ),
    Attempt(
        no_tanh_on_output,
        False,
        "computes h_next as o * c_next, forgetting the tanh of the new cell state",
        ("tanh",),
    ),
    Attempt(
        squashes_cell_state,
        False,
        "squashes the new cell state with tanh before storing it as c_next",
        ("tanh",),
    ),
    Attempt(
        sigmoid_on_candidate,
        False,
        "applies the sigmoid to all four blocks, the candidate g included, which needs tanh",
        ("candidate|tanh",),
    ),
    Attempt(
        returns_c_then_h,
        False,
        "returns (c_next, h_next) instead of (h_next, c_next)",
        ("order|swap|return",),
    ),
    Attempt(
        forget_and_input_swapped,
        False,
        "lets the input gate scale the old cell state and the forget gate scale the candidate",
        ("forget|input",),
    ),
    Attempt(
        output_reads_old_cell,
        False,
        "computes h_next from the old cell state c instead of the new c_next",
        ("old|new|c_next|previous|stale",),
    ),
    Attempt(
        one_bias_only,
        False,
        "adds bias_ih but forgets bias_hh",
        ("bias",),
    ),
    Attempt(addmm_and_unbind, True),
    Attempt(einsum_per_block, True),
]
