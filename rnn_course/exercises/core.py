"""The machinery every exercise checker shares.

A check is three steps, kept apart so that the grader can run the middle one in an untrusted process
and the other two in its own:

1. ``cases = exercise.cases()``: hidden inputs, and torch's expected answers (trusted).
2. ``outcomes = run_learner(exercise, fn, cases)``: call the learner's function on copies of the
   inputs, under the from-scratch guard and a time limit (runs wherever the learner's code runs).
3. ``result = judge(exercise, cases, outcomes)``: check type, shape, dtype and finiteness, then
   that no input was changed, then the values; on failure, compare the answer with the exercise's
   catalogue of known mistakes and name the one it matches (trusted).

``check(exercise_id, fn)`` does all three in the learner's own process, and never raises because of
``fn``.

Writing a new checker (see ``forward.py`` and ``training.py`` for examples):

* ``make_cases`` returns Cases whose ``expected`` comes from torch, whose ``label`` names every size as
  ``name=value`` ("L=4, N=3, H_in=2, H=5") and whose ``shapes`` give each output's shape in torch's
  letters ("(L, N, H)"). Keep the sizes of a case distinct: the diagnosis names the sizes in torch's
  errors and in wrong answers by these letters, and two equal sizes cannot be told apart.
* ``mistakes``: the traps your lesson sets, each a Mistake (message in the learner's terms, and a wrong
  implementation with the learner's signature). A learner's answer is named by the first one that
  gives the same answers, or raises the same error, on every case run.
* ``solve``: torch's answer for any arguments (through nn.RNN, autograd, F.cross_entropy...). With it,
  an argument left out, a square weight transposed or a ``grad_*`` not multiplied in is named without
  a catalogue entry.
* Everything else is named, where it can be, by ``diagnosis`` (no catalogue needed): the sign, a factor
  of N, reversed or shifted time, reshape instead of transpose, one half or one row right, a list of
  tensors, float32, and torch's errors read as causes. The "likely mistake" line always comes first.
"""

