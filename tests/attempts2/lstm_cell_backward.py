"""Attempts at lstm_cell_backward, lesson 12 (LSTM)."""

import torch
from attempts import Attempt


def _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    return i, f, g, o, c_next, torch.tanh(c_next)


def _grads(x, h, weight_ih, weight_hh, delta):
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(dim=0),
        "bias_hh": delta.sum(dim=0),
    }


def _derive(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, change=None):
    """The derivation of section 9; ``change`` names the one place a learner slipped."""
    i, f, g, o, c_next, tanh_c = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    if change == "no_grad_c_next":
        d_c = grad_h_next * o * (1 - tanh_c**2)
    elif change == "no_h_road":
        d_c = grad_c_next
    elif change == "tanh_slope_of_c":
        d_c = grad_c_next + grad_h_next * o * (1 - c_next**2)
    else:
        d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    d_i, d_f, d_g = d_c * g, d_c * c, d_c * i
    if change == "own_factor":
        d_i, d_g = d_c * i, d_c * g
    d_o = grad_h_next * (c_next if change == "o_without_tanh" else tanh_c)
    if change == "tanh_slope_for_gates":
        slopes = (1 - i * i, 1 - f * f, 1 - g * g, 1 - o * o)
    else:
        slopes = (i * (1 - i), f * (1 - f), 1 - g * g, o * (1 - o))
    blocks = [d * s for d, s in zip((d_i, d_f, d_g, d_o), slopes)]
    if change == "order_i_f_o_g":
        blocks = [blocks[0], blocks[1], blocks[3], blocks[2]]
    delta = torch.cat(blocks, dim=1)  # (N, 4H)
    grads = _grads(x, h, weight_ih, weight_hh, delta)
    if change == "input_first":
        grads["weight_ih"], grads["weight_hh"] = x.T @ delta, h.T @ delta  # (H_in, 4H), (H, 4H)
    if change == "bias_mean":
        grads["bias_ih"] = grads["bias_hh"] = delta.mean(dim=0)
    grads["c"] = d_c if change == "c_without_forget" else d_c * f
    return grads


def cell_grad_without_grad_c_next(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, "no_grad_c_next"
    )


def cell_grad_without_h_road(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, "no_h_road"
    )


def tanh_slope_from_c_itself(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, "tanh_slope_of_c"
    )


def old_cell_without_forget(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x,
        h,
        c,
        weight_ih,
        weight_hh,
        bias_ih,
        bias_hh,
        grad_h_next,
        grad_c_next,
        "c_without_forget",
    )


def tanh_slope_for_every_gate(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x,
        h,
        c,
        weight_ih,
        weight_hh,
        bias_ih,
        bias_hh,
        grad_h_next,
        grad_c_next,
        "tanh_slope_for_gates",
    )


def output_gate_without_tanh(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, "o_without_tanh"
    )


def gates_times_themselves(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, "own_factor"
    )


def deltas_in_order_i_f_o_g(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, "order_i_f_o_g"
    )


