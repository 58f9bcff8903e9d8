"""The checker machinery: plain-data transport, the from-scratch guard, time limits and judging.

A private exercise (never registered) keeps these tests independent of the course's catalogue:
"two_outputs(x, w) -> (x @ w.T, tanh of it)", with torch.nn.functional as the oracle.
"""

import dataclasses
import functools
import inspect
import random
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnn_course.exercises import check, exercise_ids, get_exercise, hint
from rnn_course.exercises.core import Outcome, run_learner
from rnn_course.exercises.guard import Guard
from rnn_course.exercises.judge import judge
from rnn_course.exercises.plain import Foreign, from_plain, to_plain
from rnn_course.exercises.registry import Case, Exercise, Mistake


def _case(seed, n, k, m):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, k, generator=gen, dtype=torch.float64)
    w = torch.randn(m, k, generator=gen, dtype=torch.float64)
    linear = F.linear(x, w)
    return Case((x, w), (linear, torch.tanh(linear)), f"N={n}, K={k}, M={m}", ("(N, M)", "(N, M)"))


def _forgot_tanh(x, w):
    return x @ w.T, x @ w.T


EXERCISE = Exercise(
    id="two_outputs",
    title="test exercise",
    signature="two_outputs(x, w) -> (linear, activated)",
    arg_names=("x", "w"),
    output_names=("linear", "activated"),
    make_cases=lambda: [_case(1, 3, 4, 5), _case(2, 1, 2, 3)],
    mistakes=(Mistake("forgot_tanh", "you forgot the tanh", _forgot_tanh),),
    forbid_autograd=True,
)


def _judge(fn, timeout=None):
    cases = EXERCISE.cases()
    return judge(EXERCISE, cases, run_learner(EXERCISE, fn, cases, timeout))


def _right(x, w):
    y = x @ w.T
    return y, torch.tanh(y)


def _right_einsum(x, w):
    y = torch.einsum("nk,mk->nm", x, w)
    return (y, y.tanh())


# --- judging ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn", [_right, _right_einsum, lambda x, w: [F.linear(x, w), torch.tanh(F.linear(x, w))]]
)
def test_correct_answers_pass_with_full_points(fn):
    result = _judge(fn)
    assert result.passed and result.points == result.max_points == 10 and result.status == "passed"


def test_a_catalogued_mistake_is_named_first():
    result = _judge(lambda x, w: (x @ w.T, (x @ w.T).clone()))
    assert not result.passed and result.points == 0
    assert result.feedback[0] == "likely mistake: you forgot the tanh"
    assert "`activated` has the right shape but the wrong values" in result.feedback[1]
    assert "these are right: `linear`" in result.feedback[2]


def test_a_mistake_runs_once_per_case_however_many_answers_are_diagnosed():
    """diagnose keeps each mistake's answer on each case (both are fixed), as grading a class needs;
    other cases (a grading run's salted ones) run it again, and a reader cannot change what is kept."""
    from rnn_course.exercises.diagnose import _run_mistake

    runs = []

    def forgot_tanh(x, w):
        runs.append(tuple(x.shape))
        return _forgot_tanh(x, w)

    mistake = Mistake("forgot_tanh", "you forgot the tanh", forgot_tanh)
    exercise = Exercise(
        "counted", "t", "counted(x, w)", ("x", "w"), ("linear", "activated"),
        make_cases=lambda: [_case(1, 3, 4, 5), _case(2, 1, 2, 3)], mistakes=(mistake,),
    )  # fmt: skip
    for cases in (exercise.cases(), exercise.cases(), exercise.cases(salt=7)):
        for _ in range(3):
            assert judge(exercise, cases, run_learner(exercise, _forgot_tanh, cases)).mistake == (
                "forgot_tanh"
            )
    assert runs == [(3, 4), (1, 2)] * 2  # the fixed cases once, the salted ones once
    case = exercise.cases()[0]
    kept = _run_mistake(mistake, case)
    kept[0].zero_()
    assert torch.equal(_run_mistake(mistake, case)[0], _forgot_tanh(*case.args)[0])
    assert dataclasses.replace(case, args=()).known_answers == {}  # a copy keeps nothing
    assert dataclasses.replace(exercise, id="copied")._cases is None  # nor a copied exercise


