"""Attempts at lstm_cell_backward, lesson 12 (LSTM)."""

import torch
from attempts import Attempt


def _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)
    i, f, g, o = a.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g
    return i, f, g, o, c_next


def _finish(delta, d_c_old, x, h, weight_ih, weight_hh):
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "c": d_c_old,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(dim=0),
        "bias_hh": delta.sum(dim=0),
    }


def _gate_deltas(D_c, G_h, i, f, g, o, c, tanh_c):
    d_i = D_c * g * i * (1 - i)
    d_f = D_c * c * f * (1 - f)
    d_g = D_c * i * (1 - g**2)
    d_o = G_h * tanh_c * o * (1 - o)
    return torch.cat([d_i, d_f, d_g, d_o], dim=1)  # (N, 4H)


def forgets_direct_cell_gradient(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_h_next * o * (1 - tanh_c**2)
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c)
    return _finish(delta, D_c * f, x, h, weight_ih, weight_hh)


def forgets_output_gate_in_cell_gradient(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * (1 - tanh_c**2)
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c)
    return _finish(delta, D_c * f, x, h, weight_ih, weight_hh)


def squares_after_subtracting(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c) ** 2
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c)
    return _finish(delta, D_c * f, x, h, weight_ih, weight_hh)


def old_cell_gets_D_c(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c)
    return _finish(delta, D_c, x, h, weight_ih, weight_hh)


def sigmoid_slope_for_candidate(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    d_i = D_c * g * i * (1 - i)
    d_f = D_c * c * f * (1 - f)
    d_g = D_c * i * g * (1 - g)  # the same slope as the three gates
    d_o = grad_h_next * tanh_c * o * (1 - o)
    delta = torch.cat([d_i, d_f, d_g, d_o], dim=1)
    return _finish(delta, D_c * f, x, h, weight_ih, weight_hh)


def output_gate_reads_old_cell(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, torch.tanh(c))
    return _finish(delta, D_c * f, x, h, weight_ih, weight_hh)


def weight_gradient_transposed(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c)
    grads = _finish(delta, D_c * f, x, h, weight_ih, weight_hh)
    grads["weight_ih"] = x.T @ delta  # (H_in, 4H)
    grads["weight_hh"] = h.T @ delta  # (H, 4H)
    return grads


def bias_gradient_mean(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c)
    grads = _finish(delta, D_c * f, x, h, weight_ih, weight_hh)
    grads["bias_ih"] = grads["bias_hh"] = delta.mean(dim=0)
    return grads


def h_gradient_through_input_weights(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c)
    grads = _finish(delta, D_c * f, x, h, weight_ih, weight_hh)
    grads["x"], grads["h"] = (
        delta @ weight_hh,
        delta @ weight_ih,
    )  # each input with the other's weight
    return grads


def deltas_in_order_i_f_o_g(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    d_i, d_f, d_g, d_o = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c).chunk(4, dim=1)
    delta = torch.cat([d_i, d_f, d_o, d_g], dim=1)
    return _finish(delta, D_c * f, x, h, weight_ih, weight_hh)


def by_the_derivation(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)  # (N, H)
    delta = _gate_deltas(D_c, grad_h_next, i, f, g, o, c, tanh_c)  # (N, 4H)
    return _finish(delta, D_c * f, x, h, weight_ih, weight_hh)


def einsum_and_ones(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    H = h.shape[1]
    a = torch.addmm(bias_ih + bias_hh, x, weight_ih.T) + h @ weight_hh.T  # (N, 4H)
    s = torch.sigmoid(a)  # the sigmoid of every block; block g is replaced below
    g = torch.tanh(a[:, 2 * H : 3 * H])
    i, f, o = s[:, :H], s[:, H : 2 * H], s[:, 3 * H :]
    c_next = torch.addcmul(f * c, i, g)
    tanh_c = c_next.tanh()
    D_c = torch.addcmul(grad_c_next, grad_h_next * o, 1 - tanh_c * tanh_c)
    slope = s * (1 - s)  # (N, 4H)
    slope[:, 2 * H : 3 * H] = 1 - g * g
    upstream = torch.cat([D_c * g, D_c * c, D_c * i, grad_h_next * tanh_c], dim=1)  # (N, 4H)
    delta = upstream * slope
    ones = torch.ones(x.shape[0], dtype=x.dtype)
    return {
        "x": torch.einsum("nk,ki->ni", delta, weight_ih),
        "h": torch.einsum("nk,kj->nj", delta, weight_hh),
        "c": D_c * f,
        "weight_ih": torch.einsum("nk,ni->ki", delta, x),
        "weight_hh": torch.einsum("nk,nj->kj", delta, h),
        "bias_ih": ones @ delta,
        "bias_hh": ones @ delta,
    }


ATTEMPTS = [
    Attempt(
        forgets_direct_cell_gradient,
        False,
        "leaves grad_c_next out of D_c and keeps only the road through h_next",
        ("grad_c|g_c|direct|two|road|both",),
    ),
    Attempt(
        forgets_output_gate_in_cell_gradient,
        False,
        "forgets the output gate o in the road from h_next to the cell state",
        ("output gate|gate o|factor o|o_t|`o`",),
    ),
    Attempt(
        squares_after_subtracting,
        False,
        "writes (1 - tanh(c')) ** 2 instead of 1 - tanh(c') ** 2 for the slope of tanh",
        ("tanh|slope|deriv|square|precedence",),
    ),
    Attempt(
        old_cell_gets_D_c,
        False,
        "gives the old cell state D_c itself instead of D_c times the forget gate",
        ("forget",),
    ),
    Attempt(
        sigmoid_slope_for_candidate,
        False,
        "uses the sigmoid slope g (1 - g) for the candidate, whose squashing function is tanh",
        ("candidate|tanh",),
    ),
    Attempt(
        output_gate_reads_old_cell,
        False,
        "multiplies the output gate's gradient by tanh of the old cell state instead of the new one",
        ("old|new|c_next|c'|previous",),
    ),
    Attempt(
        weight_gradient_transposed,
        False,
        "computes the weight gradients as input^T delta, the transpose of the weight's shape",
        ("transpos|shape",),
    ),
    Attempt(
        bias_gradient_mean,
        False,
        "averages delta over the batch for the bias gradients instead of summing it",
        ("sum|mean|average",),
    ),
    Attempt(
        h_gradient_through_input_weights,
        False,
        "sends delta back to h through weight_ih and to x through weight_hh",
        ("weight_hh|weight_ih|w_hh|w_ih|weight",),
    ),
    Attempt(
        deltas_in_order_i_f_o_g,
        False,
        "puts the gates' deltas side by side in the order i, f, o, g instead of torch's i, f, g, o",
        ("order|block",),
    ),
    Attempt(by_the_derivation, True),
    Attempt(einsum_and_ones, True),
]
