"""Round-4 attempts at lstm_cell (lesson 12, LSTM)."""

import torch
from attempts import Attempt


def _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)


def order_ifog(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, o, g = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def h_from_old_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c_next


def sigmoid_candidate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = torch.sigmoid(_gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)).chunk(4, dim=1)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def no_tanh_on_output(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * c_next, c_next


def returns_cell_first(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return c_next, torch.sigmoid(o) * torch.tanh(c_next)


def one_bias_only(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = x @ weight_ih.T + h @ weight_hh.T + bias_ih
    i, f, g, o = gates.chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def coupled_forget_and_input(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    _, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    f = torch.sigmoid(f)
    c_next = f * c + (1 - f) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def tanh_outside_the_gate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.tanh(torch.sigmoid(o) * c_next), c_next


def chunks_the_batch_axis(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    gates = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    H = h.shape[1]
    i, f, g, o = (
        gates.reshape(4, -1, H)[k] for k in range(4)
    )  # (4H) columns read as (4, H) blocks of rows
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def weights_sliced_per_gate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]

    def block(k):
        rows = slice(k * H, (k + 1) * H)
        return x @ weight_ih[rows].T + h @ weight_hh[rows].T + bias_ih[rows] + bias_hh[rows]

    i, f, g, o = (
        torch.sigmoid(block(0)),
        torch.sigmoid(block(1)),
        torch.tanh(block(2)),
        torch.sigmoid(block(3)),
    )
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def addmm_and_view(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    N, H = h.shape
    gates = torch.addmm(torch.addmm(bias_ih + bias_hh, x, weight_ih.t()), h, weight_hh.t())
    i, f, g, o = gates.view(N, 4, H).unbind(1)
    c_next = torch.addcmul(torch.sigmoid(f) * c, torch.sigmoid(i), torch.tanh(g))
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


ATTEMPTS = [
    Attempt(
        order_ifog,
        False,
        "cut the blocks in the order i, f, o, g instead of torch's i, f, g, o",
        ("order|i, f, g, o|ifgo|block",),
    ),
    Attempt(
        h_from_old_cell,
        False,
        "computed h_next from the old cell state c instead of c_next",
        ("c_next|old|new cell|previous",),
    ),
    Attempt(
        sigmoid_candidate,
        False,
        "squashed the candidate g with sigmoid instead of tanh",
        ("tanh|sigmoid|candidate",),
    ),
    Attempt(
        no_tanh_on_output,
        False,
        "forgot the tanh on the cell state when computing h_next",
        ("tanh",),
    ),
    Attempt(
        returns_cell_first,
        False,
        "returned (c_next, h_next) instead of (h_next, c_next)",
        ("order|swap|h_next|return",),
    ),
    Attempt(one_bias_only, False, "added only bias_ih and left out bias_hh", ("bias",)),
    Attempt(
        coupled_forget_and_input,
        False,
        "used 1 - f as the input gate, as in a GRU, instead of the LSTM's own input gate i",
        ("input gate|1 - f|gru",),
    ),
    Attempt(
        tanh_outside_the_gate,
        False,
        "applied tanh after multiplying by the output gate instead of to c_next alone",
        ("tanh|output gate",),
    ),
    Attempt(
        chunks_the_batch_axis,
        False,
        "reshaped the gates to (4, N, H), splitting across the batch instead of cutting the 4H columns",
        ("reshape|axis|dim|column|block",),
    ),
    Attempt(weights_sliced_per_gate, True),
    Attempt(addmm_and_view, True),
]
