"""Attempts at rnn_backward (lesson 08_backprop_through_time)."""

import torch
from attempts import Attempt


def _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    """[h_0, h_1, ..., h_L]: entry t holds h_t."""
    states = [h0]
    for t in range(1, x.shape[0] + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[-1] @ weight_hh.T + bias_hh)
        )
    return states


def _zero_grads(x, h0, weight_ih, weight_hh, bias_ih):
    return {
        "x": torch.zeros_like(x),
        "weight_ih": torch.zeros_like(weight_ih),
        "weight_hh": torch.zeros_like(weight_hh),
        "bias_ih": torch.zeros_like(bias_ih),
    }


def _accumulate(grads, delta, x_t, h_prev):
    """Add one step's share to the weights' and bias_ih's gradients, in place."""
    grads["weight_ih"] += delta.T @ x_t
    grads["weight_hh"] += delta.T @ h_prev
    grads["bias_ih"] += delta.sum(0)


def _finish(grads, carry):
    grads["h0"] = carry
    grads["bias_hh"] = grads["bias_ih"].clone()
    return grads


def no_gradient_from_next_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    carry = torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = grad_output[t - 1] * (1 - states[t] ** 2)  # only what the loss at t sends
        grads["x"][t - 1] = delta @ weight_ih
        _accumulate(grads, delta, x[t - 1], states[t - 1])
        carry = delta @ weight_hh
    return _finish(grads, carry)


