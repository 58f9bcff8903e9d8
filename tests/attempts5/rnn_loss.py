"""Attempts at rnn_loss (lesson 07_predictions_and_loss)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    """h_1 .. h_L stacked: (L, N, H)."""
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states)


def softmax_before_loss(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    probs = torch.softmax(logits, dim=-1)  # the model should output probabilities
    C = probs.shape[-1]
    return F.cross_entropy(probs.reshape(-1, C), targets.reshape(-1))


def targets_transposed(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.T.reshape(-1))  # targets as (N, L)


def sum_of_step_losses(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    total = 0
    for t in range(1, x.shape[0] + 1):
        total = total + F.cross_entropy(states[t - 1] @ weight_out.T + bias_out, targets[t - 1])
    return total


def head_on_starting_states(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    read = torch.cat([h0.unsqueeze(0), states[:-1]])  # h_0 .. h_{L-1}
    logits = read @ weight_out.T + bias_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def last_step_only(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    return F.cross_entropy(states[-1] @ weight_out.T + bias_out, targets[-1])


def returns_python_number(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    return loss.item()


def head_without_bias(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def nll_of_probabilities(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    probs = torch.softmax(logits, dim=-1)
    return F.nll_loss(probs.reshape(-1, probs.shape[-1]), targets.reshape(-1))


def classes_on_axis_one(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = (
        _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    )  # (L, N, C)
    return F.cross_entropy(logits.transpose(1, 2), targets)  # (L, C, N) with targets (L, N)


def log_softmax_and_gather(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = torch.einsum(
        "lnh,ch->lnc", _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh), weight_out
    )
    logits = logits + bias_out
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)  # (L, N, C)
    picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (L, N)
    return -picked.mean()


def mean_of_step_means(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    per_step = [
        F.cross_entropy(F.linear(h_t, weight_out, bias_out), y_t)
        for h_t, y_t in zip(states, targets)
    ]
    return torch.stack(per_step).mean()  # every step has N positions, so this is the mean over L*N


ATTEMPTS = [
    Attempt(
        softmax_before_loss,
        False,
        "applies softmax before F.cross_entropy, which applies log-softmax itself and wants logits",
        ("softmax|probabilit|logit",),
    ),
    Attempt(
        targets_transposed,
        False,
        "flattens the targets as if they were (N, L), so each logit is paired with another position's class",
        ("target|order|transpos|align|position|flatten|layout",),
    ),
    Attempt(
        sum_of_step_losses,
        False,
        "adds up the per-step losses as lesson 8 does instead of averaging over all L*N positions",
        ("sum|mean|averag",),
    ),
    Attempt(
        head_on_starting_states,
        False,
        "applies the head to h_0 .. h_{L-1}, the states each step started from, not h_1 .. h_L",
        ("h_{t-1}|off|shift|previous|one step|h0|h_0",),
    ),
    Attempt(
        last_step_only,
        False,
        "scores only the last step, as in many-to-one, instead of every position",
        ("every|all|position|last|step",),
    ),
    Attempt(
        returns_python_number,
        False,
        "returns loss.item(), a Python float, instead of a 0-dim tensor",
        ("tensor|float|item|number",),
    ),
    Attempt(
        head_without_bias,
        False,
        "leaves bias_out out of the logits",
        ("bias",),
    ),
    Attempt(
        nll_of_probabilities,
        False,
        "passes softmax probabilities to F.nll_loss, which expects log-probabilities",
        ("log|nll|softmax",),
    ),
    Attempt(classes_on_axis_one, True),
    Attempt(log_softmax_and_gather, True),
    Attempt(mean_of_step_means, True),
]
