"""The machinery every exercise checker shares.

A check is three steps, kept apart so that the grader can run the middle one in an untrusted process
and the other two in its own:

1. ``cases = exercise.cases()``: hidden inputs, and torch's expected answers (trusted).
2. ``outcomes = run_learner(exercise, fn, cases)``: call the learner's function on copies of the
   inputs, under the from-scratch guard and a time limit (runs wherever the learner's code runs).
3. ``result = judge(exercise, cases, outcomes)``: check type, shape, dtype and finiteness, then
   that no input was changed, then the values; on failure, compare the answer with the exercise's
   catalogue of known mistakes and name the one it matches (trusted).

``check(exercise_id, fn)`` does all three in the learner's own process.
"""

import html
import importlib
import signal
import threading
import traceback
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from .cases import salted
from .guard import MESSAGES, Guard
from .plain import Foreign, from_plain, to_plain, type_name

# ---------------------------------------------------------------------------------------------
# What an exercise is
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: a wrong implementation with the learner's signature, and its name.

    ``message`` is written in the learner's terms, e.g. "your h_next ignores b_hh".
    """

    message: str
    fn: Callable


@dataclass
class Case:
    """One hidden test input and torch's answer for it.

    Attributes:
        args: positional arguments, in the order of the learner's signature.
        expected: torch's answer: a tensor, a tuple of tensors or a dict of tensors.
        label: the shapes and flags of this case, never its values, e.g. "N=1, L=4, H_in=3, H=5".
        shapes: for each output, its shape in torch's letters, e.g. ("(L, N, H)", "(N, H)").
    """

    args: tuple
    expected: Any
    label: str
    shapes: tuple = ()


@dataclass
class Exercise:
    """An exercise: the learner's signature, how to make its cases, its mistakes and hints."""

    id: str
    title: str
    signature: str
    arg_names: tuple
    output_names: tuple
    make_cases: Callable[[], list]
    mistakes: tuple = ()
    hints: tuple = ()
    lesson: str = ""
    points: int = 10
    rtol: float = 1e-7
    atol: float = 1e-9
    forbid_rnn: bool = True
    forbid_autograd: bool = False
    forbid_modules: tuple = ()
    timeout: float = 10.0
    adapter: str = ""  # "module:function" (trusted, outside this folder): adapter(fn) takes the case's args
    _cases: list = field(default=None, repr=False, compare=False)

    def cases(self, salt=0):
        """The hidden cases. Never hand them out uncopied.

        ``salt`` 0 gives the fixed cases of a learner's ``check`` (made once and cached); any other
        salt gives cases with the same shapes and flags but other numbers (see ``cases.salted``).
        """
        if salt:
            with salted(salt):
                return list(self.make_cases())
        if self._cases is None:
            self._cases = list(self.make_cases())
        return self._cases


_REGISTRY = {}


def register(exercise):
    """Add an exercise to the catalogue (called by the exercise modules when imported)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise {exercise.id!r} is registered twice")
    _REGISTRY[exercise.id] = exercise
    return exercise


def exercise_ids():
    """Every exercise id, in the order the lessons meet them."""
    return list(_REGISTRY)


def get_exercise(exercise_id):
    """The Exercise with this id; a ValueError that lists the known ids otherwise."""
    try:
        return _REGISTRY[exercise_id]
    except (KeyError, TypeError):
        known = ", ".join(_REGISTRY)
        raise ValueError(f"unknown exercise id {exercise_id!r}; expected one of: {known}") from None


# ---------------------------------------------------------------------------------------------
# Step 2: running the learner's function
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened when the learner's function ran on one case.

    Attributes:
        value: what it returned (None when it did not return).
        error: None, or one of "not_attempted", "exception", "timeout", "exit".
        detail: for an error, a one-line description in the learner's terms.
        mutated: names of the arguments it changed in place.
        violations: (kind, name) pairs from the from-scratch guard.
    """

    value: Any = None
    error: str = None
    detail: str = ""
    mutated: tuple = ()
    violations: tuple = ()

    def to_plain(self, arrays):
        """A JSON-able dict; tensors go into ``arrays`` (see ``plain.to_plain``)."""
        meta, _ = to_plain(self.value, arrays)
        return {
            "value": meta,
            "error": self.error,
            "detail": self.detail,
            "mutated": list(self.mutated),
            "violations": [list(v) for v in self.violations],
        }

    @classmethod
    def from_plain(cls, data, arrays):
        """Rebuild an Outcome from ``to_plain``'s dict, trusting nothing in it."""
        error = data.get("error")
        violations = [tuple(map(str, v))[:2] for v in data.get("violations", [])]
        return cls(
            value=from_plain(data["value"], arrays),
            error=error if error in _ERROR_KINDS else None,
            detail=str(data.get("detail", ""))[:500],
            mutated=tuple(str(m) for m in data.get("mutated", [])),
            violations=tuple(v for v in violations if len(v) == 2 and v[0] in MESSAGES),
        )


