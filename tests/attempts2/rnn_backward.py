"""Attempts at rnn_backward (lesson 08, backpropagation through time)."""

import torch
from attempts import Attempt


def no_gradient_carried_back(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]  # states[t] holds h_t
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grad_weight_ih = torch.zeros_like(weight_ih)
    grad_weight_hh = torch.zeros_like(weight_hh)
    grad_bias = torch.zeros_like(bias_ih)
    carried = torch.zeros_like(h0)  # what h_{t+1} sends back to h_t
    grad_x = []
    for t in range(L, 0, -1):
        grad_h = grad_output[t - 1]
        delta = grad_h * (1 - states[t] ** 2)  # (N, H)
        grad_x.append(delta @ weight_ih)
        grad_weight_ih = grad_weight_ih + delta.T @ x[t - 1]
        grad_weight_hh = grad_weight_hh + delta.T @ states[t - 1]
        grad_bias = grad_bias + delta.sum(0)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_x[::-1]),
        "h0": carried,
        "weight_ih": grad_weight_ih,
        "weight_hh": grad_weight_hh,
        "bias_ih": grad_bias,
        "bias_hh": grad_bias.clone(),
    }


def grad_output_read_at_last_step_only(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]  # states[t] holds h_t
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grad_weight_ih = torch.zeros_like(weight_ih)
    grad_weight_hh = torch.zeros_like(weight_hh)
    grad_bias = torch.zeros_like(bias_ih)
    carried = torch.zeros_like(h0)  # what h_{t+1} sends back to h_t
    grad_x = []
    for t in range(L, 0, -1):
        grad_h = grad_output[t - 1] if t == L else carried
        delta = grad_h * (1 - states[t] ** 2)  # (N, H)
        grad_x.append(delta @ weight_ih)
        grad_weight_ih = grad_weight_ih + delta.T @ x[t - 1]
        grad_weight_hh = grad_weight_hh + delta.T @ states[t - 1]
        grad_bias = grad_bias + delta.sum(0)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_x[::-1]),
        "h0": carried,
        "weight_ih": grad_weight_ih,
        "weight_hh": grad_weight_hh,
        "bias_ih": grad_bias,
        "bias_hh": grad_bias.clone(),
    }


def weights_overwritten_each_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]  # states[t] holds h_t
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grad_weight_ih = torch.zeros_like(weight_ih)
    grad_weight_hh = torch.zeros_like(weight_hh)
    grad_bias = torch.zeros_like(bias_ih)
    carried = torch.zeros_like(h0)  # what h_{t+1} sends back to h_t
    grad_x = []
    for t in range(L, 0, -1):
        grad_h = grad_output[t - 1] + carried
        delta = grad_h * (1 - states[t] ** 2)  # (N, H)
        grad_x.append(delta @ weight_ih)
        grad_weight_ih = delta.T @ x[t - 1]
        grad_weight_hh = delta.T @ states[t - 1]
        grad_bias = delta.sum(0)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_x[::-1]),
        "h0": carried,
        "weight_ih": grad_weight_ih,
        "weight_hh": grad_weight_hh,
        "bias_ih": grad_bias,
        "bias_hh": grad_bias.clone(),
    }


def weight_hh_gradient_with_h_t(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]  # states[t] holds h_t
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grad_weight_ih = torch.zeros_like(weight_ih)
    grad_weight_hh = torch.zeros_like(weight_hh)
    grad_bias = torch.zeros_like(bias_ih)
    carried = torch.zeros_like(h0)  # what h_{t+1} sends back to h_t
    grad_x = []
    for t in range(L, 0, -1):
        grad_h = grad_output[t - 1] + carried
        delta = grad_h * (1 - states[t] ** 2)  # (N, H)
        grad_x.append(delta @ weight_ih)
        grad_weight_ih = grad_weight_ih + delta.T @ x[t - 1]
        grad_weight_hh = grad_weight_hh + delta.T @ states[t]
        grad_bias = grad_bias + delta.sum(0)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_x[::-1]),
        "h0": carried,
        "weight_ih": grad_weight_ih,
        "weight_hh": grad_weight_hh,
        "bias_ih": grad_bias,
        "bias_hh": grad_bias.clone(),
    }


def walks_forward_in_time(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]  # states[t] holds h_t
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grad_weight_ih = torch.zeros_like(weight_ih)
    grad_weight_hh = torch.zeros_like(weight_hh)
    grad_bias = torch.zeros_like(bias_ih)
    carried = torch.zeros_like(h0)  # what h_{t+1} sends back to h_t
    grad_x = []
    for t in range(1, L + 1):
        grad_h = grad_output[t - 1] + carried
        delta = grad_h * (1 - states[t] ** 2)  # (N, H)
        grad_x.append(delta @ weight_ih)
        grad_weight_ih = grad_weight_ih + delta.T @ x[t - 1]
        grad_weight_hh = grad_weight_hh + delta.T @ states[t - 1]
        grad_bias = grad_bias + delta.sum(0)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_x),
        "h0": carried,
        "weight_ih": grad_weight_ih,
        "weight_hh": grad_weight_hh,
        "bias_ih": grad_bias,
        "bias_hh": grad_bias.clone(),
    }


