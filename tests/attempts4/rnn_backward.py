"""Attempts at rnn_backward (lesson 08, backpropagation through time)."""

import torch
from attempts import Attempt


def _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    states = [h0]
    for x_t in x:
        states.append(torch.tanh(x_t @ weight_ih.T + bias_ih + states[-1] @ weight_hh.T + bias_hh))
    return states  # h_0 .. h_L


def _backward(
    x,
    h0,
    weight_ih,
    weight_hh,
    bias_ih,
    bias_hh,
    grad_output,
    *,
    carry=True,
    own=True,
    order=None,
    prev_shift=0,
    accumulate=True,
    average=False,
    slope_in_carry=True,
    w_carry=None,
    h0_before_step=True,
):
    states = _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    L = x.shape[0]
    g = {
        "x": torch.zeros_like(x),
        "weight_ih": torch.zeros_like(weight_ih),
        "weight_hh": torch.zeros_like(weight_hh),
        "bias_ih": torch.zeros_like(bias_ih),
        "bias_hh": torch.zeros_like(bias_hh),
    }
    w_carry = weight_hh if w_carry is None else w_carry
    dh_next = torch.zeros_like(h0)
    dh = dh_next
    for t in order if order is not None else reversed(range(L)):
        dh = (grad_output[t] if own or t == L - 1 else 0) + (dh_next if carry else 0)
        slope = 1 - states[t + 1] ** 2
        da = dh * slope
        prev = states[t + prev_shift]
        parts = {
            "x": None,
            "weight_ih": da.T @ x[t],
            "weight_hh": da.T @ prev,
            "bias_ih": da.sum(0),
            "bias_hh": da.sum(0),
        }
        g["x"][t] = da @ weight_ih
        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            g[k] = g[k] + parts[k] if accumulate else parts[k]
        dh_next = (da if slope_in_carry else dh) @ w_carry
    if average:
        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            g[k] = g[k] / L
    g["h0"] = dh_next if h0_before_step else dh
    return g


def no_carried_gradient(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, carry=False)


def only_last_output(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, own=False)


def weight_hh_with_current_state(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, prev_shift=1)


def walks_forward_in_time(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(
        x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, order=range(x.shape[0])
    )


def weights_overwritten(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, accumulate=False)


def shared_weights_averaged(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, average=True)


def h0_gets_first_state_gradient(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(
        x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, h0_before_step=False
    )


def carry_skips_slope(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(
        x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, slope_in_carry=False
    )


def carry_through_transpose(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _backward(
        x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, w_carry=weight_hh.T
    )


def _cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    da = grad_h_next * (1 - h_next**2)
    return {
        "x": da @ weight_ih,
        "h": da @ weight_hh,
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ h,
        "bias_ih": da.sum(0),
        "bias_hh": da.sum(0),
    }


def via_cell_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    totals = {k: 0 for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    grad_x, carried = [None] * x.shape[0], torch.zeros_like(h0)
    for t in range(x.shape[0] - 1, -1, -1):
        g = _cell_backward(
            x[t], states[t], weight_ih, weight_hh, bias_ih, bias_hh, grad_output[t] + carried
        )
        grad_x[t], carried = g["x"], g["h"]
        totals = {k: totals[k] + g[k] for k in totals}
    return {"x": torch.stack(grad_x), "h0": carried, **totals}


def all_slopes_at_once(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    hs = torch.stack(_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh))  # (L + 1, N, H)
    slopes = 1 - hs[1:] ** 2  # (L, N, H)
    da = torch.empty_like(grad_output)
    carried = torch.zeros_like(h0)
    for t in reversed(range(x.shape[0])):
        da[t] = (grad_output[t] + carried) * slopes[t]
        carried = da[t] @ weight_hh
    return {
        "x": da @ weight_ih,
        "h0": carried,
        "weight_ih": torch.einsum("lnh,lni->hi", da, x),
        "weight_hh": torch.einsum("lnh,lnk->hk", da, hs[:-1]),
        "bias_ih": da.sum((0, 1)),
        "bias_hh": da.sum((0, 1)),
    }


ATTEMPTS = [
    Attempt(
        no_carried_gradient,
        False,
        "Each step uses only its own grad_output[t]; the gradient carried back from later steps through W_hh is lost.",
        ("carr|later|recurren|through time|w_hh|future",),
    ),
    Attempt(
        only_last_output,
        False,
        "Only grad_output at the last step is fed in; every step's output has a gradient.",
        ("every step|each step|grad_output|all|output",),
    ),
    Attempt(
        weight_hh_with_current_state,
        False,
        "weight_hh's gradient at step t uses h_t instead of the previous state h_{t-1} that W_hh multiplied.",
        ("previous|h_{t-1}|state|off|shift",),
    ),
    Attempt(
        walks_forward_in_time,
        False,
        "The backward loop walks from the first step to the last instead of last to first.",
        ("revers|order|last|backward",),
    ),
    Attempt(
        weights_overwritten,
        False,
        "The weight and bias gradients are overwritten at every step instead of summed over time.",
        ("sum|accumul|add|overwrit",),
    ),
    Attempt(
        shared_weights_averaged,
        False,
        "The shared weights' gradients are averaged over the L steps instead of summed.",
        ("sum|mean|averag",),
    ),
    Attempt(
        h0_gets_first_state_gradient,
        False,
        "The h0 gradient is the gradient at h_1, one step short: it must still go back through step 1's tanh and W_hh.",
        ("h0|h_1|step|one more|off",),
    ),
    Attempt(
        carry_skips_slope,
        False,
        "The gradient carried to the previous step skips tanh's slope.",
        ("slope|derivative|tanh",),
    ),
    Attempt(
        carry_through_transpose,
        False,
        "The carried gradient is multiplied by W_hh^T instead of W_hh.",
        ("transpos|w_hh|weight_hh",),
    ),
    Attempt(via_cell_backward, True),
    Attempt(all_slopes_at_once, True),
]
