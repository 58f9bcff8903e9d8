"""Tests for the sequence exercises: rnn_backward (lesson 08) and masked_loss (lesson 10).

A checker must accept differently written correct answers, reject wrong ones with the mistake
named, catch delegation to autograd, survive misbehaviour, and never leak a solution or a hidden
value. Wrong implementations live in ``wrong_sequence.py``. The oracle is torch: autograd through
nn.RNN and F.cross_entropy, in float64.
"""

import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_course.exercises import check, exercise_ids, get_exercise
from rnn_course.exercises.core import run_learner
from rnn_course.exercises.judge import judge

sys.path.insert(0, str(Path(__file__).parent))
from wrong_sequence import WRONG  # noqa: E402

EXERCISES = ("rnn_backward", "masked_loss")
_NAMES = ("x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh")

# ---------------------------------------------------------------------------------------------
# Correct solutions, three or more per exercise, each written differently
# ---------------------------------------------------------------------------------------------


def bptt_loop_matmul(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = [h0]
    for x_t in x:
        states.append(torch.tanh(x_t @ weight_ih.T + bias_ih + states[-1] @ weight_hh.T + bias_hh))
    grads = {
        "weight_ih": torch.zeros_like(weight_ih),
        "weight_hh": torch.zeros_like(weight_hh),
        "bias_ih": torch.zeros_like(bias_ih),
        "bias_hh": torch.zeros_like(bias_hh),
    }
    grad_x = torch.zeros_like(x)
    dh_next = torch.zeros_like(h0)
    for t in reversed(range(x.shape[0])):
        da = (grad_output[t] + dh_next) * (1 - states[t + 1] ** 2)  # (N, H)
        grad_x[t] = da @ weight_ih
        grads["weight_ih"] += da.T @ x[t]
        grads["weight_hh"] += da.T @ states[t]
        grads["bias_ih"] += da.sum(0)
        grads["bias_hh"] += da.sum(0)
        dh_next = da @ weight_hh
    return {"x": grad_x, "h0": dh_next, **grads}


def _cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    """The learner's cell_backward from the previous exercise."""
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    g = grad_h_next * (1 - h_next**2)
    return {
        "x": g @ weight_ih,
        "h": g @ weight_hh,
        "weight_ih": g.T @ x,
        "weight_hh": g.T @ h,
        "bias_ih": g.sum(0),
        "bias_hh": g.sum(0),
    }


def bptt_reusing_cell_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    hs = [h0]
    for t in range(len(x)):
        hs.append(
            torch.tanh(F.linear(x[t], weight_ih, bias_ih) + F.linear(hs[t], weight_hh, bias_hh))
        )
    totals = dict.fromkeys(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), 0.0)
    grad_xs, dh = [], torch.zeros_like(h0)
    for t in range(len(x) - 1, -1, -1):
        step = _cell_backward(
            x[t], hs[t], weight_ih, weight_hh, bias_ih, bias_hh, grad_output[t] + dh
        )
        for key in totals:
            totals[key] = totals[key] + step[key]
        grad_xs.append(step["x"])
        dh = step["h"]
    return {"x": torch.stack(grad_xs[::-1]), "h0": dh, **totals}


