"""Attempts at rnn_loss (lesson 07, predictions and loss)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def softmax_before_cross_entropy(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    logits = torch.stack(states) @ weight_out.T + bias_out  # (L, N, C)
    probs = torch.softmax(logits, dim=-1)
    C = logits.shape[-1]
    return F.cross_entropy(probs.reshape(-1, C), targets.reshape(-1))


def last_step_only(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    h = h0
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    logits = h @ weight_out.T + bias_out  # (N, C)
    return F.cross_entropy(logits, targets[-1])


def flattened_in_different_orders(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    logits = torch.stack(states, dim=1) @ weight_out.T + bias_out  # (N, L, C)
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1))


def summed_not_averaged(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    logits = torch.stack(states) @ weight_out.T + bias_out
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1), reduction="sum")


def head_on_previous_states(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        states.append(h)  # the state the step starts from
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    logits = torch.stack(states) @ weight_out.T + bias_out
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1))


def nll_loss_on_logits(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    logits = torch.stack(states) @ weight_out.T + bias_out
    C = logits.shape[-1]
    return F.nll_loss(logits.reshape(-1, C), targets.reshape(-1))


def indexed_with_whole_targets(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    log_probs = torch.log_softmax(
        torch.stack(states) @ weight_out.T + bias_out, dim=-1
    )  # (L, N, C)
    return -log_probs[..., targets].mean()  # (L, N, L, N)


def no_output_bias(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    logits = torch.stack(states) @ weight_out.T
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1))


def starts_from_zeros(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    h, states = torch.zeros_like(h0), []  # nn.RNN's default start
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    logits = torch.stack(states) @ weight_out.T + bias_out
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1))


def returns_python_float(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, states = h0, []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    logits = torch.stack(states) @ weight_out.T + bias_out
    C = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1)).item()


def classes_on_axis_1(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    h, states = h0, []
    for x_t in x:
        h = torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    logits = torch.stack(states) @ weight_out.T + bias_out  # (L, N, C)
    return F.cross_entropy(logits.transpose(1, 2), targets)  # (L, C, N) with targets (L, N)


def log_sum_exp_by_hand(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    L, N = targets.shape
    output = x.new_empty(L, N, h0.shape[1])
    h = h0
    for t in range(L):
        h = torch.tanh(torch.addmm(bias_ih + bias_hh, x[t], weight_ih.T) + h @ weight_hh.T)
        output[t] = h
    logits = torch.einsum("lnh,ch->lnc", output, weight_out) + bias_out  # (L, N, C)
    target_logit = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (L, N)
    return (torch.logsumexp(logits, dim=-1) - target_logit).mean()


ATTEMPTS = [
    Attempt(
        softmax_before_cross_entropy,
        False,
        "softmax is applied before F.cross_entropy, which expects raw logits and applies log-softmax itself.",
        ("softmax|logit|probabilit",),
    ),
    Attempt(
        last_step_only,
        False,
        "only the last step is scored (many-to-one) instead of every one of the L * N positions.",
        ("last|every|all|many-to-one|position",),
    ),
    Attempt(
        flattened_in_different_orders,
        False,
        "the logits are flattened in (N, L) order but the targets in (L, N) order, so predictions are paired "
        "with the wrong targets.",
        ("order|pair|flatten|reshap|align|match|transpos",),
    ),
    Attempt(
        summed_not_averaged,
        False,
        "the loss is summed over the positions instead of averaged.",
        ("mean|sum|averag|reduction",),
    ),
    Attempt(
        head_on_previous_states,
        False,
        "the head reads the state each step starts from (h_0 .. h_{L-1}) instead of the state after reading x_t.",
        ("previous|h_0|h0|off by one|shift|before",),
    ),
    Attempt(
        nll_loss_on_logits,
        False,
        "F.nll_loss is given raw logits, so the log-softmax is missing.",
        ("log_softmax|log-softmax|log softmax|softmax|nll",),
    ),
    Attempt(
        indexed_with_whole_targets,
        False,
        "the class axis is indexed with the whole targets tensor, so every position is scored against every "
        "target instead of its own.",
        ("index|gather|every target|own",),
    ),
    Attempt(
        no_output_bias,
        False,
        "bias_out is left out of the head.",
        ("bias_out|bias",),
    ),
    Attempt(
        starts_from_zeros,
        False,
        "the RNN starts from zeros instead of the given h0.",
        ("h0|initial|zero",),
    ),
    Attempt(
        returns_python_float,
        False,
        "the loss is returned as a Python number with .item() instead of a 0-dim tensor.",
        ("tensor|item|float|number|type",),
    ),
    Attempt(classes_on_axis_1, True),
    Attempt(log_sum_exp_by_hand, True),
]