def test_what_is_kept_does_not_depend_on_the_notebook_s_torch_settings():
    """A check run once under no_grad (whose altered inputs need autograd) still names the mistake,
    then and afterwards; an error is not kept; a mistake whose function cannot be hashed is fine."""

    def without_bias_hh(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
        h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T)
        grad_pre = grad_h_next * (1 - h_next**2)  # (N, H)
        grads = {"x": grad_pre @ weight_ih, "h": grad_pre @ weight_hh}
        grads.update(weight_ih=grad_pre.T @ x, weight_hh=grad_pre.T @ h)
        return {**grads, "bias_ih": grad_pre.sum(0), "bias_hh": grad_pre.sum(0)}

    with torch.no_grad():
        assert check("cell_backward", without_bias_hh).mistake == "zero_bias_hh"
    assert check("cell_backward", without_bias_hh).mistake == "zero_bias_hh"

    class Unhashable:
        __hash__ = None

        def __call__(self, x, w):
            return _forgot_tanh(x, w)

    raises = Mistake("raises", "never", lambda x, w: (x @ w).sum())  # (N, K) @ (M, K): raises
    unhashable = Mistake("forgot_tanh", "you forgot the tanh", Unhashable())
    exercise = dataclasses.replace(EXERCISE, id="unhashable", mistakes=(raises, unhashable))
    cases = exercise.cases()
    outcomes = run_learner(exercise, _forgot_tanh, cases)
    assert judge(exercise, cases, outcomes).mistake == "forgot_tanh"
    assert all(id(raises) not in case.known_answers for case in cases)


def test_the_result_carries_the_mistakes_identifier():
    """CheckResult.mistake: the catalogued name, a general cause's name, "unnamed", or None."""
    assert _judge(_forgot_tanh).mistake == "forgot_tanh"
    assert _judge(lambda x, w: (-(x @ w.T), -torch.tanh(x @ w.T))).mistake == "relation_to_torch"
    assert _judge(lambda x: x).mistake == "wrong_signature"
    assert _judge(lambda x, w: (x @ w.T, torch.sin(x @ w.T))).mistake == "unnamed"
    assert _judge(_right).mistake is None
    assert _judge(lambda x, w: (_ for _ in ()).throw(NotImplementedError)).mistake is None
    assert _judge(_forgot_tanh).to_dict()["mistake"] == "forgot_tanh"
    assert check("rnn_cell", lambda *a: None).mistake == "unnamed"


@pytest.mark.parametrize(
    "fn, expected",
    [
        (lambda x, w: None, "should return a tuple (linear, activated), but it returned None"),
        (lambda x, w: (x @ w.T,), "should return 2 values (linear, activated), but it returned 1"),
        (
            lambda x, w: (x @ w.T, np.tanh((x @ w.T).numpy())),
            "`activated` should be a torch.Tensor, but it is a numpy.ndarray",
        ),
        (
            lambda x, w: (w @ x.T, torch.tanh(w @ x.T)),
            "(the same sizes in another order: are two axes swapped?)",
        ),
        (
            lambda x, w: _right(x.float(), w.float()),
            "should have dtype torch.float64, like the inputs, but yours has torch.float32",
        ),
        (
            lambda x, w: (x @ w.T, torch.log(-torch.ones(len(x), len(w), dtype=torch.float64))),
            "`activated` contains NaN or infinity",
        ),
    ],
)
def test_structure_problems_are_reported_in_the_learners_terms(fn, expected):
    result = _judge(fn)
    assert not result.passed
    assert any(expected in line for line in result.feedback), result.feedback


def test_mutating_an_input_fails_and_names_it():
    def overwrites_x(x, w):
        x[0, 0] = 99.0
        return _right(x, w)

    result = _judge(overwrites_x)
    assert not result.passed
    assert "changed its input `x` in place" in result.feedback[0]