def bptt_einsum_after_the_loop(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    pre, h = [], h0
    for x_t in x:
        pre.append(
            torch.einsum("ni,hi->nh", x_t, weight_ih)
            + torch.einsum("nj,hj->nh", h, weight_hh)
            + bias_ih
            + bias_hh
        )
        h = torch.tanh(pre[-1])
    pre = torch.stack(pre)  # (L, N, H)
    states = torch.cat([h0[None], torch.tanh(pre)])  # (L + 1, N, H)
    delta = torch.empty_like(pre)
    carry = torch.zeros_like(h0)
    for t in torch.arange(len(x)).flip(0).tolist():
        delta[t] = (grad_output[t] + carry) / torch.cosh(pre[t]) ** 2  # sech² = tanh'
        carry = torch.einsum("nh,hj->nj", delta[t], weight_hh)
    return {
        "x": torch.einsum("lnh,hi->lni", delta, weight_ih),
        "h0": carry,
        "weight_ih": torch.einsum("lnh,lni->hi", delta, x),
        "weight_hh": torch.einsum("lnh,lnj->hj", delta, states[:-1]),
        "bias_ih": delta.sum(dim=(0, 1)),
        "bias_hh": delta.reshape(-1, delta.shape[-1]).sum(0),
    }


def bptt_flattened_weight_grads(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    L, N, _ = x.shape
    outs = []
    h = h0
    for t in range(L):
        h = torch.tanh(torch.addmm(bias_ih + bias_hh, x[t], weight_ih.t()) + h @ weight_hh.t())
        outs.append(h)
    output = torch.stack(outs)  # (L, N, H)
    prev = torch.cat([h0.unsqueeze(0), output[:-1]])  # (L, N, H): h_0 .. h_{L-1}
    deltas = [None] * L
    g = torch.zeros_like(h0)
    for t in range(L - 1, -1, -1):
        deltas[t] = (grad_output[t] + g) * (1 - output[t] * output[t])
        g = deltas[t].mm(weight_hh)
    d = torch.stack(deltas).reshape(L * N, -1)  # (L·N, H)
    return {
        "x": (d @ weight_ih).reshape(L, N, -1),
        "h0": g,
        "weight_ih": d.T @ x.reshape(L * N, -1),
        "weight_hh": d.T @ prev.reshape(L * N, -1),
        "bias_ih": d.sum(0),
        "bias_hh": d.sum(0).clone(),
    }


def ml_boolean_mask(logits, targets, lengths, batch_first):
    if not batch_first:
        logits, targets = logits.transpose(0, 1), targets.transpose(0, 1)  # (N, L, C), (N, L)
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]  # (N, L)
    return F.cross_entropy(logits[mask], targets[mask])


def ml_ignore_index(logits, targets, lengths, batch_first):
    time_axis = 1 if batch_first else 0
    steps = torch.arange(targets.shape[time_axis])
    pad = steps[None, :] >= lengths[:, None] if batch_first else steps[:, None] >= lengths[None, :]
    kept = targets.masked_fill(pad, -100)  # a copy
    classes_second = logits.permute(0, 2, 1)  # (N, C, L) or (L, C, N)
    return F.cross_entropy(classes_second, kept, ignore_index=-100)


def ml_packed(logits, targets, lengths, batch_first):
    packed_logits = pack_padded_sequence(
        logits, lengths, batch_first=batch_first, enforce_sorted=False
    )
    packed_targets = pack_padded_sequence(
        targets, lengths, batch_first=batch_first, enforce_sorted=False
    )
    return F.cross_entropy(packed_logits.data, packed_targets.data)


def ml_log_softmax_weighted(logits, targets, lengths, batch_first):
    log_probs = logits.log_softmax(dim=-1)
    picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (L, N) or (N, L)
    t = torch.arange(targets.shape[1 if batch_first else 0])
    weight = (t[None] < lengths[:, None]).to(picked.dtype)  # (N, L)
    if not batch_first:
        weight = weight.T
    return -(picked * weight).sum() / weight.sum()


def ml_loop_over_sequences(logits, targets, lengths, batch_first):
    total, count = 0.0, 0
    for n, k in enumerate(lengths.tolist()):
        scores = logits[n, :k] if batch_first else logits[:k, n]  # (k, C)
        wanted = targets[n, :k] if batch_first else targets[:k, n]
        total = total + F.cross_entropy(scores, wanted, reduction="sum")
        count += k
    return total / count


CORRECT = {
    "rnn_backward": [
        bptt_loop_matmul,
        bptt_reusing_cell_backward,
        bptt_einsum_after_the_loop,
        bptt_flattened_weight_grads,
    ],
    "masked_loss": [
        ml_boolean_mask,
        ml_ignore_index,
        ml_packed,
        ml_log_softmax_weighted,
        ml_loop_over_sequences,
    ],
}


def test_the_exercises_are_registered_with_their_lessons():
    assert get_exercise("rnn_backward").lesson == "08_backprop_through_time"
    assert get_exercise("masked_loss").lesson == "10_variable_length_batches"
    assert set(EXERCISES) <= set(exercise_ids())


# ---------------------------------------------------------------------------------------------
# Wrong answers: each fails with its mistake named
# ---------------------------------------------------------------------------------------------


def test_the_wrong_catalogue_is_large_enough():
    for exercise_id in EXERCISES:
        assert sum(e == exercise_id for e, _, _ in WRONG) >= 10
        assert len(get_exercise(exercise_id).mistakes) >= 8


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_other_cases_from_a_salt_still_pass_and_fail_the_same_way(exercise_id):
    """The grader's salted cases: the same shapes with other numbers."""
    exercise = get_exercise(exercise_id)
    cases = exercise.cases(salt=12345)
    assert judge(exercise, cases, run_learner(exercise, CORRECT[exercise_id][0], cases)).passed
    for wrong_id, fn, phrase in WRONG:
        if wrong_id == exercise_id:
            result = judge(exercise, cases, run_learner(exercise, fn, cases))
            assert not result.passed and phrase in str(result), (fn.__name__, str(result))


# ---------------------------------------------------------------------------------------------
# rnn_backward: written by hand
# ---------------------------------------------------------------------------------------------


def _forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, outs = h0, []
    for x_t in x:
        h = torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs)


