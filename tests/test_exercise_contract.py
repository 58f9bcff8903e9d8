"""The contract every registered exercise keeps, tested once for all of them.

A new exercise gets all of this by registering, plus two lists in its own test files: ``CORRECT``
(exercise id -> correct solutions written in different styles) in a ``tests/test_exercises_*.py``,
and ``WRONG`` ((exercise id, wrong answer, phrase its feedback must name)) in a ``tests/wrong_*.py``.

* every catalogued mistake is reachable: its own function fails the check, and the check names that
  mistake (``CheckResult.mistake`` is its identifier, its message comes first);
* a mistake's name is an identifier, unique in its exercise, and an unknown name is an error;
* the correct styles pass with full points and no mistake; the wrong answers fail, naming their cause;
* hints are progressive and never the solution: no hint but the last shows pasteable code or a line
  of a correct style, and any code a hint shows fails the check;
* no message shows a hidden value, in any format;
* ``check()`` never raises, whatever the function is or does.
"""

import functools
import importlib
import math
import re
import sys
from pathlib import Path

import pytest
import torch

from rnn_course.exercises import check, exercise_ids, get_exercise, hint
from rnn_course.exercises.core import run_learner
from rnn_course.exercises.diagnose import diagnose
from rnn_course.exercises.judge import judge
from rnn_course.exercises.registry import Mistake, check_identifier, variant

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))


def _gathered(pattern, name):
    """``name`` from every module of tests/ matching ``pattern``: CORRECT dicts merged, WRONG lists joined."""
    modules = [importlib.import_module(p.stem) for p in sorted(TESTS.glob(pattern))]
    if name == "CORRECT":
        return {k: v for m in modules for k, v in getattr(m, name, {}).items()}
    return [entry for m in modules for entry in getattr(m, name, [])]


CORRECT = _gathered("test_exercises_*.py", "CORRECT")
WRONG = _gathered("wrong_*.py", "WRONG")
EXERCISES = exercise_ids()
MISTAKES = [(e, m.name) for e in EXERCISES for m in get_exercise(e).mistakes]
STYLES = [(e, fn) for e in EXERCISES for fn in CORRECT.get(e, [])]


def _name(value):
    return getattr(value, "__name__", str(value))


def _learner_fn(mistake):
    """The mistake with the learner's signature (an adapted exercise's mistake keeps it as learner_fn)."""
    return getattr(mistake.fn, "learner_fn", mistake.fn)


@functools.cache
def _hidden_numbers(exercise_id):
    """Every hidden floating value of the exercise's cases (inputs and torch's answers), written in
    each format a message could use."""
    numbers = set()
    for case in get_exercise(exercise_id).cases():
        for tensor in _tensors((case.args, case.expected)):
            if tensor.is_floating_point():
                for v in tensor.reshape(-1)[:40].tolist():
                    if abs(v) > 1e-3 and v != round(v):
                        numbers.update((repr(v), f"{v:.6f}", f"{v:.4f}", f"{v:.5g}", f"{v:.4e}"))
    # Shorter forms could be a size, or the 2-digit difference the feedback shows on purpose.
    return {n for n in numbers if sum(c.isdigit() for c in n.lstrip("-0.")) >= 4}


def _tensors(value):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _assert_nothing_hidden(exercise_id, result):
    """No hidden value, no tensor printout and no test code in anything the learner is shown."""
    text = str(result) + result._repr_html_() + str(result.to_dict())
    assert "tensor(" not in text and "[[" not in text and "def " not in text, text
    assert not re.search(r"\btests?[/.]|wrong_\w+\.py|test_\w+\.py", text), text
    hidden = _hidden_numbers(exercise_id)
    numbers = set(re.findall(r"[-\d.]*\d[\d.]*(?:e[-+]?\d+)?", text))  # every number in it
    shown = [n for n in numbers for h in hidden if h in n]
    assert not shown, (shown, text)


