"""Independent attempts at every exercise, run through `check` as a learner would.

Five rounds, each written from the learner notebooks alone, without reading the checkers'
diagnosis: tests/attempts/ (round 1), tests/attempts2/ (round 2), tests/attempts3/ (round 3),
tests/attempts4/ (round 4) and tests/attempts5/ (round 5).
Every correct attempt must pass and every wrong one must fail. How often the feedback names the real
cause of a wrong attempt is measured from the feedback text only and reported per round. Round 1's
goal, issue 18's 90 %, is asserted. Round 2 was held out: it was first measured at 82.1 % (165 of
201) with the diagnosis tuned on round 1 only, and the diagnosis was tuned on it afterwards; the rate
it reached is asserted as a floor, so it measures the machinery's reach, no longer its generality.
Round 3 was held out until it was measured at 84.0 % on the morning's main and 87.8 % after the
third diagnosis pass (which never saw it); the fourth and fifth passes were tuned on it afterwards,
and its floor is the rate the fifth reached. Round 4 was held out until it was measured at 87.8 % (159 of 181,
keyword proxy) after the third pass and again after the fourth, and at 86.2 % by a fresh reader (156
right, 7 partly, 0 wrong, 18 none); the fifth pass was tuned on its misses afterwards (generalised to
classes across exercises, each with an independent wrong answer in tests/wrong_feedback.py), and its
floor is the rate that pass reached, so it too measures reach, not generality. Round 5 (192 wrong
and 47 correct attempts) was held out from both the fourth and the fifth pass: it measured 90.6 %
(174 of 192, keyword proxy) and 89.6 % by two fresh readers (172 right, 9 partly, 2 wrong, 9 none)
after the fourth, and 92.2 % by both measures (177 of 192) after the fifth. Its floor is that
held-out rate. Only the two messages the readers judged wrong were mended after that (a value
computed where the answer picks one, and two gates used in each other's places).
"""

import contextlib
import functools
import importlib
import io
import re
import sys
from pathlib import Path

import pytest

from rnn_course.exercises import check

sys.path.insert(0, str(Path(__file__).parent))
# The floors each round has reached (issue 18 asks 90 % of unseen mistakes). Rounds 1-4 have been
# tuned on since they were measured held out; round 5's floor is its held-out rate.
TARGET_RATE = {
    "attempts": 1.0,
    "attempts2": 1.0,
    "attempts3": 0.968,
    "attempts4": 1.0,
    "attempts5": 0.921,  # 177 of 192
}
ROUNDS = tuple(TARGET_RATE)
_ECHOED_CODE = re.compile(r"\(in your code: `.*?`\)")


def _exercises(round_):
    return importlib.import_module(round_).EXERCISES


def _attempts(round_, exercise):
    return importlib.import_module(f"{round_}.{exercise}").ATTEMPTS


ALL = {r: [(e, a) for e in _exercises(r) for a in _attempts(r, e)] for r in ROUNDS}
CORRECT = [
    pytest.param(e, a, id=f"{r}.{e}.{a.name}") for r in ROUNDS for e, a in ALL[r] if a.correct
]
WRONG = [
    pytest.param(e, a, id=f"{r}.{e}.{a.name}") for r in ROUNDS for e, a in ALL[r] if not a.correct
]


@functools.cache
def _feedback(exercise, attempt):
    """(passed, feedback text) of check(exercise, attempt.fn); anything the attempt prints is dropped."""
    with contextlib.redirect_stdout(io.StringIO()):
        result = check(exercise, attempt.fn)
    return result.passed, str(result)


def named_cause(text):
    """The feedback's named cause: its 'likely mistake' lines, lowercased, without echoed learner code."""
    lines = [line for line in text.splitlines() if "likely mistake" in line.lower()]
    return _ECHOED_CODE.sub("", "\n".join(lines)).lower()


def cause_is_right(cause, keywords):
    """True when the cause mentions every keyword entry (an entry "a|b" is met by either stem)."""
    return bool(cause) and all(
        any(stem in cause for stem in entry.split("|")) for entry in keywords
    )


def _rates(round_):
    """{exercise: (wrong attempts, named, named with the right cause)}, the wrongly named and the
    unnamed, for one round."""
    table, misnamed, unnamed = {}, [], []
    for exercise, attempt in ALL[round_]:
        if attempt.correct:
            continue
        cause = named_cause(_feedback(exercise, attempt)[1])
        right = cause_is_right(cause, attempt.cause_keywords)
        total, named, named_right = table.get(exercise, (0, 0, 0))
        table[exercise] = (total + 1, named + bool(cause), named_right + right)
        if cause and not right:
            misnamed.append((f"{exercise}.{attempt.name}", cause.strip(), attempt.cause))
        if not cause:
            unnamed.append((f"{exercise}.{attempt.name}", attempt.cause))
    return table, misnamed, unnamed


@pytest.mark.parametrize("round_", ROUNDS)
def test_every_exercise_has_enough_attempts(round_):
    for exercise in _exercises(round_):
        attempts = _attempts(round_, exercise)
        assert sum(not a.correct for a in attempts) >= 6, exercise
        assert sum(a.correct for a in attempts) >= 2, exercise
        names = [a.name for a in attempts]
        assert len(set(names)) == len(names), exercise


@pytest.mark.parametrize("exercise, attempt", WRONG)
def test_wrong_attempt_records_its_cause(exercise, attempt):
    assert attempt.cause.strip()
    assert 1 <= len(attempt.cause_keywords) <= 3
    assert all(entry == entry.lower() and entry for entry in attempt.cause_keywords)


@pytest.mark.parametrize("exercise, attempt", CORRECT)
def test_correct_attempt_passes(exercise, attempt):
    passed, text = _feedback(exercise, attempt)
    assert passed, text


@pytest.mark.parametrize("exercise, attempt", WRONG)
def test_wrong_attempt_fails(exercise, attempt):
    passed, text = _feedback(exercise, attempt)
    assert not passed, f"{attempt.cause}\n{text}"


@pytest.mark.parametrize("round_", ROUNDS)
def test_named_cause_rate_report(capsys, round_):
    table, misnamed, unnamed = _rates(round_)
    with capsys.disabled():
        print(
            f"\n{round_}: named-cause rate on independent wrong attempts (right cause / wrong attempts):"
        )
        for exercise, (total, named, right) in table.items():
            print(f"  {exercise:18} {right:3}/{total:<3} right   ({named} named)")
        total = sum(t for t, _, _ in table.values())
        right = sum(r for _, _, r in table.values())
        print(f"  {'total':18} {right:3}/{total:<3} right = {right / total:.0%}")
        for name, said, real in misnamed:
            print(f"  named wrongly: {name}\n    said: {said}\n    real: {real}")
        for name, real in unnamed:
            print(f"  no cause named: {name}\n    real: {real}")
    assert total == sum(not a.correct for _, a in ALL[round_])


@pytest.mark.parametrize("round_", ROUNDS)
def test_named_cause_rate_reaches_target(round_):
    """Issue 18 asks 90 % of unseen mistakes named. Each round keeps the rate it reached after being
    tuned on (the module's docstring has the history)."""
    table, _, _ = _rates(round_)
    total = sum(t for t, _, _ in table.values())
    right = sum(r for _, _, r in table.values())
    assert right / total >= TARGET_RATE[round_]
