"""The LSTM backward exercise: lstm_cell_backward.

Correct answers in several styles pass, and match autograd through nn.LSTMCell directly (not the
checker's own answer); the wrong answers in ``wrong_gated_backward.py`` fail with their cause named;
autograd and torch's LSTM cell are refused; the cases' sizes cannot collide; hints never show the
solution. The contract every exercise keeps (catalogue reachable, messages, robustness) is in
``test_exercise_contract.py``.
"""

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from rnn_course.exercises import check, get_exercise, hint
from rnn_course.exercises.core import run_learner
from rnn_course.exercises.judge import judge

sys.path.insert(0, str(Path(__file__).parent))
from wrong_gated_backward import WRONG  # noqa: E402  (tests/ is not a package)

EXERCISE = "lstm_cell_backward"
NAMES = ("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh")

# --- correct lstm_cell_backward, three styles ---------------------------------------------------


def lbw_chunk_and_cat(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    pre = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)
    a_i, a_f, a_g, a_o = pre.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    tanh_c = torch.tanh(c_next)
    dc = grad_c_next + grad_h_next * o * (1 - tanh_c**2)
    delta = torch.cat(
        [
            dc * g * i * (1 - i),
            dc * c * f * (1 - f),
            dc * i * (1 - g**2),
            grad_h_next * tanh_c * o * (1 - o),
        ],
        dim=1,
    )  # (N, 4H)
    return {
        "x": delta @ weight_ih,
        "h": delta @ weight_hh,
        "c": dc * f,
        "weight_ih": delta.T @ x,
        "weight_hh": delta.T @ h,
        "bias_ih": delta.sum(0),
        "bias_hh": delta.sum(0),
    }


def lbw_slices_and_einsum(
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
):
    H = h.shape[1]
    pre = torch.einsum("ni,gi->ng", x, weight_ih) + torch.einsum("nj,gj->ng", h, weight_hh)
    pre = pre + bias_ih + bias_hh
    sig = pre.sigmoid()
    i, f, o = sig[:, :H], sig[:, H : 2 * H], sig[:, 3 * H :]
    g = pre[:, 2 * H : 3 * H].tanh()
    c_next = torch.addcmul(f * c, i, g)
    d_tanh_c = grad_h_next * o
    d_c_next = grad_c_next + d_tanh_c / torch.cosh(c_next) ** 2
    d_gates = torch.zeros_like(pre)
    d_gates[:, :H] = d_c_next * g * i * (1 - i)
    d_gates[:, H : 2 * H] = d_c_next * c * f * (1 - f)
    d_gates[:, 2 * H : 3 * H] = d_c_next * i * (1 - g * g)
    d_gates[:, 3 * H :] = grad_h_next * c_next.tanh() * o * (1 - o)
    d_bias = torch.einsum("ng->g", d_gates)
    return {
        "x": torch.einsum("ng,gi->ni", d_gates, weight_ih),
        "h": torch.einsum("ng,gj->nj", d_gates, weight_hh),
        "c": d_c_next * f,
        "weight_ih": torch.einsum("ng,ni->gi", d_gates, x),
        "weight_hh": torch.einsum("ng,nj->gj", d_gates, h),
        "bias_ih": d_bias,
        "bias_hh": d_bias.clone(),
    }


def lbw_per_gate_blocks(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    w_ih, w_hh = weight_ih.split(h.shape[1]), weight_hh.split(h.shape[1])  # 4 blocks each
    b = (bias_ih + bias_hh).split(h.shape[1])
    acts = [x @ wi.T + h @ wh.T + bk for wi, wh, bk in zip(w_ih, w_hh, b)]
    i, f, g, o = (1 / (1 + torch.exp(-acts[0])), 1 / (1 + torch.exp(-acts[1])),
                  torch.tanh(acts[2]), 1 / (1 + torch.exp(-acts[3])))  # fmt: skip
    c_next = f * c + i * g
    th = torch.tanh(c_next)
    dc = grad_h_next * o * (1 - th * th) + grad_c_next
    deltas = [dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g)]
    deltas.append(grad_h_next * th * o * (1 - o))
    grads = {"x": sum(d @ wi for d, wi in zip(deltas, w_ih))}
    grads["h"] = sum(d @ wh for d, wh in zip(deltas, w_hh))
    grads["c"] = f * dc
    grads["weight_ih"] = torch.cat([d.T @ x for d in deltas])
    grads["weight_hh"] = torch.cat([d.T @ h for d in deltas])
    grads["bias_ih"] = torch.cat([d.sum(0) for d in deltas])
    grads["bias_hh"] = grads["bias_ih"]
    return grads


CORRECT = {EXERCISE: [lbw_chunk_and_cat, lbw_slices_and_einsum, lbw_per_gate_blocks]}