import html
import importlib
import numbers
import re
import signal
import threading
import traceback
import types
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from . import diagnosis
from .cases import salted
from .guard import MESSAGES, Guard
from .plain import Foreign, class_name, from_plain, to_plain, type_name

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
    """An exercise: the learner's signature, how to make its cases, its mistakes and hints.

    ``solve`` (optional): torch's answer for any arguments, e.g. through nn.RNN or autograd. With it, a
    wrong answer that equals torch's answer on altered inputs is named without a catalogue entry: an
    argument (or a dict entry of one) that is left out (as if zero), a square weight used transposed,
    or an incoming gradient not multiplied in (``grad_*`` as if all ones). ``number_note``: why a 0-dim
    output must stay a tensor (shown when a Python number is returned).
    """

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
    adapter: str = (
        ""  # "module:function" (trusted, outside this folder): adapter(fn) takes the case's args
    )
    number_note: str = ""
    solve: Callable = None
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
        bad_call: True when the call itself failed: the arguments did not fit the function's signature
            (a TypeError raised before any line of the function ran).
        probe: when the function raised a float/double dtype error, or returned float32 tensors from
            float64 inputs: what it returned on the same inputs with torch's default dtype set to
            float64 (None otherwise). Only ever used to name the mistake, never to pass.
    """

    value: Any = None
    error: str = None
    detail: str = ""
    mutated: tuple = ()
    violations: tuple = ()
    bad_call: bool = False
    probe: Any = None

    def to_plain(self, arrays):
        """A JSON-able dict; tensors go into ``arrays`` (see ``plain.to_plain``)."""
        meta, _ = to_plain(self.value, arrays)
        probe, _ = to_plain(self.probe, arrays)
        return {
            "value": meta,
            "error": self.error,
            "detail": self.detail,
            "mutated": list(self.mutated),
            "violations": [list(v) for v in self.violations],
            "bad_call": self.bad_call,
            "probe": probe,
        }

    @classmethod
    def from_plain(cls, data, arrays):
        """Rebuild an Outcome from ``to_plain``'s dict, trusting nothing in it."""
        error = data.get("error")
        violations = [tuple(map(str, v))[:2] for v in data.get("violations", [])]
        probe = data.get("probe")
        return cls(
            value=from_plain(data["value"], arrays),
            error=error if error in _ERROR_KINDS else None,
            detail=str(data.get("detail", ""))[:500],
            mutated=tuple(str(m) for m in data.get("mutated", [])),
            violations=tuple(v for v in violations if len(v) == 2 and v[0] in MESSAGES),
            bad_call=data.get("bad_call") is True,
            probe=from_plain(probe, arrays) if isinstance(probe, dict) else None,
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


class _Interrupts:
    """Tells a real Ctrl-C (SIGINT, which must stop the check) from a KeyboardInterrupt that the
    learner's code raised itself (which is just another exception to report)."""

    def __init__(self):
        self.seen = False
        self._previous = None

    def __enter__(self):
        usable = threading.current_thread() is threading.main_thread()
        if usable and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def _on_sigint(self, signum, frame):
        self.seen = True
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def run_learner(exercise, fn, cases, timeout=None, use_guard=True):
    """Call ``fn`` on a fresh copy of every case's arguments; return one Outcome per case run.

    Stops at the first case that errors. ``timeout`` (seconds, for all cases together) defaults to
    ``exercise.timeout``. Never raises because of ``fn``, only for a real Ctrl-C.
    """
    outcomes = []
    budget = exercise.timeout if timeout is None else timeout
    with _Interrupts() as interrupts:
        try:
            with time_limit(budget):
                for case in cases:
                    outcome = _run_one(exercise, fn, case, use_guard, interrupts)
                    outcomes.append(outcome)
                    if outcome.error:
                        break
        except LearnerTimeout:
            outcomes.append(
                Outcome(error="timeout", detail=f"it did not finish within {budget:g} s")
            )
    return outcomes


def _run_one(exercise, fn, case, use_guard, interrupts=None):
    def guard():
        return (
            Guard(exercise.forbid_rnn, exercise.forbid_autograd, exercise.forbid_modules)
            if use_guard
            else None
        )

    first = guard()
    args = clone(case.args)
    call = _adapted(exercise, fn)
    value, exc, after = _call(call, args, first, interrupts)
    violations = _violations(first)
    if exc is None:
        mutated = tuple(_changed_arguments(exercise.arg_names, case.args, after))
        probe, more = (
            _probe(call, case, guard, interrupts)
            if _low_precision(value, case.args)
            else (None, ())
        )
        return Outcome(value=value, mutated=mutated, violations=violations + more, probe=probe)
    if _is(exc, NotImplementedError):
        return Outcome(error="not_attempted", violations=violations)
    if _is(exc, SystemExit):
        return Outcome(
            error="exit",
            detail=f"it called sys.exit({_describe_exit_code(exc)})",
            violations=violations,
        )
    detail = _describe_exception(exc, fn)
    probe, more = _probe(call, case, guard, interrupts) if _is_dtype_error(detail) else (None, ())
    return Outcome(
        error="exception",
        detail=detail,
        violations=violations + more,
        bad_call=_bad_call(exc),
        probe=probe,
    )


def _call(fn, args, guard, interrupts):
    """(answer as plain data, None, arguments afterwards as plain data), or (None, exception, None).

    Everything that could run the learner's code (the call, and reading what it returned or left in
    its arguments) happens while the guard watches; only a timeout or a real Ctrl-C gets out.
    """
    try:  # the exception leaves the guard first: it knows that Python drops its hook on RecursionError
        with guard if guard else nullcontext():
            value = plain_copy(fn(*args))
            after = [_plain_or_foreign(arg) for arg in args] if not _exactly_plain(args) else None
    except LearnerTimeout:
        raise
    except KeyboardInterrupt as exc:
        if interrupts is None or interrupts.seen:
            raise
        return None, exc, None
    except BaseException as exc:  # the learner's code may raise anything at all
        return None, exc, None
    if (
        after is None
    ):  # nothing but plain tensors and containers: reading them runs no code of the learner's
        after = [plain_copy(arg) for arg in args]
    return value, None, after


def _exactly_plain(value):
    """Whether ``value`` is made of exact torch.Tensor, tuple, list, dict and scalar objects only, so
    that reading it cannot run any code of the learner's (no subclass, no odd container)."""
    cls = type(value)
    if cls is torch.Tensor or value is None or cls in (bool, int, float, str):
        return True
    if cls in (tuple, list):
        return all(_exactly_plain(v) for v in value)
    if cls is dict:
        return all(type(k) is str and _exactly_plain(v) for k, v in value.items())
    return False


def _probe(fn, case, guard, interrupts):
    """(the answer on the same inputs with torch's default dtype float64, guard violations), or
    (None, violations) when it still fails. Used only to name a float32 mistake's underlying cause."""
    probe_guard = guard()
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        value, exc, _ = _call(fn, clone(case.args), probe_guard, interrupts)
    except LearnerTimeout:  # the time ran out during the probe: report the first run as it was
        value, exc = None, True
    finally:
        torch.set_default_dtype(previous)
    return (None if exc is not None else value), _violations(probe_guard)


def _is_dtype_error(detail):
    try:
        return diagnosis.is_dtype_error(detail)
    except (
        Exception
    ):  # the diagnosis is only ever a help: without it, the error is reported as it is
        return False


def _low_precision(value, args):
    """Whether the answer holds a float32 (or smaller) tensor although the inputs are float64."""
    inputs = [t.dtype for t in _tensors(args)]
    return torch.float64 in inputs and any(
        t.is_floating_point() and t.dtype != torch.float64 for t in _tensors(value)
    )


def _tensors(value):
    """Every plain tensor inside tuples, lists and dicts (only ever called on plain data)."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _is(exc, cls):
    """isinstance by the real type, as ``except`` matches (a lying ``__class__`` is ignored)."""
    return issubclass(type(exc), cls)


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


def _plain_or_foreign(value):
    """``plain_copy(value)``, or a Foreign stand-in when the value can no longer be read at all."""
    try:
        return plain_copy(value)
    except LearnerTimeout:
        raise
    except Exception:
        return Foreign("unreadable value")


def _violations(guard):
    return tuple(guard.report.violations) if guard else ()


_BASE_TRACEBACK = BaseException.__dict__["__traceback__"].__get__
_BASE_STR = BaseException.__str__


def _describe_exception(exc, fn):
    """'ValueError: ...', plus the line of the learner's own code where it was raised.

    Nothing here trusts the exception: its class name is read past any metaclass, and a ``__str__``
    or ``__repr__`` that raises or returns a non-string gives a placeholder instead of an error.
    """
    name = class_name(type(exc))
    message = _safe_text(lambda: str(exc)) or _safe_text(lambda: _BASE_STR(exc))
    text = (
        f"{name}: {message}".strip()
        if message
        else name
        if message == ""
        else f"{name} (its message could not be read)"
    )
    text = " ".join(text.split()) if "\n" in text else text
    text = text if len(text) <= 300 else text[:297] + "..."
    line = _safe_text(lambda: _learner_line(exc, fn))
    return text + (f" (in your code: `{line}`)" if line else "")


def _safe_text(make):
    """``make()`` as a plain str, or None when it raises or returns something else."""
    try:
        text = make()
    except (LearnerTimeout, KeyboardInterrupt):
        raise
    except BaseException:
        return None
    return str.__str__(text) if isinstance(text, str) else None


def _learner_line(exc, fn):
    """The last line of ``fn``'s own code that the exception passed through, or None."""
    code = _function_code(fn)
    frames = traceback.extract_tb(_BASE_TRACEBACK(exc))
    mine = [f for f in frames if code is not None and f.filename == code.co_filename]
    return mine[-1].line.strip() if mine and mine[-1].line else None


def _function_code(fn):
    """The code object of a plain function or bound method (never an attribute the learner made)."""
    if type(fn) is types.MethodType:
        fn = fn.__func__
    return fn.__code__ if type(fn) is types.FunctionType else None


def _bad_call(exc):
    """True when a TypeError came from the call itself (the arguments did not fit the signature):
    no frame of the function's body was entered."""
    if not _is(exc, TypeError):
        return False
    tb = _BASE_TRACEBACK(exc)
    return tb is not None and tb.tb_next is None


def _describe_exit_code(exc):
    """The argument of sys.exit as the learner would read it, whatever object it is."""
    code = _EXIT_CODE(exc)
    if code is None or type(code) in (int, bool):
        text = _safe_text(lambda: repr(code))  # a huge int cannot be written out
        return text if text and len(text) <= 40 else "a very large number"
    if type(code) is str:
        return repr(code) if len(code) <= 60 else repr(code[:57] + "...")
    return f"<{type_name(code)}>"


_EXIT_CODE = SystemExit.__dict__["code"].__get__


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
        return (
            isinstance(b, torch.Tensor)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and torch.equal(a, b)
        )
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
        items = "".join(f"<li>{inline_html(m)}</li>" for m in self.feedback)
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


def inline_html(text):
    """Escaped HTML for a line of feedback, with `inline code` shown as code instead of backticks."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(text)))


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
            return [
                f"{exercise.id} must be written from scratch, but "
                + MESSAGES[kind].format(name=name)
            ]
    return None


def _error_stage(exercise, cases, outcomes):
    for case, outcome in zip(cases, outcomes):
        if outcome.error == "exception":
            lines = [
                f"your function raised {outcome.detail}",
                f"it happened in the case {case.label}",
            ]
            return _with_diagnosis(exercise, cases, outcomes, lines)
        if outcome.error in ("timeout", "exit"):
            return [
                f"your function did not return: {outcome.detail}",
                f"it happened in the case {case.label}",
            ]
    if outcomes and outcomes[-1].error == "timeout":
        return [f"your function did not return: {outcomes[-1].detail}"]
    return None


def _structure_stage(exercise, cases, outcomes):
    for case, outcome in zip(cases, outcomes):
        problem = _structure_problem(exercise, case, outcome.value)
        if problem:
            return _with_diagnosis(
                exercise, cases, outcomes, [problem, f"seen in the case {case.label}"]
            )
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
            lines = [
                f"`{name}` has the right shape but the wrong values (largest difference {error:.2g})"
            ]
            names = [n for n, _, _ in _expected_items(exercise, case)]
            if len(wrong) < len(names):
                right = [n for n in names if n not in dict(wrong)]
                lines.append("these are right: " + ", ".join(f"`{n}`" for n in right))
            lines.append(f"first seen in the case {case.label}")
            return _with_diagnosis(exercise, cases, outcomes, lines)
    return None


def _output_names(exercise, expected):
    if isinstance(
        expected, dict
    ):  # one output name for the whole dict names its entries grads['x']
        prefix = exercise.output_names[0] if len(exercise.output_names) == 1 else ""
        return [f"{prefix}[{k!r}]" if prefix else k for k in expected]
    count = len(_flat(expected)) if isinstance(expected, tuple) else 1
    names = list(exercise.output_names)
    return names[:count] + [f"output {i}" for i in range(len(names), count)]


def _expected_items(exercise, case):
    """(name, expected tensor, symbolic shape) for each output of a case."""
    expected = case.expected
    names = _output_names(exercise, expected)
    values = (
        list(expected.values())
        if isinstance(expected, dict)
        else _flat(expected)
        if isinstance(expected, tuple)
        else [expected]
    )
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
            return (
                None,
                f"your function should return a tuple ({want}), but it returned {_a(value)}",
            )
        if len(value) != len(expected):
            return (
                None,
                f"your function should return {len(expected)} values ({want}), but it returned {len(value)}",
            )
        return _unpack_lists(_output_names(exercise, expected), expected, value)
    if not isinstance(value, dict):
        return (
            None,
            f"your function should return a dict with keys {list(expected)}, but it returned {_a(value)}",
        )
    missing = [k for k in expected if k not in value]
    extra = [k for k in value if k not in expected]
    if missing or extra:
        parts = ([f"missing {missing}"] if missing else []) + (
            [f"unexpected {extra}"] if extra else []
        )
        return None, f"your dict should have exactly the keys {list(expected)}: " + "; ".join(parts)
    return [value[k] for k in expected], None


def _nested_form(names, expected):
    """'(output, (h_n, c_n))': the form of a nested tuple of outputs, in the learner's names."""
    names = iter(names)
    return (
        "("
        + ", ".join(
            _nested_form(names, v) if isinstance(v, tuple) else next(names) for v in expected
        )
        + ")"
    )


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
        return (
            None,
            f"your function should return {form}, but it returned {_a(value)} of another form",
        )


def _unpack_lists(names, expected, value):
    """The learner's outputs with each list-of-tensors output spread out, as ``_flatten_lists`` does."""
    answers = []
    for name, want, got in zip(names, expected, value):
        if not isinstance(want, list):
            answers.append(got)
        elif not isinstance(got, (tuple, list)):
            return None, f"`{name}` should be a list of {len(want)} tensors, but it is {_a(got)}"
        elif len(got) != len(want):
            return (
                None,
                f"`{name}` should be a list of {len(want)} tensors, but yours has {len(got)}",
            )
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
        problem = _tensor_problem(name, expected, shape, got, case, exercise.number_note)
        if problem:
            return problem
    return None


_NUMBER_NOTE = "return a 0-dim tensor, as torch does, not a Python number: not .item(), float() or the math module"


def _tensor_problem(name, expected, shape, got, case=None, number_note=""):
    if not isinstance(got, torch.Tensor):
        extra = " (use torch operations, not numpy)" if type_name(got).startswith("numpy") else ""
        if isinstance(got, (int, float)) and expected.dim() == 0:
            extra = f" ({number_note or _NUMBER_NOTE})"
        return f"`{name}` should be a torch.Tensor, but it is {_a(got)}{extra}"
    if got.shape != expected.shape:
        symbolic = f"{shape} = " if shape else ""
        letters = (
            diagnosis.shape_in_letters(tuple(got.shape), diagnosis.size_names(case))
            if case
            else None
        )
        mine = f"{tuple(got.shape)}" + (f" = {letters}" if letters and letters != shape else "")
        message = (
            f"`{name}` should have shape {symbolic}{tuple(expected.shape)}, but yours has {mine}"
        )
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
    """Put the likely mistake first, in every kind of report, when one can be named."""
    try:
        mistake = diagnose(exercise, cases, outcomes)
    except Exception:  # naming the mistake is a help: a failure there must not hide the verdict
        mistake = None
    if mistake is None:
        return lines
    return [f"likely mistake: {mistake.message}"] + lines


@dataclass(frozen=True)
class Diagnosis:
    """A likely mistake found without the exercise's catalogue (see ``diagnosis``): only its message."""

    message: str


def diagnose(exercise, cases, outcomes):
    """The likely mistake behind a failed run: a Mistake, a Diagnosis, or None.

    1. The first catalogued Mistake that behaves like the learner's function on every case run. Behaving
       alike means returning the same answer, or raising the same error (same type, same kind of
       message, same sizes in it). There must be evidence: a wrong answer, or an error specific enough
       to stand on its own (a known kind that names sizes); a generic error names no mistake.
    2. Otherwise a cause read off the answers or the error by ``diagnosis`` (no catalogue needed).

    When the function failed only because it made a float32 tensor (a dtype error, or float32 answers),
    the answer it gives with float64 as torch's default dtype stands in for the failed one, and the
    float32 cause is added to the message.
    """
    evidence, probed = _evidence(cases, outcomes)
    if outcomes and outcomes[-1].bad_call:
        return Diagnosis(
            f"your function's parameters do not fit the call: the signature should be {exercise.signature}"
        )
    if probed and all(not _returned_wrong(c, o, exercise) for c, o in evidence if o.error is None):
        return Diagnosis(diagnosis.DTYPE_CAUSE)
    found = (
        _catalogued(exercise, evidence)
        or _altered_input(exercise, evidence)
        or _uncatalogued(exercise, evidence)
    )
    if probed:
        return Diagnosis(
            f"{found.message}; besides, {diagnosis.DTYPE_CAUSE}" if found else diagnosis.DTYPE_CAUSE
        )
    return found


def _evidence(cases, outcomes):
    """[(case, outcome)] with any float64 probe answer standing in for a float32 failure; and whether one did."""
    evidence, probed = [], False
    for case, outcome in zip(cases, outcomes):
        if outcome.probe is not None and outcome.error in (None, "exception"):
            outcome, probed = Outcome(value=outcome.probe), True
        evidence.append((case, outcome))
    return evidence, probed


def _catalogued(exercise, evidence):
    if not any(_is_evidence(c, o, exercise) for c, o in evidence):
        return None
    for mistake in exercise.mistakes:
        if all(
            _behaves_alike(mistake, c, o, exercise)
            for c, o in evidence
            if o.error in (None, "exception")
        ):
            return mistake
    return None


def _altered_input(exercise, evidence):
    """The first alteration of one input under which torch's answer (``exercise.solve``) is the learner's."""
    if (
        exercise.solve is None
        or not evidence
        or not any(_is_evidence(c, o, exercise) for c, o in evidence)
    ):
        return None
    evidence = sorted(
        evidence, key=lambda item: not _returned_wrong(*item, exercise)
    )  # a wrong one first: fast
    for message, fn in _alterations(exercise, evidence[0][0].args):
        if all(
            _behaves_alike(Mistake(message, fn), c, o, exercise)
            for c, o in evidence
            if o.error in (None, "exception")
        ):
            return Mistake(message, fn)
    return None


_ALTERED = {
    "zero": (
        "your answer is torch's with `{name}` set to zero: `{name}` is left out somewhere",
        torch.zeros_like,
    ),
    "ones": (
        "your answer is torch's with `{name}` all ones: `{name}` is not multiplied in",
        torch.ones_like,
    ),
    "transposed": (
        "your answer is torch's with `{name}` transposed: it is used the wrong way round",
        lambda t: t.T.contiguous(),
    ),
}


def _alterations(exercise, args):
    """(message, mistake function) for each alteration that fits these arguments."""
    for position, (arg_name, arg) in enumerate(zip(exercise.arg_names, args)):
        if isinstance(arg, dict):
            yield from _family_alterations(exercise.solve, position, arg_name, arg)
        entries = arg.items() if isinstance(arg, dict) else [(None, arg)]
        for key, value in entries:
            if not (isinstance(value, torch.Tensor) and value.is_floating_point()):
                continue
            name = arg_name if key is None else f"{arg_name}['{key}']"
            kinds = ["zero"] + (["ones"] if arg_name.startswith("grad") else [])
            kinds += (
                ["transposed"] if value.dim() == 2 and value.shape[0] == value.shape[1] > 1 else []
            )
            for kind in kinds:
                message, change = _ALTERED[kind]
                yield (
                    message.format(name=name),
                    _altered_solve(exercise.solve, position, key, change),
                )


def _family_alterations(solve, position, arg_name, arg):
    """A whole family of a dict's entries left out at once, e.g. every layer's 'bias_ih_l#_reverse'."""
    families = {}
    for key in arg:
        families.setdefault(re.sub(r"\d+", "#", key), []).append(key)
    for family, keys in families.items():
        if len(keys) > 1 and all(
            isinstance(arg[k], torch.Tensor) and arg[k].is_floating_point() for k in keys
        ):
            message = (
                f"your answer is torch's with every {arg_name}['{family}'] (# = any layer) set to zero: "
                "those entries are left out"
            )
            yield message, _altered_family(solve, position, family)


def _altered_family(solve, position, family):
    def altered(*args):
        args = list(args)
        args[position] = {
            k: torch.zeros_like(v) if re.sub(r"\d+", "#", k) == family else v
            for k, v in args[position].items()
        }
        return solve(*args)

    return altered


def _altered_solve(solve, position, key, change):
    def altered(*args):
        args = list(args)
        if key is None:
            args[position] = change(args[position])
        else:
            args[position] = {**args[position], key: change(args[position][key])}
        return solve(*args)

    return altered


def _is_evidence(case, outcome, exercise):
    if outcome.error == "exception":
        return diagnosis.is_specific(outcome.detail)
    return _returned_wrong(case, outcome, exercise)


def _uncatalogued(exercise, evidence):
    """A cause read off the wrong answers (the one most cases agree on) or else off the error."""
    messages = []
    for case, outcome in evidence:
        if _returned_wrong(case, outcome, exercise):
            messages.append(_explained(exercise, case, outcome.value))
    found = [m for m in messages if m]
    if found:
        best = max(set(found), key=found.count)
        if 2 * found.count(best) > len(messages):
            return Diagnosis(best)
    last_case, last = evidence[-1] if evidence else (None, None)
    if last is not None and last.error == "exception":
        message = diagnosis.explain_error(last.detail, last_case)
        return Diagnosis(message) if message else None
    return None


def _explained(exercise, case, value):
    """``diagnosis.explain_answer`` for one case's answer, or None (also when it cannot tell)."""
    items = _answer_and_expected(exercise, case, value)
    try:
        return diagnosis.explain_answer(items, case, exercise.arg_names) if items else None
    except (
        Exception
    ):  # an answer too odd to compare (e.g. empty): this case simply gives no evidence
        return None


def _answer_and_expected(exercise, case, value):
    """[(name, expected, got, symbolic shape)] for a readable answer, or None."""
    answers, problem = _answer_items(exercise, case, value)
    if problem:
        return None
    return [
        (name, expected, got, shape)
        for (name, expected, shape), got in zip(_expected_items(exercise, case), answers)
    ]


def _behaves_alike(mistake, case, outcome, exercise):
    answer = _run_mistake(mistake, case)
    if outcome.error == "exception":
        return isinstance(answer, _Raised) and answer.signature == diagnosis.error_signature(
            outcome.detail
        )
    return outcome.error is None and _same_answer(answer, outcome.value, exercise)


def _returned_wrong(case, outcome, exercise):
    return outcome.error is None and not _same_answer(case.expected, outcome.value, exercise)


@dataclass(frozen=True)
class _Raised:
    """What a mistake did when it raised instead of returning: its error's signature."""

    signature: tuple


def _run_mistake(mistake, case):
    try:
        return mistake.fn(*clone(case.args))
    except (
        Exception
    ) as exc:  # a mistake that cannot run on this case cannot return the learner's answer
        return _Raised(diagnosis.error_signature(f"{type(exc).__name__}: {exc}"))


def _same_answer(a, b, exercise):
    if isinstance(a, _Raised) or isinstance(b, Foreign):
        return False
    if isinstance(a, torch.Tensor):
        return (
            isinstance(b, torch.Tensor)
            and a.shape == b.shape
            and torch.allclose(
                a.to(torch.float64), b.to(torch.float64), rtol=1e-6, atol=1e-8, equal_nan=True
            )
        )
    if isinstance(a, (tuple, list)):
        return (
            isinstance(b, (tuple, list))
            and len(a) == len(b)
            and all(_same_answer(x, y, exercise) for x, y in zip(a, b))
        )
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_same_answer(a[k], b[k], exercise) for k in a)
        )
    return False