_ERROR_KINDS = ("not_attempted", "exception", "timeout", "exit")


class LearnerTimeout(BaseException):
    """Raised inside the learner's function when its time is up (a BaseException, so that a bare
    ``except Exception`` in the learner's code cannot swallow it)."""


@contextmanager
def time_limit(seconds):
    """Interrupt the body with LearnerTimeout after ``seconds`` (main thread on Unix only)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds is None:
        yield
        return

    def on_alarm(signum, frame):
        raise LearnerTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_learner(exercise, fn, cases, timeout=None, use_guard=True):
    """Call ``fn`` on a fresh copy of every case's arguments; return one Outcome per case run.

    Stops at the first case that errors. ``timeout`` (seconds, for all cases together) defaults to
    ``exercise.timeout``.
    """
    outcomes = []
    budget = exercise.timeout if timeout is None else timeout
    try:
        with time_limit(budget):
            for case in cases:
                outcome = _run_one(exercise, fn, case, use_guard)
                outcomes.append(outcome)
                if outcome.error:
                    break
    except LearnerTimeout:
        outcomes.append(Outcome(error="timeout", detail=f"it did not finish within {budget:g} s"))
    return outcomes


def _run_one(exercise, fn, case, use_guard):
    args = clone(case.args)
    call = _adapted(exercise, fn)
    guard = Guard(exercise.forbid_rnn, exercise.forbid_autograd, exercise.forbid_modules) if use_guard else None
    try:
        with guard if guard else nullcontext():
            value = call(*args)
            # Read as plain data while the guard still watches: a tensor subclass, a fake tensor or an odd
            # container could otherwise run the learner's code (delegation included) after the guard ends.
            value = plain_copy(value)
    except NotImplementedError:
        return Outcome(error="not_attempted", violations=_violations(guard))
    except LearnerTimeout:
        raise
    except KeyboardInterrupt:
        raise
    except SystemExit as exit_:
        return Outcome(error="exit", detail=f"it called sys.exit({exit_.code!r})")
    except BaseException as exc:  # the learner's code may raise anything at all
        return Outcome(error="exception", detail=_describe_exception(exc, fn), violations=_violations(guard))
    mutated = tuple(_changed_arguments(exercise.arg_names, case.args, args))
    return Outcome(value=value, mutated=mutated, violations=_violations(guard))


def _adapted(exercise, fn):
    """``fn``, or, for an exercise whose learner's function takes objects that cannot travel as plain
    data (a model, an optimizer, a generator), ``fn`` wrapped by the exercise's trusted adapter."""
    if not exercise.adapter:
        return fn
    module, _, name = exercise.adapter.partition(":")
    return getattr(importlib.import_module(module), name)(fn)


def plain_copy(value):
    """``value`` rebuilt from plain data (``plain.to_plain``): plain tensors, tuples, lists and dicts."""
    meta, arrays = to_plain(value)
    return from_plain(meta, arrays)


