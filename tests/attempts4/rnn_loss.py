"""Attempts at rnn_loss (lesson 07, predictions and loss)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for x_t in x:
        h = torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states)  # (L, N, H)


def last_step_only(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    h_L = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)[-1]
    return F.cross_entropy(h_L @ weight_out.T + bias_out, targets[-1])


def targets_flattened_batch_first(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = (
        _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    )  # (L, N, C)
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.T.reshape(-1))


def softmax_before_loss(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    probs = torch.softmax(logits, dim=-1)
    return F.cross_entropy(probs.reshape(-1, probs.shape[-1]), targets.reshape(-1))


def summed_not_averaged(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum"
    )


def sum_of_step_means(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return sum(F.cross_entropy(logits[t], targets[t]) for t in range(logits.shape[0]))


def head_on_previous_states(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    before = torch.cat([h0[None], states[:-1]])  # (L, N, H): the state each step started from
    logits = before @ weight_out.T + bias_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def nll_on_raw_logits(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return F.nll_loss(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def head_without_bias(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def class_axis_moved(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    logits = (
        _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    )  # (L, N, C)
    return F.cross_entropy(logits.permute(0, 2, 1), targets)  # (L, C, N) against (L, N)


def mean_of_step_means(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    per_step = [
        F.cross_entropy(F.linear(h_t, weight_out, bias_out), y_t)
        for h_t, y_t in zip(states, targets)
    ]
    return torch.stack(per_step).mean()


ATTEMPTS = [
    Attempt(
        last_step_only,
        False,
        "The loss uses only the last step; a many-to-many loss averages over all L steps.",
        ("last|every step|all|many-to-many|step",),
    ),
    Attempt(
        targets_flattened_batch_first,
        False,
        "targets are transposed before flattening, so they no longer line up with the flattened (L*N, C) logits.",
        ("transpos|order|flatten|align|line up|reshape",),
    ),
    Attempt(
        softmax_before_loss,
        False,
        "softmax is applied before F.cross_entropy, which already applies log-softmax.",
        ("softmax|logit|twice",),
    ),
    Attempt(
        summed_not_averaged,
        False,
        "reduction='sum' adds the L*N losses instead of averaging them.",
        ("mean|sum|averag|reduction",),
    ),
    Attempt(
        sum_of_step_means,
        False,
        "The per-step mean losses are added over time instead of averaged.",
        ("mean|sum|averag",),
    ),
    Attempt(
        head_on_previous_states,
        False,
        "The head reads the state each step started from (h0..h_{L-1}) instead of the state after the step.",
        ("off|shift|before|after|step|h0",),
    ),
    Attempt(
        nll_on_raw_logits,
        False,
        "F.nll_loss is given raw logits; it expects log-probabilities (log_softmax first).",
        ("log_softmax|log-softmax|log softmax|log-prob|log prob|nll",),
    ),
    Attempt(head_without_bias, False, "The head leaves out bias_out.", ("bias",)),
    Attempt(class_axis_moved, True),
    Attempt(mean_of_step_means, True),
]