# ---------------------------------------------------------------------------------------------
# The learner-facing API
# ---------------------------------------------------------------------------------------------


def check(exercise_id, fn, timeout=None):
    """Check the learner's ``fn`` for exercise ``exercise_id``; return a CheckResult.

    Never raises because of ``fn``: whatever it does, returns or raises becomes a failing result with
    a message. Raises ValueError only for an unknown ``exercise_id``, and KeyboardInterrupt for a real
    Ctrl-C.
    """
    exercise = get_exercise(exercise_id)
    if not callable(fn):
        return _result(
            exercise, "failed", [f"expected your function {exercise.signature}, but got {_a(fn)}"]
        )
    from ..grading.allowlist import function_problem  # the grader's own check, first

    refused = function_problem(exercise_id, fn)
    if refused:
        return _result(exercise, "failed", [f"cannot be graded: {refused}"])
    cases = exercise.cases()
    try:
        return judge(exercise, cases, run_learner(exercise, fn, cases, timeout))
    except KeyboardInterrupt:
        raise
    except BaseException:  # a last resort: no answer, however odd, may stop the learner's notebook
        return _result(
            exercise,
            "failed",
            [
                "the checker could not read what your function did; return plain "
                "tensors (in a tuple, list or dict where the exercise asks for one)"
            ],
        )