def _violations(guard):
    return tuple(guard.report.violations) if guard else ()


def _describe_exception(exc, fn):
    """'ValueError: ...', plus the line of the learner's own code where it was raised."""
    text = f"{type(exc).__name__}: {exc}".strip()
    text = text if len(text) <= 300 else text[:297] + "..."
    code = getattr(fn, "__code__", None)
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if code is not None and f.filename == code.co_filename]
    if mine and mine[-1].line:
        text += f" (in your code: `{mine[-1].line.strip()}`)"
    return text


def clone(value):
    """A deep copy of tensors inside tuples, lists and dicts; other values are shared."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, (tuple, list)):
        return type(value)(clone(v) for v in value)
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    return value


def _changed_arguments(names, originals, copies):
    for name, original, copy in zip(names, originals, copies):
        if isinstance(original, dict):
            for key in original:
                if not _identical(original[key], copy.get(key) if isinstance(copy, dict) else None):
                    yield f"{name}[{key!r}]"
        elif not _identical(original, copy):
            yield name


def _identical(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(map(_identical, a, b))
    return a == b


# ---------------------------------------------------------------------------------------------
# Step 3: judging
# ---------------------------------------------------------------------------------------------


@dataclass
class CheckResult:
    """The verdict on one exercise: ``passed``, points, and short feedback in the learner's terms."""

    exercise: str
    passed: bool
    points: int
    max_points: int
    feedback: list
    status: str = "passed"  # "passed", "failed" or "not attempted"

    def __bool__(self):
        return self.passed

    def __str__(self):
        mark = "PASSED" if self.passed else self.status.upper()
        lines = [f"[{mark}] {self.exercise}: {self.points}/{self.max_points} points"]
        return "\n".join(lines + [f"  - {message}" for message in self.feedback])

    __repr__ = __str__

    def _repr_html_(self):
        colour = {"passed": "#1a7f37", "not attempted": "#6e7781"}.get(self.status, "#cf222e")
        mark = {"passed": "&#10004;", "not attempted": "&#9675;"}.get(self.status, "&#10008;")
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.feedback)
        return (
            f'<div style="border-left:4px solid {colour};padding:2px 8px">'
            f'<b style="color:{colour}">{mark} {html.escape(self.exercise)}</b> '
            f"{self.status} &middot; {self.points}/{self.max_points} points"
            f'<ul style="margin:2px 0">{items}</ul></div>'
        )

    def to_dict(self):
        return {
            "exercise": self.exercise,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "feedback": list(self.feedback),
        }


def judge(exercise, cases, outcomes):
    """Turn the outcomes of ``run_learner`` into a CheckResult (runs in trusted code only)."""
    if any(o.error == "not_attempted" for o in outcomes):
        return _result(exercise, "not attempted", [_NOT_ATTEMPTED.format(id=exercise.id)])
    for stage in (_guard_stage, _error_stage, _structure_stage, _mutation_stage, _value_stage):
        feedback = stage(exercise, cases, outcomes)
        if feedback:
            return _result(exercise, "failed", feedback)
    if len(outcomes) < len(cases):
        return _result(exercise, "failed", ["the check stopped before every case had run"])
    return _result(exercise, "passed", [f"all {len(cases)} hidden cases match torch"])


_NOT_ATTEMPTED = "not attempted yet: replace `raise NotImplementedError` in {id} with your code"


def _result(exercise, status, feedback):
    passed = status == "passed"
    points = exercise.points if passed else 0
    return CheckResult(exercise.id, passed, points, exercise.points, feedback, status)


def _guard_stage(exercise, cases, outcomes):
    for outcome in outcomes:
        for kind, name in outcome.violations:
            return [f"{exercise.id} must be written from scratch, but " + MESSAGES[kind].format(name=name)]
    return None