def test_not_attempted_is_its_own_status():
    def blank(x, w):
        raise NotImplementedError

    result = _judge(blank)
    assert result.status == "not attempted" and not result.passed
    assert result.feedback == [
        "not attempted yet: replace `raise NotImplementedError` in two_outputs with your code"
    ]


def test_an_exception_names_its_type_and_the_learners_line():
    def crashes(x, w):
        return x @ w  # (N, K) @ (M, K): the shapes do not line up

    result = _judge(crashes)
    assert result.feedback[0].startswith(
        "likely mistake: a matrix product meets (N=3, K=4) @ (M=5, K=4)"
    )
    assert result.feedback[1].startswith("your function raised RuntimeError: mat1 and mat2 shapes")
    assert (
        "(in your code: `return x @ w  # (N, K) @ (M, K): the shapes do not line up`)"
        in result.feedback[1]
    )
    assert result.feedback[2] == "it happened in the case N=3, K=4, M=5"


def test_a_wrong_signature_reminds_the_learner_of_the_right_one():
    result = _judge(lambda x: x)
    assert result.feedback[0] == (
        "likely mistake: your function's parameters do not fit the call: "
        "the signature should be two_outputs(x, w) -> (linear, activated)"
    )


def test_a_type_error_inside_the_body_does_not_blame_the_signature():
    def two_arguments_to_tanh(x, w):
        y = x @ w.T
        return y, torch.tanh(y, y)

    result = _judge(two_arguments_to_tanh)
    assert not result.passed
    assert not any("signature should be" in line for line in result.feedback), result.feedback
    assert result.feedback[0].startswith(
        "likely mistake: a function you call gets the wrong number or kind of arguments"
    )
    assert "your function raised TypeError: tanh()" in result.feedback[1]


def test_likely_mistake_comes_first_in_every_kind_of_report():
    """Wrong values, a wrong shape and an error: the named mistake is always the first line."""
    wrong_values = _judge(_forgot_tanh)
    wrong_shape = _judge(lambda x, w: (x @ w.T, torch.tanh(x @ w.T)[None]))
    error = _judge(lambda x, w: (x @ w.T, torch.tanh(x @ w.T.float())))
    for result in (wrong_values, wrong_shape, error):
        assert result.feedback[0].startswith("likely mistake: "), result.feedback
        assert sum(line.startswith("likely mistake") for line in result.feedback) == 1
    assert "an extra axis of size 1" in wrong_shape.feedback[0]
    assert "float32" in error.feedback[0] and error.feedback[1].startswith(
        "your function raised RuntimeError"
    )


def test_sys_exit_and_hangs_become_failures():
    assert "it called sys.exit(4)" in _judge(lambda x, w: sys.exit(4)).feedback[0]

    def hangs(x, w):
        while True:
            pass

    result = _judge(hangs, timeout=0.2)
    assert result.feedback[0] == "your function did not return: it did not finish within 0.2 s"


def test_a_hang_cannot_be_swallowed_by_except_exception():
    def stubborn(x, w):
        while True:
            try:
                while True:
                    pass
            except Exception:
                continue

    assert "did not finish" in _judge(stubborn, timeout=0.2).feedback[0]


def test_result_renders_as_text_and_html():
    result = _judge(_forgot_tanh)
    assert str(result).startswith(
        "[FAILED] two_outputs: 0/10 points\n  - likely mistake: you forgot the tanh"
    )
    assert repr(result) == str(result)
    html = result._repr_html_()
    assert "two_outputs" in html and "<li>likely mistake: you forgot the tanh</li>" in html
    assert result.to_dict()["feedback"] == result.feedback


def test_html_shows_inline_code_as_code_and_escapes_the_rest():
    html = _judge(_forgot_tanh)._repr_html_()
    assert "<code>activated</code> has the right shape" in html and "`" not in html
    shown = hint("rnn_cell", 3)._repr_html_()
    assert "<code>.T</code>" in shown and "`" not in shown
    from rnn_course.card import inline_html

    assert (
        inline_html("a `<b>` and `x < y` but not `this")
        == "a <code>&lt;b&gt;</code> and <code>x &lt; y</code> but not `this"
    )


