"""Attempts at lesson 12's `lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)`."""

import torch

from attempts import Attempt


def _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)  # 4 x (N, H)


def c_stored_after_tanh(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.tanh(torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g))
    return torch.sigmoid(o) * c_next, c_next


def gates_in_order_ifog(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, o, g = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def chunk_on_batch_axis(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def returns_c_then_h(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return c_next, torch.sigmoid(o) * torch.tanh(c_next)


def candidate_with_sigmoid(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (torch.sigmoid(b) for b in _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh))
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def no_tanh_on_output(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * c_next, c_next


def input_gate_forgotten(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(f) * c + torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def h_from_old_c(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    h_next = torch.sigmoid(o) * torch.tanh(c)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return h_next, c_next


def states_concatenated(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.cat([torch.sigmoid(o) * torch.tanh(c_next), c_next], dim=1)


def forget_gate_on_candidate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _blocks(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = torch.sigmoid(i) * c + torch.sigmoid(f) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def one_gate_at_a_time(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]

    def block(k):
        rows = slice(k * H, (k + 1) * H)
        return x @ weight_ih[rows].T + bias_ih[rows] + h @ weight_hh[rows].T + bias_hh[rows]

    i, f, g, o = (
        torch.sigmoid(block(0)),
        torch.sigmoid(block(1)),
        torch.tanh(block(2)),
        torch.sigmoid(block(3)),
    )
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def unbind_a_view(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    N, H = h.shape
    gates = torch.addmm(
        bias_ih + bias_hh, torch.cat([x, h], 1), torch.cat([weight_ih, weight_hh], 1).T
    )
    i, f, g, o = gates.view(N, 4, H).unbind(1)
    c_next = torch.addcmul(f.sigmoid() * c, i.sigmoid(), g.tanh())
    return o.sigmoid() * c_next.tanh(), c_next


def split_and_list(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    pre = x @ weight_ih.T + h @ weight_hh.T + bias_ih + bias_hh
    parts = list(torch.split(pre, h.shape[-1], dim=-1))
    acts = [torch.sigmoid, torch.sigmoid, torch.tanh, torch.sigmoid]
    i, f, g, o = [act(p) for act, p in zip(acts, parts)]
    new_c = f * c + i * g
    return [o * torch.tanh(new_c), new_c]


ATTEMPTS = [
    Attempt(
        c_stored_after_tanh,
        False,
        "c_next is stored after tanh; the cell state is f*c + i*g itself, tanh is only applied to make h_next.",
        ("tanh", "c_next|cell state"),
    ),
    Attempt(
        gates_in_order_ifog,
        False,
        "The blocks are cut in the order i, f, o, g; torch's order is i, f, g, o.",
        ("order",),
    ),
    Attempt(
        chunk_on_batch_axis,
        False,
        "chunk splits along dim 0, the batch, instead of dim 1 where the four blocks sit.",
        ("chunk", "dim|axis"),
    ),
    Attempt(
        returns_c_then_h, False, "It returns (c_next, h_next), the pair swapped.", ("swap|order",)
    ),
    Attempt(
        candidate_with_sigmoid,
        False,
        "The candidate g uses sigmoid; it uses tanh.",
        ("tanh|candidate",),
    ),
    Attempt(
        no_tanh_on_output, False, "h_next is o * c_next, without tanh on the cell state.", ("tanh",)
    ),
    Attempt(
        input_gate_forgotten,
        False,
        "The candidate is added without the input gate i.",
        ("input gate|i_t|i ",),
    ),
    Attempt(
        h_from_old_c,
        False,
        "h_next uses the old cell state c instead of c_next.",
        ("c_next|new|old|previous",),
    ),
    Attempt(
        states_concatenated,
        False,
        "h_next and c_next are concatenated into one tensor instead of returned as a pair.",
        ("pair|tuple|two",),
    ),
    Attempt(
        forget_gate_on_candidate,
        False,
        "The forget and input gates are swapped: f should scale the old c and i the candidate.",
        ("forget|input|order",),
    ),
    Attempt(one_gate_at_a_time, True),
    Attempt(unbind_a_view, True),
    Attempt(split_and_list, True),
]
