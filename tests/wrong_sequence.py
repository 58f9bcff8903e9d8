"""Wrong implementations of the sequence exercises (rnn_backward, masked_loss), written the way a
learner might.

``WRONG`` lists (exercise id, function, phrase): every function must fail its check, and the feedback
must contain ``phrase``, a phrase from the mistake it should be diagnosed as. They are written
independently of the package's Mistake functions, in other styles (per-step helpers, einsum,
explicit loops, torch's loss options), so that a diagnosis is not a function compared with itself.
"""

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

# ---------------------------------------------------------------------------------------------
# rnn_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output)
# ---------------------------------------------------------------------------------------------


def _forward(x, h0, w_ih, w_hh, b_ih, b_hh):
    """The learner's own forward loop: [h_0, h_1, ..., h_L], each (N, H)."""
    hs = [h0]
    for x_t in x:
        hs.append(torch.tanh(x_t @ w_ih.T + b_ih + hs[-1] @ w_hh.T + b_hh))
    return hs


def _step_back(x_t, h_prev, h_new, w_ih, w_hh, dh):
    """One cell backwards, as the learner's cell_backward would do it."""
    da = dh * (1 - h_new**2)
    return {
        "x": da @ w_ih,
        "h": da @ w_hh,
        "weight_ih": da.T @ x_t,
        "weight_hh": da.T @ h_prev,
        "bias": da.sum(0),
    }


def _pack(grad_x, grad_h0, gw_ih, gw_hh, gb):
    return {
        "x": grad_x,
        "h0": grad_h0,
        "weight_ih": gw_ih,
        "weight_hh": gw_hh,
        "bias_ih": gb,
        "bias_hh": gb,
    }


