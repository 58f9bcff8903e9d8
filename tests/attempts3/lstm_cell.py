"""Attempts at ``lstm_cell`` (lesson 12, LSTM)."""

import torch
from attempts import Attempt


def _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)  # 4 x (N, H)


def paper_order_ifog(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_o, a_g = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, o, g = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.sigmoid(a_o), torch.tanh(a_g)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def candidate_through_sigmoid(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = torch.sigmoid(
        torch.cat(_blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh), 1)
    ).chunk(4, 1)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def no_tanh_on_the_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * c_next, c_next


def shows_the_old_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    h_next = torch.sigmoid(a_o) * torch.tanh(c)
    return h_next, c_next


def writes_without_input_gate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(a_f) * c + torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c_next), c_next


def interleaved_rows(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)
    a_i, a_f, a_g, a_o = a.view(a.shape[0], -1, 4).unbind(dim=2)
    c_next = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c_next), c_next


def input_bias_twice(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a = x @ weight_ih.T + h @ weight_hh.T + 2 * bias_ih
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
    c_next = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c_next), c_next


def returns_cell_first(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    return c_next, torch.sigmoid(a_o) * torch.tanh(c_next)


def forget_gate_as_amount_forgotten(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = (1 - torch.sigmoid(a_f)) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c_next), c_next


def one_product_of_stacked_inputs(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    xh = torch.cat([x, h], dim=1)  # (N, H_in + H)
    weight = torch.cat([weight_ih, weight_hh], dim=1)  # (4H, H_in + H)
    a = xh @ weight.T + (bias_ih + bias_hh)
    i, f, g, o = a.split(h.shape[1], dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def einsum_gate_by_gate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    w_ih = weight_ih.view(4, H, -1)  # (4, H, H_in)
    w_hh = weight_hh.view(4, H, H)
    a = torch.einsum("ni,ghi->gnh", x, w_ih) + torch.einsum("nj,ghj->gnh", h, w_hh)
    a = a + (bias_ih + bias_hh).view(4, 1, H)  # (4, N, H)
    i, f, o = torch.sigmoid(a[0]), torch.sigmoid(a[1]), torch.sigmoid(a[3])
    c_next = f * c + i * torch.tanh(a[2])
    return o * torch.tanh(c_next), c_next


def addmm_per_gate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    blocks = []
    for k in range(4):
        rows = slice(k * H, (k + 1) * H)
        part = torch.addmm(bias_ih[rows], x, weight_ih[rows].T)
        blocks.append(torch.addmm(part + bias_hh[rows], h, weight_hh[rows].T))
    i, f, o = (torch.sigmoid(blocks[k]) for k in (0, 1, 3))
    c_next = torch.addcmul(f * c, i, torch.tanh(blocks[2]))
    return o * torch.tanh(c_next), c_next


ATTEMPTS = [
    Attempt(
        paper_order_ifog,
        False,
        "Cuts the blocks in the order i, f, o, g instead of torch's i, f, g, o.",
        ("order|i, f, g, o|ifgo|block|swap",),
    ),
    Attempt(
        candidate_through_sigmoid,
        False,
        "Squashes the candidate g with a sigmoid like the gates, instead of tanh.",
        ("tanh|candidat",),
    ),
    Attempt(
        no_tanh_on_the_cell,
        False,
        "Computes h_next as o times c_next, forgetting the tanh on the new cell state.",
        ("tanh",),
    ),
    Attempt(
        shows_the_old_cell,
        False,
        "Builds h_next from tanh of the old cell state c instead of c_next.",
        ("c_next|c'|new|old|previous|stale",),
    ),
    Attempt(
        writes_without_input_gate,
        False,
        "Adds the candidate g to the cell state without scaling it by the input gate i.",
        ("input gate|input-gate|gate i|i_t|i ⊙|i *",),
    ),
    Attempt(
        interleaved_rows,
        False,
        "Reads the four gates as interleaved columns (view(N, H, 4)) instead of four stacked blocks of H rows.",
        ("block|order|chunk|interleav|split|stack|layout",),
    ),
    Attempt(
        input_bias_twice,
        False,
        "Adds bias_ih twice and never uses bias_hh.",
        ("bias",),
    ),
    Attempt(
        returns_cell_first,
        False,
        "Returns (c_next, h_next) instead of (h_next, c_next).",
        ("order|return|swap|h_next|c_next",),
    ),
    Attempt(
        forget_gate_as_amount_forgotten,
        False,
        "Multiplies the old cell state by 1 - f, reading the forget gate as how much to forget.",
        ("forget",),
    ),
    Attempt(one_product_of_stacked_inputs, True),
    Attempt(einsum_gate_by_gate, True),
    Attempt(addmm_per_gate, True),
]