def _error_stage(exercise, cases, outcomes):
    for case, outcome in zip(cases, outcomes):
        if outcome.error == "exception":
            lines = [f"your function raised {outcome.detail}", f"it happened in the case {case.label}"]
            if outcome.detail.startswith("TypeError") and "argument" in outcome.detail:
                lines.append(f"the signature should be {exercise.signature}")
            mistake = diagnose(exercise, cases, outcomes)
            if mistake is not None:
                lines.append(f"likely mistake: {mistake.message}")
            return lines
        if outcome.error in ("timeout", "exit"):
            return [f"your function did not return: {outcome.detail}", f"it happened in the case {case.label}"]
    if outcomes and outcomes[-1].error == "timeout":
        return [f"your function did not return: {outcomes[-1].detail}"]
    return None


def _structure_stage(exercise, cases, outcomes):
    for case, outcome in zip(cases, outcomes):
        problem = _structure_problem(exercise, case, outcome.value)
        if problem:
            return _with_diagnosis(exercise, cases, outcomes, [problem, f"seen in the case {case.label}"])
    return None


def _mutation_stage(exercise, cases, outcomes):
    for outcome in outcomes:
        if outcome.mutated:
            names = ", ".join(f"`{n}`" for n in outcome.mutated)
            return [
                f"your function changed its input {names} in place (for example with +=, "
                "an indexed assignment or a method ending in _); build new tensors instead"
            ]
    return None


def _value_stage(exercise, cases, outcomes):
    for case, outcome in zip(cases, outcomes):
        wrong = _wrong_outputs(exercise, case, outcome.value)
        if wrong:
            name, error = wrong[0]
            lines = [f"`{name}` has the right shape but the wrong values (largest difference {error:.2g})"]
            names = [n for n, _, _ in _expected_items(exercise, case)]
            if len(wrong) < len(names):
                right = [n for n in names if n not in dict(wrong)]
                lines.append("these are right: " + ", ".join(f"`{n}`" for n in right))
            lines.append(f"first seen in the case {case.label}")
            return _with_diagnosis(exercise, cases, outcomes, lines)
    return None


def _output_names(exercise, expected):
    if isinstance(expected, dict):  # one output name for the whole dict names its entries grads['x']
        prefix = exercise.output_names[0] if len(exercise.output_names) == 1 else ""
        return [f"{prefix}[{k!r}]" if prefix else k for k in expected]
    count = len(_flat(expected)) if isinstance(expected, tuple) else 1
    names = list(exercise.output_names)
    return names[:count] + [f"output {i}" for i in range(len(names), count)]


def _expected_items(exercise, case):
    """(name, expected tensor, symbolic shape) for each output of a case."""
    expected = case.expected
    names = _output_names(exercise, expected)
    values = list(expected.values()) if isinstance(expected, dict) else _flat(expected) if isinstance(expected, tuple) else [expected]
    shapes = list(case.shapes) + [""] * len(values)
    return _flatten_lists(zip(names, values, shapes))


def _flat(expected):
    """The outputs of a tuple, with nested tuples such as (output, (h_n, c_n)) spread out."""
    return [leaf for v in expected for leaf in (_flat(v) if isinstance(v, tuple) else [v])]


def _flatten_lists(items):
    """Expand an output that is a list of tensors into one item per tensor, named `name[i]`."""
    flat = []
    for name, value, shape in items:
        if isinstance(value, list):
            flat.extend((f"{name}[{i}]", v, "") for i, v in enumerate(value))
        else:
            flat.append((name, value, shape))
    return flat


