"""Attempts at lesson 08's `rnn_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output)`."""

import torch

from attempts import Attempt


def _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    hs = [h0]
    for t in range(1, x.shape[0] + 1):
        hs.append(torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + hs[-1] @ weight_hh.T + bias_hh))
    return hs  # hs[t] is h_t, t = 0..L


def _walk(
    x,
    h0,
    weight_ih,
    weight_hh,
    bias_ih,
    bias_hh,
    grad_output,
    carry=True,
    w_hh_state=0,
    accumulate=True,
    slope_state=0,
    steps=None,
):
    hs = _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    L = x.shape[0]
    dx = [None] * L
    g = {
        k: torch.zeros_like(v)
        for k, v in (
            ("weight_ih", weight_ih),
            ("weight_hh", weight_hh),
            ("bias_ih", bias_ih),
            ("bias_hh", bias_hh),
        )
    }
    dh = torch.zeros_like(h0)
    for t in steps or range(L, 0, -1):
        total = grad_output[t - 1] + (dh if carry else 0)
        da = total * (1 - hs[t + slope_state] ** 2)
        dx[t - 1] = da @ weight_ih
        parts = {
            "weight_ih": da.T @ x[t - 1],
            "weight_hh": da.T @ hs[t - 1 + w_hh_state],
            "bias_ih": da.sum(0),
            "bias_hh": da.sum(0),
        }
        for k, v in parts.items():
            g[k] = g[k] + v if accumulate else v
        dh = da @ weight_hh
    return dict(x=torch.stack(dx), h0=dh, **g)


def no_second_road(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _walk(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, carry=False)


def walks_forward_in_time(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _walk(
        x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, steps=range(1, x.shape[0] + 1)
    )


def w_hh_paired_with_h_t(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _walk(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, w_hh_state=1)


def weight_grads_overwritten(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _walk(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, accumulate=False)


def slope_from_previous_state(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    return _walk(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, slope_state=-1)


def h0_grad_before_the_cell(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    grads = _walk(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output)
    hs = _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    # the gradient arriving at h_1, taken for h0's
    later = (
        _walk(x[1:], hs[1], weight_ih, weight_hh, bias_ih, bias_hh, grad_output[1:])["h0"]
        if len(x) > 1
        else 0
    )
    grads["h0"] = grad_output[0] + later
    return grads


def only_last_step_loss(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    only_last = torch.zeros_like(grad_output)
    only_last[-1] = grad_output[-1]
    return _walk(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, only_last)


def grad_output_changed_in_place(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    hs = _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = {k: 0 for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    dxs = []
    for t in range(x.shape[0], 0, -1):
        da = grad_output[t - 1] * (1 - hs[t] ** 2)
        dxs.append(da @ weight_ih)
        grads["weight_ih"] = grads["weight_ih"] + da.T @ x[t - 1]
        grads["weight_hh"] = grads["weight_hh"] + da.T @ hs[t - 1]
        grads["bias_ih"] = grads["bias_ih"] + da.sum(0)
        grads["bias_hh"] = grads["bias_hh"] + da.sum(0)
        if t > 1:
            grad_output[t - 2] += da @ weight_hh  # the second road, added into the input
        else:
            grads["h0"] = da @ weight_hh
    grads["x"] = torch.stack(dxs[::-1])
    return grads


def dx_in_walk_order(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    grads = _walk(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output)
    grads["x"] = grads["x"].flip(0)
    return grads


def forward_order_h0_slip(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    # the h0 gradient is taken one step too early: after step 2, not after step 1
    hs = _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    grads = _walk(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output)
    dh = torch.zeros_like(h0)
    for t in range(x.shape[0], 1, -1):
        dh = ((grad_output[t - 1] + dh) * (1 - hs[t] ** 2)) @ weight_hh
    grads["h0"] = dh
    return grads


def with_a_cell_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    def cell_backward(x_t, h, grad_h_next):
        h_next = torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        da = grad_h_next * (1 - h_next**2)
        return {
            "x": da @ weight_ih,
            "h": da @ weight_hh,
            "weight_ih": da.T @ x_t,
            "weight_hh": da.T @ h,
            "bias_ih": da.sum(0),
            "bias_hh": da.sum(0),
        }

    hs = _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    total = {
        k: torch.zeros_like(v)
        for k, v in dict(
            weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=bias_hh
        ).items()
    }
    dx = torch.zeros_like(x)
    carried = torch.zeros_like(h0)
    for t in reversed(range(x.shape[0])):  # index t holds step t + 1
        step = cell_backward(x[t], hs[t], grad_output[t] + carried)
        dx[t] = step["x"]
        carried = step["h"]
        for k in total:
            total[k] += step[k]
    return {"x": dx, "h0": carried, **total}


def batched_weight_grads(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    hs = torch.stack(_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh))  # (L + 1, N, H)
    das = torch.zeros_like(grad_output)
    dh = torch.zeros_like(h0)
    for t in range(x.shape[0] - 1, -1, -1):
        das[t] = (grad_output[t] + dh) * (1 - hs[t + 1] ** 2)
        dh = das[t] @ weight_hh
    return {
        "x": das @ weight_ih,
        "h0": dh,
        "weight_ih": torch.einsum("lnh,lni->hi", das, x),
        "weight_hh": torch.einsum("lnh,lnk->hk", das, hs[:-1]),
        "bias_ih": das.sum((0, 1)),
        "bias_hh": das.sum((0, 1)),
    }


ATTEMPTS = [
    Attempt(
        no_second_road,
        False,
        "The gradient coming back from later steps through h_t (the second road) is never added.",
        ("later|future|next step|second road|carr|through h",),
    ),
    Attempt(
        walks_forward_in_time,
        False,
        "The loop walks from the first step to the last; backpropagation must go from the last step back.",
        ("order|backward|revers|last",),
    ),
    Attempt(
        w_hh_paired_with_h_t,
        False,
        "weight_hh's gradient at step t pairs with h_t instead of h_{t-1}, the state the step read.",
        ("weight_hh", "h_{t-1}|previous|before"),
    ),
    Attempt(
        weight_grads_overwritten,
        False,
        "The weight and bias gradients are overwritten at each step instead of summed over the steps.",
        ("accumul|sum|add|+=",),
    ),
    Attempt(
        slope_from_previous_state,
        False,
        "tanh's slope at step t uses h_{t-1} instead of h_t, the output of that step.",
        ("tanh|deriv|slope",),
    ),
    Attempt(
        h0_grad_before_the_cell,
        False,
        "h0's gradient is the gradient at h_1; it must still go back through step 1's tanh and weight_hh.",
        ("h0",),
    ),
    Attempt(
        only_last_step_loss,
        False,
        "Only the last step's grad_output is used; every step's slice enters.",
        ("every|each|all",),
    ),
    Attempt(
        grad_output_changed_in_place,
        False,
        "The carried gradient is added into grad_output in place, changing the caller's tensor.",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        dx_in_walk_order,
        False,
        "x's gradients are stored in the order of the backward walk, so they come out reversed in time.",
        ("order|revers|flip",),
    ),
    Attempt(
        forward_order_h0_slip,
        False,
        "h0's gradient stops one step short: it is taken after step 2 instead of going through step 1.",
        ("h0",),
    ),
    Attempt(with_a_cell_backward, True),
    Attempt(batched_weight_grads, True),
]