def bptt_no_carry(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    grad_x, grad_h = [], None
    for t in range(len(x) - 1, -1, -1):
        g = _step_back(
            x[t], hs[t], hs[t + 1], w_ih, w_hh, grad_output[t]
        )  # only this step's own gradient
        gw_ih, gw_hh, gb = gw_ih + g["weight_ih"], gw_hh + g["weight_hh"], gb + g["bias"]
        grad_x.insert(0, g["x"])
        grad_h = g["h"]
    return _pack(torch.stack(grad_x), grad_h, gw_ih, gw_hh, gb)


def bptt_last_output_only(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh = grad_output[-1]  # as in a many-to-one model
    grads = {"weight_ih": 0, "weight_hh": 0, "bias": 0}
    grad_x = torch.zeros_like(x)
    for t in reversed(range(len(x))):
        g = _step_back(x[t], hs[t], hs[t + 1], w_ih, w_hh, dh)
        for k in grads:
            grads[k] = grads[k] + g[k]
        grad_x[t] = g["x"]
        dh = g["h"]
    return _pack(grad_x, dh, grads["weight_ih"], grads["weight_hh"], grads["bias"])


def bptt_forwards_in_time(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh_next = torch.zeros_like(h0)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    grad_x = []
    for t in range(len(x)):
        g = _step_back(x[t], hs[t], hs[t + 1], w_ih, w_hh, grad_output[t] + dh_next)
        gw_ih, gw_hh, gb = gw_ih + g["weight_ih"], gw_hh + g["weight_hh"], gb + g["bias"]
        grad_x.append(g["x"])
        dh_next = g["h"]
    return _pack(torch.stack(grad_x), dh_next, gw_ih, gw_hh, gb)


def bptt_derivative_of_pre_activation(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs, pres = [h0], []
    for x_t in x:
        pres.append(
            torch.einsum("ni,hi->nh", x_t, w_ih)
            + torch.einsum("nj,hj->nh", hs[-1], w_hh)
            + b_ih
            + b_hh
        )
        hs.append(torch.tanh(pres[-1]))
    carry = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in reversed(range(len(x))):
        da = (grad_output[t] + carry) * (1 - pres[t] ** 2)
        gx[t] = torch.einsum("nh,hi->ni", da, w_ih)
        gw_ih = gw_ih + torch.einsum("nh,ni->hi", da, x[t])
        gw_hh = gw_hh + torch.einsum("nh,nj->hj", da, hs[t])
        gb = gb + da.sum(0)
        carry = torch.einsum("nh,hj->nj", da, w_hh)
    return _pack(gx, carry, gw_ih, gw_hh, gb)


def bptt_derivative_with_previous_state(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh) * (1 - hs[t] * hs[t])  # hs[t] is h_{t-1} in this loop
        gx[t] = da @ w_ih
        gw_ih, gw_hh, gb = gw_ih + da.T @ x[t], gw_hh + da.T @ hs[t], gb + da.sum(0)
        dh = da @ w_hh
    return _pack(gx, dh, gw_ih, gw_hh, gb)


def bptt_no_tanh_derivative(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = torch.stack(_forward(x, h0, w_ih, w_hh, b_ih, b_hh))  # (L + 1, N, H)
    das, carry = [], torch.zeros_like(h0)
    for t in reversed(range(len(x))):
        da = grad_output[t] + carry
        das.append(da)
        carry = da @ w_hh
    da = torch.stack(das[::-1])  # (L, N, H)
    return _pack(
        da @ w_ih,
        carry,
        torch.einsum("lnh,lni->hi", da, x),
        torch.einsum("lnh,lnj->hj", da, hs[:-1]),
        da.sum((0, 1)),
    )


def bptt_carry_skips_tanh(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh_next = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in reversed(range(len(x))):
        dh = grad_output[t] + dh_next
        da = dh * (1 - hs[t + 1] ** 2)
        gx[t] = da @ w_ih
        gw_ih, gw_hh, gb = gw_ih + da.T @ x[t], gw_hh + da.T @ hs[t], gb + da.sum(0)
        dh_next = dh @ w_hh  # forgot to go through tanh first
    return _pack(gx, dh_next, gw_ih, gw_hh, gb)


def bptt_carry_with_transpose(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh_next = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh_next) * (1 - hs[t + 1] ** 2)
        gx[t] = da @ w_ih
        gw_ih, gw_hh, gb = gw_ih + da.T @ x[t], gw_hh + da.T @ hs[t], gb + da.sum(0)
        dh_next = da @ w_hh.T
    return _pack(gx, dh_next, gw_ih, gw_hh, gb)


def bptt_weight_hh_with_new_state(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh = torch.zeros_like(h0)
    grads = {"weight_ih": 0, "weight_hh": 0, "bias": 0}
    gx = [None] * len(x)
    for t in reversed(range(len(x))):
        g = _step_back(
            x[t], hs[t + 1], hs[t + 1], w_ih, w_hh, grad_output[t] + dh
        )  # h_t where h_{t-1} belongs
        grads = {k: grads[k] + g[k] for k in grads}
        gx[t], dh = g["x"], g["h"]
    return _pack(torch.stack(gx), dh, grads["weight_ih"], grads["weight_hh"], grads["bias"])


def bptt_previous_state_wraps_round(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    output = torch.stack(_forward(x, h0, w_ih, w_hh, b_ih, b_hh)[1:])  # (L, N, H): h_1 .. h_L
    dh = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in range(len(x) - 1, -1, -1):
        da = (grad_output[t] + dh) * (1 - output[t] ** 2)
        gx[t] = da @ w_ih
        gw_ih = gw_ih + da.T @ x[t]
        gw_hh = gw_hh + da.T @ output[t - 1]  # at t = 0 this is output[-1]
        gb = gb + da.sum(0)
        dh = da @ w_hh
    return _pack(gx, dh, gw_ih, gw_hh, gb)


def bptt_overwrites_weight_grads(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    for t in reversed(range(len(x))):
        g = _step_back(x[t], hs[t], hs[t + 1], w_ih, w_hh, grad_output[t] + dh)
        gx[t], dh = g["x"], g["h"]
        gw_ih, gw_hh, gb = g["weight_ih"], g["weight_hh"], g["bias"]  # = instead of +=
    return _pack(gx, dh, gw_ih, gw_hh, gb)


def bptt_forgets_h0(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in reversed(range(len(x))):
        g = _step_back(x[t], hs[t], hs[t + 1], w_ih, w_hh, grad_output[t] + dh)
        gx[t], dh = g["x"], g["h"]
        gw_ih, gw_hh, gb = gw_ih + g["weight_ih"], gw_hh + g["weight_hh"], gb + g["bias"]
    return _pack(
        gx, torch.zeros(h0.shape, dtype=h0.dtype), gw_ih, gw_hh, gb
    )  # "h0 is not a parameter"


def bptt_h0_grad_one_step_short(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    carry = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in reversed(range(len(x))):
        dh = grad_output[t] + carry
        da = dh * (1 - hs[t + 1] ** 2)
        gx[t] = da @ w_ih
        gw_ih, gw_hh, gb = gw_ih + da.T @ x[t], gw_hh + da.T @ hs[t], gb + da.sum(0)
        carry = da @ w_hh
    return _pack(gx, dh, gw_ih, gw_hh, gb)  # dh is the gradient at h_1


def bptt_weight_grads_transposed(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = 0, 0, 0
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh) * (1 - hs[t + 1] ** 2)
        gx[t] = da @ w_ih
        gw_ih, gw_hh, gb = gw_ih + x[t].T @ da, gw_hh + hs[t].T @ da, gb + da.sum(0)
        dh = da @ w_hh
    return _pack(gx, dh, gw_ih, gw_hh, gb)


def bptt_bias_not_summed_over_batch(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(h0)
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh) * (1 - hs[t + 1] ** 2)
        gx[t] = da @ w_ih
        gw_ih, gw_hh, gb = gw_ih + da.T @ x[t], gw_hh + da.T @ hs[t], gb + da  # (N, H)
        dh = da @ w_hh
    return _pack(gx, dh, gw_ih, gw_hh, gb)


def bptt_bias_summed_over_units(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = torch.stack(_forward(x, h0, w_ih, w_hh, b_ih, b_hh))
    carry, das = torch.zeros_like(h0), torch.zeros_like(hs[1:])
    for t in reversed(range(len(x))):
        das[t] = (grad_output[t] + carry) * (1 - hs[t + 1] ** 2)
        carry = das[t] @ w_hh
    gb = das.sum(dim=-1).sum(dim=0)  # (N,)
    return _pack(
        das @ w_ih,
        carry,
        torch.einsum("lnh,lni->hi", das, x),
        torch.einsum("lnh,lnj->hj", das, hs[:-1]),
        gb,
    )


def bptt_gradient_ascent(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh = torch.zeros_like(h0)
    gx = torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh) * (hs[t + 1] ** 2 - 1)  # the derivative's sign flipped
        gx[t] = da @ w_ih
        gw_ih, gw_hh, gb = gw_ih + da.T @ x[t], gw_hh + da.T @ hs[t], gb + da.sum(0)
        dh = -da @ w_hh
    return _pack(gx, -dh, gw_ih, gw_hh, gb)


def bptt_bias_mean_over_batch(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh, gx, totals = torch.zeros_like(h0), torch.zeros_like(x), [0, 0, 0]
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh) * (1 - hs[t + 1] ** 2)
        gx[t] = da @ w_ih
        totals = [totals[0] + da.T @ x[t], totals[1] + da.T @ hs[t], totals[2] + da.mean(dim=0)]
        dh = da @ w_hh
    return _pack(gx, dh, *totals)


def bptt_weights_averaged_over_time(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = torch.stack(_forward(x, h0, w_ih, w_hh, b_ih, b_hh))
    das, carry = [], torch.zeros_like(h0)
    for t in range(len(x) - 1, -1, -1):
        das.insert(0, (grad_output[t] + carry) * (1 - hs[t + 1] ** 2))
        carry = das[0] @ w_hh
    da = torch.stack(das)  # (L, N, H)
    per_step_w_ih = torch.einsum("lnh,lni->lhi", da, x)  # (L, H, H_in)
    per_step_w_hh = torch.einsum("lnh,lnj->lhj", da, hs[:-1])
    return _pack(da @ w_ih, carry, per_step_w_ih.mean(0), per_step_w_hh.mean(0), da.sum(1).mean(0))


def bptt_grad_output_by_loop_counter(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh, gx = torch.zeros_like(h0), torch.zeros_like(x)
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for i, t in enumerate(reversed(range(len(x)))):
        da = (grad_output[i] + dh) * (1 - hs[t + 1] ** 2)  # i counts 0, 1, ... from the end
        gx[t] = da @ w_ih
        gw_ih, gw_hh, gb = gw_ih + da.T @ x[t], gw_hh + da.T @ hs[t], gb + da.sum(0)
        dh = da @ w_hh
    return _pack(gx, dh, gw_ih, gw_hh, gb)


def bptt_forward_from_zeros(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, torch.zeros_like(h0), w_ih, w_hh, b_ih, b_hh)  # "the initial state is zero"
    dh, gx = torch.zeros_like(h0), torch.zeros_like(x)
    grads = {"weight_ih": 0, "weight_hh": 0, "bias": 0}
    for t in reversed(range(len(x))):
        g = _step_back(x[t], hs[t], hs[t + 1], w_ih, w_hh, grad_output[t] + dh)
        grads = {k: grads[k] + g[k] for k in grads}
        gx[t], dh = g["x"], g["h"]
    return _pack(gx, dh, grads["weight_ih"], grads["weight_hh"], grads["bias"])


def bptt_x_grad_before_tanh(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh_next, gx = torch.zeros_like(h0), []
    gw_ih, gw_hh, gb = torch.zeros_like(w_ih), torch.zeros_like(w_hh), torch.zeros_like(b_ih)
    for t in reversed(range(len(x))):
        dh = grad_output[t] + dh_next
        da = dh * (1 - hs[t + 1] ** 2)
        gx.append(dh @ w_ih)  # the input's gradient taken before tanh's slope
        gw_ih, gw_hh, gb = gw_ih + da.T @ x[t], gw_hh + da.T @ hs[t], gb + da.sum(0)
        dh_next = da @ w_hh
    return _pack(torch.stack(gx[::-1]), dh_next, gw_ih, gw_hh, gb)


def bptt_derivative_not_squared(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh, gx, totals = torch.zeros_like(h0), torch.zeros_like(x), [0, 0, 0]
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh) * (1 - hs[t + 1])
        gx[t] = da @ w_ih
        totals = [totals[0] + da.T @ x[t], totals[1] + da.T @ hs[t], totals[2] + da.sum(0)]
        dh = da @ w_hh
    return _pack(gx, dh, *totals)


def bptt_tanh_of_the_state(x, h0, w_ih, w_hh, b_ih, b_hh, grad_output):
    hs = _forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    dh, grads, gx = (
        torch.zeros_like(h0),
        {"weight_ih": 0, "weight_hh": 0, "bias": 0},
        [None] * len(x),
    )
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh) * (
            1 - torch.tanh(hs[t + 1]).pow(2)
        )  # tanh applied to a state again
        step = {"weight_ih": da.T @ x[t], "weight_hh": da.T @ hs[t], "bias": da.sum(0)}
        grads = {k: grads[k] + step[k] for k in grads}
        gx[t], dh = da @ w_ih, da @ w_hh
    return _pack(torch.stack(gx), dh, grads["weight_ih"], grads["weight_hh"], grads["bias"])


# ---------------------------------------------------------------------------------------------
# masked_loss(logits, targets, lengths, batch_first)
# ---------------------------------------------------------------------------------------------


def _batch_major(logits, targets, batch_first):
    """(N, L, C) and (N, L) whatever the layout."""
    if batch_first:
        return logits, targets
    return logits.permute(1, 0, 2), targets.permute(1, 0)


def _mask(lengths, length):
    """(N, L): True on real steps."""
    return torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)


def ml_mean_over_everything(logits, targets, lengths, batch_first):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def ml_sum_over_real(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    mask = _mask(lengths, tg.shape[1])
    return F.cross_entropy(lg[mask], tg[mask], reduction="sum")


def ml_divided_by_numel(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    losses = F.cross_entropy(lg.transpose(1, 2), tg, reduction="none")  # (N, L)
    return (losses * _mask(lengths, tg.shape[1])).sum() / losses.numel()


def ml_mean_per_sequence_first(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    per_seq = [F.cross_entropy(lg[n, :k], tg[n, :k]) for n, k in enumerate(lengths.tolist())]
    return torch.stack(per_seq).mean()


def ml_mean_per_step_first(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    per_step = []
    for t in range(tg.shape[1]):
        alive = lengths > t
        if alive.any():
            per_step.append(F.cross_entropy(lg[alive, t], tg[alive, t]))
    return sum(per_step) / len(per_step)


def ml_ignores_batch_first(logits, targets, lengths, batch_first):
    length = logits.shape[0]  # "x is always (L, N, ...)"
    mask = torch.arange(length)[:, None] < lengths  # (L, N)
    losses = F.cross_entropy(logits.permute(1, 2, 0), targets.T, reduction="none").T  # (L, N)
    return (losses * mask).sum() / mask.sum()


def ml_mask_includes_one_pad(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    mask = torch.arange(tg.shape[1])[None] <= lengths[:, None]  # lengths used as the last index
    return F.cross_entropy(lg[mask], tg[mask])


def ml_mask_drops_last_real(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    mask = torch.arange(tg.shape[1])[None] < (lengths - 1)[:, None]
    losses = -F.log_softmax(lg, dim=-1).gather(-1, tg.unsqueeze(-1)).squeeze(-1)
    return losses[mask].mean()


def ml_last_real_step_only(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    rows = torch.arange(len(lengths))
    return F.cross_entropy(lg[rows, lengths - 1], tg[rows, lengths - 1])


def ml_ignore_index_zero(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    return F.cross_entropy(
        lg.reshape(-1, lg.shape[-1]), tg.reshape(-1), ignore_index=0
    )  # "padding is 0"


def ml_padding_found_from_targets(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    mask = tg != 0  # the padding value, supposedly
    return F.cross_entropy(lg[mask], tg[mask])


def ml_softmax_then_cross_entropy(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    mask = _mask(lengths, tg.shape[1])
    return F.cross_entropy(torch.softmax(lg, dim=-1)[mask], tg[mask])


def ml_nll_on_raw_logits(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    mask = _mask(lengths, tg.shape[1])
    return F.nll_loss(lg[mask], tg[mask])


def ml_zeroed_logits(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    lg = torch.where(_mask(lengths, tg.shape[1]).unsqueeze(-1), lg, torch.zeros_like(lg))
    return F.cross_entropy(lg.flatten(0, 1), tg.flatten())


def ml_sorted_lengths(logits, targets, lengths, batch_first):
    lengths, _ = torch.sort(lengths, descending=True)  # the habit from pack_padded_sequence
    packed_logits = pack_padded_sequence(logits, lengths, batch_first=batch_first)
    packed_targets = pack_padded_sequence(targets, lengths, batch_first=batch_first)
    return F.cross_entropy(packed_logits.data, packed_targets.data)


def ml_log_likelihood(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    mask = _mask(lengths, tg.shape[1])
    return F.log_softmax(lg[mask], dim=-1).gather(1, tg[mask][:, None]).mean()


def ml_divided_by_batch_size(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    mask = _mask(lengths, tg.shape[1])
    return F.cross_entropy(lg[mask], tg[mask], reduction="sum") / len(
        lengths
    )  # "loss per sequence"


def ml_mask_flattened_batch_major(logits, targets, lengths, batch_first):
    flat_loss = F.cross_entropy(
        logits.flatten(0, 1), targets.flatten(), reduction="none"
    )  # as the tensors come
    length = targets.shape[1] if batch_first else targets.shape[0]
    flat_mask = _mask(lengths, length).flatten().to(flat_loss.dtype)  # (N, L) flattened
    return (flat_loss * flat_mask).sum() / flat_mask.sum()


def ml_logits_straight_to_cross_entropy(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    losses = F.cross_entropy(lg, tg, reduction="none")  # (N, L, C) as it is
    mask = _mask(lengths, tg.shape[1])
    return (losses * mask).sum() / mask.sum()


def ml_log_softmax_over_time(logits, targets, lengths, batch_first):
    lg, tg = _batch_major(logits, targets, batch_first)
    log_probs = F.log_softmax(lg, dim=1)  # (N, L, C): axis 1 is time here
    mask = _mask(lengths, tg.shape[1])
    return F.nll_loss(log_probs[mask], tg[mask])


WRONG = [
    ("rnn_backward", bptt_no_carry, "no gradient is carried back from later steps"),
    ("rnn_backward", bptt_last_output_only, "only the last step's grad_output is used"),
    ("rnn_backward", bptt_forwards_in_time, "you walk through time forwards"),
    ("rnn_backward", bptt_derivative_of_pre_activation, "at the pre-activation (1 - a²)"),
    ("rnn_backward", bptt_derivative_with_previous_state, "uses the previous state h_{t-1}"),
    ("rnn_backward", bptt_no_tanh_derivative, "leave out the derivative of tanh"),
    ("rnn_backward", bptt_carry_skips_tanh, "skips tanh's derivative"),
    ("rnn_backward", bptt_carry_with_transpose, "uses weight_hh transposed"),
    ("rnn_backward", bptt_weight_hh_with_new_state, "pairs each step with its new state h_t"),
    ("rnn_backward", bptt_previous_state_wraps_round, "wraps round to the last step"),
    ("rnn_backward", bptt_overwrites_weight_grads, "come from one step only"),
    ("rnn_backward", bptt_forgets_h0, "your gradient for h0 is zero"),
    ("rnn_backward", bptt_h0_grad_one_step_short, "your gradient for h0 is the gradient at h_1"),
    ("rnn_backward", bptt_weight_grads_transposed, "your weight gradients are transposed"),
    ("rnn_backward", bptt_bias_not_summed_over_batch, "not over the batch"),
    ("rnn_backward", bptt_bias_summed_over_units, "add up over the hidden units"),
    ("rnn_backward", bptt_gradient_ascent, "wrong sign"),
    ("rnn_backward", bptt_derivative_not_squared, "squared; yours is 1 - h_t"),
    ("rnn_backward", bptt_tanh_of_the_state, "you apply tanh to h_t again"),
    ("rnn_backward", bptt_bias_mean_over_batch, "your bias gradients average over the batch"),
    ("rnn_backward", bptt_weights_averaged_over_time, "average over the time steps"),
    ("rnn_backward", bptt_grad_output_by_loop_counter, "you pair grad_output with the wrong step"),
    ("rnn_backward", bptt_forward_from_zeros, "starts from zeros and ignores h0"),
    ("rnn_backward", bptt_x_grad_before_tanh, "your gradient for x skips tanh's derivative"),
    ("masked_loss", ml_mean_over_everything, "your mean includes the padded positions"),
    ("masked_loss", ml_sum_over_real, "is the sum over the real positions"),
    ("masked_loss", ml_divided_by_numel, "you divide by every position"),
    ("masked_loss", ml_mean_per_sequence_first, "you average each sequence first"),
    ("masked_loss", ml_mean_per_step_first, "you average each time step first"),
    ("masked_loss", ml_ignores_batch_first, "even when batch_first=True"),
    ("masked_loss", ml_mask_includes_one_pad, "your mask keeps one padded step"),
    ("masked_loss", ml_mask_drops_last_real, "your mask drops each sequence's last real step"),
    ("masked_loss", ml_last_real_step_only, "you score only each sequence's last real step"),
    ("masked_loss", ml_ignore_index_zero, "padded targets may hold any class"),
    ("masked_loss", ml_padding_found_from_targets, "padded targets may hold any class"),
    ("masked_loss", ml_softmax_then_cross_entropy, "you apply softmax before the cross-entropy"),
    ("masked_loss", ml_nll_on_raw_logits, "you use nll_loss on raw logits"),
    ("masked_loss", ml_zeroed_logits, "you zero the logits at the padding"),
    ("masked_loss", ml_sorted_lengths, "you sort the lengths longest first"),
    ("masked_loss", ml_log_likelihood, "wrong sign"),
    ("masked_loss", ml_log_softmax_over_time, "your log-softmax runs over the time axis"),
    ("masked_loss", ml_divided_by_batch_size, "you divide by the batch size N"),
    ("masked_loss", ml_mask_flattened_batch_major, "your mask is laid out (N, L)"),
    ("masked_loss", ml_logits_straight_to_cross_entropy, "it reads axis 1 as the classes"),
]