def walks_forward_in_time(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    carry = torch.zeros_like(h0)
    for t in range(1, x.shape[0] + 1):
        delta = (grad_output[t - 1] + carry) * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        _accumulate(grads, delta, x[t - 1], states[t - 1])
        carry = delta @ weight_hh
    return _finish(grads, carry)


def weight_hh_with_current_state(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    carry = torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carry) * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        grads["weight_ih"] += delta.T @ x[t - 1]
        grads["weight_hh"] += delta.T @ states[t]  # h_t, the state this step produced
        grads["bias_ih"] += delta.sum(0)
        carry = delta @ weight_hh
    return _finish(grads, carry)


def h0_grad_is_first_state_grad(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    carry = torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        grad_h = grad_output[t - 1] + carry  # dL/dh_t
        delta = grad_h * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        _accumulate(grads, delta, x[t - 1], states[t - 1])
        carry = delta @ weight_hh
    return _finish(grads, grad_h)  # the gradient of h_1


def weights_from_last_step_visited(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    carry = torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carry) * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        grads["weight_ih"] = delta.T @ x[t - 1]
        grads["weight_hh"] = delta.T @ states[t - 1]
        grads["bias_ih"] = delta.sum(0)
        carry = delta @ weight_hh
    return _finish(grads, carry)


def adds_carry_into_grad_output(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    for t in range(x.shape[0], 0, -1):
        delta = grad_output[t - 1] * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        _accumulate(grads, delta, x[t - 1], states[t - 1])
        if t > 1:
            grad_output[t - 2] += delta @ weight_hh  # hand it to the step before
        else:
            carry = delta @ weight_hh
    return _finish(grads, carry)


def carry_through_transpose(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    carry = torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carry) * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        _accumulate(grads, delta, x[t - 1], states[t - 1])
        carry = delta @ weight_hh.T
    return _finish(grads, carry)


def tanh_slope_on_own_loss_only(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    carry = torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = grad_output[t - 1] * (1 - states[t] ** 2) + carry
        grads["x"][t - 1] = delta @ weight_ih
        _accumulate(grads, delta, x[t - 1], states[t - 1])
        carry = delta @ weight_hh
    return _finish(grads, carry)


def x_grads_in_visiting_order(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _zero_grads(x, h0, weight_ih, weight_hh, bias_ih)
    carry, grad_x = torch.zeros_like(h0), []
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carry) * (1 - states[t] ** 2)
        grad_x.append(delta @ weight_ih)
        _accumulate(grads, delta, x[t - 1], states[t - 1])
        carry = delta @ weight_hh
    grads["x"] = torch.stack(grad_x)  # step L first
    return _finish(grads, carry)


def float32_accumulators(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    H, H_in = weight_ih.shape
    grads = {
        "x": torch.zeros(x.shape),
        "weight_ih": torch.zeros(H, H_in),
        "weight_hh": torch.zeros(H, H),
        "bias_ih": torch.zeros(H),
    }
    carry = torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carry) * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        _accumulate(grads, delta, x[t - 1], states[t - 1])
        carry = delta @ weight_hh
    return _finish(grads, carry)


def with_own_cell_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    def cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
        h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        delta = grad_h_next * (1 - h_next**2)
        return {
            "x": delta @ weight_ih,
            "h": delta @ weight_hh,
            "weight_ih": delta.T @ x,
            "weight_hh": delta.T @ h,
            "bias_ih": delta.sum(0),
            "bias_hh": delta.sum(0),
        }

    hs = [h0]
    for x_t in x:
        hs.append(torch.tanh(x_t @ weight_ih.T + bias_ih + hs[-1] @ weight_hh.T + bias_hh))
    totals = {name: 0 for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    grad_x = [None] * len(x)
    grad_h = torch.zeros_like(h0)
    for i in reversed(range(len(x))):
        step = cell_backward(
            x[i], hs[i], weight_ih, weight_hh, bias_ih, bias_hh, grad_output[i] + grad_h
        )
        for name in totals:
            totals[name] = totals[name] + step[name]
        grad_x[i], grad_h = step["x"], step["h"]
    return {"x": torch.stack(grad_x), "h0": grad_h, **totals}


def deltas_then_einsum(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = x.new_empty(L + 1, *h0.shape)  # entry t holds h_t
    states[0] = h0
    for t in range(1, L + 1):
        states[t] = torch.tanh(
            x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh
        )
    deltas = torch.empty_like(grad_output)  # (L, N, H): the gradient at each pre-activation
    carried = torch.zeros_like(h0)
    for t in range(L, 0, -1):
        deltas[t - 1] = (grad_output[t - 1] + carried) * (1 - states[t] ** 2)
        carried = deltas[t - 1] @ weight_hh
    bias = deltas.sum(dim=(0, 1))
    return {
        "x": deltas @ weight_ih,
        "h0": carried,
        "weight_ih": torch.einsum("lnh,lni->hi", deltas, x),
        "weight_hh": torch.einsum("lnh,lnk->hk", deltas, states[:-1]),
        "bias_ih": bias,
        "bias_hh": bias.clone(),
    }


ATTEMPTS = [
    Attempt(
        no_gradient_from_next_step,
        False,
        "uses only grad_output at each step and never adds the gradient carried back from h_{t+1}",
        ("carr|h_{t+1}|next step|later|through time|recurren|flow",),
    ),
    Attempt(
        walks_forward_in_time,
        False,
        "walks from t = 1 up to L, so each step receives the gradient of the step before it",
        ("order|revers|backward|last|direction",),
    ),
    Attempt(
        weight_hh_with_current_state,
        False,
        "multiplies delta by h_t instead of h_{t-1} for weight_hh's gradient",
        ("h_{t-1}|previous|off|state|shift|weight_hh|w_hh",),
    ),
    Attempt(
        h0_grad_is_first_state_grad,
        False,
        "returns the gradient at h_1 as h0's gradient instead of sending it back through the first step",
        ("h0|h_0|first step",),
    ),
    Attempt(
        weights_from_last_step_visited,
        False,
        "assigns the weight gradients at every step instead of adding them, keeping step 1's share only",
        ("sum|accumul|every step|each step|add",),
    ),
    Attempt(
        adds_carry_into_grad_output,
        False,
        "adds the carried gradient into grad_output in place, changing the caller's tensor",
        ("in place|in-place|modif|chang|mutat|overwr",),
    ),
    Attempt(
        carry_through_transpose,
        False,
        "carries the gradient to h_{t-1} through weight_hh.T instead of weight_hh",
        ("transpos|weight_hh|w_hh",),
    ),
    Attempt(
        tanh_slope_on_own_loss_only,
        False,
        "multiplies only grad_output by tanh's derivative and adds the carried gradient after it",
        ("tanh|deriv|carr|slope",),
    ),
    Attempt(
        x_grads_in_visiting_order,
        False,
        "stacks x's gradients in the order the backward loop visits them, step L first",
        ("order|revers|time|flip",),
    ),
    Attempt(
        float32_accumulators,
        False,
        "accumulates in torch.zeros buffers, which are float32, so float64 gradients are rounded",
        ("dtype|float",),
    ),
    Attempt(with_own_cell_backward, True),
    Attempt(deltas_then_einsum, True),
]
