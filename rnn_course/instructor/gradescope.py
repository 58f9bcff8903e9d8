"""Gradescope's autograder for one lesson: ``rnn-course gradescope LESSON --out autograder.zip``.

The zip holds what Gradescope's autograder specification asks for at its root:

* ``setup.sh``: makes a Python 3.11+ virtual environment in ``/autograder/venv`` and installs the
  CPU build of PyTorch and this course (the wheel in the zip) into it;
* ``run_autograder``: grades ``/autograder/submission/*.ipynb`` with ``rnn-course grade``'s grader
  and limits, and writes ``/autograder/results/results.json``: one test per exercise of the lesson
  (``name``, ``score``, ``max_score``, ``status``, ``output``: the feedback the learner's ``check``
  shows, ``visibility``), the total ``score`` and a general ``output``.

``RNN_COURSE_AUTOGRADER_ROOT`` replaces ``/autograder`` (the tests use a temporary folder laid out
the same way). A submission folder with several notebooks of the lesson is graded whole and the best
one counts; the output says so.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from ..exercises import exercise_ids, get_exercise
from ..lessons import lesson_slugs

ROOT_VARIABLE = "RNN_COURSE_AUTOGRADER_ROOT"
VISIBILITY = "visible"

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
PYTHON=$(command -v python3.12 || command -v python3.11 || true)
if [ -z "$PYTHON" ]; then
    apt-get update -qq
    apt-get install -y -qq python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet "torch>=2.2,<2.14" --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install --quiet /autograder/source/{wheel}
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes results/results.json.
ROOT="${{{variable}:-/autograder}}"
export OMP_NUM_THREADS=1
exec "$ROOT/venv/bin/python" -m rnn_course.instructor.gradescope {lesson} --timeout {timeout} --memory {memory}
"""


class GradescopeError(Exception):
    """A lesson that cannot be graded on Gradescope (unknown, or without exercises)."""


def lesson_exercises(lesson):
    """The exercise ids the lesson grades, in catalogue order; GradescopeError if there are none."""
    if lesson not in lesson_slugs():
        raise GradescopeError(f"unknown lesson {lesson!r}; lessons: {', '.join(lesson_slugs())}")
    mine = [e for e in exercise_ids() if get_exercise(e).lesson == lesson]
    if not mine:
        raise GradescopeError(f"lesson {lesson} has no graded exercise")
    return mine


def build_autograder(lesson, out, timeout=120.0, memory_mb=1024):
    """Write Gradescope's autograder zip for ``lesson`` to ``out``; returns the names inside."""
    from .bundle import build_wheel

    lesson_exercises(lesson)
    with tempfile.TemporaryDirectory() as work:
        wheel = build_wheel(work)
        run = RUN.format(variable=ROOT_VARIABLE, lesson=lesson, timeout=timeout, memory=memory_mb)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            _add_script(archive, "setup.sh", SETUP.format(wheel=wheel.name))
            _add_script(archive, "run_autograder", run)
            archive.write(wheel, wheel.name)
            return archive.namelist()


def _add_script(archive, name, text):
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16  # an executable file
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def exercise_test(exercise_id, row):
    """Gradescope's test for one exercise of a graded row (None: the notebook was not graded)."""
    exercise = get_exercise(exercise_id)
    result = row.results.get(exercise_id) if row is not None else None
    if result is None:
        why = row.reason if row is not None and row.reason else "no notebook of this lesson"
        score, output = 0, f"[NOT GRADED] {exercise_id}: 0/{exercise.points} points\n  - {why}"
    else:
        score, output = result.points, str(result)
    return {
        "name": exercise_id,
        "score": score,
        "max_score": exercise.points,
        "status": "passed" if result is not None and result.passed else "failed",
        "output": output,
        "visibility": VISIBILITY,
    }


def results_json(lesson, rows, seconds):
    """results.json for the rows graded from one submission folder (the best row of the lesson)."""
    mine = [row for row in rows if row.lesson == lesson]
    best = max(mine, key=lambda row: row.total, default=None)
    notes = []
    if best is None:
        found = ", ".join(Path(row.submission.name).name for row in rows) or "no notebook"
        notes.append(f"No notebook of lesson {lesson} was found (found: {found}).")
    else:
        if len(mine) > 1:
            notes.append(f"{len(mine)} notebooks of this lesson; graded the best one.")
        notes.append(f"Graded {Path(best.submission.name).name}: {best.status}. {best.reason}")
        notes += best.notes
    tests = [exercise_test(e, best) for e in lesson_exercises(lesson)]
    return {
        "score": sum(test["score"] for test in tests),
        "execution_time": round(seconds),
        "output": "\n".join(note.strip() for note in notes if note.strip()),
        "visibility": VISIBILITY,
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def run_autograder(lesson, root, limits):
    """Grade ``root/submission`` and write ``root/results/results.json``; returns the results."""
    from ..grading import UsageError, grade

    root = Path(root)
    started = time.monotonic()
    try:
        rows = grade([str(root / "submission")], limits=limits)
    except UsageError:  # no notebook at all
        rows = []
    results = results_json(lesson, rows, time.monotonic() - started)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    return results


def main(argv=None):
    """What ``run_autograder`` runs: ``python -m rnn_course.instructor.gradescope LESSON``."""
    from ..grading.runner import Limits

    parser = argparse.ArgumentParser(prog="run_autograder")
    parser.add_argument("lesson")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--memory", type=int, default=1024)
    args = parser.parse_args(argv)
    root = os.environ.get(ROOT_VARIABLE, "/autograder")
    limits = Limits(timeout=args.timeout, memory_mb=args.memory, jobs=1)
    results = run_autograder(args.lesson, root, limits)
    print(f"score {results['score']}; {results['output']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