def weight_grads_input_first(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    return _derive(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, "input_first"
    )


def bias_grads_averaged(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    return _derive(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next, "bias_mean"
    )


def blocks_as_a_view(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    N, H = h.shape
    a = torch.addmm(bias_ih + bias_hh, x, weight_ih.T) + h @ weight_hh.T  # (N, 4H)
    s = a.view(N, 4, H).sigmoid()  # sigmoid of every block; block 2 is replaced by tanh below
    i, f, o = s[:, 0], s[:, 1], s[:, 3]
    g = a.view(N, 4, H)[:, 2].tanh()
    tanh_c = torch.tanh(f * c + i * g)
    d_c = grad_h_next * o * (1 - tanh_c.pow(2)) + grad_c_next
    delta = torch.stack(
        [
            d_c * g * i * (1 - i),
            d_c * c * f * (1 - f),
            d_c * i * (1 - g.pow(2)),
            grad_h_next * tanh_c * o * (1 - o),
        ],
        dim=1,
    ).reshape(N, 4 * H)  # (N, 4H), blocks i | f | g | o
    bias = delta.sum(dim=0)
    return {
        "x": torch.mm(delta, weight_ih),
        "h": torch.mm(delta, weight_hh),
        "c": d_c * f,
        "weight_ih": torch.einsum("ng,nk->gk", delta, x),
        "weight_hh": torch.einsum("ng,nk->gk", delta, h),
        "bias_ih": bias,
        "bias_hh": bias.clone(),
    }


def chain_rule_step_by_step(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    H = h.shape[1]
    pre = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)
    i = torch.sigmoid(pre[:, :H])
    f = torch.sigmoid(pre[:, H : 2 * H])
    g = torch.tanh(pre[:, 2 * H : 3 * H])
    o = torch.sigmoid(pre[:, 3 * H :])
    c_next = f * c + i * g
    squashed = torch.tanh(c_next)
    grad_o = grad_h_next * squashed
    grad_c_next_total = grad_c_next + grad_h_next * o * (1 - squashed * squashed)
    delta = torch.empty_like(pre)
    delta[:, :H] = grad_c_next_total * g * i * (1 - i)
    delta[:, H : 2 * H] = grad_c_next_total * c * f * (1 - f)
    delta[:, 2 * H : 3 * H] = grad_c_next_total * i * (1 - g * g)
    delta[:, 3 * H :] = grad_o * o * (1 - o)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "c": grad_c_next_total * f,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


ATTEMPTS = [
    Attempt(
        cell_grad_without_grad_c_next,
        False,
        "builds the cell state's gradient D_c from the road through h' only and forgets to add grad_c_next",
        ("grad_c_next|g_c|next step|later step|road",),
    ),
    Attempt(
        cell_grad_without_h_road,
        False,
        "takes D_c = grad_c_next and forgets the road through h' = o * tanh(c')",
        ("grad_h_next|g_h|h'|road|tanh",),
    ),
    Attempt(
        tanh_slope_from_c_itself,
        False,
        "writes the tanh slope as 1 - c'^2 instead of 1 - tanh^2(c')",
        ("tanh",),
    ),
    Attempt(
        old_cell_without_forget,
        False,
        "returns D_c as the gradient of the input cell state c, without multiplying by the forget gate f",
        ("forget|by f|times f|* f|f_t",),
    ),
    Attempt(
        tanh_slope_for_every_gate,
        False,
        "uses tanh's slope 1 - s^2 for the sigmoid gates i, f, o, whose slope is s(1 - s)",
        ("sigmoid|s(1|s (1|1 - s)|slope",),
    ),
    Attempt(
        output_gate_without_tanh,
        False,
        "gives the output gate grad_h_next * c' instead of grad_h_next * tanh(c')",
        ("tanh|output gate",),
    ),
    Attempt(
        gates_times_themselves,
        False,
        "multiplies the input gate's gradient by i and the candidate's by g, where each factor of i * g"
        " receives the other factor",
        ("other factor|swap|factor|product",),
    ),
    Attempt(
        deltas_in_order_i_f_o_g,
        False,
        "puts the four deltas side by side in the order i, f, o, g, but torch's blocks are i, f, g, o",
        ("order|block|i, f, g, o|stack|rows",),
    ),
    Attempt(
        weight_grads_input_first,
        False,
        "computes the weight gradients as input^T @ delta, (H_in, 4H), the transpose of delta^T @ input",
        ("transpos|shape|delta^t|δ^t|(4h",),
    ),
    Attempt(
        bias_grads_averaged,
        False,
        "averages delta over the N rows for the bias gradients instead of summing",
        ("sum|mean|averag",),
    ),
    Attempt(blocks_as_a_view, True),
    Attempt(chain_rule_step_by_step, True),
]