def _answer_items(exercise, case, value):
    """The learner's outputs in the expected order, or a message saying why they cannot be read."""
    expected = case.expected
    if isinstance(expected, torch.Tensor):
        return [value], None
    if isinstance(expected, tuple) and any(isinstance(v, tuple) for v in expected):
        return _unpack_nested(exercise, expected, value)
    if isinstance(expected, tuple):
        want = ", ".join(_output_names(exercise, expected))
        if not isinstance(value, (tuple, list)):
            return None, f"your function should return a tuple ({want}), but it returned {_a(value)}"
        if len(value) != len(expected):
            return None, f"your function should return {len(expected)} values ({want}), but it returned {len(value)}"
        return _unpack_lists(_output_names(exercise, expected), expected, value)
    if not isinstance(value, dict):
        return None, f"your function should return a dict with keys {list(expected)}, but it returned {_a(value)}"
    missing = [k for k in expected if k not in value]
    extra = [k for k in value if k not in expected]
    if missing or extra:
        parts = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else [])
        return None, f"your dict should have exactly the keys {list(expected)}: " + "; ".join(parts)
    return [value[k] for k in expected], None


def _nested_form(names, expected):
    """'(output, (h_n, c_n))': the form of a nested tuple of outputs, in the learner's names."""
    names = iter(names)
    return "(" + ", ".join(_nested_form(names, v) if isinstance(v, tuple) else next(names) for v in expected) + ")"


def _unpack_nested(exercise, expected, value):
    """The learner's outputs of a nested tuple such as (output, (h_n, c_n)), flattened in order."""
    form = _nested_form(iter(exercise.output_names), expected)

    def leaves(want, got):
        if not isinstance(want, tuple):
            return [got]
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            raise ValueError
        return [leaf for w, g in zip(want, got) for leaf in leaves(w, g)]

    try:
        return leaves(expected, value), None
    except ValueError:
        return None, f"your function should return {form}, but it returned {_a(value)} of another form"


def _unpack_lists(names, expected, value):
    """The learner's outputs with each list-of-tensors output spread out, as ``_flatten_lists`` does."""
    answers = []
    for name, want, got in zip(names, expected, value):
        if not isinstance(want, list):
            answers.append(got)
        elif not isinstance(got, (tuple, list)):
            return None, f"`{name}` should be a list of {len(want)} tensors, but it is {_a(got)}"
        elif len(got) != len(want):
            return None, f"`{name}` should be a list of {len(want)} tensors, but yours has {len(got)}"
        else:
            answers.extend(got)
    return answers, None


def _a(value):
    if value is None:
        return "None (did you forget the `return` statement?)"
    name = type_name(value)
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _structure_problem(exercise, case, value):
    answers, problem = _answer_items(exercise, case, value)
    if problem:
        return problem
    for (name, expected, shape), got in zip(_expected_items(exercise, case), answers):
        problem = _tensor_problem(name, expected, shape, got)
        if problem:
            return problem
    return None


def _tensor_problem(name, expected, shape, got):
    if not isinstance(got, torch.Tensor):
        extra = " (use torch operations, not numpy)" if type_name(got).startswith("numpy") else ""
        if isinstance(got, (int, float)) and expected.dim() == 0:
            extra = " (return the tensor itself, not .item(): a Python number cannot be backpropagated)"
        return f"`{name}` should be a torch.Tensor, but it is {_a(got)}{extra}"
    if got.shape != expected.shape:
        symbolic = f"{shape} = " if shape else ""
        message = f"`{name}` should have shape {symbolic}{tuple(expected.shape)}, but yours has {tuple(got.shape)}"
        if sorted(got.shape) == sorted(expected.shape):
            message += " (the same sizes in another order: are two axes swapped?)"
        return message
    if got.dtype != expected.dtype:
        return f"`{name}` should have dtype {expected.dtype}, like the inputs, but yours has {got.dtype}"
    if got.is_floating_point() and not torch.isfinite(got).all():
        return f"`{name}` contains NaN or infinity"
    return None


def _wrong_outputs(exercise, case, value):
    """[(name, largest absolute difference)] for each output whose values are not close."""
    answers, _ = _answer_items(exercise, case, value)
    wrong = []
    for (name, expected, _), got in zip(_expected_items(exercise, case), answers):
        if not torch.allclose(got, expected, rtol=exercise.rtol, atol=exercise.atol):
            wrong.append((name, (got - expected).abs().max().item()))
    return wrong