def _shown(value):
    """A short repr of a learner's plain value, or its type for anything else."""
    if value is None or type(value) in (int, float, bool, str):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return f"<{type_name(value)}>"


class Hint(str):
    """A hint: a string that shows itself as readable text in Jupyter and a terminal."""

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        return (
            f'<div style="border-left:4px solid #0969da;padding:2px 8px">{inline_html(self)}</div>'
        )


def hint(exercise_id, level=1):
    """Hint number ``level`` (1 = gentlest) for an exercise. Hints never give the solution.

    Never raises for a learner: an unknown exercise or a level that does not exist gets a Hint that
    says so (and which levels or exercises there are).
    """
    if type(exercise_id) is not str or exercise_id not in _REGISTRY:
        known = ", ".join(_REGISTRY)
        return Hint(
            f"There are no hints for {_shown(exercise_id)}: it is not an exercise. The exercises are: {known}."
        )
    hints = _REGISTRY[exercise_id].hints
    if not hints:
        return Hint(f"Hint for {exercise_id}: no hints are written for this exercise yet.")
    level = int(level) if isinstance(level, numbers.Integral) and type(level) is not bool else level
    if type(level) is not int or not 1 <= level <= len(hints):
        return Hint(
            f"There is no hint level {_shown(level)} for {exercise_id}: ask for a level from 1 to "
            f"{len(hints)}, e.g. hint({exercise_id!r}, 1)."
        )
    more = (
        f" (ask for level={level + 1} for more)"
        if level < len(hints)
        else " (this is the last hint)"
    )
    return Hint(f"Hint {level}/{len(hints)} for {exercise_id}: {hints[level - 1]}{more}")
