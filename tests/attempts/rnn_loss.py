"""Attempts at lesson 07's `rnn_loss(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets)`."""

import torch
import torch.nn.functional as F
from torch import nn

from attempts import Attempt


def _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states)  # (L, N, H)


def permute_without_targets_t(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = (
        _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    )  # (L, N, C)
    return F.cross_entropy(logits.permute(1, 2, 0), targets)


def log_softmax_dim_1_then_gather(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    logp = torch.log_softmax(logits, dim=1)
    return -logp.gather(2, targets.unsqueeze(2)).mean()


def gather_without_unsqueeze(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    logp = torch.log_softmax(logits, dim=-1)
    return -logp.gather(2, targets).mean()


def float32_nn_rnn(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    rnn = nn.RNN(weight_ih.shape[1], weight_ih.shape[0])
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(weight_ih)
        rnn.weight_hh_l0.copy_(weight_hh)
        rnn.bias_ih_l0.copy_(bias_ih)
        rnn.bias_hh_l0.copy_(bias_hh)
    output, _ = rnn(x.float(), h0.float().unsqueeze(0))
    logits = output @ weight_out.float().T + bias_out.float()
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def summed_not_averaged(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum"
    )


def mean_per_step_summed_over_time(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return sum(F.cross_entropy(logits[t], targets[t]) for t in range(len(targets)))


def softmax_before_cross_entropy(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    probs = torch.softmax(logits, dim=-1)
    return F.cross_entropy(probs.reshape(-1, probs.shape[-1]), targets.reshape(-1))


def head_reads_previous_state(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    before = torch.cat([h0.unsqueeze(0), states[:-1]])  # h_0 .. h_{L-1}
    logits = before @ weight_out.T + bias_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def flattened_in_different_orders(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    flat = logits.transpose(0, 1).reshape(-1, logits.shape[-1])  # rows n-major
    return F.cross_entropy(flat, targets.reshape(-1))  # targets t-major


def head_on_last_state_only(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h_n = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)[-1]
    logits = h_n @ weight_out.T + bias_out  # (N, C)
    return F.cross_entropy(logits, targets[-1])


def loss_as_python_float(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten()).item()


def nll_with_time_last(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    logits = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) @ weight_out.T + bias_out
    return F.nll_loss(F.log_softmax(logits, -1).permute(1, 2, 0), targets.T)


def logsumexp_by_hand(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    logits = torch.einsum(
        "lnh,ch->lnc", _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh), weight_out
    )
    logits = logits + bias_out
    picked = logits.gather(-1, targets[..., None]).squeeze(-1)  # (L, N)
    return (torch.logsumexp(logits, dim=-1) - picked).mean()


def per_step_weighted(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    states = _states(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    total = torch.zeros((), dtype=x.dtype)
    for t in range(states.shape[0]):
        logits = states[t] @ weight_out.T + bias_out
        total = total + F.cross_entropy(logits, targets[t], reduction="sum")
    return total / targets.numel()


ATTEMPTS = [
    Attempt(
        permute_without_targets_t,
        False,
        "logits are permuted to (N, C, L) but the targets stay (L, N); they need .T to (N, L).",
        ("target",),
    ),
    Attempt(
        log_softmax_dim_1_then_gather,
        False,
        "log_softmax runs over dim 1, the batch axis; the classes are on the last axis.",
        ("softmax", "dim|axis"),
    ),
    Attempt(
        gather_without_unsqueeze,
        False,
        "gather needs an index with as many dimensions as the input: targets.unsqueeze(-1).",
        ("unsqueeze|dimension|index",),
    ),
    Attempt(
        float32_nn_rnn,
        False,
        "A default nn.RNN is float32, so the float64 case is computed in float32 and loses precision.",
        ("float32",),
    ),
    Attempt(
        summed_not_averaged,
        False,
        "The losses are summed instead of averaged.",
        ("sum|mean|average",),
    ),
    Attempt(
        mean_per_step_summed_over_time,
        False,
        "Each step's mean is summed over time instead of one mean over all L*N positions.",
        ("sum|mean|average",),
    ),
    Attempt(
        softmax_before_cross_entropy,
        False,
        "softmax is applied before F.cross_entropy, which already applies log_softmax to raw scores.",
        ("softmax",),
    ),
    Attempt(
        head_reads_previous_state,
        False,
        "The head reads h_{t-1} instead of h_t: the states are shifted by one step (h0 included, h_L dropped).",
        ("h0|shift|previous|before",),
    ),
    Attempt(
        flattened_in_different_orders,
        False,
        "logits are flattened batch-major but the targets time-major, so rows meet the wrong targets.",
        ("order|transpos|align|match",),
    ),
    Attempt(
        head_on_last_state_only,
        False,
        "The head is applied to the last state only (many-to-one); the loss averages over every step.",
        ("every|each|all|last",),
    ),
    Attempt(
        loss_as_python_float,
        False,
        "It returns loss.item(), a Python number, not a 0-dim tensor.",
        ("tensor|item",),
    ),
    Attempt(nll_with_time_last, True),
    Attempt(logsumexp_by_hand, True),
    Attempt(per_step_weighted, True),
]