def h0_gradient_not_through_first_cell(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]  # states[t] holds h_t
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grad_weight_ih = torch.zeros_like(weight_ih)
    grad_weight_hh = torch.zeros_like(weight_hh)
    grad_bias = torch.zeros_like(bias_ih)
    carried = torch.zeros_like(h0)  # what h_{t+1} sends back to h_t
    grad_x = []
    for t in range(L, 0, -1):
        grad_h = grad_output[t - 1] + carried
        delta = grad_h * (1 - states[t] ** 2)  # (N, H)
        grad_x.append(delta @ weight_ih)
        grad_weight_ih = grad_weight_ih + delta.T @ x[t - 1]
        grad_weight_hh = grad_weight_hh + delta.T @ states[t - 1]
        grad_bias = grad_bias + delta.sum(0)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_x[::-1]),
        "h0": grad_h,
        "weight_ih": grad_weight_ih,
        "weight_hh": grad_weight_hh,
        "bias_ih": grad_bias,
        "bias_hh": grad_bias.clone(),
    }


def grad_x_left_in_reverse_order(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]  # states[t] holds h_t
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grad_weight_ih = torch.zeros_like(weight_ih)
    grad_weight_hh = torch.zeros_like(weight_hh)
    grad_bias = torch.zeros_like(bias_ih)
    carried = torch.zeros_like(h0)  # what h_{t+1} sends back to h_t
    grad_x = []
    for t in range(L, 0, -1):
        grad_h = grad_output[t - 1] + carried
        delta = grad_h * (1 - states[t] ** 2)  # (N, H)
        grad_x.append(delta @ weight_ih)
        grad_weight_ih = grad_weight_ih + delta.T @ x[t - 1]
        grad_weight_hh = grad_weight_hh + delta.T @ states[t - 1]
        grad_bias = grad_bias + delta.sum(0)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_x),
        "h0": carried,
        "weight_ih": grad_weight_ih,
        "weight_hh": grad_weight_hh,
        "bias_ih": grad_bias,
        "bias_hh": grad_bias.clone(),
    }


def float32_accumulators(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]  # states[t] holds h_t
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grad_weight_ih = torch.zeros(weight_ih.shape)
    grad_weight_hh = torch.zeros(weight_hh.shape)
    grad_bias = torch.zeros(bias_ih.shape)
    carried = torch.zeros_like(h0)  # what h_{t+1} sends back to h_t
    grad_x = []
    for t in range(L, 0, -1):
        grad_h = grad_output[t - 1] + carried
        delta = grad_h * (1 - states[t] ** 2)  # (N, H)
        grad_x.append(delta @ weight_ih)
        grad_weight_ih += delta.T @ x[t - 1]
        grad_weight_hh += delta.T @ states[t - 1]
        grad_bias += delta.sum(0)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_x[::-1]),
        "h0": carried,
        "weight_ih": grad_weight_ih,
        "weight_hh": grad_weight_hh,
        "bias_ih": grad_bias,
        "bias_hh": grad_bias.clone(),
    }


def adds_into_grad_output(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )

    grads = {"x": torch.zeros_like(x), "weight_ih": 0, "weight_hh": 0, "bias_ih": 0}
    for t in range(L, 0, -1):
        delta = grad_output[t - 1] * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        grads["weight_ih"] = grads["weight_ih"] + delta.T @ x[t - 1]
        grads["weight_hh"] = grads["weight_hh"] + delta.T @ states[t - 1]
        grads["bias_ih"] = grads["bias_ih"] + delta.sum(0)
        if t > 1:
            grad_output[t - 2] += delta @ weight_hh  # carry the gradient into the step before
        else:
            grads["h0"] = delta @ weight_hh
    grads["bias_hh"] = grads["bias_ih"].clone()
    return grads


