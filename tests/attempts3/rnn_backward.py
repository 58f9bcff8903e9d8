"""Attempts at rnn_backward (lesson 08, backpropagation through time)."""

import torch
from attempts import Attempt


def _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    """[h_0, h_1, ..., h_L]: states[t] holds h_t."""
    states = [h0]
    for t in range(1, x.shape[0] + 1):
        states.append(
            torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + states[-1] @ weight_hh.T + bias_hh)
        )
    return states


def no_gradient_carried_back(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = {"weight_ih": torch.zeros_like(weight_ih), "weight_hh": torch.zeros_like(weight_hh)}
    grad_b, grad_x = torch.zeros_like(bias_ih), torch.zeros_like(x)
    for t in range(x.shape[0], 0, -1):
        delta = grad_output[t - 1] * (1 - states[t] ** 2)  # only the loss at step t
        grads["weight_ih"] += delta.T @ x[t - 1]
        grads["weight_hh"] += delta.T @ states[t - 1]
        grad_b += delta.sum(0)
        grad_x[t - 1] = delta @ weight_ih
        grad_h = delta @ weight_hh
    return {"x": grad_x, "h0": grad_h, **grads, "bias_ih": grad_b, "bias_hh": grad_b.clone()}


def weight_hh_times_new_state(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    g_w_ih, g_w_hh, g_b = (
        torch.zeros_like(weight_ih),
        torch.zeros_like(weight_hh),
        torch.zeros_like(bias_ih),
    )
    grad_x, carried = torch.zeros_like(x), torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carried) * (1 - states[t] ** 2)
        g_w_ih += delta.T @ x[t - 1]
        g_w_hh += delta.T @ states[t]  # the state of step t
        g_b += delta.sum(0)
        grad_x[t - 1] = delta @ weight_ih
        carried = delta @ weight_hh
    return {
        "x": grad_x,
        "h0": carried,
        "weight_ih": g_w_ih,
        "weight_hh": g_w_hh,
        "bias_ih": g_b,
        "bias_hh": g_b.clone(),
    }


def weight_gradients_overwritten(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grad_x, carried = torch.zeros_like(x), torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carried) * (1 - states[t] ** 2)
        g_w_ih = delta.T @ x[t - 1]
        g_w_hh = delta.T @ states[t - 1]
        g_b = delta.sum(0)
        grad_x[t - 1] = delta @ weight_ih
        carried = delta @ weight_hh
    return {
        "x": grad_x,
        "h0": carried,
        "weight_ih": g_w_ih,
        "weight_hh": g_w_hh,
        "bias_ih": g_b,
        "bias_hh": g_b.clone(),
    }


def weight_gradients_averaged_over_time(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    g_w_ih, g_w_hh, g_b = (
        torch.zeros_like(weight_ih),
        torch.zeros_like(weight_hh),
        torch.zeros_like(bias_ih),
    )
    grad_x, carried = torch.zeros_like(x), torch.zeros_like(h0)
    for t in range(L, 0, -1):
        delta = (grad_output[t - 1] + carried) * (1 - states[t] ** 2)
        g_w_ih += delta.T @ x[t - 1]
        g_w_hh += delta.T @ states[t - 1]
        g_b += delta.sum(0)
        grad_x[t - 1] = delta @ weight_ih
        carried = delta @ weight_hh
    return {
        "x": grad_x,
        "h0": carried,
        "weight_ih": g_w_ih / L,
        "weight_hh": g_w_hh / L,
        "bias_ih": g_b / L,
        "bias_hh": g_b / L,
    }


def h0_gradient_before_the_first_cell(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    g_w_ih, g_w_hh, g_b = (
        torch.zeros_like(weight_ih),
        torch.zeros_like(weight_hh),
        torch.zeros_like(bias_ih),
    )
    grad_x, carried = torch.zeros_like(x), torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        grad_h = grad_output[t - 1] + carried
        delta = grad_h * (1 - states[t] ** 2)
        g_w_ih += delta.T @ x[t - 1]
        g_w_hh += delta.T @ states[t - 1]
        g_b += delta.sum(0)
        grad_x[t - 1] = delta @ weight_ih
        carried = delta @ weight_hh
    return {
        "x": grad_x,
        "h0": grad_h,
        "weight_ih": g_w_ih,
        "weight_hh": g_w_hh,
        "bias_ih": g_b,
        "bias_hh": g_b.clone(),
    }


def slope_from_state_before_step(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    g_w_ih, g_w_hh, g_b = (
        torch.zeros_like(weight_ih),
        torch.zeros_like(weight_hh),
        torch.zeros_like(bias_ih),
    )
    grad_x, carried = torch.zeros_like(x), torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carried) * (1 - states[t - 1] ** 2)
        g_w_ih += delta.T @ x[t - 1]
        g_w_hh += delta.T @ states[t - 1]
        g_b += delta.sum(0)
        grad_x[t - 1] = delta @ weight_ih
        carried = delta @ weight_hh
    return {
        "x": grad_x,
        "h0": carried,
        "weight_ih": g_w_ih,
        "weight_hh": g_w_hh,
        "bias_ih": g_b,
        "bias_hh": g_b.clone(),
    }


def carried_through_transposed_weight(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    g_w_ih, g_w_hh, g_b = (
        torch.zeros_like(weight_ih),
        torch.zeros_like(weight_hh),
        torch.zeros_like(bias_ih),
    )
    grad_x, carried = torch.zeros_like(x), torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carried) * (1 - states[t] ** 2)
        g_w_ih += delta.T @ x[t - 1]
        g_w_hh += delta.T @ states[t - 1]
        g_b += delta.sum(0)
        grad_x[t - 1] = delta @ weight_ih
        carried = delta @ weight_hh.T
    return {
        "x": grad_x,
        "h0": carried,
        "weight_ih": g_w_ih,
        "weight_hh": g_w_hh,
        "bias_ih": g_b,
        "bias_hh": g_b.clone(),
    }


def adds_into_grad_output(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    g_w_ih, g_w_hh, g_b = (
        torch.zeros_like(weight_ih),
        torch.zeros_like(weight_hh),
        torch.zeros_like(bias_ih),
    )
    grad_x, carried = torch.zeros_like(x), torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        grad_h = grad_output[t - 1]
        grad_h += carried  # the two roads
        delta = grad_h * (1 - states[t] ** 2)
        g_w_ih += delta.T @ x[t - 1]
        g_w_hh += delta.T @ states[t - 1]
        g_b += delta.sum(0)
        grad_x[t - 1] = delta @ weight_ih
        carried = delta @ weight_hh
    return {
        "x": grad_x,
        "h0": carried,
        "weight_ih": g_w_ih,
        "weight_hh": g_w_hh,
        "bias_ih": g_b,
        "bias_hh": g_b.clone(),
    }


def x_gradients_in_walking_order(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    g_w_ih, g_w_hh, g_b = (
        torch.zeros_like(weight_ih),
        torch.zeros_like(weight_hh),
        torch.zeros_like(bias_ih),
    )
    grad_xs, carried = [], torch.zeros_like(h0)
    for t in range(x.shape[0], 0, -1):
        delta = (grad_output[t - 1] + carried) * (1 - states[t] ** 2)
        g_w_ih += delta.T @ x[t - 1]
        g_w_hh += delta.T @ states[t - 1]
        g_b += delta.sum(0)
        grad_xs.append(delta @ weight_ih)
        carried = delta @ weight_hh
    return {
        "x": torch.stack(grad_xs),
        "h0": carried,
        "weight_ih": g_w_ih,
        "weight_hh": g_w_hh,
        "bias_ih": g_b,
        "bias_hh": g_b.clone(),
    }


def _cell_grads(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    """Lesson 8's one-cell exercise: the six gradients of sum(h_next * grad_h_next)."""
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    delta = grad_h_next * (1 - h_next * h_next)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def reuses_the_cell_exercise(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    totals = {
        name: torch.zeros_like(p)
        for name, p in [
            ("weight_ih", weight_ih),
            ("weight_hh", weight_hh),
            ("bias_ih", bias_ih),
            ("bias_hh", bias_hh),
        ]
    }
    grad_x = torch.empty_like(x)
    from_later = torch.zeros_like(h0)
    for t in reversed(range(1, x.shape[0] + 1)):
        step = _cell_grads(
            x[t - 1],
            states[t - 1],
            weight_ih,
            weight_hh,
            bias_ih,
            bias_hh,
            grad_output[t - 1] + from_later,
        )
        for name in totals:
            totals[name] = totals[name] + step[name]
        grad_x[t - 1] = step["x"]
        from_later = step["h"]
    return {"x": grad_x, "h0": from_later, **totals}


def deltas_first_then_einsum(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L = x.shape[0]
    states = torch.stack(
        _forward_states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    )  # (L + 1, N, H)
    deltas = torch.zeros_like(grad_output)  # (L, N, H)
    carried = torch.zeros_like(h0)
    for t in range(L, 0, -1):
        deltas[t - 1] = (grad_output[t - 1] + carried) * (1 - states[t] ** 2)
        carried = deltas[t - 1] @ weight_hh
    bias_grad = deltas.sum(dim=(0, 1))
    return {
        "x": torch.einsum("lnh,hi->lni", deltas, weight_ih),
        "h0": carried,
        "weight_ih": torch.einsum("lnh,lni->hi", deltas, x),
        "weight_hh": torch.einsum("lnh,lnk->hk", deltas, states[:-1]),
        "bias_ih": bias_grad,
        "bias_hh": bias_grad.clone(),
    }


ATTEMPTS = [
    Attempt(
        no_gradient_carried_back,
        False,
        "Nothing is carried back from step t + 1: each step uses only its own slice of grad_output.",
        ("carr|h_{t+1}|later|next step|step after|second road|recurren|from the step",),
    ),
    Attempt(
        weight_hh_times_new_state,
        False,
        "weight_hh's gradient multiplies delta_t by h_t, the state the step produced, instead of h_{t-1}, the state "
        "it started from.",
        ("previous|before|h_{t-1}|start|off by one|off-by-one|wrong state",),
    ),
    Attempt(
        weight_gradients_overwritten,
        False,
        "The weight and bias gradients are overwritten at every step, so only step 1's share is left; they must be "
        "added up over the steps.",
        ("sum|accumul|add|overwrit|every step|all steps",),
    ),
    Attempt(
        weight_gradients_averaged_over_time,
        False,
        "The shared weights' gradients are averaged over the L steps instead of summed.",
        ("sum|mean|averag",),
    ),
    Attempt(
        h0_gradient_before_the_first_cell,
        False,
        "h0's gradient is the gradient at h_1, taken before going back through step 1's cell, instead of what step "
        "1 sends back.",
        ("h0|h_0|initial",),
    ),
    Attempt(
        slope_from_state_before_step,
        False,
        "tanh's derivative at step t is taken from h_{t-1} (states[t - 1]) instead of h_t.",
        ("tanh|deriv|slope|h_t|index|off by one|off-by-one",),
    ),
    Attempt(
        carried_through_transposed_weight,
        False,
        "The gradient sent back to h_{t-1} uses weight_hh transposed (delta W_hh^T) instead of delta W_hh.",
        ("transpos|weight_hh|w_hh",),
    ),
    Attempt(
        adds_into_grad_output,
        False,
        "The carried gradient is added in place into a slice of grad_output, so the function changes its input.",
        ("in place|in-place|modif|chang|mutat|input",),
    ),
    Attempt(
        x_gradients_in_walking_order,
        False,
        "The x gradients are stacked in the order of the walk back (step L first), so grad x[t - 1] holds another "
        "step's gradient.",
        ("order|revers|flip|time",),
    ),
    Attempt(reuses_the_cell_exercise, True),
    Attempt(deltas_first_then_einsum, True),
]
