"""Judging a run: the stages a failed answer is reported at, the verdict, and ``check``.

``judge(exercise, cases, outcomes)`` turns what ``core.run_learner`` saw into a CheckResult. The first
stage that finds a problem gives the feedback: the from-scratch guard, an error, the answer's
structure (type, shape, dtype, finiteness), an input changed in place, then the values. Where it can,
``diagnose`` names the likely mistake; it comes first in the feedback and its identifier is
``CheckResult.mistake``. ``check(exercise_id, fn)`` runs and judges in the learner's own process, and
never raises because of ``fn``. ``verdict_only=True`` (to either) gives the same verdict without the
search for the likely mistake, which runs only after a failure and can take far longer than the
check itself: for tests that ask only whether an answer passes.

Uses ``registry``, ``cases`` (the global random state kept), ``core`` (running the learner),
``diagnose``, ``diagnosis`` (sizes in letters), ``render`` (the card) and ``guard`` (its messages).
Runs in trusted code only.
"""

from dataclasses import dataclass

import torch

from ..card import card
from . import diagnosis
from .cases import global_rng_kept
from .core import run_learner
from .diagnose import Diagnosis, a_or_an, answer_items, diagnose, expected_items
from .guard import MESSAGES
from .plain import type_name
from .registry import get_exercise


@dataclass
class CheckResult:
    """The verdict on one exercise: ``passed``, points, and short feedback in the learner's terms."""

    exercise: str
    passed: bool
    points: int
    max_points: int
    feedback: list
    status: str = "passed"  # "passed", "failed" or "not attempted"
    mistake: str = None  # the likely mistake's identifier, "unnamed" if none, None unless failed
    # (or when not searched for: ``verdict_only``)

    def __bool__(self):
        return self.passed

    def __str__(self):
        mark = "PASSED" if self.passed else self.status.upper()
        lines = [f"[{mark}] {self.exercise}: {self.points}/{self.max_points} points"]
        return "\n".join(lines + [f"  - {message}" for message in self.feedback])

    __repr__ = __str__

    def _repr_html_(self):
        tone = {"passed": "good", "not attempted": "none"}.get(self.status, "bad")
        status = f"{self.status} &middot; {self.points}/{self.max_points} points"
        return card(tone, self.exercise, status, self.feedback)

    def to_dict(self):
        return {
            "exercise": self.exercise,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "feedback": list(self.feedback),
            "mistake": self.mistake,
        }


def judge(exercise, cases, outcomes, *, verdict_only=False):
    """Turn the outcomes of ``run_learner`` into a CheckResult (runs in trusted code only).

    With ``verdict_only=True``, ``passed``, ``status`` and the points are the same, but the likely
    mistake is not searched for: a failure's feedback is what its stage saw, and ``mistake`` is
    None (not searched) instead of an identifier or "unnamed".
    """
    if any(o.error == "not_attempted" for o in outcomes):
        return _result(exercise, "not attempted", [_NOT_ATTEMPTED.format(id=exercise.id)])
    search = _not_searched if verdict_only else diagnose
    for stage in (_guard_stage, _error_stage, _structure_stage, _mutation_stage, _value_stage):
        feedback = stage(exercise, cases, outcomes, search)
        if feedback:
            lines, found = feedback if isinstance(feedback, tuple) else (feedback, None)
            mistake = None if verdict_only else found.name if found else "unnamed"
            return _result(exercise, "failed", lines, mistake)
    if len(outcomes) < len(cases):
        return _result(exercise, "failed", ["the check stopped before every case had run"])
    return _result(exercise, "passed", [f"all {len(cases)} hidden cases match torch"])


_NOT_ATTEMPTED = "not attempted yet: replace `raise NotImplementedError` in {id} with your code"


def _result(exercise, status, feedback, mistake="unnamed"):
    passed = status == "passed"
    points = exercise.points if passed else 0
    mistake = mistake if status == "failed" else None
    return CheckResult(exercise.id, passed, points, exercise.points, feedback, status, mistake)


def _not_searched(exercise, cases, outcomes):
    """The search for the likely mistake, skipped (``verdict_only``)."""
    return None


def _guard_stage(exercise, cases, outcomes, search):
    for outcome in outcomes:
        for kind, name in outcome.violations:
            return [
                f"{exercise.id} must be written from scratch, but "
                + MESSAGES[kind].format(name=name)
            ]
    return None