def calls_cell_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
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

    L = x.shape[0]
    previous = [h0]  # previous[t - 1] is the state step t reads
    for t in range(1, L):
        h_t = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + previous[-1] @ weight_hh.T + bias_hh)
        previous.append(h_t)
    totals = {name: 0 for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    grad_x = torch.empty_like(x)
    grad_h = torch.zeros_like(h0)
    for t in reversed(range(1, L + 1)):
        cell = cell_backward(
            x[t - 1],
            previous[t - 1],
            weight_ih,
            weight_hh,
            bias_ih,
            bias_hh,
            grad_output[t - 1] + grad_h,
        )
        grad_x[t - 1] = cell["x"]
        grad_h = cell["h"]
        for name in totals:
            totals[name] = totals[name] + cell[name]
    return {"x": grad_x, "h0": grad_h, **totals}


def weight_gradients_after_the_loop(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L, N, H = grad_output.shape
    output = x.new_empty(L, N, H)
    h = h0
    for t in range(L):
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        output[t] = h
    started_from = torch.cat([h0[None], output[:-1]])  # (L, N, H): h_0 .. h_{L-1}
    deltas = torch.empty_like(output)  # (L, N, H): the gradient at every pre-activation
    from_later = torch.zeros_like(h0)
    for t in range(L - 1, -1, -1):
        deltas[t] = (grad_output[t] + from_later) * (1 - output[t] ** 2)
        from_later = deltas[t] @ weight_hh
    bias = deltas.sum(dim=(0, 1))  # (H,)
    return {
        "x": deltas @ weight_ih,  # (L, N, H_in)
        "h0": from_later,
        "weight_ih": torch.einsum("lnh,lni->hi", deltas, x),
        "weight_hh": torch.einsum("lnh,lnj->hj", deltas, started_from),
        "bias_ih": bias,
        "bias_hh": bias.clone(),
    }


def keys_copied_from_cell_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = [h0]
    for t in range(1, L + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[t - 1] @ weight_hh.T + bias_hh)
        )
    grads = {"x": torch.zeros_like(x), "h": torch.zeros_like(h0)}
    for name, tensor in (
        ("weight_ih", weight_ih),
        ("weight_hh", weight_hh),
        ("bias_ih", bias_ih),
        ("bias_hh", bias_hh),
    ):
        grads[name] = torch.zeros_like(tensor)
    for t in range(L, 0, -1):
        delta = (grad_output[t - 1] + grads["h"]) * (1 - states[t] ** 2)
        grads["x"][t - 1] = delta @ weight_ih
        grads["h"] = delta @ weight_hh  # ends as the gradient of h0
        grads["weight_ih"] += delta.T @ x[t - 1]
        grads["weight_hh"] += delta.T @ states[t - 1]
        grads["bias_ih"] += delta.sum(0)
        grads["bias_hh"] += delta.sum(0)
    return grads


ATTEMPTS = [
    Attempt(
        no_gradient_carried_back,
        False,
        "each step uses only its own slice of grad_output: the gradient carried back from h_{t+1} is never added.",
        ("carr|later|next step|h_{t+1}|through time|recurren|weight_hh",),
    ),
    Attempt(
        grad_output_read_at_last_step_only,
        False,
        "grad_output is read only at the last step; earlier steps get only the carried gradient, not their own slice.",
        ("every step|each step|direct|own",),
    ),
    Attempt(
        weights_overwritten_each_step,
        False,
        "the weight and bias gradients are overwritten at every step instead of summed over the steps.",
        ("sum|accumul|every step|each step|add|overwr",),
    ),
    Attempt(
        weight_hh_gradient_with_h_t,
        False,
        "the weight_hh gradient at step t uses h_t instead of h_{t-1}, the state that step read.",
        ("h_{t-1}|previous|weight_hh|w_hh|off by one",),
    ),
    Attempt(
        walks_forward_in_time,
        False,
        "the loop walks from the first step to the last, so the carried gradient goes forward in time instead of back.",
        ("backward|revers|order|last step",),
    ),
    Attempt(
        h0_gradient_not_through_first_cell,
        False,
        "h0's gradient is the gradient at h_1, not passed back through the first cell (delta_1 W_hh).",
        ("h0|h_0|first|weight_hh|w_hh",),
    ),
    Attempt(
        grad_x_left_in_reverse_order,
        False,
        "the gradients for x are collected from the last step to the first and stacked without reversing, so "
        "they sit at the wrong time steps.",
        ("order|revers",),
    ),
    Attempt(
        float32_accumulators,
        False,
        "the weight gradients are accumulated into torch.zeros(...) in the default float32, so float64 inputs "
        "get float32 gradients.",
        ("dtype|float",),
    ),
    Attempt(
        adds_into_grad_output,
        False,
        "the carried gradient is added into grad_output in place, which modifies the caller's tensor.",
        ("in place|in-place|modif|mutat|changed",),
    ),
    Attempt(
        keys_copied_from_cell_backward,
        False,
        'the initial state\'s gradient is returned under the key "h", copied from cell_backward, instead of "h0".',
        ("key|h0|name",),
    ),
    Attempt(calls_cell_backward, True),
    Attempt(weight_gradients_after_the_loop, True),
]