# --- the from-scratch guard ------------------------------------------------------------------


def _guarded(fn, **flags):
    with Guard(**flags) as guard:
        fn()
    return [kind for kind, _ in guard.report.violations]


def test_guard_sees_torch_rnn_modules_and_kernels_under_any_name():
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    cell = nn.RNNCell(3, 4)
    kernel = (
        torch.rnn_tanh_cell
    )  # imported under another name: still a call into C named rnn_tanh_cell
    assert "torch_rnn" in _guarded(lambda: cell(x, h))
    assert _guarded(lambda: kernel(x, h, cell.weight_ih, cell.weight_hh)) == ["rnn_kernel"]
    assert _guarded(lambda: torch.ops.aten.rnn_tanh_cell(x, h, cell.weight_ih, cell.weight_hh)) == [
        "rnn_kernel"
    ]
    assert _guarded(lambda: torch.tanh(x @ cell.weight_ih.T)) == []


def test_guard_sees_autograd_only_when_forbidden():
    def uses_backward():
        w = torch.ones(3, requires_grad=True)
        (w * 2).sum().backward()

    def uses_grad():
        w = torch.ones(3, requires_grad=True)
        torch.autograd.grad((w * 2).sum(), w)

    def uses_no_grad():
        with torch.no_grad():
            torch.ones(3) * 2

    assert "autograd" in _guarded(uses_backward, forbid_autograd=True)
    assert "autograd" in _guarded(uses_grad, forbid_autograd=True)
    assert _guarded(uses_no_grad, forbid_autograd=True) == []
    assert _guarded(uses_backward) == []


def test_guard_reports_a_function_that_removes_its_hook():
    assert _guarded(lambda: sys.setprofile(None)) == ["tamper"]
    assert sys.getprofile() is None