def _error_stage(exercise, cases, outcomes, search):
    for case, outcome in zip(cases, outcomes):
        if outcome.error == "exception":
            lines = [
                f"your function raised {outcome.detail}",
                f"it happened in the case {case.label}",
            ]
            return _with_diagnosis(search, exercise, cases, outcomes, lines)
        if outcome.error in ("timeout", "exit"):
            return [
                f"your function did not return: {outcome.detail}",
                f"it happened in the case {case.label}",
            ]
    if outcomes and outcomes[-1].error == "timeout":
        return [f"your function did not return: {outcomes[-1].detail}"]
    return None


def _structure_stage(exercise, cases, outcomes, search):
    for case, outcome in zip(cases, outcomes):
        problem = _structure_problem(exercise, case, outcome.value)
        if problem:
            return _with_diagnosis(
                search, exercise, cases, outcomes, [problem, f"seen in the case {case.label}"]
            )
    return None


def _mutation_stage(exercise, cases, outcomes, search):
    for outcome in outcomes:
        if outcome.mutated:
            names = ", ".join(f"`{n}`" for n in outcome.mutated)
            found = Diagnosis(
                "changed_input_in_place",
                f"your function changed its input {names} in place (for example with +=, "
                "an indexed assignment or a method ending in _); build new tensors instead",
            )
            return [f"likely mistake: {found.message}"], found
    return None


def _value_stage(exercise, cases, outcomes, search):
    for case, outcome in zip(cases, outcomes):
        wrong = _wrong_outputs(exercise, case, outcome.value)
        if wrong:
            name, error = wrong[0]
            lines = [
                f"`{name}` has the right shape but the wrong values (largest difference {error:.2g})"
            ]
            names = [n for n, _, _ in expected_items(exercise, case)]
            if len(wrong) < len(names):
                right = [n for n in names if n not in dict(wrong)]
                lines.append("these are right: " + ", ".join(f"`{n}`" for n in right))
            lines.append(f"first seen in the case {case.label}")
            return _with_diagnosis(search, exercise, cases, outcomes, lines)
    return None


def _structure_problem(exercise, case, value):
    answers, problem = answer_items(exercise, case, value)
    if problem:
        return problem
    for (name, expected, shape), got in zip(expected_items(exercise, case), answers):
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
        return f"`{name}` should be a torch.Tensor, but it is {a_or_an(got)}{extra}"
    if got.shape != expected.shape:
        symbolic = f"{shape} = " if shape else ""
        letters = (
            diagnosis.answer_shape_in_letters(tuple(got.shape), tuple(expected.shape), shape, case)
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
    answers, _ = answer_items(exercise, case, value)
    wrong = []
    for (name, expected, _), got in zip(expected_items(exercise, case), answers):
        if not torch.allclose(got, expected, rtol=exercise.rtol, atol=exercise.atol):
            wrong.append((name, (got - expected).abs().max().item()))
    return wrong


def _with_diagnosis(search, exercise, cases, outcomes, lines):
    """(feedback, Diagnosis or None): the likely mistake that ``search`` (``diagnose``) names first,
    in every kind of report, when one can be named."""
    try:
        found = search(exercise, cases, outcomes)
    except Exception:  # naming the mistake is a help: a failure there must not hide the verdict
        found = None
    if found is None:
        return lines, None
    return [f"likely mistake: {found.message}"] + lines, found


def check(exercise_id, fn, timeout=None, *, verdict_only=False):
    """Check the learner's ``fn`` for exercise ``exercise_id``; return a CheckResult.

    Never raises because of ``fn``: whatever it does, returns or raises becomes a failing result with
    a message. Raises ValueError only for an unknown ``exercise_id``, and KeyboardInterrupt for a real
    Ctrl-C. ``verdict_only=True`` (for tests that ask only whether an answer passes): the same
    verdict, without the search for the likely mistake (``judge``); ``mistake`` is then None.
    """
    exercise = get_exercise(exercise_id)
    unnamed = None if verdict_only else "unnamed"
    if not callable(fn):
        return _result(
            exercise,
            "failed",
            [f"expected your function {exercise.signature}, but got {a_or_an(fn)}"],
            unnamed,
        )
    from ..allowlist import function_problem  # the grader's own rule, checked first

    refused = function_problem(exercise_id, fn)
    if refused:
        return _result(exercise, "failed", [f"cannot be graded: {refused}"], unnamed)
    cases = exercise.cases()
    try:
        with global_rng_kept():  # the notebook's later random draws stay where they were
            outcomes = run_learner(exercise, fn, cases, timeout)
            return judge(exercise, cases, outcomes, verdict_only=verdict_only)
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
            unnamed,
        )
