"""Exercises over whole sequences: backpropagation through time, and a loss over padded batches.

Every expected answer comes from torch itself: autograd through nn.RNN (``rnn_backward``) and
F.cross_entropy on the real positions only (``masked_loss``), both in float64.

The catalogued mistakes below are wrong on purpose. Each is written in the learner's signature and
named in the learner's terms; the checker compares a failing answer with each of them.
"""

import torch
import torch.nn.functional as F

from .cases import (
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
# 8. rnn_backward
# ---------------------------------------------------------------------------------------------

_GRAD_NAMES = ("x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
_GRAD_SHAPES = ("(L, N, H_in)", "(N, H)", "(H, H_in)", "(H, H)", "(H,)", "(H,)")

# (L, N, H_in, H, which steps carry a loss). L=1 and N=1 included; L, N, H_in and H differ inside a
# case so that a swapped axis cannot hide. "last" is a many-to-one loss: grad_output is zero except at
# the last step, so everything before it learns only through the carried gradient.
_BPTT_SPECS = [
    (4, 3, 2, 6, "every"),
    (1, 2, 3, 4, "every"),
    (6, 1, 4, 3, "every"),
    (5, 4, 3, 2, "last"),
    (3, 2, 5, 6, "every"),
    (7, 3, 2, 4, "every"),
]


def _bptt_case(seed, length, n, input_size, hidden_size, steps):
    gen = generator(seed)
    params = rnn_params(gen, input_size, hidden_size, scale=0.6)
    x, h0 = randn(gen, length, n, input_size), randn(gen, n, hidden_size, scale=0.8)
    grad_output = randn(gen, length, n, hidden_size)  # (L, N, H)
    if steps == "last":
        grad_output[:-1] = 0.0
    rnn = torch_rnn(params, input_size, hidden_size)
    x_, h0_ = x.clone().requires_grad_(), h0.clone().requires_grad_()
    output, _ = rnn(x_, h0_.unsqueeze(0))  # (L, N, H)
    objective = (output * grad_output).sum()  # its gradient w.r.t. output is grad_output
    grads = torch.autograd.grad(objective, [x_, h0_, *rnn.parameters()])
    expected = dict(zip(_GRAD_NAMES, (g.detach() for g in grads)))
    label = dims_label(L=length, N=n, H_in=input_size, H=hidden_size)
    label += ", a loss at every step" if steps == "every" else ", a loss at the last step only"
    return Case((x, h0, *params.values(), grad_output), expected, label, _GRAD_SHAPES)


def _bptt_cases():
    return [_bptt_case(1100 + i, *spec) for i, spec in enumerate(_BPTT_SPECS)]


def _all_states(x, h0, w_ih, w_hh, b_ih, b_hh):
    """h_0, h_1 .. h_L from torch's forward pass (no autograd): (L + 1, N, H)."""
    params = {"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
    rnn = torch_rnn(params, w_ih.shape[1], w_ih.shape[0])
    with torch.no_grad():
        output, _ = rnn(x, h0.unsqueeze(0))  # (L, N, H)
    return torch.cat([h0.unsqueeze(0), output])  # (L + 1, N, H)


# The correct backward pass, in named parts. Each catalogued mistake below replaces one part
# (``variant``); the code index t (0-based) holds x_{t+1}, ``states[t + 1]`` is h_{t+1} and
# ``states[t]`` the state before it.


def _bptt(
    x,
    h0,
    w_ih,
    w_hh,
    b_ih,
    b_hh,
    grad_output,
    *,
    start=lambda h0: h0,
    steps=lambda length: reversed(range(length)),
    own=lambda grad_output, t: grad_output[t],
    arriving=lambda own, carried, t, length: own + carried,
    slope=lambda h_new, h_old, a: 1 - h_new**2,
    before=lambda states, t: states[t],
    bias_grad=lambda da: da.sum(0),
    add=lambda total, step: total + step,
    x_grad=lambda da, dh, w_ih: da @ w_ih,
    send_back=lambda da, dh, w_hh: da @ w_hh,
    h0_grad=lambda carried, first_dh: carried,
    shared=lambda total, length: total,
):
    """The gradients of rnn_backward, torch's way unless a part is replaced. -> dict of tensors."""
    states = _all_states(x, start(h0), w_ih, w_hh, b_ih, b_hh)  # (L + 1, N, H): h_0 .. h_L
    length = len(x)
    sums = {"weight_ih": torch.zeros_like(w_ih), "weight_hh": torch.zeros_like(w_hh), "bias": 0}
    grad_x = torch.zeros_like(x)
    carried, first_dh = torch.zeros_like(h0), None  # dL/dh_{t+1} arriving from the step after
    for t in steps(length):
        a = x[t] @ w_ih.T + b_ih + states[t] @ w_hh.T + b_hh  # (N, H): the pre-activation
        dh = arriving(own(grad_output, t), carried, t, length)  # (N, H)
        da = dh * slope(states[t + 1], states[t], a)  # (N, H)
        step = {
            "weight_ih": da.T @ x[t],
            "weight_hh": da.T @ before(states, t),
            "bias": bias_grad(da),
        }
        sums = {k: add(sums[k], step[k]) for k in sums}
        grad_x[t] = x_grad(da, dh, w_ih)
        carried, first_dh = send_back(da, dh, w_hh), dh
    sums = {k: shared(v, length) for k, v in sums.items()}
    return {
        "x": grad_x,
        "h0": h0_grad(carried, first_dh),
        "weight_ih": sums["weight_ih"],
        "weight_hh": sums["weight_hh"],
        "bias_ih": sums["bias"],
        "bias_hh": sums["bias"],
    }


def _bptt_weights_transposed(*args):
    grads = _bptt(*args)
    return {**grads, "weight_ih": grads["weight_ih"].T, "weight_hh": grads["weight_hh"].T}


def _bptt_h0_one_step_short(*args):
    """h0's gradient taken where the backward loop stops one step early: what the later steps send back
    to h_1, without the first step's own gradient and without the step from h_1 back to h0."""
    grads = _bptt(*args, h0_grad=lambda carried, first_dh: first_dh)  # dL/dh_1
    return {**grads, "h0": grads["h0"] - args[6][0]}  # less grad_output at x_1's step


def _bptt_sign(*args):
    return {k: -v for k, v in _bptt(*args).items()}


register(
    Exercise(
        id="rnn_backward",
        title="Backpropagation through time for a whole layer, by hand",
        signature="rnn_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output) -> grads (a dict)",
        arg_names=("x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "grad_output"),
        output_names=("grads",),
        make_cases=_bptt_cases,
        lesson="08_backprop_through_time",
        forbid_rnn=True,
        forbid_autograd=True,
        mistakes=(
            Mistake(
                "no_carry",
                "no gradient is carried back from later steps: the gradient at h_t must add what "
                "comes back from h_{t+1} to grad_output's own entry",
                variant(_bptt, arriving=lambda own, carried, t, length: own),
            ),
            Mistake(
                "last_output_grad_only",
                "only the last step's grad_output is used: every step's output is in the objective, "
                "so step t's output gradient (grad_output[t - 1]) joins the carried gradient at every step",
                variant(
                    _bptt,
                    arriving=lambda own, carried, t, length: (
                        own + carried if t == length - 1 else carried
                    ),
                ),
            ),
            Mistake(
                "walks_forwards",
                "you walk through time forwards; the gradient flows from the last step back to the first",
                variant(_bptt, steps=range),
            ),
            Mistake(
                "tanh_slope_at_pre_activation",
                "you take tanh's derivative at the pre-activation (1 - a²); it is 1 - h_t², with h_t = "
                "tanh(a) the state the step produced",
                variant(_bptt, slope=lambda h_new, h_old, a: 1 - a**2),
            ),
            Mistake(
                "tanh_slope_at_previous_state",
                "tanh's derivative at step t uses the previous state h_{t-1}; it needs h_t, the state that "
                "step produced",
                variant(_bptt, slope=lambda h_new, h_old, a: 1 - h_old**2),
            ),
            Mistake(
                "no_tanh_slope",
                "your gradients leave out the derivative of tanh",
                variant(_bptt, slope=lambda h_new, h_old, a: torch.ones_like(h_new)),
            ),
            Mistake(
                "tanh_slope_unsquared",
                "tanh's derivative is 1 - h_t², squared; yours is 1 - h_t",
                variant(_bptt, slope=lambda h_new, h_old, a: 1 - h_new),
            ),
            Mistake(
                "tanh_twice_in_slope",
                "you apply tanh to h_t again inside the derivative; h_t is already tanh of the "
                "pre-activation",
                variant(_bptt, slope=lambda h_new, h_old, a: 1 - torch.tanh(h_new) ** 2),
            ),
            Mistake(
                "carry_skips_tanh_slope",
                "the gradient you carry back to h_{t-1} skips tanh's derivative: carry the gradient at "
                "the pre-activation through weight_hh, not the gradient at h_t",
                variant(_bptt, send_back=lambda da, dh, w_hh: dh @ w_hh),
            ),
            Mistake(
                "carry_through_w_hh_transposed",
                "the gradient you carry back uses weight_hh transposed; h_{t-1} was multiplied by "
                "W_hh^T, so the way back uses W_hh itself",
                variant(_bptt, send_back=lambda da, dh, w_hh: da @ w_hh.T),
            ),
            Mistake(
                "weight_hh_paired_with_new_state",
                "weight_hh's gradient pairs each step with its new state h_t; weight_hh multiplied the "
                "state before the step, h_{t-1}",
                variant(_bptt, before=lambda states, t: states[t + 1]),
            ),
            Mistake(
                "previous_state_wraps_round",
                "at the first step your previous state is h_L: an index of -1 into output (reading output[i - 1] "
                "with the loop's first i, 0) wraps round to the last step; before the first step comes h0",
                variant(_bptt, before=lambda states, t: states[t] if t else states[-1]),
            ),
            Mistake(
                "shared_grads_overwritten",
                "your weight and bias gradients come from one step only: a shared weight collects a "
                "contribution from every step, so add them up instead of overwriting",
                variant(_bptt, add=lambda total, step: step),
            ),
            Mistake(
                "h0_grad_zero",
                "your gradient for h0 is zero (or missing): h0 feeds the first step, so the gradient "
                "carried back from it reaches h0",
                variant(_bptt, h0_grad=lambda carried, first_dh: torch.zeros_like(carried)),
            ),
            Mistake(
                "h0_grad_is_grad_at_h_1",
                "your gradient for h0 is the gradient at h_1: one more step back, through tanh and "
                "weight_hh, is still to go",
                variant(_bptt, h0_grad=lambda carried, first_dh: first_dh),
            ),
            Mistake(
                "h0_grad_one_step_short",
                "your gradient for h0 stops one step short: it is what the later steps send back to "
                "h_1, so the first step (its own gradient, then back through tanh and weight_hh to h0) "
                "is missing; the backward loop runs over every step, down to x_1's",
                _bptt_h0_one_step_short,
            ),
            Mistake(
                "weights_transposed",
                "your weight gradients are transposed: a gradient has the shape of its weight, "
                "(H, H_in) and (H, H)",
                _bptt_weights_transposed,
            ),
            Mistake(
                "bias_grad_not_summed_over_batch",
                "your bias gradients are added up over time but not over the batch: a bias is shared "
                "by every row and every step, so its gradient has shape (H,)",
                variant(_bptt, bias_grad=lambda da: da),
            ),
            Mistake(
                "bias_grad_summed_over_units",
                "your bias gradients add up over the hidden units; they add up over the batch (and "
                "over time), one entry per hidden unit",
                variant(_bptt, bias_grad=lambda da: da.sum(1)),
            ),
            Mistake(
                "bias_grad_mean_over_batch",
                "your bias gradients average over the batch; they add up the rows' contributions",
                variant(_bptt, bias_grad=lambda da: da.mean(0)),
            ),
            Mistake(
                "shared_grads_mean_over_time",
                "your weight and bias gradients average over the time steps; a shared weight's gradient "
                "adds up every step's contribution",
                variant(_bptt, shared=lambda total, length: total / length),
            ),
            Mistake(
                "grad_output_step_flipped",
                "you pair grad_output with the wrong step: walking backwards, grad_output[t - 1] still "
                "belongs to the state h_t of step t, not to the step as many places from the end",
                variant(_bptt, own=lambda grad_output, t: grad_output[len(grad_output) - 1 - t]),
            ),
            Mistake(
                "forward_pass_ignores_h0",
                "your forward pass starts from zeros and ignores h0; the states before each step start "
                "from h0",
                variant(_bptt, start=torch.zeros_like),
            ),
            Mistake(
                "x_grad_skips_tanh_slope",
                "your gradient for x skips tanh's derivative: x reaches the state through tanh, like "
                "everything else in the step",
                variant(_bptt, x_grad=lambda da, dh, w_ih: dh @ w_ih),
            ),
            Mistake("sign", "all your gradients have the wrong sign", _bptt_sign),
        ),
        hints=(
            "Run the forward pass first and keep every state, h0 included: the backward pass needs the "
            "state before each step and the state after it. Then walk through time from the last step "
            "to the first.",
            "At each step the gradient at that step's new state has two parts: its own entry of "
            "grad_output, and what the step after it sent back. From there one step backwards is exactly "
            "the cell's backward pass from the previous exercise, and it returns what to send back next.",
            "The weights and biases are shared by every step, so their gradients are sums over steps "
            "(start them at zero and add). The input gradient has one slice per step. h0's gradient is "
            "what the first step sends back.",
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# 10. masked_loss
# ---------------------------------------------------------------------------------------------

# (lengths, L, C, batch_first, description). Padded positions hold random logits and random valid
# class indices, never a special value. The first two cases have L == N (one batch-first, one
# time-major), and the first also C == L, so that answers which mix up the layout, lay the mask out
# the other way or put the classes on the wrong axis still run there (and are wrong): the checker
# can then name those mistakes when a later case raises.
_MASK_SPECS = [
    ([4, 1, 3], 4, 6, True, "lengths unsorted, from 1 to L"),
    ([3, 1, 2, 2, 3], 3, 6, False, "lengths unsorted, from 1 to L"),
    ([5, 2, 3], 5, 4, False, "lengths unsorted, from 2 to L"),
    ([1, 6, 4, 2], 6, 3, True, "lengths unsorted, from 1 to L"),
    ([3], 4, 6, False, "one sequence, shorter than L"),
    ([1, 1, 1], 1, 2, True, "L = 1, no padding"),
    ([7, 3, 1, 5, 2], 7, 6, False, "lengths unsorted, from 1 to L"),
    ([4, 4, 4, 4, 4, 4], 4, 3, True, "all lengths equal to L, no padding"),
    ([6, 5, 2, 1], 6, 5, False, "lengths sorted longest first"),
]


def _mask_case(seed, lengths, length, classes, batch_first, description):
    gen = generator(seed)
    n = len(lengths)
    logits = randn(gen, length, n, classes, scale=1.5)  # (L, N, C), padding included
    targets = torch.randint(classes, (length, n), generator=gen)  # (L, N), padding too: any class
    lengths = torch.tensor(lengths)  # (N,) int64
    real = torch.arange(length)[:, None] < lengths[None, :]  # (L, N): time index t holds step t + 1
    expected = F.cross_entropy(logits[real], targets[real])  # mean over the real positions only
    if batch_first:
        logits, targets = (
            logits.transpose(0, 1).contiguous(),
            targets.T.contiguous(),
        )  # (N, L, C), (N, L)
    label = f"{dims_label(L=length, N=n, C=classes)}, batch_first={batch_first}, {description}"
    return Case((logits, targets, lengths, batch_first), expected, label, ("()",))


def _mask_cases():
    return [_mask_case(1200 + i, *spec) for i, spec in enumerate(_MASK_SPECS)]


def _time_major(logits, targets, batch_first):
    """(L, N, C) and (L, N) whatever the layout."""
    return (logits.transpose(0, 1), targets.T) if batch_first else (logits, targets)


def _per_position(logits, targets):
    """Cross-entropy at every position, (L, N, C), (L, N) -> (L, N)."""
    return F.cross_entropy(logits.permute(1, 2, 0), targets.T, reduction="none").T


def _real(lengths, length, shift=0):
    """(L, N) bool: True where time index t < lengths[n] + shift."""
    return torch.arange(length)[:, None] < lengths[None, :] + shift


def _masked_parts(logits, targets, lengths, batch_first):
    """Per-position losses and the mask, both (L, N)."""
    logits, targets = _time_major(logits, targets, batch_first)
    return _per_position(logits, targets), _real(lengths, len(targets))


def _ml_mean_everywhere(logits, targets, lengths, batch_first):
    return _per_position(*_time_major(logits, targets, batch_first)).mean()


def _ml_sum(*args):
    loss, real = _masked_parts(*args)
    return (loss * real).sum()


def _ml_divided_by_all(*args):
    loss, real = _masked_parts(*args)
    return (loss * real).sum() / real.numel()


def _ml_mean_of_sequence_means(*args):
    loss, real = _masked_parts(*args)
    return ((loss * real).sum(0) / real.sum(0)).mean()


def _ml_mean_of_step_means(*args):
    loss, real = _masked_parts(*args)
    counts = real.sum(1)  # (L,) real positions at each step
    per_step = (loss * real).sum(1)[counts > 0] / counts[
        counts > 0
    ]  # steps that have a real position
    return per_step.mean()


def _ml_time_major_always(logits, targets, lengths, batch_first):
    return _ml_masked_mean(logits, targets, lengths, False)


def _ml_masked_mean(logits, targets, lengths, batch_first, shift=0):
    logits, targets = _time_major(logits, targets, batch_first)
    real = _real(lengths, len(targets), shift)
    return (_per_position(logits, targets) * real).sum() / real.sum()


def _ml_one_step_too_many(logits, targets, lengths, batch_first):
    return _ml_masked_mean(logits, targets, lengths, batch_first, shift=1)


def _ml_one_step_too_few(logits, targets, lengths, batch_first):
    return _ml_masked_mean(logits, targets, lengths, batch_first, shift=-1)


def _ml_last_real_step_only(*args):
    loss, real = _masked_parts(*args)
    lengths = args[2]
    return loss[lengths - 1, torch.arange(len(lengths))].mean()


def _ml_ignore_index_zero(logits, targets, lengths, batch_first):
    logits, targets = _time_major(logits, targets, batch_first)
    return F.cross_entropy(logits.permute(1, 2, 0), targets.T, ignore_index=0)


def _ml_padding_as_class_0(logits, targets, lengths, batch_first):
    """The padded targets set to class 0 and class 0 ignored: real positions of class 0 dropped too."""
    loss, real = _masked_parts(logits, targets, lengths, batch_first)
    kept = real & (_time_major(logits, targets, batch_first)[1] != 0)  # (L, N)
    return (loss * kept).sum() / kept.sum()


def _ml_softmax_first(logits, targets, lengths, batch_first):
    return _ml_masked_mean(logits.softmax(-1), targets, lengths, batch_first)


def _ml_nll_on_logits(logits, targets, lengths, batch_first):
    logits, targets = _time_major(logits, targets, batch_first)
    picked = F.nll_loss(logits.permute(1, 2, 0), targets.T, reduction="none").T  # (L, N)
    real = _real(lengths, len(targets))
    return (picked * real).sum() / real.sum()


def _ml_zeroed_logits(logits, targets, lengths, batch_first):
    logits, targets = _time_major(logits, targets, batch_first)
    zeroed = logits * _real(lengths, len(targets)).unsqueeze(-1)  # (L, N, C)
    return _per_position(zeroed, targets).mean()


def _ml_sorted_lengths(logits, targets, lengths, batch_first):
    return _ml_masked_mean(logits, targets, lengths.sort(descending=True).values, batch_first)


def _ml_divided_by_batch(*args):
    loss, real = _masked_parts(*args)
    return (loss * real).sum() / real.shape[1]


def _ml_mask_batch_major_always(logits, targets, lengths, batch_first):
    """The mask built (N, L) and flattened in that order next to the losses flattened as they come."""
    loss = F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none"
    )
    real = (
        torch.arange(targets.shape[1 if batch_first else 0])[None, :] < lengths[:, None]
    )  # (N, L)
    return (loss * real.reshape(-1)).sum() / real.sum()


def _ml_classes_on_last_axis(logits, targets, lengths, batch_first):
    """(N, L, C) logits handed to cross_entropy as they are: it reads axis 1 as the classes."""
    logits, targets = _time_major(logits, targets, batch_first)
    logits, targets = logits.transpose(0, 1), targets.T  # (N, L, C), (N, L)
    loss = F.cross_entropy(logits, targets, reduction="none")  # only runs when L == C
    real = torch.arange(targets.shape[1])[None, :] < lengths[:, None]
    return (loss * real).sum() / real.sum()


def _ml_softmax_over_time(logits, targets, lengths, batch_first):
    logits, targets = _time_major(logits, targets, batch_first)
    log_probs = logits.log_softmax(dim=0)  # (L, N, C), normalised over time
    picked = -log_probs.gather(2, targets.unsqueeze(2)).squeeze(2)  # (L, N)
    real = _real(lengths, len(targets))
    return (picked * real).sum() / real.sum()


def _ml_sign(*args):
    return -_ml_masked_mean(*args)


def _ml_numerator_over_all_positions(*args):
    loss, real = _masked_parts(*args)
    return loss.sum() / real.sum()


def _ml_scores_reshaped(logits, targets, lengths, batch_first, time_major=False):
    """The scores read as (N, C, L) by reshape from (N, L, C) (or from (L, N, C) when time_major)."""
    logits, targets = _time_major(logits, targets, batch_first)  # (L, N, C), (L, N)
    if not time_major:
        logits, targets = logits.transpose(0, 1), targets.T  # (N, L, C), (N, L)
    loss = reshaped_scores_loss(logits, targets, time_major)  # (N, L)
    real = _real(lengths, loss.shape[1]).T  # (N, L)
    return (loss * real).sum() / real.sum()


def _ml_time_major_scores_reshaped(*args):
    return _ml_scores_reshaped(*args, time_major=True)


def _ml_targets_shifted(logits, targets, lengths, batch_first):
    logits, targets = _time_major(logits, targets, batch_first)
    real = _real(lengths - 1, len(targets) - 1)  # (L - 1, N)
    return (_per_position(logits[:-1], targets[1:]) * real).sum() / real.sum()


def _ml_mask_reshaped(*args):
    loss, real = _masked_parts(*args)  # (L, N) both
    wrong = real.reshape(real.shape[1], real.shape[0]).T  # (L, N) read as (N, L) by reshape
    return (loss * wrong).sum() / real.sum()


register(
    Exercise(
        id="masked_loss",
        title="Mean cross-entropy over the real positions of a padded batch",
        signature="masked_loss(logits, targets, lengths, batch_first) -> loss",
        arg_names=("logits", "targets", "lengths", "batch_first"),
        output_names=("loss",),
        make_cases=_mask_cases,
        lesson="10_variable_length_batches",
        forbid_rnn=False,
        mistakes=(
            Mistake(
                "numerator_over_all_positions",
                "your numerator sums the loss over every position, padding included, while the "
                "denominator counts the real positions only: mask the numerator too",
                _ml_numerator_over_all_positions,
            ),
            Mistake(
                "mask_reshaped_from_other_layout",
                "your mask is built in one layout ((L, N) or (N, L)) and reshaped, not transposed, into "
                "the other layout of the losses: reshape keeps the order of the numbers, so the mask "
                "marks the wrong positions; build it in the losses' layout, or transpose it",
                _ml_mask_reshaped,
            ),
            Mistake(
                "mean_everywhere",
                "your mean includes the padded positions; only the real positions count",
                _ml_mean_everywhere,
            ),
            Mistake(
                "sum_not_mean",
                "your loss is the sum over the real positions; the exercise asks for their mean",
                _ml_sum,
            ),
            Mistake(
                "divided_by_all",
                "you divide by every position, padding included (N·L); divide by the number of real "
                "positions",
                _ml_divided_by_all,
            ),
            Mistake(
                "mean_of_sequence_means",
                "you average each sequence first and then average the sequences, which weighs a short "
                "sequence's positions more; take one mean over all real positions",
                _ml_mean_of_sequence_means,
            ),
            Mistake(
                "mean_of_step_means",
                "you average each time step first and then average the steps, which weighs the few "
                "positions of late steps more; take one mean over all real positions",
                _ml_mean_of_step_means,
            ),
            Mistake(
                "time_major_always",
                "you treat logits as (L, N, C) even when batch_first=True, where it is (N, L, C)",
                _ml_time_major_always,
            ),
            Mistake("scores_reshaped", SCORES_RESHAPED, _ml_scores_reshaped),
            Mistake("time_major_scores_reshaped", SCORES_RESHAPED, _ml_time_major_scores_reshaped),
            Mistake("targets_shifted", TARGETS_SHIFTED, _ml_targets_shifted),
            Mistake(
                "one_step_too_many",
                "off by one: your mask keeps one padded step after each sequence; sequence n's real "
                "steps are x_1 .. x_{lengths[n]}, and step t sits at index t - 1",
                _ml_one_step_too_many,
            ),
            Mistake(
                "one_step_too_few",
                "off by one: your mask drops each sequence's last real step; sequence n's real steps "
                "are x_1 .. x_{lengths[n]}, and step t sits at index t - 1",
                _ml_one_step_too_few,
            ),
            Mistake(
                "last_real_step_only",
                "you score only each sequence's last real step; every real step has a target",
                _ml_last_real_step_only,
            ),
            Mistake(
                "ignore_index_zero",
                "you use ignore_index on the targets as they are, but padded targets may hold any class "
                "(0 included), and real targets can be that class too: mark the padding from lengths",
                _ml_ignore_index_zero,
            ),
            Mistake(
                "padding_as_class_0",
                "you set the padded targets to class 0 and ignore class 0, which also drops every real "
                "position whose target is class 0: class 0 is a real class; leave out the padding "
                "through the mask of real positions (from lengths) instead",
                _ml_padding_as_class_0,
            ),
            Mistake(
                "softmax_first",
                "you apply softmax before the cross-entropy; F.cross_entropy expects raw scores (logits) "
                "and does the log-softmax itself",
                _ml_softmax_first,
            ),
            Mistake(
                "nll_on_logits",
                "you use nll_loss on raw logits; nll_loss expects log-probabilities (log_softmax first), "
                "or use cross_entropy",
                _ml_nll_on_logits,
            ),
            Mistake(
                "zeroed_logits",
                "you zero the logits at the padding, but a row of zero logits still has a loss (log C) "
                "and still counts in the mean; leave the padding out instead",
                _ml_zeroed_logits,
            ),
            Mistake(
                "sorted_lengths",
                "you sort the lengths longest first but keep the batch in its order; lengths[n] "
                "belongs to sequence n",
                _ml_sorted_lengths,
            ),
            Mistake(
                "divided_by_batch",
                "you divide by the batch size N (a loss per sequence); the exercise asks for the mean "
                "over the real positions",
                _ml_divided_by_batch,
            ),
            Mistake(
                "mask_batch_major_always",
                "your mask is laid out (N, L) but your losses keep the time-major order (L, N) when "
                "batch_first=False: either the mask is built batch-major against time-major losses, or "
                "the time-major tensors were made (N, L, ...) by reshape or view, which keep the "
                "time-major order of the entries and so scramble the positions (only transpose moves "
                "an axis): lay the mask and the losses out the same way",
                _ml_mask_batch_major_always,
            ),
            Mistake(
                "classes_on_last_axis",
                "you hand (N, L, C) logits to cross_entropy as they are, but it reads axis 1 as the classes: "
                "give it (positions, C) rows, or move the classes to axis 1",
                _ml_classes_on_last_axis,
            ),
            Mistake(
                "softmax_over_time",
                "your log-softmax runs over the time axis; the probabilities are over the C classes, "
                "the last axis",
                _ml_softmax_over_time,
            ),
            Mistake(
                "sign",
                "your loss has the wrong sign: cross-entropy is minus the mean log-probability of the "
                "targets",
                _ml_sign,
            ),
        ),
        hints=(
            "Three steps: a loss for every position, a mark for every position saying whether it is real, "
            "then one mean over the marked positions. Work out the shape of each.",
            "A position (step t of x_1 .. x_L, sequence n) is real when t is at most that sequence's "
            "length; in code step t sits at index t - 1. A comparison with broadcasting marks all of "
            "them at once. Never look at the targets "
            "to find the padding: a padded target can be any class.",
            "Bring the logits to one layout first (batch_first only swaps the first two axes). Ask for one "
            "loss per position rather than a mean, keep the real ones, and divide their sum by how many "
            "there are; the answer is a 0-dim tensor.",
        ),
    )
)
