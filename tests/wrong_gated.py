"""Wrong lstm_cell, gru_cell and lstm_layer answers, written the way a learner might write them.

Written independently of the checker's catalogue. ``WRONG`` lists (exercise, function, phrase the
feedback's "likely mistake" must contain).
"""

import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh) -> (h_next, c_next)
# ---------------------------------------------------------------------------------------------


def _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)  # (N, 4H)


def lstm_tf_order(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, j, f, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).split(h.shape[1], dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(j)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_ifog_order(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    pre = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, f, o = torch.sigmoid(pre[:, : 3 * H]).split(H, dim=1)
    g = torch.tanh(pre[:, 3 * H :])
    c_next = f * c + i * g
    return o * c_next.tanh(), c_next


def lstm_g_linear(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, 1)
    c_next = f.sigmoid() * c + i.sigmoid() * g
    return o.sigmoid() * c_next.tanh(), c_next


def lstm_all_sigmoid(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = torch.sigmoid(_gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)).chunk(4, 1)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def lstm_no_tanh_c(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, 1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * c_next, c_next


def lstm_coupled(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, _, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, 1)
    i = torch.sigmoid(i)
    c_next = (1 - i) * c + i * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_old_c(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, 1)
    h_next = torch.sigmoid(o) * torch.tanh(c)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return h_next, c_next


def lstm_returns_c_first(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, 1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return c_next, torch.sigmoid(o) * torch.tanh(c_next)


def lstm_interleaved(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    pre = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).view(x.shape[0], h.shape[1], 4)
    i, f, g, o = pre.unbind(dim=2)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_forget_bias(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, 1)
    c_next = torch.sigmoid(f + 1.0) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_no_memory(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh).chunk(4, 1)
    c_next = torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_input_only(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + bias_hh).chunk(4, 1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_onnx_order(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    pre = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    i, o, f, g = (pre[:, k * H : (k + 1) * H] for k in range(4))
    c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c_next.tanh(), c_next


# ---------------------------------------------------------------------------------------------
# gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h_next
# ---------------------------------------------------------------------------------------------


def _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return (x @ weight_ih.T + bias_ih).chunk(3, 1), (h @ weight_hh.T + bias_hh).chunk(3, 1)


def gru_swapped_z(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (xr, xz, xn), (hr, hz, hn) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    return z * n + (1 - z) * h


def gru_paper_reset(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    (xr, xz, xn), (hr, hz, _) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + F.linear(r * h, weight_hh[2 * H :], bias_hh[2 * H :]))
    return (1 - z) * n + z * h


def gru_bias_outside(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    (xr, xz, xn), (hr, hz, _) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * (h @ weight_hh[2 * H :].T) + bias_hh[2 * H :])
    return (1 - z) * n + z * h


def gru_gates_from_x(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (xr, xz, xn), (_, _, hn) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(xr), torch.sigmoid(xz)
    n = torch.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def gru_keras_order(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (xz, xr, xn), (hz, hr, hn) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def gru_no_reset(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (xr, xz, xn), (hr, hz, hn) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    z = torch.sigmoid(xz + hz)
    n = torch.tanh(xn + hn)
    return (1 - z) * n + z * h


def gru_returns_candidate(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (xr, xz, xn), (hr, hz, hn) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r = torch.sigmoid(xr + hr)
    return torch.tanh(xn + r * hn)


def gru_sigmoid_candidate(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (xr, xz, xn), (hr, hz, hn) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.sigmoid(xn + r * hn)
    return (1 - z) * n + z * h


def gru_interleaved(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    N, H = h.shape
    gx = (x @ weight_ih.T + bias_ih).reshape(N, H, 3)
    gh = (h @ weight_hh.T + bias_hh).reshape(N, H, 3)
    r = torch.sigmoid(gx[..., 0] + gh[..., 0])
    z = torch.sigmoid(gx[..., 1] + gh[..., 1])
    n = torch.tanh(gx[..., 2] + r * gh[..., 2])
    return (1 - z) * n + z * h


def gru_no_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (xr, xz, xn), (hr, hz, hn) = _parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    return (1 - z) * (xn + r * hn) + z * h


# ---------------------------------------------------------------------------------------------
# lstm_layer(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh) -> (output, (h_n, c_n))
# ---------------------------------------------------------------------------------------------


def _cell(x_t, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x_t @ weight_ih.T + h @ weight_hh.T + bias_ih + bias_hh).chunk(4, 1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def layer_from_zeros(x, h0, c0, *w):
    h, c, out = torch.zeros_like(h0), torch.zeros_like(c0), []
    for x_t in x:
        h, c = _cell(x_t, h, c, *w)
        out.append(h)
    return torch.stack(out), (h, c)


def layer_c_reset(x, h0, c0, *w):
    h, out = h0, []
    for x_t in x:
        h, c = _cell(x_t, h, c0, *w)
        out.append(h)
    return torch.stack(out), (h, c)


def layer_outputs_c(x, h0, c0, *w):
    h, c, out = h0, c0, []
    for t in range(len(x)):
        h, c = _cell(x[t], h, c, *w)
        out.append(c)
    return torch.stack(out), (h, c)


def layer_flat_return(x, h0, c0, *w):
    h, c, out = h0, c0, []
    for x_t in x:
        h, c = _cell(x_t, h, c, *w)
        out.append(h)
    return torch.stack(out), (c, h)


def layer_reversed(x, h0, c0, *w):
    h, c, out = h0, c0, []
    for x_t in x.flip(0):
        h, c = _cell(x_t, h, c, *w)
        out.insert(0, h)
    return torch.stack(out), (h, c)


def layer_old_c_cell(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, out = h0, c0, []
    for x_t in x:
        i, f, g, o = (x_t @ weight_ih.T + h @ weight_hh.T + bias_ih + bias_hh).chunk(4, 1)
        h = torch.sigmoid(o) * torch.tanh(c)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        out.append(h)
    return torch.stack(out), (h, c)


def layer_tf_order_cell(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, out = h0, c0, []
    for x_t in x:
        i, g, f, o = (x_t @ weight_ih.T + h @ weight_hh.T + bias_ih + bias_hh).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        out.append(h)
    return torch.stack(out), (h, c)


WRONG = [
    ("lstm_cell", lstm_tf_order, "TensorFlow's i|j|f|o order"),
    ("lstm_cell", lstm_ifog_order, "order i|f|o|g"),
    ("lstm_cell", lstm_onnx_order, "ONNX's i|o|f|c order"),
    ("lstm_cell", lstm_g_linear, "candidate g has no tanh"),
    ("lstm_cell", lstm_all_sigmoid, "candidate g uses sigmoid"),
    ("lstm_cell", lstm_no_tanh_c, "without the tanh on the cell state"),
    ("lstm_cell", lstm_coupled, "coupled to the input gate"),
    ("lstm_cell", lstm_old_c, "from the old cell state"),
    ("lstm_cell", lstm_returns_c_first, "you return (c_next, h_next)"),
    ("lstm_cell", lstm_interleaved, "interleaved unit by unit"),
    ("lstm_cell", lstm_forget_bias, "forget_bias"),
    ("lstm_cell", lstm_no_memory, "`c` set to zero"),
    ("lstm_cell", lstm_input_only, "`h` set to zero"),
    ("gru_cell", gru_swapped_z, "swapped z and 1 - z"),
    ("gru_cell", gru_paper_reset, "before the matrix product"),
    ("gru_cell", gru_bias_outside, "b_hn sits outside the reset gate"),
    ("gru_cell", gru_gates_from_x, "computed from the input only"),
    ("gru_cell", gru_keras_order, "Keras's z|r|h order"),
    ("gru_cell", gru_no_reset, "ignores the reset gate"),
    ("gru_cell", gru_returns_candidate, "you return the candidate n"),
    ("gru_cell", gru_sigmoid_candidate, "candidate n uses sigmoid"),
    ("gru_cell", gru_interleaved, "interleaved unit by unit"),
    ("gru_cell", gru_no_tanh, "candidate n has no tanh"),
    ("lstm_layer", layer_from_zeros, "starts from zeros instead of h0 and c0"),
    ("lstm_layer", layer_c_reset, "not carried from step to step"),
    ("lstm_layer", layer_outputs_c, "output holds the cell states"),
    ("lstm_layer", layer_flat_return, "you return (c_n, h_n)"),
    ("lstm_layer", layer_reversed, "runs backwards in time"),
    (
        "lstm_layer",
        layer_old_c_cell,
        "in your cell: your h_next is computed from the old cell state",
    ),
    (
        "lstm_layer",
        layer_tf_order_cell,
        "in your cell: you read the gate blocks in the order i|g|f|o",
    ),
]
