"""Wrong implementations of the training exercises (7-10), written the way a learner might.

``WRONG`` lists (exercise id, function, phrase): every function must fail its check, and when
``phrase`` is not None the feedback must contain it (a phrase from the named mistake, or from the
message that explains the failure). They are written independently of the package's Mistake
functions, in other styles, so that a diagnosis is not just a function compared with itself.
"""

import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# rnn_loss(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets)
# ---------------------------------------------------------------------------------------------


def _states(x, h0, w_ih, w_hh, b_ih, b_hh, act=torch.tanh):
    """A hand-written loop: every hidden state, (L, N, H)."""
    h, states = h0, []
    for x_t in x:
        h = act(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        states.append(h)
    return torch.stack(states)


def loss_sum(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="sum")


def loss_softmax_first(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out
    probs = logits.softmax(dim=-1)
    return F.cross_entropy(probs.view(-1, probs.shape[-1]), targets.view(-1))


def loss_last_step(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    h_last = _states(x, h0, w_ih, w_hh, b_ih, b_hh)[-1]
    return F.cross_entropy(h_last @ w_out.T + b_out, targets[-1])


def loss_no_bias_out(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = torch.einsum("lnh,ch->lnc", _states(x, h0, w_ih, w_hh, b_ih, b_hh), w_out)
    return F.cross_entropy(logits.reshape(-1, w_out.shape[0]), targets.reshape(-1))


def loss_vector_per_step(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out  # (L, N, C)
    return F.cross_entropy(logits.permute(0, 2, 1), targets, reduction="none").mean(1)


def loss_vector_per_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out
    picked = logits.log_softmax(-1).gather(2, targets.unsqueeze(2)).squeeze(2)  # (L, N)
    return -picked.mean(dim=0)


def loss_log_softmax_no_minus(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out
    return logits.log_softmax(-1).gather(-1, targets[..., None]).mean()


def loss_targets_transposed(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out
    batch_major = logits.transpose(0, 1).reshape(-1, logits.shape[-1])  # (N*L, C)
    return F.cross_entropy(batch_major, targets.reshape(-1))


def loss_zero_h0(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    states = _states(
        x, torch.zeros(x.shape[1], w_hh.shape[0], dtype=x.dtype), w_ih, w_hh, b_ih, b_hh
    )
    logits = states @ w_out.T + b_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def loss_sum_of_step_losses(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out
    return sum(F.cross_entropy(logits[t], targets[t]) for t in range(len(targets)))


def loss_relu(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh, act=torch.relu) @ w_out.T + b_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def loss_predicts_before_step(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    h, total = h0, 0.0
    for x_t, y_t in zip(x, targets):
        total = total + F.cross_entropy(h @ w_out.T + b_out, y_t)
        h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
    return total / len(targets)


def loss_nll_on_raw_scores(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    scores = torch.einsum("lnh,ch->lnc", _states(x, h0, w_ih, w_hh, b_ih, b_hh), w_out) + b_out
    return F.nll_loss(scores.flatten(0, 1), targets.flatten())


def loss_classes_last_straight_in(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out  # (L, N, C)
    return torch.nn.CrossEntropyLoss()(logits, targets)


# ---------------------------------------------------------------------------------------------
# cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next) -> dict
# ---------------------------------------------------------------------------------------------


def _grads(da, x, h, w_ih, w_hh):
    return {
        "x": da @ w_ih,
        "h": da @ w_hh,
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ h,
        "bias_ih": da.sum(0),
        "bias_hh": da.sum(0),
    }


def _next(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def bw_no_tanh_derivative(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    return _grads(grad_h_next, x, h, w_ih, w_hh)


def bw_old_h(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = grad_h_next - grad_h_next * h * h
    return _grads(da, x, h, w_ih, w_hh)


def bw_weights_transposed(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2)
    grads = _grads(da, x, h, w_ih, w_hh)
    grads["weight_ih"] = torch.einsum("ni,nh->ih", x, da)
    grads["weight_hh"] = torch.einsum("nj,nh->jh", h, da)
    return grads


def bw_bias_per_row(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh).pow(2))
    grads = _grads(da, x, h, w_ih, w_hh)
    grads["bias_ih"], grads["bias_hh"] = da.clone(), da.clone()
    return grads


def bw_grad_x_through_w_hh(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2)
    grads = _grads(da, x, h, w_ih, w_hh)
    grads["x"] = torch.matmul(da, w_hh)
    return grads


def bw_grad_h_no_w_hh(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2)
    grads = _grads(da, x, h, w_ih, w_hh)
    grads["h"] = da
    return grads


def bw_sign_flipped(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    h_next = _next(x, h, w_ih, w_hh, b_ih, b_hh)
    return _grads(grad_h_next * (h_next**2 - 1), x, h, w_ih, w_hh)


def bw_derivative_not_squared(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    h_next = _next(x, h, w_ih, w_hh, b_ih, b_hh)
    return _grads(grad_h_next * (1.0 - h_next), x, h, w_ih, w_hh)


def bw_forgets_bias_hh(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2)
    grads = _grads(da, x, h, w_ih, w_hh)
    grads["bias_hh"] = torch.zeros_like(b_hh)
    return grads


def bw_inputs_swapped(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2)
    grads = _grads(da, x, h, w_ih, w_hh)
    grads["weight_ih"], grads["weight_hh"] = da.T @ h, da.T @ x
    return grads


def bw_derivative_of_the_preactivation(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    pre = torch.addmm(b_ih + b_hh, x, w_ih.T) + h @ w_hh.T
    return _grads(grad_h_next * (1 - pre * pre), x, h, w_ih, w_hh)


def bw_grad_h_w_hh_transposed(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2)
    grads = _grads(da, x, h, w_ih, w_hh)
    grads["h"] = torch.einsum("nh,hj->nj", da, w_hh.T)
    return grads


# ---------------------------------------------------------------------------------------------
# clip_grad_norm(grads, max_norm) -> (clipped_grads, total_norm)
# ---------------------------------------------------------------------------------------------


def _l2(grads):
    return torch.sqrt(sum((g * g).sum() for g in grads))


def clip_each_tensor(grads, max_norm):
    clipped = []
    for g in grads:
        coef = min(1.0, max_norm / (g.norm().item() + 1e-6))
        clipped.append(g * coef)
    return clipped, _l2(grads)


def clip_by_value(grads, max_norm):
    return [torch.clamp(g, min=-max_norm, max=max_norm) for g in grads], _l2(grads)


def clip_always_rescale(grads, max_norm):
    total = _l2(grads)
    return [g * (max_norm / (total + 1e-6)) for g in grads], total


def clip_l1(grads, max_norm):
    total = torch.cat([g.flatten() for g in grads]).abs().sum()
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total


def clip_reports_clipped_norm(grads, max_norm):
    coef = torch.clamp(max_norm / (_l2(grads) + 1e-6), max=1.0)
    clipped = [g * coef for g in grads]
    return clipped, _l2(clipped)


def clip_no_epsilon(grads, max_norm):
    total = _l2(grads)
    coef = (max_norm / total).clamp(max=1.0)
    return [g * coef for g in grads], total


def clip_in_place(grads, max_norm):
    total = _l2(grads)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return list(grads), total


def clip_sum_of_norms(grads, max_norm):
    total = torch.stack([torch.linalg.vector_norm(g) for g in grads]).sum()
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total


def clip_no_sqrt(grads, max_norm):
    total = sum((g**2).sum() for g in grads)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total


def clip_inf_norm(grads, max_norm):
    total = torch.stack([g.abs().max() for g in grads]).max()
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total


def clip_norm_of_whole_list_only_first(grads, max_norm):
    total = _l2(grads)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [grads[0] * coef] + [g.clone() for g in grads[1:]], total


def clip_factor_inverted(grads, max_norm):
    total = _l2(grads)
    scale = 1 / min(1.0, max_norm / total.item())  # the reciprocal of the cap, not the cap
    return [g * scale for g in grads], total


def clip_factor_flipped_and_capped(grads, max_norm):
    total = _l2(grads)
    return [g * min(1.0, (total / max_norm).item()) for g in grads], total


# ---------------------------------------------------------------------------------------------
# last_valid_output(output, lengths, batch_first) -> (N, H)
# ---------------------------------------------------------------------------------------------


def last_padded(output, lengths, batch_first):
    return output[:, -1] if batch_first else output[-1]


def last_axis0_always(output, lengths, batch_first):
    return output[-1, ...]


def last_off_by_one(output, lengths, batch_first):
    seq = output.transpose(0, 1) if batch_first else output
    return seq[lengths, torch.arange(seq.shape[1])]


def last_off_by_one_gather(output, lengths, batch_first):
    seq = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    index = lengths[:, None, None].expand(-1, 1, seq.shape[-1])
    return torch.gather(seq, 1, index)[:, 0]


def last_nonzero(output, lengths, batch_first):
    seq = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    rows = []
    for s in seq:
        t = len(s) - 1
        while t > 0 and bool((s[t] == 0).all()):
            t -= 1
        rows.append(s[t])
    return torch.stack(rows)


def last_sorted_lengths(output, lengths, batch_first):
    seq = output.transpose(0, 1) if batch_first else output
    sorted_lengths, _ = torch.sort(lengths, descending=True)
    return seq[sorted_lengths - 1, torch.arange(len(lengths))]


def last_rows_sorted(output, lengths, batch_first):
    seq = output.transpose(0, 1) if batch_first else output
    order = torch.argsort(lengths, descending=True)
    return torch.stack([seq[lengths[i] - 1, i] for i in order.tolist()])


def last_ignores_batch_first(output, lengths, batch_first):
    return output[lengths - 1, torch.arange(len(lengths))]


def last_index_capped_without_minus_one(output, lengths, batch_first):
    seq = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    steps = torch.minimum(lengths, torch.tensor(seq.shape[1] - 1))
    return torch.stack([seq[i, int(t)] for i, t in enumerate(steps)])


def last_first_step(output, lengths, batch_first):
    return output[:, 0] if batch_first else output[0]


def last_mean_of_valid(output, lengths, batch_first):
    seq = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    return torch.stack([s[: int(n)].mean(0) for s, n in zip(seq, lengths)])


def last_longest_for_all(output, lengths, batch_first):
    seq = output.transpose(0, 1) if batch_first else output
    return seq[int(lengths.max()) - 1]


WRONG = [
    ("rnn_loss", loss_sum, "sum over all positions"),
    ("rnn_loss", loss_softmax_first, "softmax before the cross-entropy"),
    ("rnn_loss", loss_last_step, "only uses the last time step"),
    ("rnn_loss", loss_no_bias_out, "ignore bias_out"),
    ("rnn_loss", loss_vector_per_step, "average over the batch only"),
    ("rnn_loss", loss_vector_per_sequence, "average over time only"),
    ("rnn_loss", loss_log_softmax_no_minus, "wrong sign"),
    ("rnn_loss", loss_targets_transposed, "paired with the wrong logits"),
    ("rnn_loss", loss_zero_h0, "ignore h0"),
    ("rnn_loss", loss_sum_of_step_losses, "add up the per-step mean losses"),
    ("rnn_loss", loss_relu, None),
    ("rnn_loss", loss_predicts_before_step, "state before the step"),
    ("rnn_loss", loss_nll_on_raw_scores, "F.nll_loss on the raw scores"),
    (
        "rnn_loss",
        loss_classes_last_straight_in,
        "straight to F.cross_entropy, which reads the classes from axis 1",
    ),
    ("cell_backward", bw_no_tanh_derivative, "leave out the derivative of tanh"),
    ("cell_backward", bw_old_h, "with the old state h"),
    ("cell_backward", bw_weights_transposed, "weight gradients are transposed"),
    ("cell_backward", bw_bias_per_row, "not summed over the batch"),
    ("cell_backward", bw_grad_x_through_w_hh, "gradient for x goes through weight_hh"),
    ("cell_backward", bw_grad_h_no_w_hh, "missing the weight_hh factor"),
    ("cell_backward", bw_sign_flipped, "wrong sign"),
    ("cell_backward", bw_derivative_not_squared, "yours is 1 - h_next"),
    ("cell_backward", bw_forgets_bias_hh, "grads['bias_hh']"),
    ("cell_backward", bw_inputs_swapped, "`grads['weight_ih']` equals `grads['weight_hh']`"),
    ("cell_backward", bw_grad_h_w_hh_transposed, "uses weight_hh transposed"),
    ("cell_backward", bw_derivative_of_the_preactivation, "1 - a² with a the pre-activation"),
    ("clip_grad_norm", clip_each_tensor, "clip each tensor by its own norm"),
    ("clip_grad_norm", clip_by_value, "you clamp the values"),
    ("clip_grad_norm", clip_always_rescale, "scale even when the norm is below max_norm"),
    ("clip_grad_norm", clip_l1, "L1 norm"),
    ("clip_grad_norm", clip_reports_clipped_norm, "norm after clipping"),
    ("clip_grad_norm", clip_no_epsilon, "total_norm + 1e-6"),
    ("clip_grad_norm", clip_in_place, "changed its input `grads`"),
    ("clip_grad_norm", clip_sum_of_norms, "add up the norms of the tensors"),
    ("clip_grad_norm", clip_no_sqrt, "sum of squares"),
    ("clip_grad_norm", clip_inf_norm, "the infinity norm"),
    ("clip_grad_norm", clip_factor_inverted, "your scale factor is upside down"),
    ("clip_grad_norm", clip_factor_flipped_and_capped, "your scale factor is upside down"),
    ("last_valid_output", last_index_capped_without_minus_one, "capping the index"),
    ("clip_grad_norm", clip_norm_of_whole_list_only_first, "clipped_grads[1]"),
    ("last_valid_output", last_padded, "last padded step"),
    ("last_valid_output", last_axis0_always, "output[-1] whatever the layout"),
    ("last_valid_output", last_off_by_one, "off by one"),
    ("last_valid_output", last_off_by_one_gather, "off by one"),
    ("last_valid_output", last_nonzero, "last nonzero row"),
    ("last_valid_output", last_sorted_lengths, "lengths sorted longest first"),
    ("last_valid_output", last_rows_sorted, "rows come out sorted by length"),
    ("last_valid_output", last_ignores_batch_first, "even when batch_first=True"),
    ("last_valid_output", last_first_step, "first time step"),
    ("last_valid_output", last_mean_of_valid, "you average each sequence's outputs"),
    ("last_valid_output", last_longest_for_all, None),
]


# ---------------------------------------------------------------------------------------------
# Mistakes that no catalogue lists: named by the catalogue-free diagnosis (diagnosis.py) or by
# torch's answer on an altered input (Exercise.solve). Written independently of both.
# ---------------------------------------------------------------------------------------------


def loss_float_targets(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).to(x.dtype))


def loss_w_out_not_transposed(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out + b_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def bw_without_upstream_gradient(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    da = 1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2
    return _grads(da, x, h, w_ih, w_hh)


def bw_forward_step_without_bias_hh(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    h_next = torch.tanh(F.linear(x, w_ih, b_ih) + F.linear(h, w_hh))
    return _grads(grad_h_next * (1 - h_next**2), x, h, w_ih, w_hh)


def bw_bias_keepdim(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    grads = _grads(grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2), x, h, w_ih, w_hh)
    return {**grads, "bias_ih": grads["bias_ih"][None], "bias_hh": grads["bias_hh"][None]}


def bw_bias_left_as_zeros(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    grads = _grads(grad_h_next * (1 - _next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2), x, h, w_ih, w_hh)
    return {**grads, "bias_ih": torch.zeros(w_ih.shape[0]), "bias_hh": torch.zeros(w_ih.shape[0])}


def clip_halved_norm(grads, max_norm):
    total = _l2(grads)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total / 2


def last_lengths_as_float_index(output, lengths, batch_first):
    seq = output.transpose(0, 1) if batch_first else output
    return seq[lengths.to(output.dtype) - 1, torch.arange(len(lengths))]


WRONG += [
    ("rnn_loss", loss_float_targets, "class indices (int64)"),
    ("rnn_loss", loss_w_out_not_transposed, "a matrix product meets (L*N=15, H=7) @ (C=8, H=7)"),
    (
        "cell_backward",
        bw_without_upstream_gradient,
        "`grad_h_next` all ones: `grad_h_next` is not multiplied in",
    ),
    ("cell_backward", bw_forward_step_without_bias_hh, "`bias_hh` set to zero"),
    ("cell_backward", bw_bias_keepdim, "an extra axis of size 1"),
    ("cell_backward", bw_bias_left_as_zeros, "is all zeros"),
    ("clip_grad_norm", clip_halved_norm, "half what it should be"),
    ("last_valid_output", last_lengths_as_float_index, "an index tensor must hold integers"),
]
