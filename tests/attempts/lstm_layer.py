"""Attempts at lesson 12's `lstm_layer(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)`."""

import torch

from attempts import Attempt


def _cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def _run(x, h, c, w, steps=None):
    hs, cs = [], []
    for t in steps if steps is not None else range(x.shape[0]):
        h, c = _cell(x[t], h, c, *w)
        hs.append(h)
        cs.append(c)
    return hs, cs, h, c


def flat_triple(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    hs, _, h, c = _run(x, h0, c0, (weight_ih, weight_hh, bias_ih, bias_hh))
    return torch.stack(hs), h, c


def cell_state_not_carried(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, hs = h0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        hs.append(h)
    return torch.stack(hs), (h, c)


def output_holds_cell_states(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    _, cs, h, c = _run(x, h0, c0, (weight_ih, weight_hh, bias_ih, bias_hh))
    return torch.stack(cs), (h, c)


def final_states_swapped(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    hs, _, h, c = _run(x, h0, c0, (weight_ih, weight_hh, bias_ih, bias_hh))
    return torch.stack(hs), (c, h)


def states_with_layer_axis(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    hs, _, h, c = _run(x, h0, c0, (weight_ih, weight_hh, bias_ih, bias_hh))
    return torch.stack(hs), (h.unsqueeze(0), c.unsqueeze(0))


def cell_called_with_c_and_h_swapped(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, hs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], c, h, weight_ih, weight_hh, bias_ih, bias_hh)
        hs.append(h)
    return torch.stack(hs), (h, c)


def starts_at_second_step(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    hs, _, h, c = _run(
        x, h0, c0, (weight_ih, weight_hh, bias_ih, bias_hh), steps=range(1, x.shape[0])
    )
    return torch.stack([h0] + hs), (h, c)


def h_n_from_first_step(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    hs, cs, _, _ = _run(x, h0, c0, (weight_ih, weight_hh, bias_ih, bias_hh))
    return torch.stack(hs), (hs[0], cs[0])


def unpacked_in_wrong_order(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, hs = h0, c0, []
    for t in range(x.shape[0]):
        c, h = _cell(
            x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh
        )  # unpacked the wrong way round
        hs.append(h)
    return torch.stack(hs), (h, c)


def c_n_is_c0(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    hs, _, h, _ = _run(x, h0, c0, (weight_ih, weight_hh, bias_ih, bias_hh))
    return torch.stack(hs), (h, c0)


def input_projection_first(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    xw = torch.einsum("lni,gi->lng", x, weight_ih) + bias_ih  # (L, N, 4H)
    H = h0.shape[1]
    out = x.new_empty(x.shape[0], x.shape[1], H)
    h, c = h0, c0
    for t, xw_t in enumerate(xw):
        gates = xw_t + h @ weight_hh.T + bias_hh
        i, f, o = (torch.sigmoid(gates[:, k * H : (k + 1) * H]) for k in (0, 1, 3))
        c = f * c + i * torch.tanh(gates[:, 2 * H : 3 * H])
        h = o * torch.tanh(c)
        out[t] = h
    return out, (out[-1].clone(), c)


def list_returns(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    state = (h0, c0)
    outputs = []
    for x_t in x.unbind(0):
        state = _cell(x_t, *state, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(state[0])
    return torch.stack(outputs, dim=0), state


ATTEMPTS = [
    Attempt(
        flat_triple,
        False,
        "It returns a flat (output, h_n, c_n); nn.LSTM nests the states: (output, (h_n, c_n)).",
        ("nest|tuple|pair",),
    ),
    Attempt(
        cell_state_not_carried,
        False,
        "Every step reads c0 instead of the previous step's cell state.",
        ("c0|cell state",),
    ),
    Attempt(
        output_holds_cell_states,
        False,
        "output holds the cell states c_t; it should hold h_t.",
        ("cell|c_t",),
    ),
    Attempt(
        final_states_swapped, False, "The final pair is (c_n, h_n), swapped.", ("swap|(c_n, h_n)",)
    ),
    Attempt(
        states_with_layer_axis,
        False,
        "h_n and c_n get a leading layer axis, (1, N, H), like nn.LSTM's; this exercise wants (N, H).",
        ("axis|shape|(n, h)",),
    ),
    Attempt(
        cell_called_with_c_and_h_swapped,
        False,
        "The cell is called with c and h in each other's places.",
        ("swap|order|argument",),
    ),
    Attempt(
        starts_at_second_step,
        False,
        "The loop starts at the second input, and h0 fills output's first row.",
        ("first|h0",),
    ),
    Attempt(
        h_n_from_first_step,
        False,
        "h_n and c_n are taken after the first step instead of the last.",
        ("first|last",),
    ),
    Attempt(
        unpacked_in_wrong_order,
        False,
        "The cell's (h_next, c_next) is unpacked as c, h, so the two states trade places every step.",
        ("unpack|assign",),
    ),
    Attempt(
        c_n_is_c0,
        False,
        "c_n returns c0 instead of the cell state after the last step.",
        ("c_n|c0",),
    ),
    Attempt(input_projection_first, True),
    Attempt(list_returns, True),
]