def _likely(result):
    lines = [line for line in result.feedback if line.startswith("likely mistake: ")]
    return lines[0] if lines else None


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise_id, name", MISTAKES, ids=[f"{e}-{n}" for e, n in MISTAKES])
def test_every_catalogued_mistake_is_reachable_and_named(exercise_id, name):
    """The mistake's own function fails, and no earlier entry of the catalogue shadows it."""
    exercise = get_exercise(exercise_id)
    mistake = exercise.mistake(name)
    cases = exercise.cases()
    # The mistake kits live in the checker's own modules, which the guard rightly forbids to learners;
    # here only the judging is under test, so the guard is off.
    result = judge(
        exercise, cases, run_learner(exercise, _learner_fn(mistake), cases, use_guard=False)
    )
    assert not result.passed and result.status == "failed"
    assert result.mistake == name, (result.mistake, str(result))
    assert result.feedback[0] == f"likely mistake: {mistake.message}", str(result)
    _assert_nothing_hidden(exercise_id, result)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_exercise_has_a_catalogue_of_named_mistakes(exercise_id):
    names = [m.name for m in get_exercise(exercise_id).mistakes]
    assert len(names) >= 6
    assert len(set(names)) == len(names)
    for name in names:
        assert check_identifier(name) == name


def test_an_unknown_or_misspelt_mistake_is_an_error():
    exercise = get_exercise("rnn_cell")
    with pytest.raises(ValueError, match="has no mistake 'without_b_h'"):
        exercise.mistake("without_b_h")
    with pytest.raises(ValueError, match="snake_case"):
        Mistake("Without b_hh", "message", lambda *a: None)
    with pytest.raises(TypeError):
        Mistake("message", lambda *a: None)  # no name

    def correct(x, *, part=abs):
        return part(x)

    assert variant(correct, part=lambda x: -x)(3) == -3
    with pytest.raises(ValueError, match="no part"):
        variant(correct, prat=lambda x: -x)
    with pytest.raises(ValueError, match="no part"):
        variant(correct, x=1)  # positional arguments are not parts
    from rnn_course.exercises import capstone, forward, gated

    with pytest.raises(ValueError, match="no RNN forward mistake"):
        forward._rnn_mistake("h0_ignord")
    with pytest.raises(ValueError, match="no part"):
        variant(gated._lstm_cell, forgt=lambda f, i: 1 - i)
    with pytest.raises(ValueError, match="no part"):
        capstone._step_variant(clpi=lambda parameters, max_norm: None)
    with pytest.raises(ValueError, match="no part"):
        capstone._sample_variant(drwa=lambda probs, generator: probs.argmax())


def test_two_mistakes_with_one_name_are_refused():
    from rnn_course.exercises.registry import Exercise

    twice = (Mistake("same", "one", abs), Mistake("same", "two", abs))
    with pytest.raises(ValueError, match="more than one mistake"):
        Exercise("x", "t", "x()", (), (), list, mistakes=twice)


# ---------------------------------------------------------------------------------------------
# Correct styles pass; wrong answers fail with their cause named
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_exercise_has_several_correct_styles(exercise_id):
    styles = CORRECT.get(exercise_id, [])
    assert len(styles) >= 2, f"add {exercise_id}'s correct solutions to a CORRECT dict in tests/"
    assert len({fn.__code__ for fn in styles}) == len(styles)


@pytest.mark.parametrize("exercise_id, fn", STYLES, ids=[f"{e}-{_name(f)}" for e, f in STYLES])
def test_correct_styles_pass_and_name_no_mistake(exercise_id, fn):
    exercise = get_exercise(exercise_id)
    result = check(exercise_id, fn)
    assert result.passed and result.points == result.max_points, str(result)
    assert result.mistake is None
    cases = exercise.cases()
    assert diagnose(exercise, cases, run_learner(exercise, fn, cases)) is None


@pytest.mark.parametrize(
    "exercise_id, fn, phrase", WRONG, ids=[f"{e}-{_name(f)}" for e, f, _ in WRONG]
)
def test_wrong_answers_fail_with_their_cause_named(exercise_id, fn, phrase):
    result = check(exercise_id, fn)
    assert not result.passed and result.status == "failed" and result.points == 0
    assert result.mistake == "unnamed" if _likely(result) is None else result.mistake != "unnamed"
    if (
        phrase is not None
    ):  # the cause named is the phrase's; with no cause named, the feedback says it
        assert phrase in (_likely(result) or str(result)), str(result)
    _assert_nothing_hidden(exercise_id, result)


def test_every_exercise_has_wrong_answers_written_apart_from_its_catalogue():
    for exercise_id in EXERCISES:
        assert sum(e == exercise_id for e, _, _ in WRONG) >= 5, exercise_id


# ---------------------------------------------------------------------------------------------
# Hints
# ---------------------------------------------------------------------------------------------