def bptt_with_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    inputs = [t.clone().requires_grad_() for t in (x, h0, weight_ih, weight_hh, bias_ih, bias_hh)]
    _forward(*inputs).backward(grad_output)
    return dict(zip(_NAMES, (t.grad for t in inputs)))


def bptt_with_autograd_grad(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    inputs = [t.clone().requires_grad_() for t in (x, h0, weight_ih, weight_hh, bias_ih, bias_hh)]
    return dict(zip(_NAMES, torch.autograd.grad((_forward(*inputs) * grad_output).sum(), inputs)))


def bptt_with_nn_rnn(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    """The backward pass by hand, but the forward states from torch's nn.RNN."""
    rnn = nn.RNN(x.shape[2], h0.shape[1], dtype=x.dtype)
    rnn.load_state_dict(
        {
            "weight_ih_l0": weight_ih,
            "weight_hh_l0": weight_hh,
            "bias_ih_l0": bias_ih,
            "bias_hh_l0": bias_hh,
        }
    )
    with torch.no_grad():
        output, _ = rnn(x, h0[None])  # (L, N, H)
    prev = torch.cat([h0[None], output[:-1]])  # (L, N, H)
    grads, dh = {"x": torch.zeros_like(x)}, torch.zeros_like(h0)
    w_ih, w_hh, b = (
        torch.zeros_like(weight_ih),
        torch.zeros_like(weight_hh),
        torch.zeros_like(bias_ih),
    )
    for t in reversed(range(len(x))):
        da = (grad_output[t] + dh) * (1 - output[t] ** 2)
        grads["x"][t] = da @ weight_ih
        w_ih, w_hh, b = w_ih + da.T @ x[t], w_hh + da.T @ prev[t], b + da.sum(0)
        dh = da @ weight_hh
    return {
        **grads,
        "h0": dh,
        "weight_ih": w_ih,
        "weight_hh": w_hh,
        "bias_ih": b,
        "bias_hh": b.clone(),
    }


@pytest.mark.parametrize("fn", [bptt_with_backward, bptt_with_autograd_grad])
def test_rnn_backward_rejects_autograd(fn):
    exercise = get_exercise("rnn_backward")
    unguarded = judge(
        exercise, exercise.cases(), run_learner(exercise, fn, exercise.cases(), use_guard=False)
    )
    assert unguarded.passed, "the delegating answer itself is right: only the guard rejects it"
    result = check("rnn_backward", fn)
    assert not result.passed
    assert result.feedback[0].startswith(
        "rnn_backward must be written from scratch, but it uses autograd"
    )


def test_rnn_backward_forbids_torchs_rnn_even_for_the_forward_pass():
    result = check("rnn_backward", bptt_with_nn_rnn)
    assert not result.passed and "nn.RNN" in result.feedback[0]


def test_rnn_backward_cases_carry_gradients_through_time():
    cases = get_exercise("rnn_backward").cases()
    lengths = [c.args[0].shape[0] for c in cases]
    assert 1 in lengths and max(lengths) >= 6 and any(c.args[0].shape[1] == 1 for c in cases)
    many_to_one = [
        c for c in cases if bool((c.args[-1][:-1] == 0).all()) and c.args[0].shape[0] > 1
    ]
    assert many_to_one, "a case with a loss at the last step only"
    for case in many_to_one:  # every earlier step learns only through the carried gradient
        assert bool((case.expected["x"][0] != 0).any())
    for case in cases:
        x, h0, w_ih = case.args[:3]
        assert x.dtype == torch.float64 and case.expected["h0"].shape == h0.shape
        assert len({x.shape[1], x.shape[2], h0.shape[1]}) == 3, "N, H_in and H differ"
        assert case.expected["weight_ih"].shape == w_ih.shape


def test_rnn_backward_expected_gradients_match_a_numerical_gradcheck():
    """The oracle itself: autograd through nn.RNN agrees with finite differences."""
    case = get_exercise("rnn_backward").cases()[0]
    x, h0, w_ih, w_hh, b_ih, b_hh, grad_output = case.args
    inputs = [t.clone().requires_grad_() for t in (x, h0, w_ih, w_hh, b_ih, b_hh)]
    assert torch.autograd.gradcheck(lambda *a: (_forward(*a) * grad_output).sum(), inputs)
    _forward(*inputs).backward(grad_output)
    for name, tensor in zip(_NAMES, inputs):
        torch.testing.assert_close(tensor.grad, case.expected[name])


# ---------------------------------------------------------------------------------------------
# masked_loss: the cases
# ---------------------------------------------------------------------------------------------


def test_masked_loss_cases_cover_layouts_lengths_and_any_class_in_the_padding():
    cases = get_exercise("masked_loss").cases()
    assert {c.args[3] for c in cases} == {True, False}
    padded_classes = set()
    for case in cases:
        logits, targets, lengths, batch_first = case.args
        classes = logits.shape[-1]
        assert targets.dtype == torch.int64 and lengths.dtype == torch.int64
        assert (
            targets.shape == logits.shape[:2]
            and int(targets.min()) >= 0
            and int(targets.max()) < classes
        )
        length = targets.shape[1 if batch_first else 0]
        assert int(lengths.min()) >= 1 and int(lengths.max()) <= length
        assert case.expected.dim() == 0 and case.expected.dtype == torch.float64
        time_major = targets.T if batch_first else targets
        pad = torch.arange(length)[:, None] >= lengths[None, :]
        padded_classes |= set(time_major[pad].tolist())
        assert torch.isclose(ml_boolean_mask(*case.args), case.expected)
    assert 0 in padded_classes and len(padded_classes) >= 3, (
        "padding holds ordinary, varied classes"
    )
    all_lengths = [c.args[2] for c in cases]
    assert any(not bool((ls[:-1] >= ls[1:]).all()) for ls in all_lengths)  # unsorted
    assert any(len(ls) == 1 for ls in all_lengths)  # N = 1
    assert any(c.args[1].shape == (1, 3) or c.args[1].shape == (3, 1) for c in cases)  # L = 1


def test_masked_loss_expected_equals_ignore_index_from_torch():
    """Two torch routes to the same number: boolean selection (the cases) and ignore_index."""
    for case in get_exercise("masked_loss").cases():
        torch.testing.assert_close(ml_ignore_index(*case.args), case.expected)


# ---------------------------------------------------------------------------------------------
# Misbehaviour never makes check raise
# ---------------------------------------------------------------------------------------------


def test_not_attempted_is_reported_as_such():
    def blank(*args):
        raise NotImplementedError

    for exercise_id in EXERCISES:
        assert check(exercise_id, blank).status == "not attempted"


def test_a_python_number_from_item_is_explained():
    assert "not .item()" in str(check("masked_loss", lambda *a: ml_boolean_mask(*a).item()))


def test_a_missing_gradient_and_a_mutated_input_are_named():
    missing = check(
        "rnn_backward", lambda *a: {k: v for k, v in bptt_loop_matmul(*a).items() if k != "h0"}
    )
    assert "missing ['h0']" in str(missing)

    def mutates(x, h0, *rest):
        grads = bptt_loop_matmul(x, h0, *rest)
        rest[-1].mul_(0)
        return grads

    assert "changed its input `grad_output` in place" in str(check("rnn_backward", mutates))

    def drops_padding_in_place(logits, targets, lengths, batch_first):
        loss = ml_boolean_mask(logits, targets, lengths, batch_first)
        targets.zero_()
        return loss

    assert "changed its input `targets` in place" in str(
        check("masked_loss", drops_padding_in_place)
    )


# ---------------------------------------------------------------------------------------------
# Hints and feedback never give the answer away
# ---------------------------------------------------------------------------------------------


def test_feedback_about_shapes_uses_torchs_letters():
    def transposed_x(*args):
        grads = bptt_loop_matmul(*args)
        return {**grads, "x": grads["x"].transpose(0, 1)}

    assert "`grads['x']` should have shape (L, N, H_in)" in str(check("rnn_backward", transposed_x))
    per_position = str(check("masked_loss", lambda *a: ml_boolean_mask(*a).repeat(2)))
    assert "`loss` should have shape () = ()" in per_position