def _with_diagnosis(exercise, cases, outcomes, lines):
    """Put the named mistake first when the answer matches one from the catalogue."""
    mistake = diagnose(exercise, cases, outcomes)
    if mistake is None:
        return lines
    return [f"likely mistake: {mistake.message}"] + lines


def diagnose(exercise, cases, outcomes):
    """The first catalogued Mistake that behaves like the learner's function on every case run, or None.

    Behaving alike means returning the same answer; on a case where the learner's function raised
    an exception, it means raising an exception of the same type. The learner's function must have
    returned a wrong answer on at least one case, so that a mistake is only named when it has been
    seen to reproduce a wrong answer, never for an exception alone.
    """
    if not any(_returned_wrong(c, o, exercise) for c, o in zip(cases, outcomes)):
        return None
    for mistake in exercise.mistakes:
        if all(_behaves_alike(mistake, c, o, exercise) for c, o in zip(cases, outcomes)):
            return mistake
    return None


def _behaves_alike(mistake, case, outcome, exercise):
    answer = _run_mistake(mistake, case)
    if outcome.error == "exception":
        return isinstance(answer, _Raised) and _exception_type(outcome.detail) == answer.type_name
    return outcome.error is None and _same_answer(answer, outcome.value, exercise)


def _returned_wrong(case, outcome, exercise):
    return outcome.error is None and not _same_answer(case.expected, outcome.value, exercise)


def _exception_type(detail):
    """'RuntimeError' from an Outcome detail such as 'RuntimeError: mat1 and mat2 ...'."""
    return detail.partition(":")[0].partition(" (")[0].strip()


@dataclass(frozen=True)
class _Raised:
    """What a mistake did when it raised instead of returning: the exception's type name."""

    type_name: str


def _run_mistake(mistake, case):
    try:
        return mistake.fn(*clone(case.args))
    except Exception as exc:  # a mistake that cannot run on this case cannot return the learner's answer
        return _Raised(type(exc).__name__)


def _same_answer(a, b, exercise):
    if isinstance(a, _Raised) or isinstance(b, Foreign):
        return False
    if isinstance(a, torch.Tensor):
        return (
            isinstance(b, torch.Tensor)
            and a.shape == b.shape
            and torch.allclose(a.to(torch.float64), b.to(torch.float64), rtol=1e-6, atol=1e-8, equal_nan=True)
        )
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(_same_answer(x, y, exercise) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same_answer(a[k], b[k], exercise) for k in a)
    return False


# ---------------------------------------------------------------------------------------------
# The learner-facing API
# ---------------------------------------------------------------------------------------------


def check(exercise_id, fn, timeout=None):
    """Check the learner's ``fn`` for exercise ``exercise_id``; return a CheckResult.

    Never raises because of ``fn``: whatever it does becomes a failing result with a message.
    Raises ValueError only for an unknown ``exercise_id``.
    """
    exercise = get_exercise(exercise_id)
    if not callable(fn):
        return _result(exercise, "failed", [f"expected your function {exercise.signature}, but got {_a(fn)}"])
    cases = exercise.cases()
    return judge(exercise, cases, run_learner(exercise, fn, cases, timeout))


class Hint(str):
    """A hint: a string that shows itself as readable text in Jupyter and a terminal."""

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        return f'<div style="border-left:4px solid #0969da;padding:2px 8px">{html.escape(self)}</div>'


def hint(exercise_id, level=1):
    """Hint number ``level`` (1 = gentlest) for an exercise. Hints never give the solution."""
    exercise = get_exercise(exercise_id)
    hints = exercise.hints
    if not hints:
        return Hint(f"Hint for {exercise_id}: no hints are written for this exercise yet.")
    level = max(1, min(int(level), len(hints)))
    more = f" (ask for level={level + 1} for more)" if level < len(hints) else " (this is the last hint)"
    return Hint(f"Hint {level}/{len(hints)} for {exercise_id}: {hints[level - 1]}{more}")