def test_guard_sees_torch_s_overrides_switched_off_or_changed():
    """The tripwire rests on torch's function overrides; a function that switches them off (even
    around an operator alone, which makes no call the hook sees), leaves them off, pushes or pops a
    mode, or runs a dispatch mode is flagged. Honest code is not."""
    x, w = torch.randn(2, 3), torch.randn(4, 3)
    cell = nn.RNNCell(3, 4)

    def kernel_with_overrides_off():
        with torch._C.DisableTorchFunction():
            list(
                map(
                    functools.partial(torch.rnn_tanh_cell, x),
                    [torch.zeros(2, 4)],
                    [cell.weight_ih],
                    [cell.weight_hh],
                )
            )

    def operator_with_overrides_off():
        with torch._C.DisableTorchFunction():
            x @ w.T

    left_off = torch._C.DisableTorchFunction()

    class Mode(torch.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    class Recorder(torch.utils._python_dispatch.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    def dispatch_mode():
        with Recorder():
            x @ w.T

    assert "overrides" in _guarded(kernel_with_overrides_off)
    assert _guarded(operator_with_overrides_off) == ["overrides"]
    try:
        assert _guarded(left_off.__enter__) == ["overrides"]
    finally:
        left_off.__exit__(None, None, None)
    assert _guarded(Mode().__enter__) == ["overrides"]  # the guard takes it off again on leaving
    assert _guarded(torch._C._pop_torch_function_stack) == ["overrides"]
    assert "overrides" in _guarded(dispatch_mode)
    assert _guarded(lambda: torch.tanh(x @ w.T).sum().item()) == []

    kernel, arguments = functools.partial(torch.rnn_tanh_cell, x), [torch.zeros(2, 4)]
    arguments = [arguments, [cell.weight_ih], [cell.weight_hh]]
    switch = torch._C.DisableTorchFunction()
    switch_on = (type(switch).__exit__, [switch], [None], [None], [None])

    def switched_back_on_from_c():
        """Between switching off and back on, no call the hook sees: map and list call from C."""
        switch.__enter__()
        list(map(kernel, *arguments))
        list(map(*switch_on))

    assert "overrides" in _guarded(switched_back_on_from_c)


def test_guard_sees_a_copy_of_the_reference_run_with_exec():
    from rnn_course import reference

    source = inspect.getsource(reference.rnn_cell).replace("def rnn_cell(", "def my_cell(")
    # its helpers are the test's own, so that only the copy itself can be flagged
    namespace = {"F": F, "activation_function": lambda name: torch.tanh}
    namespace["_check_step_shapes"] = lambda *args: None
    exec(source, namespace)  # the copy, renamed, in a file of its own ("<string>")
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    weights = torch.randn(4, 3), torch.randn(4, 4)
    assert _guarded(lambda: namespace["my_cell"](x, h, *weights)) == ["reference"]

    def own_cell(x, h, weight_ih, weight_hh):
        return torch.tanh(x @ weight_ih.T + h @ weight_hh.T)

    assert _guarded(lambda: own_cell(x, h, *weights)) == []
    # the reference's comprehensions are not fingerprints of their own: honest code writes the same
    assert _guarded(lambda: tuple(torch.tanh(part) for part in (x, h))) == []
    assert _guarded(lambda: torch.cat([part.unsqueeze(1) for part in (h, h)], dim=1)) == []


def test_autograd_inside_a_forbidding_exercise_fails_the_check():
    def via_autograd(x, w):
        w_leaf = w.clone().requires_grad_()
        (x @ w_leaf.T).sum().backward()
        y = x @ w.T
        return y, torch.tanh(y)

    result = _judge(via_autograd)
    assert not result.passed
    assert result.feedback[0].startswith(
        "two_outputs must be written from scratch, but it uses autograd"
    )


# --- plain-data transport (what the grader sends between processes) --------------------------


def test_plain_round_trip_keeps_values_dtypes_and_structure():
    value = {
        "t": torch.arange(6, dtype=torch.float64).reshape(2, 3),
        "i": torch.tensor([1, 2], dtype=torch.int64),
        "b": torch.ones(2, dtype=torch.bfloat16),
        "nested": (torch.zeros(0, 4), [1, 2.5, None, "s", True]),
        "array": np.ones(3),
    }
    meta, arrays = to_plain(value)
    back = from_plain(meta, arrays)
    for key in ("t", "i", "b"):
        torch.testing.assert_close(back[key], value[key], rtol=0, atol=0)
    assert isinstance(back["nested"], tuple) and back["nested"][1] == [1, 2.5, None, "s", True]
    assert isinstance(back["array"], np.ndarray)


def test_unsendable_values_keep_only_their_type_name():
    meta, arrays = to_plain(object())
    assert arrays == {} and isinstance(from_plain(meta, arrays), Foreign)
    assert from_plain(meta, arrays).type_name == "object"


def test_outcome_round_trip_ignores_forged_fields():
    arrays = {}
    data = Outcome(value=torch.ones(2), violations=(("rnn_kernel", "rnn_tanh"),)).to_plain(arrays)
    data["error"] = "passed"  # not an error kind: dropped
    data["violations"].append(["made_up", "x"])  # not a known kind: dropped
    outcome = Outcome.from_plain(data, arrays)
    assert outcome.error is None and outcome.violations == (("rnn_kernel", "rnn_tanh"),)


# --- the public API --------------------------------------------------------------------------


def test_check_rejects_unknown_ids_and_non_functions_clearly():
    with pytest.raises(
        ValueError, match="unknown exercise id 'rnn_cel'; expected one of: rnn_cell"
    ):
        check("rnn_cel", _right)
    result = check("rnn_cell", 42)
    assert not result.passed and "but got an int" in result.feedback[0]


def test_hints_are_progressive():
    first, last = hint("rnn_cell", 1), hint("rnn_cell", 3)
    assert first.startswith("Hint 1/3") and "level=2" in first
    assert last.endswith("(this is the last hint)")
    assert hint("rnn_cell", np.int64(2)).startswith("Hint 2/3")
    assert "rnn_cell" in exercise_ids()


@pytest.mark.parametrize("level", [0, 4, 99, -1, 2.5, "2", None, True])
def test_a_hint_level_out_of_range_says_so_instead_of_clamping(level):
    text = hint("rnn_cell", level)
    assert text.startswith(
        f"There is no hint level {level!r} for rnn_cell: ask for a level from 1 to 3"
    )
    assert not text.startswith("Hint ")


def test_a_hint_for_an_unknown_exercise_is_a_message_not_an_error():
    text = hint("shape_puzzle")
    assert (
        text.startswith("There are no hints for 'shape_puzzle': it is not an exercise.")
        and "rnn_cell" in text
    )
    assert hint(object()).startswith("There are no hints for <object>")


def test_guard_flags_calls_into_the_checkers_own_modules():
    from rnn_course.exercises import cases as checker_cases

    def borrows_the_checkers_helpers(x, w):
        checker_cases.dims_label(N=1)
        return _right(x, w)

    result = _judge(borrows_the_checkers_helpers)
    assert not result.passed
    assert "it calls the checker's own code (rnn_course.exercises.cases)" in result.feedback[0]


def test_guard_sees_a_kernel_reached_from_c_through_functools_partial():
    import functools

    x, h = torch.randn(2, 3), torch.randn(2, 4)
    cell = nn.RNNCell(3, 4)
    hidden_kernel = functools.partial(torch.rnn_tanh_cell, w_ih=cell.weight_ih, w_hh=cell.weight_hh)
    assert "rnn_kernel" in _guarded(lambda: hidden_kernel(x, h))
    assert "rnn_kernel" in _guarded(
        lambda: list(map(torch.rnn_tanh_cell, [x], [h], [cell.weight_ih], [cell.weight_hh]))
    )


def test_a_namedtuple_answer_is_read_as_a_tuple():
    from collections import namedtuple

    Answer = namedtuple("Answer", "linear activated")
    assert _judge(lambda x, w: Answer(*_right(x, w))).passed


class _LyingTensor(torch.Tensor):
    """A tensor subclass whose every comparison claims success."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


class _Unmeasurable(tuple):
    def __len__(self):
        raise RuntimeError("no length for you")


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, w: tuple(t.as_subclass(_LyingTensor) for t in _forgot_tanh(x, w)),
        lambda x, w: _Unmeasurable(_forgot_tanh(x, w)),
        lambda x, w: functools.reduce(lambda inner, _: [inner], range(5000), x),
    ],
    ids=["tensor subclass that lies", "tuple that cannot be measured", "answer nested 5000 deep"],
)
def test_odd_answers_neither_crash_nor_fool_the_checker(fn):
    result = _judge(fn)
    assert not result.passed


# --- check() never raises, whatever the learner's function does (issue 10, section 4) -----------


class _StrRaises(Exception):
    def __str__(self):
        raise RuntimeError("no message for you")


class _ReprRaises(Exception):
    def __repr__(self):
        raise RuntimeError("no repr for you")


class _Unprintable:
    def __repr__(self):
        raise RuntimeError("no repr for you")

    __str__ = __repr__


class _NamelessMeta(type):
    @property
    def __name__(cls):
        raise RuntimeError("no name for you")


class _Nameless(Exception, metaclass=_NamelessMeta):
    pass


class _StrNotAString(Exception):
    def __str__(self):
        return 42


class _Explosive(torch.Tensor):
    """A tensor subclass whose every torch operation raises."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        raise RuntimeError("boom")


class _Impostor:
    """Claims to be a tensor through a lying __class__."""

    @property
    def __class__(self):
        return torch.Tensor


def _swaps_class_of_x(x, w):
    answer = _right(x, w)
    x.__class__ = _Explosive
    return answer


def _swaps_class_and_forgets_tanh(x, w):
    _swaps_class_of_x(x, w)
    return _forgot_tanh(x.as_subclass(torch.Tensor), w)


def _exit_with(code):
    def exits(x, w):
        raise SystemExit(code)

    return exits


NEVER_RAISE = {
    "exception whose __str__ raises": (
        lambda x, w: (_ for _ in ()).throw(_StrRaises("x")),
        "your function raised _StrRaises: x",
    ),
    "exception whose __repr__ raises": (
        lambda x, w: (_ for _ in ()).throw(_ReprRaises("kept")),
        "_ReprRaises: kept",
    ),
    "exception whose args cannot be printed": (
        lambda x, w: (_ for _ in ()).throw(ValueError(_Unprintable(), 1)),
        "your function raised ValueError (its message could not be read)",
    ),
    "exception whose __str__ is not a string": (
        lambda x, w: (_ for _ in ()).throw(_StrNotAString()),
        "your function raised _StrNotAString",
    ),
    "exception class whose metaclass __name__ raises": (
        lambda x, w: (_ for _ in ()).throw(_Nameless("m")),
        "your function raised _Nameless: m",
    ),
    "SystemExit with an unprintable payload": (
        _exit_with(_Unprintable()),
        "it called sys.exit(<test_exercises_core._Unprintable>)",
    ),
    "SystemExit with a huge number": (
        _exit_with(10**5000),
        "it called sys.exit(a very large number)",
    ),
    "SystemExit with a long text": (_exit_with("x" * 5000), "..."),
    "SystemExit with a tensor": (_exit_with(torch.ones(3)), "it called sys.exit(<torch.Tensor>)"),
    "argument whose __class__ is swapped": (_swaps_class_and_forgets_tanh, None),
    "answer with a lying __class__": (
        lambda x, w: _Impostor(),
        "but it returned a test_exercises_core._Impostor",
    ),
    "tensor answer with a lying __class__ inside": (
        lambda x, w: (_Impostor(), _Impostor()),
        "`linear` should be a torch.Tensor, but it is a test_exercises_core._Impostor",
    ),
    "KeyboardInterrupt raised by the function itself": (
        lambda x, w: (_ for _ in ()).throw(KeyboardInterrupt()),
        "your function raised KeyboardInterrupt",
    ),
    "GeneratorExit": (
        lambda x, w: (_ for _ in ()).throw(GeneratorExit()),
        "your function raised GeneratorExit",
    ),
}


@pytest.mark.parametrize("name", list(NEVER_RAISE))
def test_check_returns_a_result_whatever_the_function_raises_or_returns(name):
    fn, phrase = NEVER_RAISE[name]
    result = _judge(fn)
    assert isinstance(result, type(_judge(_right))) and not result.passed and result.points == 0
    if phrase:
        assert any(phrase in line for line in result.feedback), result.feedback
    str(result), result._repr_html_(), result.to_dict()  # and it can be shown


@pytest.mark.parametrize("name", list(NEVER_RAISE))
def test_public_check_never_raises_either(name):
    fn, _ = NEVER_RAISE[name]

    def as_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
        return fn(x, weight_ih)

    result = check("rnn_cell", as_cell)
    assert not result.passed and result.status == "failed"


def test_a_swapped_argument_class_neither_crashes_the_check_nor_reaches_the_hidden_case():
    before = [arg.clone() for arg in EXERCISE.cases()[0].args]
    result = _judge(_swaps_class_of_x)
    assert not result.passed and result.feedback  # the subclass's own code ran: the guard says so
    assert all(
        type(a) is torch.Tensor and torch.equal(a, b)
        for a, b in zip(EXERCISE.cases()[0].args, before)
    )


def test_a_real_ctrl_c_still_stops_the_check():
    """With Python's own Ctrl-C handler in place, as in a kernel. (An earlier test in the same
    pytest worker can leave another one: the check then leaves Ctrl-C to it, and so does this test.)"""
    import signal

    def interrupted(x, w):
        signal.raise_signal(signal.SIGINT)
        return _right(x, w)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            _judge(interrupted)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


# --- the catalogue-free diagnosis: errors read as causes, sizes named with the case's letters ------


def test_sizes_are_named_with_the_cases_letters_and_ambiguity_is_said():
    from rnn_course.exercises.diagnosis import name_size, size_names

    names = size_names(Case((), None, "num_layers=2, L=4, N=3, H=3", ("(L, N, D*H)",)))
    assert (
        name_size(4, names) == "L=4"
        and name_size(3, names) == "3 (N or H)"
        and name_size(7, names) == "7"
    )
    assert name_size(12, names) == "12 (L*N or L*H)"  # a flattened pair of axes, two ways here
    names = size_names(Case((), None, "L=4, N=3, H=5", ("(L, N, H)",)))
    assert name_size(12, names) == "L*N=12" and name_size(5, names) == "5 (H or L + 1)"


@pytest.mark.parametrize(
    "detail, cause",
    [
        (
            "RuntimeError: The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 0",
            "the number of time steps (L=4) and the batch size (N=3)",
        ),
        (
            "RuntimeError: expected m1 and m2 to have the same dtype, but got: float != double",
            "float32 (torch's default) while the inputs are float64",
        ),
        (
            "RuntimeError: Expected target size [4, 7], got [4, 3]",
            "it wanted targets (L, C) and got (L, N)",
        ),
        (
            "IndexError: index 4 is out of bounds for dimension 0 with size 4",
            "off by one (positions count from 0) or it is used on the wrong axis",
        ),
        ("NameError: name 'stacked_rnn' is not defined", "a helper from another cell or lesson"),
        (
            "AttributeError: 'tuple' object has no attribute 'shape'",
            "a Python tuple is used where a tensor is expected",
        ),
        ("KeyError: 'weight_ih_l3'", "does not hold"),
    ],
)
def test_errors_are_read_as_causes_in_the_learners_letters(detail, cause):
    from rnn_course.exercises.diagnosis import explain_error

    case = Case((), None, "L=4, N=3, H=5, C=7")
    assert cause in explain_error(detail + " (in your code: `y = f(x)`)", case)


def test_an_unknown_error_names_no_cause():
    from rnn_course.exercises.diagnosis import explain_error

    assert explain_error("ValueError: oops", Case((), None, "N=3")) is None


def _draws_at_random(*args):
    return torch.randn(3) + float(np.random.rand()) + random.random()


def test_check_leaves_the_global_random_state_alone():
    """Building the cases (nn.Module inits draw from torch's global generator) and running the
    learner's function (which may draw too) leave torch's, Python's and numpy's global random state
    as they were: a check() in a notebook never shifts the random draws of the cells after it."""
    for exercise_id in exercise_ids():
        torch.manual_seed(0)
        random.seed(0)
        np.random.seed(0)
        get_exercise(exercise_id).cases(salt=7)  # built afresh, not from the cache
        check(exercise_id, _draws_at_random)
        after = torch.rand(2), random.random(), np.random.rand()
        torch.manual_seed(0)
        random.seed(0)
        np.random.seed(0)
        assert torch.equal(after[0], torch.rand(2)), exercise_id
        assert after[1:] == (random.random(), np.random.rand()), exercise_id


def test_an_answer_that_changes_between_runs_is_seen_and_travels():
    """The first wrong answer is run again: one drawn at random differs, a fixed wrong one does not."""
    exercise = get_exercise("rnn_cell")
    cases = exercise.cases()

    def drawn(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
        return torch.rand(h.shape, dtype=h.dtype)

    def fixed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
        return torch.tanh(x @ weight_ih.T + h @ weight_hh.T)

    assert run_learner(exercise, drawn, cases)[0].varies
    assert not any(o.varies for o in run_learner(exercise, fixed, cases))
    arrays = {}
    outcome = run_learner(exercise, drawn, cases)[0]
    assert Outcome.from_plain(outcome.to_plain(arrays), arrays).varies
    assert check("rnn_cell", drawn).mistake == "answer_varies"