def _autograd_through_lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, gh, gc):
    cell = nn.LSTMCell(x.shape[1], h.shape[1], dtype=torch.float64)
    with torch.no_grad():
        for name, value in zip(NAMES[3:], (weight_ih, weight_hh, bias_ih, bias_hh)):
            getattr(cell, name).copy_(value)
    leaves = [t.clone().requires_grad_() for t in (x, h, c)]
    h_next, c_next = cell(leaves[0], (leaves[1], leaves[2]))
    h_next.backward(gh, retain_graph=True)
    c_next.backward(gc)
    grads = [t.grad for t in leaves] + [getattr(cell, n).grad for n in NAMES[3:]]
    return dict(zip(NAMES, grads))


@pytest.mark.parametrize("fn", CORRECT[EXERCISE], ids=lambda f: f.__name__)
def test_the_correct_solutions_match_autograd_directly(fn):
    gen = torch.Generator().manual_seed(7)
    n, h_in, hidden = 2, 3, 5
    shapes = [(n, h_in), (n, hidden), (n, hidden), (4 * hidden, h_in), (4 * hidden, hidden)]
    shapes += [(4 * hidden,), (4 * hidden,), (n, hidden), (n, hidden)]
    args = [torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes]
    expected = _autograd_through_lstm_cell(*args)
    got = fn(*args)
    assert set(got) == set(NAMES)
    for name in NAMES:
        torch.testing.assert_close(got[name], expected[name], rtol=1e-10, atol=1e-12)


def test_the_exercise_is_registered_with_lesson_12_and_forbids_autograd():
    exercise = get_exercise(EXERCISE)
    assert exercise.lesson == "12_lstm"
    assert exercise.forbid_autograd and exercise.forbid_rnn
    assert len(exercise.mistakes) >= 8


def test_there_are_enough_independent_wrong_answers():
    assert len(WRONG) >= 10
    assert {e for e, _, _ in WRONG} == {EXERCISE}
    assert all(phrase for _, _, phrase in WRONG)  # every one has its cause named


# --- the cases -----------------------------------------------------------------------------------


def test_cases_have_sizes_that_cannot_collide():
    cases = get_exercise(EXERCISE).cases()
    assert any(case.args[0].shape[0] == 1 for case in cases)
    for case in cases:
        (n, h_in), hidden = case.args[0].shape, case.args[1].shape[1]
        named = [n, h_in, hidden, 2 * hidden, 3 * hidden, 4 * hidden]
        assert len(set(named)) == len(named), case.label
        assert case.args[3].shape == (4 * hidden, h_in) and case.args[4].shape == (
            4 * hidden,
            hidden,
        )
        assert all(t.dtype == torch.float64 for t in case.args)
        for name, tensor in zip(NAMES, case.args):
            assert case.expected[name].shape == tensor.shape


def test_the_expected_answer_is_autograds():
    for case in get_exercise(EXERCISE).cases():
        expected = _autograd_through_lstm_cell(*case.args)
        for name in NAMES:
            torch.testing.assert_close(case.expected[name], expected[name])


# --- the from-scratch guard ----------------------------------------------------------------------


def _forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lbw_with_autograd(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    leaves = [t.clone().requires_grad_() for t in (x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)]
    h_next, c_next = _forward(*leaves)
    grads = torch.autograd.grad((h_next * grad_h_next).sum() + (c_next * grad_c_next).sum(), leaves)
    return dict(zip(NAMES, grads))


def lbw_with_lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    return _autograd_through_lstm_cell(
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next
    )


@pytest.mark.parametrize("fn, phrase", [(lbw_with_autograd, "autograd"), (lbw_with_lstm_cell, "")])
def test_delegating_to_torch_is_refused(fn, phrase):
    exercise = get_exercise(EXERCISE)
    cases = exercise.cases()
    unguarded = judge(exercise, cases, run_learner(exercise, fn, cases, use_guard=False))
    assert unguarded.passed, "the delegating answer itself is right: only the guard rejects it"
    result = check(EXERCISE, fn)
    assert not result.passed
    assert result.feedback[0].startswith("lstm_cell_backward must be written from scratch")
    assert phrase in result.feedback[0]


# --- hints -----------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3])
def test_hints_climb_and_never_show_a_line_of_code(level):
    text = str(hint(EXERCISE, level))
    for giveaway in ("@", ".T", "sum(0)", "chunk(", "cat(", "einsum", "grad_c_next +", "* (1 -"):
        assert giveaway not in text, (giveaway, text)
    assert (level == 3) == text.endswith("(this is the last hint)")


def test_a_misspelt_gate_order_is_an_error():
    from rnn_course.exercises.gated_backward import _gate_order

    assert _gate_order("ifog") == "ifog"
    for typo in ("ifgx", "ifg", "iffo"):
        with pytest.raises(ValueError, match="not an order of the gates"):
            _gate_order(typo)