# A statement a learner could paste: a definition, a return, an import, an assignment or a loop.
_PASTEABLE = re.compile(
    r"\b(def|return|import|lambda)\s|\bfor \w+(, \w+)* in \S+:|(^|[;:.] )\w+(\[.+?\])? = \S"
)
# A piece of code inside prose: `in backticks`, or a call such as torch.cat([a, b], dim=1).
_CODE = re.compile(r"`([^`]+)`|([A-Za-z_][\w.]*\((?:[^()]|\([^()]*\))*\))")


def _code_in(text):
    """The fragments of ``text`` that Python can run: code in backticks, and calls."""
    for match in _CODE.finditer(text):
        fragment = match.group(1) or match.group(2)
        try:
            compile(fragment, "<hint>", "exec")
        except SyntaxError:
            continue
        yield fragment


def _as_solution(exercise, fragment):
    """A function with the exercise's signature whose body is the fragment."""
    args = ", ".join(exercise.arg_names)
    body = fragment if _PASTEABLE.search(fragment) else f"return {fragment}"
    namespace = {"torch": torch, "F": torch.nn.functional}
    exec(f"def solution({args}):\n    {body}", namespace)
    return namespace["solution"]


# Fragments that would give an exercise's answer away, in any hint.
GIVEAWAYS = {
    "rnn_loss": [
        "reshape(",
        "view(",
        "flatten(",
        "permute(",
        "cross_entropy(",
        "log_softmax(",
        "gather(",
    ],
    "cell_backward": [
        "1 - h_next",
        "(1 -",
        ".T @",
        "@ weight",
        "sum(0)",
        "sum(dim",
        "einsum",
        "cosh",
    ],
    "lstm_cell_backward": [
        ".T @",
        "@ weight",
        "sum(0)",
        "sum(dim",
        "einsum",
        "cosh",
        "cat(",
        "chunk(",
    ],
    "clip_grad_norm": [
        "clamp(",
        "min(1",
        "(total_norm + 1e-6)",
        "vector_norm",
        ".norm(",
        "sqrt(",
        "* coef",
    ],
    "last_valid_output": [
        "lengths - 1",
        "lengths-1",
        "arange",
        "gather(",
        "[-1]",
        "transpose(",
        "one_hot",
    ],
    "rnn_backward": [
        "1 - h",
        "(1 -",
        ".T @",
        "@ weight",
        "sum(0)",
        "einsum",
        "cosh",
        "reversed(",
        "range(",
    ],
    "masked_loss": [
        "arange",
        "lengths[:, None]",
        "[None",
        "ignore_index",
        "cross_entropy(",
        "reduction=",
        "gather(",
        "pack_padded",
        ".sum() /",
    ],
    "gru_cell": ["return (1 - z)"],
}


def _solution_lines(exercise_id):
    """The lines of every correct style long enough to be a give-away."""
    import inspect

    for fn in CORRECT.get(exercise_id, []):
        for line in inspect.getsource(fn).splitlines()[1:]:
            code = line.split("#")[0].strip()
            if len(code) >= 12 and not code.startswith(("return", '"""')):
                yield " ".join(code.split())


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_hints_are_progressive_and_never_the_solution(exercise_id):
    exercise = get_exercise(exercise_id)
    count = len(exercise.hints)
    assert count >= 2
    shown = [str(hint(exercise_id, level)) for level in range(1, count + 1)]
    assert len(set(shown)) == count
    assert shown[-1].endswith("(this is the last hint)")
    lines = set(_solution_lines(exercise_id))
    for level, text in enumerate(shown, start=1):
        assert text.startswith(f"Hint {level}/{count} for {exercise_id}: "), text
        assert "\n" not in text and "def " not in text, text
        assert not [g for g in GIVEAWAYS.get(exercise_id, []) if g in text], text
        flat = " ".join(text.split())
        if level < count:
            assert not _PASTEABLE.search(text), text
            assert not [line for line in lines if line in flat], text
        for fragment in _code_in(text):
            try:
                fn = _as_solution(exercise, fragment)
            except SyntaxError:
                continue
            assert not check(exercise_id, fn).passed, (fragment, text)


# ---------------------------------------------------------------------------------------------
# check() never raises
# ---------------------------------------------------------------------------------------------


def _map_tensors(value, change):
    if isinstance(value, float):  # an exercise may return a Python number, e.g. train_step's loss
        return change(torch.tensor(value, dtype=torch.float64))
    if isinstance(value, torch.Tensor):
        return change(value.detach())
    if isinstance(value, (tuple, list)):
        return type(value)(_map_tensors(v, change) for v in value)
    if isinstance(value, dict):
        return {k: _map_tensors(v, change) for k, v in value.items()}
    return value


