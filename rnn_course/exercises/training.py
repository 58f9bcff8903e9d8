"""Exercises for training: loss, the cell's backward pass, gradient clipping, padded batches.

Every expected answer comes from torch itself: nn.RNN and F.cross_entropy (``rnn_loss``), autograd
through nn.RNNCell (``cell_backward``), nn.utils.clip_grad_norm_ (``clip_grad_norm``) and an
nn.RNN run on a packed batch (``last_valid_output``).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from . import diagnosis
from .cases import (
    DTYPE,
    SCORES_RESHAPED,
    TARGETS_SHIFTED,
    dims_label,
    generator,
    randn,
    reshaped_scores_loss,
    rnn_params,
    torch_rnn,
)
from .registry import Case, Exercise, Mistake, register, variant

# ---------------------------------------------------------------------------------------------
# 7. rnn_loss
# ---------------------------------------------------------------------------------------------
# The learner may run the RNN any way they like (their own loop, nn.RNN with the weights loaded):
# the exercise is about the prediction head and the loss, so forbid_rnn is False.

# (L, N, H_in, H, C): L=1 and N=1 included; sizes differ so a swapped axis cannot hide.
_LOSS_SHAPES = [(5, 3, 4, 7, 8), (1, 4, 3, 5, 2), (6, 1, 2, 3, 4), (6, 5, 3, 2, 4), (3, 2, 5, 6, 7)]


def _loss_case(seed, length, n, input_size, hidden_size, classes):
    gen = generator(seed)
    params = rnn_params(gen, input_size, hidden_size, scale=0.8)
    x, h0 = randn(gen, length, n, input_size), randn(gen, n, hidden_size, scale=0.5)
    weight_out, bias_out = randn(gen, classes, hidden_size, scale=1.5), randn(gen, classes)
    targets = torch.randint(classes, (length, n), generator=gen)  # (L, N) int64
    rnn = torch_rnn(params, input_size, hidden_size)
    head = nn.Linear(hidden_size, classes, dtype=DTYPE)
    head.load_state_dict({"weight": weight_out, "bias": bias_out})
    with torch.no_grad():
        output, _ = rnn(x, h0.unsqueeze(0))  # (L, N, H)
        logits = head(output)  # (L, N, C)
        expected = F.cross_entropy(
            logits.permute(1, 2, 0), targets.T
        )  # classes on dim 1: (N, C, L)
    args = (x, h0, *params.values(), weight_out, bias_out, targets)
    return Case(
        args, expected, dims_label(L=length, N=n, H_in=input_size, H=hidden_size, C=classes)
    )


def _loss_cases():
    return [_loss_case(700 + i, *shape) for i, shape in enumerate(_LOSS_SHAPES)]


def _hidden_states(x, h0, w_ih, w_hh, b_ih, b_hh):
    """torch's output for one tanh layer: x (L, N, H_in), h0 (N, H) -> (L, N, H)."""
    params = {"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
    rnn = torch_rnn(params, w_ih.shape[1], w_ih.shape[0])
    with torch.no_grad():
        return rnn(x, h0.unsqueeze(0))[0]


def _logits(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out):
    """Scores for every position: (L, N, C)."""
    return _hidden_states(x, h0, w_ih, w_hh, b_ih, b_hh) @ w_out.T + b_out


def _per_position_loss(logits, targets):
    """Cross-entropy at every position, without reduction: (L, N, C), (L, N) -> (L, N)."""
    return F.cross_entropy(logits.permute(1, 2, 0), targets.T, reduction="none").T


def _solve_loss(*args):
    """torch's answer for any arguments: nn.RNN, the output layer and F.cross_entropy, a 0-dim mean."""
    *rnn_args, targets = args
    return _per_position_loss(_logits(*rnn_args), targets).mean()


def _loss_reshaped(*args):
    *rnn_args, targets = args
    return reshaped_scores_loss(_logits(*rnn_args), targets, time_major=True).mean()


def _loss_batch_major_reshaped(*args):
    *rnn_args, targets = args
    logits = _logits(*rnn_args).transpose(0, 1)  # (N, L, C)
    return reshaped_scores_loss(logits, targets.T, time_major=False).mean()


def _loss_targets_shifted(*args):
    *rnn_args, targets = args
    return _per_position_loss(_logits(*rnn_args)[:-1], targets[1:]).mean()


def _loss_sum(*args):
    *rnn_args, targets = args
    return _per_position_loss(_logits(*rnn_args), targets).sum()


def _loss_softmax_first(*args):
    *rnn_args, targets = args
    probs = torch.softmax(_logits(*rnn_args), dim=-1)
    return _per_position_loss(probs, targets).mean()


def _loss_last_step(*args):
    *rnn_args, targets = args
    return _per_position_loss(_logits(*rnn_args), targets)[-1].mean()


def _loss_without_bias_out(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _logits(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, torch.zeros_like(b_out))
    return _per_position_loss(logits, targets).mean()


def _loss_mean_over_batch_only(*args):
    *rnn_args, targets = args
    return _per_position_loss(_logits(*rnn_args), targets).mean(dim=1)  # (L,)


def _loss_mean_over_time_only(*args):
    *rnn_args, targets = args
    return _per_position_loss(_logits(*rnn_args), targets).mean(dim=0)  # (N,)


def _loss_sum_of_step_means(*args):
    *rnn_args, targets = args
    return _per_position_loss(_logits(*rnn_args), targets).mean(dim=1).sum()


def _loss_without_minus(*args):
    *rnn_args, targets = args
    return -_per_position_loss(_logits(*rnn_args), targets).mean()


def _loss_targets_batch_major(*args):
    *rnn_args, targets = args
    logits = _logits(*rnn_args)  # (L, N, C)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.T.reshape(-1))


def _loss_logits_batch_major(*args):
    *rnn_args, targets = args
    logits = _logits(*rnn_args).transpose(0, 1)  # (N, L, C)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def _loss_ignores_h0(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _logits(x, torch.zeros_like(h0), w_ih, w_hh, b_ih, b_hh, w_out, b_out)
    return _per_position_loss(logits, targets).mean()


def _loss_previous_state(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    states = _hidden_states(x, h0, w_ih, w_hh, b_ih, b_hh)  # (L, N, H)
    before = torch.cat([h0.unsqueeze(0), states[:-1]])  # (L, N, H): h_0 .. h_{L-1}
    return _per_position_loss(before @ w_out.T + b_out, targets).mean()


def _loss_nll_on_logits(*args):
    *rnn_args, targets = args
    logits = _logits(*rnn_args)  # (L, N, C)
    return F.nll_loss(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def _loss_classes_last(*args):
    *rnn_args, targets = args
    return F.cross_entropy(_logits(*rnn_args), targets)  # reads N as the classes: raises


_PAIRING = (
    "your targets are paired with the wrong logits: targets is (L, N), time-major like x, "
    "so flatten it in the same order as the logits"
)


def _loss_log_softmax_over_batch(*args):
    *rnn_args, targets = args
    log_probs = torch.log_softmax(_logits(*rnn_args), dim=1)  # over N: the wrong axis
    return -log_probs.gather(2, targets.unsqueeze(-1)).mean()


_FLOAT32_MODULE = diagnosis.FLOAT32_MODULE


def _loss_float32_module(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    rnn = torch.nn.RNN(x.shape[2], h0.shape[1])  # float32: refused by torch for float64 input
    return rnn(x, h0[None])


register(
    Exercise(
        id="rnn_loss",
        solve=_solve_loss,
        title="Many-to-many predictions and their mean cross-entropy",
        signature="rnn_loss(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets) -> loss",
        arg_names=(
            "x",
            "h0",
            "weight_ih",
            "weight_hh",
            "bias_ih",
            "bias_hh",
            "weight_out",
            "bias_out",
            "targets",
        ),
        output_names=("loss",),
        make_cases=_loss_cases,
        lesson="07_predictions_and_loss",
        forbid_rnn=False,
        number_note="return the loss tensor itself, not .item() or float(): .backward() needs the tensor",
        mistakes=(
            Mistake(
                "log_softmax_over_batch",
                "your log-probabilities are normalised over axis 1 of the (L, N, C) scores, which is the "
                "batch: a softmax must run over the classes, the axis of size C",
                _loss_log_softmax_over_batch,
            ),
            Mistake(
                "float32_module",
                _FLOAT32_MODULE,
                _loss_float32_module,
            ),
            Mistake("scores_reshaped", SCORES_RESHAPED, _loss_reshaped),
            Mistake("batch_major_scores_reshaped", SCORES_RESHAPED, _loss_batch_major_reshaped),
            Mistake("targets_shifted", TARGETS_SHIFTED, _loss_targets_shifted),
            Mistake(
                "sum_not_mean",
                "your loss is the sum over all positions; the exercise asks for the mean over all L×N "
                "positions",
                _loss_sum,
            ),
            Mistake(
                "softmax_first",
                "you apply softmax before the cross-entropy; F.cross_entropy expects raw scores (logits) "
                "and does the log-softmax itself",
                _loss_softmax_first,
            ),
            Mistake(
                "last_step",
                "your loss only uses the last time step; many-to-many scores every step",
                _loss_last_step,
            ),
            Mistake("without_bias_out", "your logits ignore bias_out", _loss_without_bias_out),
            Mistake(
                "mean_over_batch_only",
                "you average over the batch only, which leaves one loss per time step (a vector); "
                "average over time steps too",
                _loss_mean_over_batch_only,
            ),
            Mistake(
                "mean_over_time_only",
                "you average over time only, which leaves one loss per sequence (a vector); "
                "average over the batch too",
                _loss_mean_over_time_only,
            ),
            Mistake(
                "sum_of_step_means",
                "you add up the per-step mean losses; the exercise asks for the mean over all L×N "
                "positions",
                _loss_sum_of_step_means,
            ),
            Mistake(
                "without_minus",
                "your loss has the wrong sign: cross-entropy is minus the mean log-probability of the "
                "targets",
                _loss_without_minus,
            ),
            Mistake("targets_batch_major", _PAIRING, _loss_targets_batch_major),
            Mistake("logits_batch_major", _PAIRING, _loss_logits_batch_major),
            Mistake(
                "ignores_h0",
                "your hidden states ignore h0 (they start from zeros)",
                _loss_ignores_h0,
            ),
            Mistake(
                "nll_on_logits",
                "you use F.nll_loss on the raw scores; nll_loss expects log-probabilities, so it needs "
                "log_softmax first (F.cross_entropy does both)",
                _loss_nll_on_logits,
            ),
            Mistake(
                "classes_last",
                "you pass the (L, N, C) scores straight to F.cross_entropy, which reads the classes from "
                "axis 1: there it finds N, not C (lesson 7's pitfall). Put the classes on axis 1, or merge "
                "the positions into one batch axis",
                _loss_classes_last,
            ),
            Mistake(
                "previous_state",
                "each prediction comes from the state before the step (h_{t-1}); it should come from "
                "h_t, the state after reading x_t",
                _loss_previous_state,
            ),
        ),
        hints=(
            "Three stages: run the RNN to get every hidden state, turn each state into C scores with "
            "the output layer, then compare the scores with the targets. Write down the shape after "
            "each stage.",
            "F.cross_entropy wants scores of shape (batch, C) and integer targets of shape (batch,). "
            "Every one of the L×N positions is one row of that batch; merge the first two axes of "
            "the scores and of the targets in the same order.",
            "Give F.cross_entropy the raw scores, not probabilities, and keep its default "
            "reduction: the answer is a single number (a 0-dim tensor), not a vector.",
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# 8. cell_backward
# ---------------------------------------------------------------------------------------------

_GRAD_NAMES = ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
_BACKWARD_SHAPES = [(3, 4, 5), (1, 2, 3), (5, 3, 2), (2, 6, 4), (4, 1, 6)]  # (N, H_in, H)


def _backward_case(seed, n, input_size, hidden_size):
    gen = generator(seed)
    x, h = randn(gen, n, input_size), randn(gen, n, hidden_size)
    weights = {
        "weight_ih": randn(gen, hidden_size, input_size),  # (H, H_in)
        "weight_hh": randn(gen, hidden_size, hidden_size),  # (H, H)
        "bias_ih": randn(gen, hidden_size),  # (H,)
        "bias_hh": randn(gen, hidden_size),  # (H,)
    }
    grad_h_next = randn(gen, n, hidden_size)
    args = (x, h, *weights.values(), grad_h_next)
    shapes = ("(N, H_in)", "(N, H)", "(H, H_in)", "(H, H)", "(H,)", "(H,)")
    return Case(
        args, _torch_cell_grads(*args), dims_label(N=n, H_in=input_size, H=hidden_size), shapes
    )


def _torch_cell_grads(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    """torch's answer for any arguments: autograd through nn.RNNCell, a dict of six gradients."""
    cell = nn.RNNCell(x.shape[1], h.shape[1], dtype=x.dtype)
    cell.load_state_dict(
        {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}
    )
    x_, h_ = x.clone().requires_grad_(), h.clone().requires_grad_()
    wrt = [x_, h_, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    objective = (cell(x_, h_) * grad_h_next).sum()  # its gradient w.r.t. h_next is grad_h_next
    return dict(zip(_GRAD_NAMES, torch.autograd.grad(objective, wrt)))


def _cell_grads_with(act):
    """torch's gradients through autograd with tanh computed as act("h_next", "tanh", a): with torch's
    tanh it is ``_torch_cell_grads``; the diagnosis swaps its slope for a wrong one."""

    def solve(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
        leaves = [
            t.clone().requires_grad_() for t in (x, h, weight_ih, weight_hh, bias_ih, bias_hh)
        ]
        x, h, weight_ih, weight_hh, bias_ih, bias_hh = leaves
        h_next = act("h_next", "tanh", x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        return dict(zip(_GRAD_NAMES, torch.autograd.grad((h_next * grad_h_next).sum(), leaves)))

    return solve


def _backward_cases():
    return [_backward_case(800 + i, *shape) for i, shape in enumerate(_BACKWARD_SHAPES)]


def _h_next(x, h, w_ih, w_hh, b_ih, b_hh):
    """torch's forward step (no autograd needed): (N, H)."""
    return torch.tanh(F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh))


def _grads_from(g, x, h, w_ih, w_hh, changes=None):
    """Gradients given g = dL/d(pre-activation) (N, H); ``changes`` (a dict) overrides entries."""
    grads = {
        "x": g @ w_ih,
        "h": g @ w_hh,
        "weight_ih": g.T @ x,
        "weight_hh": g.T @ h,
        "bias_ih": g.sum(0),
        "bias_hh": g.sum(0),
    }
    return {**grads, **(changes or {})}


def _pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    """The correct dL/d(pre-activation), (N, H), from torch's forward."""
    return grad_h_next * (1 - _h_next(x, h, w_ih, w_hh, b_ih, b_hh) ** 2)


def _bw_no_tanh_derivative(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    return _grads_from(grad_h_next, x, h, w_ih, w_hh)


def _bw_old_h(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    return _grads_from(grad_h_next * (1 - h**2), x, h, w_ih, w_hh)


def _bw_derivative_unsquared(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    h_next = _h_next(x, h, w_ih, w_hh, b_ih, b_hh)
    return _grads_from(grad_h_next * (1 - h_next), x, h, w_ih, w_hh)


def _bw_tanh_twice(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    h_next = _h_next(x, h, w_ih, w_hh, b_ih, b_hh)
    return _grads_from(grad_h_next * (1 - torch.tanh(h_next) ** 2), x, h, w_ih, w_hh)


def _bw_derivative_of_preactivation(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    a = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)  # the pre-activation, (N, H)
    return _grads_from(grad_h_next * (1 - a**2), x, h, w_ih, w_hh)


def _bw_sign(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    g = -_pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next)
    return _grads_from(g, x, h, w_ih, w_hh)


def _bw_weights_transposed(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    g = _pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next)
    return _grads_from(g, x, h, w_ih, w_hh, {"weight_ih": x.T @ g, "weight_hh": h.T @ g})


def _bw_bias_not_summed(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    g = _pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next)
    return _grads_from(g, x, h, w_ih, w_hh, {"bias_ih": g, "bias_hh": g})


def _bw_bias_mean(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    g = _pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next)
    return _grads_from(g, x, h, w_ih, w_hh, {"bias_ih": g.mean(0), "bias_hh": g.mean(0)})


def _bw_grad_x_uses_w_hh(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    g = _pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next)
    return _grads_from(g, x, h, w_ih, w_hh, {"x": g @ w_hh})


def _bw_grad_h_without_w_hh(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    g = _pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next)
    return _grads_from(g, x, h, w_ih, w_hh, {"h": g})


def _bw_grad_h_transposed(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    g = _pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next)
    return _grads_from(g, x, h, w_ih, w_hh, {"h": g @ w_hh.T})


def _bw_weight_hh_with_h_next(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next):
    g = _pre_grad(x, h, w_ih, w_hh, b_ih, b_hh, grad_h_next)
    h_next = _h_next(x, h, w_ih, w_hh, b_ih, b_hh)
    return _grads_from(g, x, h, w_ih, w_hh, {"weight_hh": g.T @ h_next})


register(
    Exercise(
        id="cell_backward",
        solve=_torch_cell_grads,
        slopes=(_cell_grads_with, {"h_next": "tanh"}),
        title="Backward through one RNN cell, by hand",
        signature="cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next) -> grads (a dict)",
        arg_names=("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "grad_h_next"),
        output_names=("grads",),
        make_cases=_backward_cases,
        lesson="08_backprop_through_time",
        forbid_rnn=True,
        forbid_autograd=True,
        mistakes=(
            Mistake(
                "weight_hh_paired_with_h_next",
                "your weight_hh gradient pairs the upstream gradient with h_next, the state this step "
                "makes; weight_hh multiplies the state the step reads, h",
                _bw_weight_hh_with_h_next,
            ),
            Mistake(
                "no_tanh_derivative",
                "your gradients leave out the derivative of tanh",
                _bw_no_tanh_derivative,
            ),
            Mistake(
                "old_h",
                "you use 1 - h² with the old state h; tanh's derivative needs the new state h_next",
                _bw_old_h,
            ),
            Mistake(
                "derivative_unsquared",
                "tanh's derivative is 1 - h_next², squared; yours is 1 - h_next",
                _bw_derivative_unsquared,
            ),
            Mistake(
                "tanh_twice",
                "you apply tanh to h_next again inside the derivative; h_next is already tanh of the "
                "pre-activation",
                _bw_tanh_twice,
            ),
            Mistake(
                "derivative_of_preactivation",
                "you take 1 - a² with a the pre-activation; tanh's derivative is 1 - tanh(a)², written with "
                "tanh's output h_next",
                _bw_derivative_of_preactivation,
            ),
            Mistake("sign", "all your gradients have the wrong sign", _bw_sign),
            Mistake(
                "weights_transposed",
                "your weight gradients are transposed: a gradient has the shape of its weight, "
                "(H, H_in) and (H, H)",
                _bw_weights_transposed,
            ),
            Mistake(
                "bias_not_summed",
                "your bias gradients are not summed over the batch: a bias is shared by all N "
                "rows, so its gradient has shape (H,)",
                _bw_bias_not_summed,
            ),
            Mistake(
                "bias_mean",
                "your bias gradients average over the batch; they should add up the rows' "
                "contributions",
                _bw_bias_mean,
            ),
            Mistake(
                "grad_x_uses_w_hh",
                "your gradient for x goes through weight_hh; x only meets weight_ih",
                _bw_grad_x_uses_w_hh,
            ),
            Mistake(
                "grad_h_without_w_hh",
                "your gradient for h is missing the weight_hh factor",
                _bw_grad_h_without_w_hh,
            ),
            Mistake(
                "grad_h_transposed",
                "your gradient for h uses weight_hh transposed; h was multiplied by W_hh^T, so the "
                "way back uses W_hh itself",
                _bw_grad_h_transposed,
            ),
        ),
        hints=(
            "Split the step in two: a pre-activation a = (input part) + (hidden part) + biases, then "
            "h_next = tanh(a). Find the gradient with respect to a first; every other gradient is "
            "built from it.",
            "The derivative of tanh can be written with tanh's own output. Which tensor holds that "
            "output here: h or h_next? (You may recompute it.)",
            "Every gradient has the shape of the thing it is the gradient of. Let the shapes decide "
            "what to transpose and the order of each product; a bias is added to all N rows, so its "
            "gradient collects all N rows' contributions.",
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# 9. clip_grad_norm
# ---------------------------------------------------------------------------------------------

_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_ divides by total_norm + 1e-6

# (label, shapes of the gradients, their scale, max_norm). No case puts the norm within 1e-6 below
# max_norm: there torch's capped coefficient still scales by a hair, and an answer that scales only
# when total_norm > max_norm (as many write it, correctly in every way that matters) would fail.
_CLIP_SPECS = [
    ("norm below max_norm", [(4, 3), (4,), (2, 3, 2)], 0.1, 5.0),
    ("norm far above max_norm", [(3, 5), (5, 5), (5,), (2,)], 10.0, 1.0),
    ("norm far above max_norm", [(6, 4)], 1000.0, 0.5),
    ("tiny norm above a tiny max_norm", [(3, 3), (3,)], 1e-6, 1e-6),
    ("norm far below max_norm, one 0-dim tensor", [(2, 4), (4,), ()], 3e-4, 1.0),
    ("tiny norm below max_norm", [(5,), (2, 2)], 1e-4, 1.0),
    ("norm above max_norm", [(2, 3, 4), (), (3,)], 0.5, 2.0),
]


def _torch_clip(grads, max_norm):
    """torch's answer, on copies: (clipped copies, total_norm), via nn.utils.clip_grad_norm_."""
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for param, grad in zip(params, grads):
        param.grad = grad.clone()
    total_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)  # scales each param.grad in place
    return [p.grad.detach().clone() for p in params], total_norm


def _global_norm(grads):
    """torch's total norm: the L2 norm of all entries together, a 0-dim tensor."""
    return _torch_clip(grads, math.inf)[1]


def _clip_case(seed, label, shapes, scale, max_norm):
    gen = generator(seed)
    grads = [torch.randn(shape, generator=gen, dtype=DTYPE) * scale for shape in shapes]
    count = f"{len(grads)} tensor{'s' if len(grads) > 1 else ''}"
    return Case((grads, max_norm), _torch_clip(grads, max_norm), f"{count}, {label}", ("", "()"))


def _clip_cases():
    return [_clip_case(900 + i, *spec) for i, spec in enumerate(_CLIP_SPECS)]


def _scaled(grads, coef):
    return [g * coef for g in grads]


def _torch_coef(max_norm, total):
    return torch.clamp(max_norm / (total + _EPS), max=1.0)


def _clip_per_tensor(grads, max_norm):
    clipped = [g * _torch_coef(max_norm, torch.linalg.vector_norm(g)) for g in grads]
    return clipped, _global_norm(grads)


def _clip_values(grads, max_norm):
    return [g.clamp(-max_norm, max_norm) for g in grads], _global_norm(grads)


def _clip_always_scales(grads, max_norm):
    total = _global_norm(grads)
    return _scaled(grads, max_norm / (total + _EPS)), total


def _clip_l1(grads, max_norm):
    total = sum(g.abs().sum() for g in grads)
    return _scaled(grads, _torch_coef(max_norm, total)), total


def _clip_norm_after(grads, max_norm):
    clipped = _scaled(grads, _torch_coef(max_norm, _global_norm(grads)))
    return clipped, _global_norm(clipped)


def _clip_without_eps(grads, max_norm):
    total = _global_norm(grads)
    return _scaled(grads, torch.clamp(max_norm / total, max=1.0)), total


def _clip_squared_norm(grads, max_norm):
    total = _global_norm(grads) ** 2
    return _scaled(grads, _torch_coef(max_norm, total)), total


def _clip_sum_of_norms(grads, max_norm):
    total = sum(torch.linalg.vector_norm(g) for g in grads)
    return _scaled(grads, _torch_coef(max_norm, total)), total


def _clip_rms(grads, max_norm):
    total = torch.cat([g.reshape(-1) for g in grads]).pow(2).mean().sqrt()
    return _scaled(grads, _torch_coef(max_norm, total)), total


def _clip_nothing(grads, max_norm):
    return [g.clone() for g in grads], _global_norm(grads)


def _clip(grads, max_norm, *, norm=_global_norm, coefficient=_torch_coef):
    """torch's clipping in two parts, the norm and the scale factor from it; the catalogue's variants
    replace one part."""
    total = norm(grads)
    return _scaled(grads, coefficient(max_norm, total)), total


def _largest_entry(grads):
    """The infinity norm: the largest absolute entry of all the tensors."""
    return torch.stack([g.abs().max() for g in grads]).max()


def _upside_down_when_over(max_norm, total):
    """total / max_norm, applied only when the norm is over max_norm."""
    return total / max_norm if total > max_norm else torch.ones((), dtype=total.dtype)


def _eps_on_the_quotient(max_norm, total):
    """max_norm / total + 1e-6: the epsilon joins the quotient, capped at 1."""
    return torch.clamp(max_norm / total + _EPS, max=1.0)


def _upside_down_capped(max_norm, total):
    """total / max_norm, capped at 1 as torch caps its own factor."""
    return torch.clamp(total / max_norm, max=1.0)


_UPSIDE_DOWN = (
    "your scale factor is upside down: it divides total_norm by max_norm, where torch's divides "
    "max_norm by the norm (and caps it at 1), so that a norm above max_norm shrinks to max_norm"
)


def _clip_norm_as_number(grads, max_norm):
    clipped, total = _torch_clip(grads, max_norm)
    return clipped, total.item()


register(
    Exercise(
        id="clip_grad_norm",
        title="Clip gradients by their global norm",
        signature="clip_grad_norm(grads, max_norm) -> (clipped_grads (a list), total_norm)",
        arg_names=("grads", "max_norm"),
        output_names=("clipped_grads", "total_norm"),
        make_cases=_clip_cases,
        lesson="09_vanishing_exploding",
        forbid_rnn=False,
        forbid_modules=("torch.nn.utils.clip_grad",),
        number_note="torch's clip_grad_norm_ returns total_norm as a 0-dim tensor, and so should yours: not a "
        "Python number from .item(), float() or math.sqrt",
        atol=0.0,  # some cases are tiny (1e-7): compare relative to the size of each value only
        mistakes=(
            Mistake(
                "total_norm_as_number",
                "your total_norm is a Python number (from .item(), float() or math.sqrt): torch's "
                "clip_grad_norm_ returns it as a 0-dim tensor",
                _clip_norm_as_number,
            ),
            Mistake(
                "per_tensor",
                "you clip each tensor by its own norm; torch scales all of them by one "
                "coefficient computed from the global norm",
                _clip_per_tensor,
            ),
            Mistake(
                "clamped_values",
                "you clamp the values; clipping by norm scales every gradient by the same "
                "factor, keeping its direction",
                _clip_values,
            ),
            Mistake(
                "always_scales",
                "you scale even when the norm is below max_norm, which blows small gradients up; "
                "the coefficient is capped at 1.0",
                _clip_always_scales,
            ),
            Mistake(
                "l1_norm",
                "your norm is the L1 norm (sum of absolute values); use the L2 norm",
                _clip_l1,
            ),
            Mistake(
                "norm_after",
                "you return the norm after clipping; total_norm is the norm before clipping",
                _clip_norm_after,
            ),
            Mistake(
                "eps_outside_the_division",
                "your 1e-6 is added to the quotient max_norm / total_norm, not to the norm it divides "
                "by: division binds tighter than addition, so the sum that divides needs brackets",
                variant(_clip, coefficient=_eps_on_the_quotient),
            ),
            Mistake(
                "without_eps",
                "you divide by total_norm alone; torch divides by total_norm + 1e-6, which matters "
                "when the norm is tiny",
                _clip_without_eps,
            ),
            Mistake(
                "squared_norm",
                "your total_norm is the sum of squares; take its square root",
                _clip_squared_norm,
            ),
            Mistake(
                "sum_of_norms",
                "you add up the norms of the tensors; the global norm is the L2 norm of all "
                "entries together, as if the tensors were one long vector",
                _clip_sum_of_norms,
            ),
            Mistake(
                "rms_norm",
                "your norm averages the squares (a root-mean-square); the L2 norm adds them up",
                _clip_rms,
            ),
            Mistake("unclipped", "your clipped_grads are the inputs unchanged", _clip_nothing),
            Mistake(
                "coefficient_upside_down",
                _UPSIDE_DOWN,
                variant(_clip, coefficient=_upside_down_when_over),
            ),
            Mistake(
                "coefficient_upside_down_capped",
                _UPSIDE_DOWN,
                variant(_clip, coefficient=_upside_down_capped),
            ),
            Mistake(
                "largest_entry_norm",
                "your norm is the largest absolute entry (the infinity norm); the global norm is "
                "the L2 norm: the square root of the sum of the squares of all entries",
                variant(_clip, norm=_largest_entry),
            ),
        ),
        hints=(
            "Two steps: one number for all the gradients together (their global L2 norm), then one "
            "scale factor applied to every tensor. Clipping changes the length of the gradient, "
            "never its direction.",
            "The global norm treats all the tensors as one long vector: square every entry of every "
            "tensor, add them all up, then take one square root.",
            "torch's scale factor divides max_norm by the norm plus a tiny 1e-6 (so that it never "
            "divides by zero) and caps the factor at 1.0, so gradients whose norm is already small "
            "are left as they are. Build new tensors rather than changing the inputs in place, and return "
            "total_norm as a 0-dim tensor.",
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# 10. last_valid_output
# ---------------------------------------------------------------------------------------------

# (lengths, L, H, batch_first, padding). "garbage" padding: the output of running the RNN over the
# whole padded batch (what you get without packing); "zeros": pad_packed_sequence's output.
# The first case is one where an off-by-one index or a time-major index into a batch-first output
# still runs (and is wrong), so that the checker can name those mistakes when a later case raises.
_LAST_SPECS = [
    ([3, 3, 3], 5, 2, True, "garbage", "all lengths equal, shorter than L"),
    ([3, 5, 1, 4], 5, 3, False, "zeros", "lengths unsorted, from 1 to L"),
    ([2, 6, 1], 6, 2, True, "garbage", "lengths unsorted, from 1 to L"),
    ([6, 6, 6, 6, 6], 6, 3, False, "garbage", "all lengths equal to L"),
    ([2], 3, 5, True, "zeros", "one sequence, shorter than L"),
    ([3, 7, 1, 5, 2, 7], 7, 2, False, "garbage", "lengths unsorted, from 1 to L"),
    ([5, 4, 2, 1], 5, 3, True, "zeros", "lengths sorted longest first, from 1 to L"),
]


def _last_case(seed, lengths, length, hidden_size, batch_first, padding, description):
    gen = generator(seed)
    n, input_size = len(lengths), 2
    rnn = torch_rnn(
        rnn_params(gen, input_size, hidden_size, scale=0.8),
        input_size,
        hidden_size,
        batch_first=batch_first,
    )
    x = randn(
        gen, *((n, length) if batch_first else (length, n)), input_size
    )  # padding is random too
    lengths = torch.tensor(lengths)  # (N,) int64
    packed = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
    with torch.no_grad():
        packed_output, h_n = rnn(packed)  # h_n: (1, N, H), in the batch's original order
        if padding == "zeros":
            output, _ = pad_packed_sequence(
                packed_output, batch_first=batch_first, total_length=length
            )
        else:
            output, _ = rnn(x)  # (L, N, H) or (N, L, H), padding steps computed too
    label = f"{dims_label(N=n, L=length, H=hidden_size)}, batch_first={batch_first}, {description}"
    if int(lengths.min()) < length:  # some sequence is padded
        label += f", padding holds {'zeros' if padding == 'zeros' else 'non-zero values'}"
    return Case((output, lengths, batch_first), h_n[-1], label, ("(N, H)",))


def _last_cases():
    return [_last_case(1000 + i, *spec) for i, spec in enumerate(_LAST_SPECS)]


def _time_major(output, batch_first):
    """(L, N, H) whatever the layout."""
    return output.transpose(0, 1) if batch_first else output


def _rows_at(output, steps, batch_first):
    """Row steps[i] of sequence i: (N, H)."""
    return _time_major(output, batch_first)[steps, torch.arange(len(steps))]


def _last_rows(output, lengths, batch_first):
    """Row lengths[i] - 1 of sequence i (N, H): the answer for any arguments, to name mistakes by."""
    return _rows_at(output, lengths - 1, batch_first)


def _last_output(output, lengths, batch_first, *, steps=None, pool=None):
    """torch's pick in parts: the step of each sequence (lengths - 1 unless ``steps(lengths, L)``
    says otherwise), or ``pool(seq, mask)`` over its real steps in place of one pick."""
    seq = _time_major(output, batch_first)  # (L, N, H)
    if pool is not None:
        mask = torch.arange(seq.shape[0])[:, None] < lengths[None, :]  # (L, N): the real steps
        return pool(seq, mask)
    chosen = lengths - 1 if steps is None else steps(lengths, seq.shape[0])
    return seq[chosen, torch.arange(len(lengths))]


def _mean_of_real_steps(seq, mask):
    return (seq * mask[..., None]).sum(0) / mask.sum(0)[:, None]


def _lengths_capped(lengths, length):
    """lengths used as the index without - 1, capped at the last step so that it runs."""
    return lengths.clamp(max=length - 1)


def _from_the_end(lengths, length):
    """lengths[i] steps back from the padded end: index L - lengths[i]."""
    return length - lengths


def _last_padded_step(output, lengths, batch_first):
    return _time_major(output, batch_first)[-1]


def _last_along_axis_0(output, lengths, batch_first):
    return output[-1]


def _first_step(output, lengths, batch_first):
    return _time_major(output, batch_first)[0]


def _last_nonzero_row(output, lengths, batch_first):
    nonzero = _time_major(output, batch_first).ne(0).any(dim=-1)  # (L, N)
    steps = (
        nonzero.long().cumsum(0).argmax(0)
    )  # first step reaching the final count: the last nonzero
    return _rows_at(output, steps, batch_first)


def _sorted_lengths(output, lengths, batch_first):
    steps = lengths.sort(descending=True).values - 1
    return _rows_at(output, steps, batch_first)


def _sorted_rows(output, lengths, batch_first):
    order = lengths.sort(descending=True).indices
    return _time_major(output, batch_first)[lengths[order] - 1, order]


def _off_by_one(output, lengths, batch_first):
    return _rows_at(output, lengths, batch_first)


def _time_major_always(output, lengths, batch_first):
    return output[lengths - 1, torch.arange(len(lengths))]


def _whole_steps(output, lengths, batch_first):
    return _time_major(output, batch_first)[lengths - 1]  # (N, N, H)


def _summed_over_time(output, lengths, batch_first):
    return _time_major(output, batch_first).sum(0)


def _layout_flag_inverted(output, lengths, batch_first):
    steps = output.transpose(0, 1) if batch_first else output  # batch-first only when it was not
    return steps[torch.arange(len(lengths)), lengths - 1]


def _batch_first_always(output, lengths, batch_first):
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.shape[-1])  # (N, 1, H)
    return output.gather(1, index).squeeze(1)


register(
    Exercise(
        id="last_valid_output",
        solve=_last_rows,
        title="Each sequence's output at its last real step",
        signature="last_valid_output(output, lengths, batch_first) -> last",
        arg_names=("output", "lengths", "batch_first"),
        output_names=("last",),
        make_cases=_last_cases,
        lesson="10_variable_length_batches",
        forbid_rnn=False,
        mistakes=(
            Mistake(
                "batch_first_always",
                "you read the time steps from axis 1 whatever the layout: with batch_first=False, output "
                "is (L, N, H) and axis 1 is the batch, so lengths - 1 indexes the wrong axis",
                _batch_first_always,
            ),
            Mistake(
                "layout_flag_inverted",
                "batch_first is read the wrong way round: you move time to the front when "
                "batch_first=True and index as if the batch came first, so in both layouts lengths - 1 "
                "indexes the wrong axis (batch_first=True means output is (N, L, H))",
                _layout_flag_inverted,
            ),
            Mistake(
                "last_padded_step",
                "you take the last padded step for every sequence; a shorter sequence ends earlier, "
                "and the steps after its end are padding",
                _last_padded_step,
            ),
            Mistake(
                "last_along_axis_0",
                "you take output[-1] whatever the layout: with batch_first=True the first axis is "
                "the batch, not time",
                _last_along_axis_0,
            ),
            Mistake(
                "first_step",
                "you take the first time step; you want each sequence's last real step",
                _first_step,
            ),
            Mistake(
                "off_by_one",
                "off by one: sequence i's real steps are x_1 .. x_{lengths[i]}, and step t sits at "
                "index t - 1, so index lengths[i] is one past its last real step",
                _off_by_one,
            ),
            Mistake(
                "time_major_always",
                "you index output as (L, N, H) even when batch_first=True, where it is (N, L, H)",
                _time_major_always,
            ),
            Mistake(
                "last_nonzero_row",
                "you look for the last nonzero row, but padding is not always zero (without packing "
                "the RNN computes outputs there too); use lengths",
                _last_nonzero_row,
            ),
            Mistake(
                "sorted_lengths",
                "you use the lengths sorted longest first but the batch in its original order; "
                "lengths[i] belongs to sequence i",
                _sorted_lengths,
            ),
            Mistake(
                "sorted_rows",
                "your rows come out sorted by length; keep the batch's original order",
                _sorted_rows,
            ),
            Mistake(
                "whole_steps",
                "you index only the time axis, which picks whole time steps (every sequence at each "
                "length); pick one row per sequence",
                _whole_steps,
            ),
            Mistake(
                "mean_of_real_steps",
                "you average each sequence's outputs over its real steps, where the exercise picks "
                "one of them: the output at that sequence's last real step",
                variant(_last_output, pool=_mean_of_real_steps),
            ),
            Mistake(
                "off_by_one_capped",
                "off by one: sequence i's real steps are x_1 .. x_{lengths[i]}, and step t sits at "
                "index t - 1, so index lengths[i] is one past its last real step (capping the index "
                "at the last step hides it only for the "
                "sequences that fill the whole length)",
                variant(_last_output, steps=_lengths_capped),
            ),
            Mistake(
                "counted_from_the_end",
                "you count lengths[i] steps back from the end of the padded time axis, which lands in "
                "the padding for a sequence shorter than L: the real steps x_1 .. x_{lengths[i]} come "
                "first and the padding after them",
                variant(_last_output, steps=_from_the_end),
            ),
            Mistake(
                "summed_over_time",
                "you add up the outputs over time; you want one step per sequence",
                _summed_over_time,
            ),
        ),
        hints=(
            "Sequence i has lengths[i] real steps, x_1 .. x_{lengths[i]}, and step t sits at index t - 1. At "
            "which time index is its last real step? What sits in the time steps after it?",
            "You need one (time index, batch index) pair per sequence. Indexing a tensor with two "
            "index tensors of the same length picks one element per pair.",
            "With batch_first=True the batch is axis 0 and time axis 1; with batch_first=False it is "
            "the other way round. Handle the layout first, and never rely on padding being zero.",
        ),
    )
)
