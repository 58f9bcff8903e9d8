"""Wrong lstm_cell_backward answers, written the way a learner might write them.

Written apart from the checker's catalogue, each in its own style. ``WRONG`` lists (exercise,
function, phrase the feedback's "likely mistake" must contain).
"""

import torch

# ---------------------------------------------------------------------------------------------
# lstm_cell_backward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next)
# ---------------------------------------------------------------------------------------------


def _forward(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """(i, f, g, o, c_next), each (N, H), with torch's gate order."""
    a = x @ w_ih.T + h @ w_hh.T + b_ih + b_hh
    H = h.shape[1]
    i = torch.sigmoid(a[:, :H])
    f = torch.sigmoid(a[:, H : 2 * H])
    g = torch.tanh(a[:, 2 * H : 3 * H])
    o = torch.sigmoid(a[:, 3 * H :])
    return i, f, g, o, f * c + i * g


def _params(da, x, h, w_ih, w_hh):
    return {
        "x": da @ w_ih,
        "h": da @ w_hh,
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ h,
        "bias_ih": da.sum(dim=0),
        "bias_hh": da.sum(dim=0),
    }


def _right_so_far(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    """The right gradients but c's, the gates' gradient da (N, 4H), c_next's gradient dc, and f."""
    i, f, g, o, c_next = _forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    tc = torch.tanh(c_next)
    dc = grad_c_next + grad_h_next * o * (1 - tc**2)
    da = [
        dc * g * i * (1 - i),
        dc * c * f * (1 - f),
        dc * i * (1 - g**2),
        grad_h_next * tc * o * (1 - o),
    ]
    da = torch.cat(da, 1)
    return _params(da, x, h, w_ih, w_hh), da, dc, f


def lbw_c_only_from_later(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    dc = grad_c_next  # forgot that h_next depends on c_next as well
    do = grad_h_next * torch.tanh(c_next)
    da = torch.cat(
        [dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g**2), do * o * (1 - o)], 1
    )
    return {**_params(da, x, h, w_ih, w_hh), "c": dc * f}


def lbw_ignores_grad_c_next(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    t = torch.tanh(c_next)
    dc = grad_h_next * o * (1 - t * t)
    da = torch.cat(
        [
            dc * g * i * (1 - i),
            dc * c * f * (1 - f),
            dc * i * (1 - g * g),
            grad_h_next * t * o * (1 - o),
        ],
        1,
    )
    return {**_params(da, x, h, w_ih, w_hh), "c": dc * f}


def lbw_tanh_of_c_as_identity(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    dc = grad_c_next + o * grad_h_next
    da = torch.cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g),
                    grad_h_next * c_next.tanh() * o * (1 - o)], dim=1)  # fmt: skip
    return {**_params(da, x, h, w_ih, w_hh), "c": dc * f}


def lbw_sigmoid_derivative_is_sigmoid(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    tc = c_next.tanh()
    dc = grad_c_next + grad_h_next * o * (1 - tc.pow(2))
    da = torch.cat([dc * g * i, dc * c * f, dc * i * (1 - g.pow(2)), grad_h_next * tc * o], 1)
    return {**_params(da, x, h, w_ih, w_hh), "c": dc * f}


def lbw_tanh_derivative_not_squared(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    tc = torch.tanh(c_next)
    dc = grad_c_next + grad_h_next * o * (1 - tc)
    da = torch.cat(
        [
            dc * g * i * (1 - i),
            dc * c * f * (1 - f),
            dc * i * (1 - g),
            grad_h_next * tc * o * (1 - o),
        ],
        1,
    )
    return {**_params(da, x, h, w_ih, w_hh), "c": dc * f}


def lbw_keras_gate_order(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    """Reads the blocks as i, f, o, g, as many hand-written LSTMs lay them out."""
    a = x @ w_ih.T + h @ w_hh.T + b_ih + b_hh
    ai, af, ao, ag = a.chunk(4, dim=1)
    i, f, o, g = ai.sigmoid(), af.sigmoid(), ao.sigmoid(), ag.tanh()
    c_next = f * c + i * g
    tc = c_next.tanh()
    dc = grad_c_next + grad_h_next * o * (1 - tc**2)
    da = torch.cat(
        [
            dc * g * i * (1 - i),
            dc * c * f * (1 - f),
            grad_h_next * tc * o * (1 - o),
            dc * i * (1 - g**2),
        ],
        1,
    )
    return {**_params(da, x, h, w_ih, w_hh), "c": dc * f}


def lbw_c_grad_missing_forget(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    grads, da, dc, f = _right_so_far(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next)
    grads["c"] = dc.clone()  # passed straight through
    return grads


def lbw_weight_grads_as_x_T_da(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    grads, da, dc, f = _right_so_far(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next)
    grads["weight_ih"] = torch.matmul(x.T, da)
    grads["weight_hh"] = torch.matmul(h.T, da)
    return {**grads, "c": dc * f}


def lbw_bias_grad_per_row(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    grads, da, dc, f = _right_so_far(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next)
    grads["bias_ih"] = da
    grads["bias_hh"] = da
    return {**grads, "c": dc * f}


def lbw_grad_h_with_w_ih(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    grads, da, dc, f = _right_so_far(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next)
    grads["h"] = da @ w_ih  # copied the x line
    return {**grads, "c": dc * f}


def lbw_forget_times_new_c(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    tc = torch.tanh(c_next)
    dc = grad_c_next + grad_h_next * o * (1 - tc**2)
    df = dc * c_next  # took the wrong cell state
    da = torch.cat(
        [
            dc * g * i * (1 - i),
            df * f * (1 - f),
            dc * i * (1 - g**2),
            grad_h_next * tc * o * (1 - o),
        ],
        1,
    )
    return {**_params(da, x, h, w_ih, w_hh), "c": dc * f}


def lbw_grad_h_next_as_ones(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    """Backpropagates from h_next.sum(): the incoming grad_h_next is never used."""
    i, f, g, o, c_next = _forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    tc = torch.tanh(c_next)
    dc = grad_c_next + o * (1 - tc**2)
    da = torch.cat(
        [dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g**2), tc * o * (1 - o)], 1
    )
    return {**_params(da, x, h, w_ih, w_hh), "c": dc * f}


def lbw_c_grad_as_in_section_8(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    """Only the cell-state road of section 8 for c; the rest right."""
    grads, _, _, f = _right_so_far(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next)
    return {"c": f * grad_c_next, **grads}


def lbw_delta_in_ifog_order(x, h, c, w_ih, w_hh, b_ih, b_hh, grad_h_next, grad_c_next):
    """Forward in torch's order, but the gate gradients stacked as i, f, o, g."""
    gates = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, 1)
    i, f, o = gates[0].sigmoid(), gates[1].sigmoid(), gates[3].sigmoid()
    g = gates[2].tanh()
    c_next = f * c + i * g
    dh_dc = o * (1 - torch.tanh(c_next) ** 2)
    dc = grad_c_next + grad_h_next * dh_dc
    d_i, d_f = dc * g * i * (1 - i), dc * c * f * (1 - f)
    d_o, d_g = grad_h_next * torch.tanh(c_next) * o * (1 - o), dc * i * (1 - g * g)
    return {**_params(torch.hstack([d_i, d_f, d_o, d_g]), x, h, w_ih, w_hh), "c": dc * f}


WRONG = [
    ("lstm_cell_backward", lbw_c_only_from_later, "leaves out the road through h_next"),
    ("lstm_cell_backward", lbw_ignores_grad_c_next, "`grad_c_next` set to zero"),
    ("lstm_cell_backward", lbw_tanh_of_c_as_identity, "the slope of tanh at `c_next` left out"),
    ("lstm_cell_backward", lbw_sigmoid_derivative_is_sigmoid, "s * (1 - s)"),
    ("lstm_cell_backward", lbw_tanh_derivative_not_squared, "1 - t², squared"),
    ("lstm_cell_backward", lbw_keras_gate_order, "i|f|o|g"),
    ("lstm_cell_backward", lbw_c_grad_missing_forget, "multiplied by f"),
    ("lstm_cell_backward", lbw_weight_grads_as_x_T_da, "weight gradients are transposed"),
    ("lstm_cell_backward", lbw_bias_grad_per_row, "not summed over the batch"),
    ("lstm_cell_backward", lbw_grad_h_with_w_ih, "h only meets weight_hh"),
    ("lstm_cell_backward", lbw_forget_times_new_c, "f multiplies the old c"),
    ("lstm_cell_backward", lbw_grad_h_next_as_ones, "`grad_h_next` all ones"),
    ("lstm_cell_backward", lbw_c_grad_as_in_section_8, "f times grad_c_next alone"),
    ("lstm_cell_backward", lbw_delta_in_ifog_order, "stack their gradients as i|f|o|g"),
]
