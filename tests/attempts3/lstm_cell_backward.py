"""Attempts at ``lstm_cell_backward`` (lesson 12, LSTM)."""

import torch
from attempts import Attempt


def _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    return i, f, g, o, c_next


def _grads(delta, grad_c, x, h, weight_ih, weight_hh):
    """The seven gradients from delta (N, 4H) and the cell state's gradient (N, H)."""
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "c": grad_c,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(dim=0),
        "bias_hh": delta.sum(dim=0),
    }


def _delta(d_i, d_f, d_g, d_o, i, f, g, o):
    return torch.cat(
        [d_i * i * (1 - i), d_f * f * (1 - f), d_g * (1 - g**2), d_o * o * (1 - o)], dim=1
    )


def only_the_direct_road(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    d_c = grad_c_next
    d_o = grad_h_next * torch.tanh(c_next)
    delta = _delta(d_c * g, d_c * c, d_c * i, d_o, i, f, g, o)
    return _grads(delta, d_c * f, x, h, weight_ih, weight_hh)


def only_the_road_through_h(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_h_next * o * (1 - tanh_c**2)
    delta = _delta(d_c * g, d_c * c, d_c * i, grad_h_next * tanh_c, i, f, g, o)
    return _grads(delta, d_c * f, x, h, weight_ih, weight_hh)


def slope_at_the_old_cell(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    d_c = grad_c_next + grad_h_next * o * (1 - torch.tanh(c) ** 2)
    delta = _delta(d_c * g, d_c * c, d_c * i, grad_h_next * torch.tanh(c_next), i, f, g, o)
    return _grads(delta, d_c * f, x, h, weight_ih, weight_hh)


def sigmoid_slope_for_the_candidate(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    gates = torch.cat([i, f, g, o], dim=1)
    d_gates = torch.cat([d_c * g, d_c * c, d_c * i, grad_h_next * tanh_c], dim=1)
    delta = d_gates * gates * (1 - gates)  # one slope for all four blocks
    return _grads(delta, d_c * f, x, h, weight_ih, weight_hh)


def no_slope_for_the_gates(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = torch.cat([d_c * g, d_c * c, d_c * i * (1 - g**2), grad_h_next * tanh_c], dim=1)
    return _grads(delta, d_c * f, x, h, weight_ih, weight_hh)


def weight_gradients_transposed(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _delta(d_c * g, d_c * c, d_c * i, grad_h_next * tanh_c, i, f, g, o)
    grads = _grads(delta, d_c * f, x, h, weight_ih, weight_hh)
    grads["weight_ih"], grads["weight_hh"] = x.T @ delta, h.T @ delta
    return grads


def bias_averaged_over_the_batch(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _delta(d_c * g, d_c * c, d_c * i, grad_h_next * tanh_c, i, f, g, o)
    grads = _grads(delta, d_c * f, x, h, weight_ih, weight_hh)
    grads["bias_ih"] = grads["bias_hh"] = delta.mean(dim=0)
    return grads


def old_cell_without_the_forget_gate(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _delta(d_c * g, d_c * c, d_c * i, grad_h_next * tanh_c, i, f, g, o)
    return _grads(delta, d_c, x, h, weight_ih, weight_hh)


def gate_gradients_from_the_wrong_factor(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    # each factor gets the incoming gradient times ... itself
    delta = _delta(d_c * i, d_c * f, d_c * g, grad_h_next * tanh_c, i, f, g, o)
    return _grads(delta, d_c * f, x, h, weight_ih, weight_hh)


def output_gate_through_the_cell(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = _delta(d_c * g, d_c * c, d_c * i, d_c * tanh_c, i, f, g, o)
    return _grads(delta, d_c * f, x, h, weight_ih, weight_hh)


def gate_by_gate_weights(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    i, f, g, o, c_next = _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tanh_c = torch.tanh(c_next)
    d_c = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    deltas = [
        d_c * g * i * (1 - i),
        d_c * c * f * (1 - f),
        d_c * i * (1 - g * g),
        grad_h_next * tanh_c * o * (1 - o),
    ]
    H = h.shape[1]
    blocks_ih = weight_ih.split(H)  # four (H, H_in)
    blocks_hh = weight_hh.split(H)
    bias = torch.cat([d.sum(dim=0) for d in deltas])
    return {
        "x": sum(d @ w for d, w in zip(deltas, blocks_ih)),
        "h": sum(d @ w for d, w in zip(deltas, blocks_hh)),
        "c": d_c * f,
        "weight_ih": torch.cat([d.T @ x for d in deltas]),
        "weight_hh": torch.cat([d.T @ h for d in deltas]),
        "bias_ih": bias,
        "bias_hh": bias.clone(),
    }


def einsum_everywhere(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    a = (
        torch.einsum("ni,ki->nk", x, weight_ih)
        + torch.einsum("nj,kj->nk", h, weight_hh)
        + bias_ih
        + bias_hh
    )
    i, f, g, o = a.chunk(4, dim=1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    tanh_c = torch.tanh(f * c + i * g)
    d_c = grad_h_next * o * (1 - tanh_c.square()) + grad_c_next
    slopes = torch.cat([i * (1 - i), f * (1 - f), 1 - g.square(), o * (1 - o)], dim=1)
    delta = torch.cat([d_c * g, d_c * c, d_c * i, grad_h_next * tanh_c], dim=1) * slopes  # (N, 4H)
    return {
        "x": torch.einsum("nk,ki->ni", delta, weight_ih),
        "h": torch.einsum("nk,kj->nj", delta, weight_hh),
        "c": d_c * f,
        "weight_ih": torch.einsum("nk,ni->ki", delta, x),
        "weight_hh": torch.einsum("nk,nj->kj", delta, h),
        "bias_ih": torch.einsum("nk->k", delta),
        "bias_hh": torch.einsum("nk->k", delta),
    }


ATTEMPTS = [
    Attempt(
        only_the_direct_road,
        False,
        "Takes the new cell state's gradient as grad_c_next alone, leaving out the road through h' = o * tanh(c').",
        ("road|both|through h|grad_h|g_h|tanh",),
    ),
    Attempt(
        only_the_road_through_h,
        False,
        "Takes the new cell state's gradient only through h', forgetting to add grad_c_next.",
        ("grad_c|g_c|road|both|add|direct",),
    ),
    Attempt(
        slope_at_the_old_cell,
        False,
        "Uses the tanh slope at the old cell state c instead of at c_next.",
        ("c_next|c'|new|old|previous",),
    ),
    Attempt(
        sigmoid_slope_for_the_candidate,
        False,
        "Applies the sigmoid's slope s(1 - s) to all four blocks, the tanh candidate g included.",
        ("tanh|candidat|slope|1 - g",),
    ),
    Attempt(
        no_slope_for_the_gates,
        False,
        "Forgets the sigmoid slope of the three gates i, f and o.",
        ("slope|deriv|sigmoid|1 - i|s(1",),
    ),
    Attempt(
        weight_gradients_transposed,
        False,
        "Computes the weight gradients as input^T delta, the transpose of delta^T input.",
        ("transpos|shape",),
    ),
    Attempt(
        bias_averaged_over_the_batch,
        False,
        "Averages delta over the N rows for the biases instead of summing it.",
        ("sum|mean|averag|batch",),
    ),
    Attempt(
        old_cell_without_the_forget_gate,
        False,
        "Passes the new cell state's gradient back to c unchanged, without multiplying by the forget gate f.",
        ("forget",),
    ),
    Attempt(
        gate_gradients_from_the_wrong_factor,
        False,
        "Gives each factor of c' = f*c + i*g the incoming gradient times itself instead of times the other factor.",
        ("factor|product|other",),
    ),
    Attempt(
        output_gate_through_the_cell,
        False,
        "Gives the output gate D_c * tanh(c') instead of grad_h_next * tanh(c'), as if o were in c'.",
        ("output gate|grad_h|g_h",),
    ),
    Attempt(gate_by_gate_weights, True),
    Attempt(einsum_everywhere, True),
]
