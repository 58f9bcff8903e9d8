"""Tests for the training exercises: rnn_loss, cell_backward, clip_grad_norm, last_valid_output.

A checker must accept differently written correct answers, reject wrong ones (naming the mistake
when it is a catalogued one), catch delegation, survive any misbehaviour, and never leak a solution
or a hidden value. Wrong implementations live in ``wrong_training.py``.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnn_course.exercises import check, get_exercise
from rnn_course.exercises.core import run_learner
from rnn_course.exercises.judge import judge

sys.path.insert(0, str(Path(__file__).parent))
from wrong_training import WRONG  # noqa: E402

EXERCISES = ("rnn_loss", "cell_backward", "clip_grad_norm", "last_valid_output")

# ---------------------------------------------------------------------------------------------
# Correct solutions, three or more per exercise, each written differently
# ---------------------------------------------------------------------------------------------


def loss_loop_and_cross_entropy(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    h, logits = h0, []
    for x_t in x:  # x_t: (N, H_in)
        h = torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)  # (N, H)
        logits.append(h @ weight_out.T + bias_out)  # (N, C)
    logits = torch.stack(logits)  # (L, N, C)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def loss_nn_rnn_and_log_softmax(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    hidden, inputs = weight_ih.shape
    rnn = nn.RNN(inputs, hidden, dtype=x.dtype)
    rnn.load_state_dict(
        {
            "weight_ih_l0": weight_ih,
            "weight_hh_l0": weight_hh,
            "bias_ih_l0": bias_ih,
            "bias_hh_l0": bias_hh,
        }
    )
    output, _ = rnn(x, h0.unsqueeze(0))  # (L, N, H)
    log_probs = F.log_softmax(F.linear(output, weight_out, bias_out), dim=-1)  # (L, N, C)
    return -log_probs.gather(-1, targets.unsqueeze(-1)).mean()


def loss_einsum_and_nll(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    states, h = [], h0
    for t in range(x.shape[0]):
        h = torch.tanh(
            torch.einsum("ni,hi->nh", x[t], weight_ih)
            + torch.einsum("nj,hj->nh", h, weight_hh)
            + bias_ih
            + bias_hh
        )
        states.append(h)
    logits = (
        torch.einsum("lnh,ch->ncl", torch.stack(states), weight_out) + bias_out[:, None]
    )  # (N, C, L)
    return F.nll_loss(F.log_softmax(logits, dim=1), targets.T)


def loss_logsumexp(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):
    h, total = h0, 0.0
    for x_t, y_t in zip(x, targets):
        h = torch.tanh(x_t @ weight_ih.T + h @ weight_hh.T + (bias_ih + bias_hh))
        scores = h @ weight_out.T + bias_out  # (N, C)
        picked = scores[torch.arange(len(y_t)), y_t]  # (N,)
        total = total + (torch.logsumexp(scores, dim=1) - picked).sum()
    return total / targets.numel()


def bw_matmul(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    g = grad_h_next * (1 - h_next**2)  # (N, H)
    return {
        "x": g @ weight_ih,
        "h": g @ weight_hh,
        "weight_ih": g.T @ x,
        "weight_hh": g.T @ h,
        "bias_ih": g.sum(0),
        "bias_hh": g.sum(0),
    }


def bw_einsum(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    pre = (
        torch.einsum("ni,hi->nh", x, weight_ih)
        + torch.einsum("nj,hj->nh", h, weight_hh)
        + bias_ih
        + bias_hh
    )
    g = grad_h_next / torch.cosh(pre) ** 2  # sech² is tanh's derivative
    return {
        "weight_hh": torch.einsum("nh,nj->hj", g, h),
        "weight_ih": torch.einsum("nh,ni->hi", g, x),
        "h": torch.einsum("nh,hj->nj", g, weight_hh),
        "x": torch.einsum("nh,hi->ni", g, weight_ih),
        "bias_hh": torch.einsum("nh->h", g),
        "bias_ih": g.sum(dim=0, keepdim=True).squeeze(0),
    }


def bw_row_by_row(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    grads = {
        "weight_ih": torch.zeros_like(weight_ih),
        "weight_hh": torch.zeros_like(weight_hh),
        "bias_ih": torch.zeros_like(bias_ih),
        "bias_hh": torch.zeros_like(bias_hh),
    }
    grad_x, grad_h = [], []
    for x_n, h_n, gh_n in zip(x, h, grad_h_next):
        out = torch.tanh(
            F.linear(x_n, weight_ih, bias_ih) + F.linear(h_n, weight_hh, bias_hh)
        )  # (H,)
        g = gh_n * (1 - out * out)
        grads["weight_ih"] = grads["weight_ih"] + torch.outer(g, x_n)
        grads["weight_hh"] = grads["weight_hh"] + torch.outer(g, h_n)
        grads["bias_ih"] = grads["bias_ih"] + g
        grads["bias_hh"] = grads["bias_hh"] + g
        grad_x.append(weight_ih.T @ g)
        grad_h.append(weight_hh.T @ g)
    return {"x": torch.stack(grad_x), "h": torch.stack(grad_h), **grads}


def clip_sum_of_squares(grads, max_norm):
    total_norm = torch.sqrt(sum((g**2).sum() for g in grads))
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    return [g * coef for g in grads], total_norm


def clip_concatenated(grads, max_norm):
    flat = torch.cat([g.reshape(-1) for g in grads])  # all entries as one vector
    total_norm = flat.norm()
    coef = torch.minimum(max_norm / (total_norm + 1e-6), torch.ones((), dtype=flat.dtype))
    return tuple(coef * g for g in grads), total_norm


def clip_stacked_norms_and_if(grads, max_norm):
    total_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = max_norm / (total_norm + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total_norm
    return [g.clone() for g in grads], total_norm


def clip_only_when_above(grads, max_norm):
    """Scales only when the norm exceeds max_norm: differs from torch's capped coefficient only
    when the norm is within 1e-6 below max_norm, which no hidden case does, on purpose."""
    total = torch.sqrt(sum((g * g).sum() for g in grads))
    if total > max_norm:
        return [g * (max_norm / (total + 1e-6)) for g in grads], total
    return [g.clone() for g in grads], total


def clip_python_math(grads, max_norm):
    total = math.sqrt(sum(float(torch.dot(g.reshape(-1), g.reshape(-1))) for g in grads))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [g.mul(coef) for g in grads], torch.tensor(total, dtype=grads[0].dtype)


def last_advanced_indexing(output, lengths, batch_first):
    seq = output.transpose(0, 1) if batch_first else output  # (L, N, H)
    return seq[lengths - 1, torch.arange(seq.shape[1])]


def last_gather(output, lengths, batch_first):
    seq = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, seq.shape[2])  # (N, 1, H)
    return seq.gather(1, index).squeeze(1)  # (N, H)


def last_loop(output, lengths, batch_first):
    rows = []
    for i, n in enumerate(lengths.tolist()):
        rows.append(output[i, n - 1] if batch_first else output[n - 1, i])
    return torch.stack(rows)


def last_one_hot_mask(output, lengths, batch_first):
    seq = output if batch_first else output.permute(1, 0, 2)  # (N, L, H)
    mask = F.one_hot(lengths - 1, seq.shape[1]).to(seq.dtype)  # (N, L)
    return torch.where(mask.bool().unsqueeze(-1), seq, 0.0).sum(1)


CORRECT = {
    "rnn_loss": [
        loss_loop_and_cross_entropy,
        loss_nn_rnn_and_log_softmax,
        loss_einsum_and_nll,
        loss_logsumexp,
    ],
    "cell_backward": [bw_matmul, bw_einsum, bw_row_by_row],
    "clip_grad_norm": [
        clip_sum_of_squares,
        clip_concatenated,
        clip_stacked_norms_and_if,
        clip_python_math,
        clip_only_when_above,
    ],
    "last_valid_output": [last_advanced_indexing, last_gather, last_loop, last_one_hot_mask],
}


def test_every_exercise_is_registered_with_its_lesson():
    lessons = {
        "rnn_loss": "07_predictions_and_loss",
        "cell_backward": "08_backprop_through_time",
        "clip_grad_norm": "09_vanishing_exploding",
        "last_valid_output": "10_variable_length_batches",
    }
    for exercise_id, lesson in lessons.items():
        assert get_exercise(exercise_id).lesson == lesson


# ---------------------------------------------------------------------------------------------
# Wrong answers: each fails, and a catalogued mistake is named
# ---------------------------------------------------------------------------------------------


def test_the_wrong_catalogue_is_large_enough():
    assert len(WRONG) >= 25
    assert {e for e, _, _ in WRONG} == set(EXERCISES)


# ---------------------------------------------------------------------------------------------
# The from-scratch guard
# ---------------------------------------------------------------------------------------------


def _cell_forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def bw_with_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    inputs = [t.clone().requires_grad_() for t in (x, h, weight_ih, weight_hh, bias_ih, bias_hh)]
    _cell_forward(*inputs).backward(grad_h_next)
    return dict(
        zip(("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"), (t.grad for t in inputs))
    )


def bw_with_autograd_grad(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    inputs = [t.clone().requires_grad_() for t in (x, h, weight_ih, weight_hh, bias_ih, bias_hh)]
    grads = torch.autograd.grad((_cell_forward(*inputs) * grad_h_next).sum(), inputs)
    return dict(zip(("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"), grads))


def bw_with_func_grad(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    def objective(*args):
        return (_cell_forward(*args) * grad_h_next).sum()

    grads = torch.func.grad(objective, argnums=tuple(range(6)))(
        x, h, weight_ih, weight_hh, bias_ih, bias_hh
    )
    return dict(zip(("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"), grads))


def bw_with_func_vjp(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, vjp = torch.func.vjp(_cell_forward, x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    return dict(zip(("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"), vjp(grad_h_next)))


def bw_with_functional_vjp(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    _, grads = torch.autograd.functional.vjp(
        _cell_forward, (x, h, weight_ih, weight_hh, bias_ih, bias_hh), grad_h_next
    )
    return dict(zip(("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"), grads))


@pytest.mark.parametrize(
    "fn",
    [
        bw_with_backward,
        bw_with_autograd_grad,
        bw_with_func_grad,
        bw_with_func_vjp,
        bw_with_functional_vjp,
    ],
)
def test_cell_backward_rejects_autograd(fn):
    fn(
        *get_exercise("cell_backward").cases()[0].args
    )  # torch.func imports torch._dynamo on first use: not timed
    unguarded = judge(
        get_exercise("cell_backward"),
        get_exercise("cell_backward").cases(),
        run_learner(
            get_exercise("cell_backward"),
            fn,
            get_exercise("cell_backward").cases(),
            use_guard=False,
        ),
    )
    assert unguarded.passed, "the delegating answer itself is right: only the guard rejects it"
    result = check("cell_backward", fn)
    assert not result.passed
    assert result.feedback[0].startswith(
        "cell_backward must be written from scratch, but it uses autograd"
    )
    assert "worked out by hand" in result.feedback[0]


def bw_with_rnn_cell_forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    cell = nn.RNNCell(x.shape[1], h.shape[1], dtype=x.dtype)
    cell.load_state_dict(
        {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}
    )
    with torch.no_grad():
        h_next = cell(x, h)
    g = grad_h_next * (1 - h_next**2)
    return {
        "x": g @ weight_ih,
        "h": g @ weight_hh,
        "weight_ih": g.T @ x,
        "weight_hh": g.T @ h,
        "bias_ih": g.sum(0),
        "bias_hh": g.sum(0),
    }


def test_cell_backward_forbids_torchs_rnn_cell_for_the_forward_step():
    result = check("cell_backward", bw_with_rnn_cell_forward)
    assert not result.passed and "nn.RNN" in result.feedback[0]


def _as_parameters(grads):
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for param, grad in zip(params, grads):
        param.grad = grad.clone()
    return params


def clip_with_torch(grads, max_norm):
    params = _as_parameters(grads)
    total_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params], total_norm


def clip_with_torch_deprecated_name(grads, max_norm):
    params = _as_parameters(grads)
    total_norm = torch.nn.utils.clip_grad_norm(params, max_norm)
    return [p.grad for p in params], total_norm


def clip_with_torch_two_steps(grads, max_norm):
    params = _as_parameters(grads)
    total_norm = torch.nn.utils.get_total_norm(grads)
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, total_norm)
    return [p.grad for p in params], total_norm


@pytest.mark.filterwarnings("ignore:`torch.nn.utils.clip_grad_norm` is now deprecated")
@pytest.mark.parametrize(
    "fn", [clip_with_torch, clip_with_torch_deprecated_name, clip_with_torch_two_steps]
)
def test_clip_grad_norm_rejects_torchs_own(fn):
    if fn is clip_with_torch_two_steps and not hasattr(torch.nn.utils, "get_total_norm"):
        pytest.skip("torch < 2.6 has no get_total_norm")
    result = check("clip_grad_norm", fn)
    assert not result.passed
    assert result.feedback[0].startswith(
        "clip_grad_norm must be written from scratch, but it hands the work "
        "to torch.nn.utils.clip_grad"
    )


def test_rnn_loss_and_last_valid_output_allow_torch_helpers():
    """rnn_loss may run nn.RNN (its point is the loss); last_valid_output may use any indexing op."""
    assert not get_exercise("rnn_loss").forbid_rnn
    assert check("rnn_loss", loss_nn_rnn_and_log_softmax).passed
    assert check("last_valid_output", last_gather).passed


# ---------------------------------------------------------------------------------------------
# Misbehaviour never makes check raise
# ---------------------------------------------------------------------------------------------


def _correct(exercise_id):
    return CORRECT[exercise_id][0]


def _loops_forever(*args):
    while True:
        pass


def test_an_endless_loop_times_out():
    result = check("clip_grad_norm", _loops_forever, timeout=0.3)
    assert not result.passed and "did not return" in str(result)


def test_not_attempted_is_reported_as_such():
    def blank(*args):
        raise NotImplementedError

    for exercise_id in EXERCISES:
        assert check(exercise_id, blank).status == "not attempted"


def test_a_python_number_is_explained_with_the_reason_that_holds_for_the_exercise():
    loss = check("rnn_loss", lambda *a: _correct("rnn_loss")(*a).item())
    assert "not .item() or float(): .backward() needs the tensor" in str(loss)
    clip = check(
        "clip_grad_norm", lambda *a: (clip_sum_of_squares(*a)[0], clip_sum_of_squares(*a)[1].item())
    )
    assert "`total_norm` should be a torch.Tensor" in str(clip)
    assert "clip_grad_norm_ returns total_norm as a 0-dim tensor, and so should yours" in str(clip)
    assert "backpropagated" not in str(clip) and "backward" not in str(clip)


def loss_mutates_x(x, h0, *rest):
    loss = loss_loop_and_cross_entropy(x, h0, *rest)
    x.mul_(2)
    return loss


def bw_mutates_grad(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    grads = bw_matmul(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next)
    grad_h_next.zero_()
    return grads


def clip_appends_to_grads(grads, max_norm):
    answer = clip_sum_of_squares(grads, max_norm)
    grads.append(torch.zeros(1, dtype=torch.float64))
    return answer


def last_mutates_lengths(output, lengths, batch_first):
    answer = last_advanced_indexing(output, lengths, batch_first)
    lengths -= 1
    return answer


@pytest.mark.parametrize(
    "exercise_id, fn, name",
    [
        ("rnn_loss", loss_mutates_x, "x"),
        ("cell_backward", bw_mutates_grad, "grad_h_next"),
        ("clip_grad_norm", clip_appends_to_grads, "grads"),
        ("last_valid_output", last_mutates_lengths, "lengths"),
    ],
)
def test_changing_an_input_in_place_fails(exercise_id, fn, name):
    result = check(exercise_id, fn)
    assert not result.passed
    assert f"changed its input `{name}` in place" in str(result)


def test_the_hidden_inputs_survive_a_mutating_learner():
    exercise = get_exercise("clip_grad_norm")
    before = [[g.clone() for g in case.args[0]] for case in exercise.cases()]
    check("clip_grad_norm", wrong_clip_in_place)
    after = [case.args[0] for case in exercise.cases()]
    assert all(torch.equal(a, b) for xs, ys in zip(before, after) for a, b in zip(xs, ys))


def wrong_clip_in_place(grads, max_norm):
    for g in grads:
        g.mul_(0.5)
    return grads, torch.zeros((), dtype=torch.float64)


# ---------------------------------------------------------------------------------------------
# Outputs that are lists, and dicts of gradients (core features these exercises rely on)
# ---------------------------------------------------------------------------------------------


def test_clipped_grads_may_be_a_list_or_a_tuple_but_not_one_tensor():
    assert check("clip_grad_norm", clip_concatenated).passed  # returns a tuple
    one_tensor = check(
        "clip_grad_norm", lambda grads, m: (grads[0].clone(), clip_sum_of_squares(grads, m)[1])
    )
    assert "`clipped_grads` should be a list of" in str(one_tensor) and "a torch.Tensor" in str(
        one_tensor
    )
    too_short = check(
        "clip_grad_norm", lambda grads, m: (clip_sum_of_squares(grads, m)[0][:1], torch.ones(()))
    )
    assert "but yours has 1" in str(too_short)


def test_a_wrong_clipped_tensor_is_named_by_its_index_and_the_rest_are_listed_as_right():
    def scales_last_twice(grads, max_norm):
        clipped, total = clip_sum_of_squares(grads, max_norm)
        return clipped[:-1] + [clipped[-1] * 2], total

    feedback = str(check("clip_grad_norm", scales_last_twice))
    assert "`clipped_grads[2]` has the right shape but the wrong values" in feedback
    assert "these are right: `clipped_grads[0]`, `clipped_grads[1]`, `total_norm`" in feedback


def test_gradient_entries_are_named_and_shapes_spelled_out():
    def transposed_w_ih(*args):
        grads = bw_matmul(*args)
        return {**grads, "weight_ih": grads["weight_ih"].T}

    feedback = str(check("cell_backward", transposed_w_ih))
    assert "`grads['weight_ih']` should have shape (H, H_in)" in feedback
    missing = str(
        check("cell_backward", lambda *a: {k: v for k, v in bw_matmul(*a).items() if k != "h"})
    )
    assert "missing ['h']" in missing


# ---------------------------------------------------------------------------------------------
# The hidden cases cover what the exercises promise
# ---------------------------------------------------------------------------------------------


def test_rnn_loss_cases_are_float64_and_cover_edge_sizes():
    cases = get_exercise("rnn_loss").cases()
    sizes = [(c.args[0].shape[0], c.args[0].shape[1]) for c in cases]  # (L, N)
    assert any(length == 1 for length, _ in sizes) and any(n == 1 for _, n in sizes)
    for case in cases:
        assert case.args[-1].dtype == torch.int64 and case.args[-1].shape == case.args[0].shape[:2]
        assert case.expected.dim() == 0 and case.expected.dtype == torch.float64


def test_clip_cases_cover_no_clipping_clipping_and_the_epsilon():
    coefs = []
    for case in get_exercise("clip_grad_norm").cases():
        grads, max_norm = case.args
        clipped, total = case.expected
        coefs.append((clipped[0] / grads[0]).mean().item())
        assert torch.allclose(
            total, torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in grads]))
        )
    assert any(c == 1.0 for c in coefs) and any(c < 0.01 for c in coefs)
    tiny = [case for case in get_exercise("clip_grad_norm").cases() if case.expected[1] < 1e-5]
    assert any(case.expected[1] > case.args[1] for case in tiny)  # tiny and clipped: 1e-6 matters
    assert any(
        g.dim() == 0 for case in get_exercise("clip_grad_norm").cases() for g in case.args[0]
    )


def test_last_valid_output_cases_cover_layouts_orders_and_garbage_padding():
    cases = get_exercise("last_valid_output").cases()
    assert {c.args[2] for c in cases} == {True, False}
    garbage = 0
    for case in cases:
        output, lengths, batch_first = case.args
        seq = output.transpose(0, 1) if batch_first else output  # (L, N, H)
        padding = torch.arange(seq.shape[0])[:, None] >= lengths[None, :]  # (L, N)
        garbage += bool(seq[padding].ne(0).any())
        assert lengths.dtype == torch.int64 and case.expected.shape == (len(lengths), seq.shape[2])
    assert garbage >= 3
    all_lengths = [c.args[1] for c in cases]
    lengths_of_l = [(c.args[1], c.args[0].shape[1 if c.args[2] else 0]) for c in cases]
    assert any(bool((ls == 1).any()) and bool((ls == length).any()) for ls, length in lengths_of_l)
    assert any(not bool((ls[:-1] >= ls[1:]).all()) for ls in all_lengths)  # unsorted
    assert any(bool((ls == ls[0]).all()) and len(ls) > 1 for ls in all_lengths)  # all equal


def test_cell_backward_cases_have_distinct_sizes():
    for case in get_exercise("cell_backward").cases():
        x, h = case.args[:2]
        assert case.expected["weight_ih"].shape == (h.shape[1], x.shape[1])
    assert any(case.args[0].shape[0] == 1 for case in get_exercise("cell_backward").cases())


# ---------------------------------------------------------------------------------------------
# Hints and feedback never give the answer away
# ---------------------------------------------------------------------------------------------


def test_feedback_about_a_shape_states_it_in_torchs_letters():
    def per_row_loss(*args):
        return loss_loop_and_cross_entropy(*args).repeat(3)

    assert "`loss` should have shape ()" in str(check("rnn_loss", per_row_loss))
    as_matrix = str(check("last_valid_output", lambda o, n, b: last_loop(o, n, b).T))
    assert "`last` should have shape (N, H)" in as_matrix


def test_results_travel_as_plain_data():
    """What the grader stores: JSON-able, numpy arrays only (a list output included)."""
    from rnn_course.exercises.core import Outcome

    exercise = get_exercise("clip_grad_norm")
    cases = exercise.cases()
    outcomes = run_learner(exercise, clip_concatenated, cases)
    arrays = {}
    plain = [o.to_plain(arrays) for o in outcomes]
    assert all(isinstance(a, np.ndarray) for a in arrays.values())
    rebuilt = [Outcome.from_plain(p, arrays) for p in plain]
    assert judge(exercise, cases, rebuilt).passed
