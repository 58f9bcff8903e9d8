"""Round-4 attempts at lstm_cell_backward (lesson 12, LSTM)."""

import torch
from attempts import Attempt


def _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    return i, f, g, o, c_next


def _pack(delta, d_c_prev, x, h, weight_ih, weight_hh):
    bias = delta.sum(0)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "c": d_c_prev,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": bias,
        "bias_hh": bias.clone(),
    }


def _deltas(i, f, g, o, c, tanh_c, D_c, grad_h_next):
    d_i = D_c * g * i * (1 - i)
    d_f = D_c * c * f * (1 - f)
    d_g = D_c * i * (1 - g**2)
    d_o = grad_h_next * tanh_c * o * (1 - o)
    return torch.cat([d_i, d_f, d_g, d_o], dim=1)  # (N, 4H)


def no_tanh_derivative(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o
    return _pack(_deltas(i, f, g, o, c, tc, D_c, grad_h_next), D_c * f, x, h, weight_ih, weight_hh)


def sigmoid_slope_for_g(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tc**2)
    delta = _deltas(i, f, g, o, c, tc, D_c, grad_h_next)
    H = h.shape[1]
    delta[:, 2 * H : 3 * H] = D_c * i * g * (1 - g)
    return _pack(delta, D_c * f, x, h, weight_ih, weight_hh)


def cell_grad_without_forget(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tc**2)
    return _pack(_deltas(i, f, g, o, c, tc, D_c, grad_h_next), D_c, x, h, weight_ih, weight_hh)


def weight_grad_transposed(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tc**2)
    grads = _pack(_deltas(i, f, g, o, c, tc, D_c, grad_h_next), D_c * f, x, h, weight_ih, weight_hh)
    delta = _deltas(i, f, g, o, c, tc, D_c, grad_h_next)
    grads["weight_ih"] = x.T @ delta
    grads["weight_hh"] = h.T @ delta
    return grads


def bias_averaged(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tc**2)
    delta = _deltas(i, f, g, o, c, tc, D_c, grad_h_next)
    grads = _pack(delta, D_c * f, x, h, weight_ih, weight_hh)
    grads["bias_ih"] = delta.mean(0)
    grads["bias_hh"] = delta.mean(0)
    return grads


def h_grad_through_input_weights(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tc**2)
    delta = _deltas(i, f, g, o, c, tc, D_c, grad_h_next)
    grads = _pack(delta, D_c * f, x, h, weight_ih, weight_hh)
    grads["h"] = grad_h_next * o + delta @ weight_hh  # h_next seen as depending on h directly too
    return grads


def output_gate_from_old_cell(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tc**2)
    return _pack(
        _deltas(i, f, g, o, c, torch.tanh(c), D_c, grad_h_next), D_c * f, x, h, weight_ih, weight_hh
    )


def forget_slope_with_new_cell(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tc**2)
    return _pack(
        _deltas(i, f, g, o, c_next, tc, D_c, grad_h_next), D_c * f, x, h, weight_ih, weight_hh
    )


def only_h_path(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_h_next * o * (1 - tc**2)
    return _pack(_deltas(i, f, g, o, c, tc, D_c, grad_h_next), D_c * f, x, h, weight_ih, weight_hh)


def by_the_book(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tc = torch.tanh(c_next)
    D_c = grad_c_next + grad_h_next * o * (1 - tc**2)
    return _pack(_deltas(i, f, g, o, c, tc, D_c, grad_h_next), D_c * f, x, h, weight_ih, weight_hh)


def einsum_per_block(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    N, H = h.shape
    pre = torch.addmm(torch.addmm(bias_ih + bias_hh, x, weight_ih.T), h, weight_hh.T).view(N, 4, H)
    act = torch.stack(
        [pre[:, 0].sigmoid(), pre[:, 1].sigmoid(), pre[:, 2].tanh(), pre[:, 3].sigmoid()], 1
    )
    i, f, g, o = act.unbind(1)
    tc = torch.tanh(f * c + i * g)
    D_c = grad_c_next + grad_h_next * o * (1 - tc * tc)
    local = torch.stack([D_c * g, D_c * c, D_c * i, grad_h_next * tc], 1)  # (N, 4, H): d/d(gate)
    slope = torch.stack([i * (1 - i), f * (1 - f), 1 - g * g, o * (1 - o)], 1)
    delta = (local * slope).reshape(N, 4 * H)
    return {
        "x": torch.einsum("ng,gi->ni", delta, weight_ih),
        "h": torch.einsum("ng,gj->nj", delta, weight_hh),
        "c": D_c * f,
        "weight_ih": torch.einsum("ng,ni->gi", delta, x),
        "weight_hh": torch.einsum("ng,nj->gj", delta, h),
        "bias_ih": torch.einsum("ng->g", delta),
        "bias_hh": torch.einsum("ng->g", delta),
    }


ATTEMPTS = [
    Attempt(
        no_tanh_derivative,
        False,
        "passed grad_h_next into the cell through o only, forgetting the slope 1 - tanh(c_next)^2",
        ("tanh|slope|deriv",),
    ),
    Attempt(
        sigmoid_slope_for_g,
        False,
        "used the sigmoid slope g(1 - g) for the candidate, which is a tanh with slope 1 - g^2",
        ("tanh|candidate|g gate|slope|1 - g",),
    ),
    Attempt(
        cell_grad_without_forget,
        False,
        "returned D_c as the gradient of c without multiplying by the forget gate",
        ("forget|* f|f *",),
    ),
    Attempt(
        weight_grad_transposed,
        False,
        "computed the weight gradients as x.T @ delta, the transpose of the weight's shape",
        ("transpos|shape",),
    ),
    Attempt(
        bias_averaged,
        False,
        "averaged the bias gradients over the batch instead of summing them",
        ("sum|mean|averag|batch",),
    ),
    Attempt(
        h_grad_through_input_weights,
        False,
        "added a direct path grad_h_next * o to the gradient of h, as if h_next depended on h outside the gates",
        ('h"|grad_h|path|direct|previous h',),
    ),
    Attempt(
        output_gate_from_old_cell,
        False,
        "used tanh of the old cell c instead of c_next in the output gate's gradient",
        ("c_next|old|output gate",),
    ),
    Attempt(
        forget_slope_with_new_cell,
        False,
        "multiplied the forget gate's gradient by c_next instead of the old cell c",
        ("forget|old|c_next|previous",),
    ),
    Attempt(
        only_h_path,
        False,
        "left grad_c_next out of D_c, keeping only the path through h_next",
        ("grad_c_next|g_c|cell|path",),
    ),
    Attempt(by_the_book, True),
    Attempt(einsum_per_block, True),
]
