"""Attempts at rnn_loss (lesson 07, predictions and loss)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    """Every state h_1 .. h_L: (L, N, H)."""
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states)


def softmax_before_cross_entropy(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = (
        _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    )  # (L, N, C)
    probs = torch.softmax(logits, dim=-1)
    return F.cross_entropy(probs.reshape(-1, probs.shape[-1]), targets.reshape(-1))


def last_step_only(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    output = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    return F.cross_entropy(output[-1] @ weight_out.T + bias_out, targets[-1])


def targets_flattened_batch_major(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = (
        _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    )  # (L, N, C)
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.T.reshape(-1))


def reshape_to_classes_second(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = (
        _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    )  # (L, N, C)
    L, N, C = logits.shape
    return F.cross_entropy(logits.reshape(N, C, L), targets.T)


def head_without_bias(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T  # o_t = h_t V^T
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten())


def logits_from_state_before_step(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, logits = h0, []
    for t in range(1, x.shape[0] + 1):
        logits.append(h @ weight_out.T + bias_out)  # the prediction for step t
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    logits = torch.stack(logits)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def sum_of_step_means(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    output = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    total = 0
    for t in range(1, x.shape[0] + 1):
        total = total + F.cross_entropy(
            output[t - 1] @ weight_out.T + bias_out, targets[t - 1]
        )  # L_t
    return total


def ignores_h0(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    start = torch.zeros_like(h0)  # nn.RNN starts from zeros
    logits = _states(x, start, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def nll_loss_on_logits(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return F.nll_loss(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def log_softmax_and_gather(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = torch.addmm(
        bias_out, _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh).flatten(0, 1), weight_out.T
    )
    log_probs = torch.log_softmax(logits, dim=1)  # (L*N, C)
    picked = log_probs.gather(1, targets.reshape(-1, 1))  # (L*N, 1)
    return -picked.mean()


def classes_on_axis_one_of_each_step(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = torch.einsum(
        "lnh,ch->lnc", _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh), weight_out
    )
    logits = logits + bias_out
    # (L, C, N) with targets (L, N): L plays the batch, N the extra axis
    return F.cross_entropy(logits.transpose(1, 2), targets)


ATTEMPTS = [
    Attempt(
        softmax_before_cross_entropy,
        False,
        "softmax is applied before F.cross_entropy, which expects raw logits and applies log-softmax itself.",
        ("softmax|probabilit|logit",),
    ),
    Attempt(
        last_step_only,
        False,
        "Only the last step's prediction is scored, as in many-to-one, instead of all L x N positions.",
        (
            "last|every step|all l|all positions|all the positions|many-to-one|many to one|each step",
        ),
    ),
    Attempt(
        targets_flattened_batch_major,
        False,
        "The logits are flattened time-major but the targets batch-major (targets.T), so scores and classes are "
        "paired with the wrong positions.",
        ("order|flatten|reshape|transpos|pair|align|match",),
    ),
    Attempt(
        reshape_to_classes_second,
        False,
        "The logits are reshaped to (N, C, L) instead of permuted, which scrambles which score belongs to which "
        "class and position.",
        ("reshape|view|permut|scrambl|transpos",),
    ),
    Attempt(head_without_bias, False, "bias_out is left out of the head.", ("bias",)),
    Attempt(
        logits_from_state_before_step,
        False,
        "Each step's logits come from the state before reading x_t (h_{t-1}), not from h_t.",
        ("shift|off by one|off-by-one|before|previous|h0|h_0|one step",),
    ),
    Attempt(
        sum_of_step_means,
        False,
        "The per-step mean losses are added up over time instead of averaged over all L x N positions.",
        ("sum|mean|averag|scale|factor",),
    ),
    Attempt(
        ignores_h0,
        False,
        "The given h0 is ignored and the RNN starts from zeros.",
        ("h0|h_0|initial|zero",),
    ),
    Attempt(
        nll_loss_on_logits,
        False,
        "F.nll_loss is given raw logits; it expects log-probabilities (log_softmax first).",
        ("log_softmax|log-softmax|log softmax|log|nll|probabilit",),
    ),
    Attempt(log_softmax_and_gather, True),
    Attempt(classes_on_axis_one_of_each_step, True),
]