class _Odd:
    def __repr__(self):
        raise RuntimeError("no repr")


def _raises(*args):
    raise ValueError("something went wrong")


def _exits(*args):
    raise SystemExit(3)


def _hangs(*args):
    while True:
        pass


def _blank(*args):
    raise NotImplementedError


def _mutating(right):
    def mutates(*args):
        first = next(_tensors(args[0]), None)
        if first is None:
            return None  # an adapted exercise's first input is a model: nothing plain to change
        answer = right(*args)
        first.mul_(2)
        return answer

    return mutates


def _misbehaviours(right):
    """(function, phrase its feedback must hold or None): odd functions, built around a right one."""
    return {
        "not_a_function": (None, "but got None"),
        "raises": (_raises, "your function raised ValueError: something went wrong"),
        "returns_none": (lambda *a: None, "forget the `return` statement"),
        "returns_a_string": (lambda *a: "done", None),
        "returns_an_odd_object": (lambda *a: _Odd(), None),
        "returns_junk_tensors": (lambda *a: torch.ones(2, 3, dtype=torch.float64), None),
        "exits": (_exits, "sys.exit(3)"),
        "hangs": (_hangs, "did not finish within"),
        "takes_no_arguments": (lambda: 0, None),
        "takes_one_argument": (lambda x: x, "the signature should be"),
        "mutates_its_first_input": (_mutating(right), None),
        "returns_nan": (
            lambda *a: _map_tensors(right(*a), lambda t: torch.full_like(t, math.nan)),
            None,
        ),
        "returns_float32": (lambda *a: _map_tensors(right(*a), lambda t: t.float()), None),
        "returns_numpy": (lambda *a: _map_tensors(right(*a), lambda t: t.numpy()), None),
        "not_attempted": (_blank, "not attempted yet"),
    }


KINDS = list(_misbehaviours(abs))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_check_never_raises_and_says_what_went_wrong(exercise_id, kind):
    right = (CORRECT.get(exercise_id) or [_blank])[0]
    fn, phrase = _misbehaviours(right)[kind]
    if kind == "takes_one_argument" and get_exercise(exercise_id).adapter:
        phrase = (
            "takes 1 positional argument"  # the adapter's call, not the learner's, is what fails
        )
    # A function that never returns hits any limit, and a short one keeps one hang per exercise quick.
    result = check(exercise_id, fn, timeout=0.1 if kind == "hangs" else None)
    if kind == "returns_float32" and result.passed:  # only a loss read as a number may be float32
        assert exercise_id == "train_step", str(result)
        return
    assert not result.passed and result.points == 0
    if kind == "not_attempted":
        assert result.status == "not attempted" and result.mistake is None
    else:
        assert result.status == "failed" and result.mistake is not None, str(result)
    if phrase is not None:
        assert any(phrase in line for line in result.feedback), str(result)
    if kind == "mutates_its_first_input" and not get_exercise(exercise_id).adapter:
        assert "changed its input" in str(result), str(result)
    _assert_nothing_hidden(exercise_id, result)


@pytest.mark.parametrize("form", ["{:.4f}", "{!r}", "{:.4e}", "{:.5g}"])
def test_the_hidden_value_check_can_fail(form):
    """A message showing a hidden input, in any of the forms, is caught."""
    value = next(
        v for v in get_exercise("rnn_cell").cases()[0].args[0].reshape(-1).tolist() if abs(v) > 0.1
    )
    leaked = check("rnn_cell", lambda *a: None)
    leaked.feedback.append(f"x[0, 0] is {form.format(value)}")
    with pytest.raises(AssertionError):
        _assert_nothing_hidden("rnn_cell", leaked)


def _same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.allclose(a, b)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.parametrize(
    "exercise_id", [e for e in exercise_ids() if get_exercise(e).solve is not None]
)
def test_solve_gives_torchs_answer_on_every_case(exercise_id):
    """An exercise's ``solve`` names mistakes by altering its inputs, so on the unaltered inputs it
    must give the cases' expected answers exactly as torch computed them."""
    exercise = get_exercise(exercise_id)
    for case in exercise.cases():
        assert _same(exercise.solve(*case.args), case.expected), (exercise_id, case.label)
