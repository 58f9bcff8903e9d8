"""``release --nbgrader``: answer keys as nbgrader source notebooks.

The unit tests read the converted notebooks. The end-to-end test runs nbgrader itself
(``generate_assignment``, then ``autograde`` of a correct and a wrong submission); it needs an
nbgrader whose Python also has torch. ``.ci/run`` installs one in ``.venv/nbgrader`` (a venv of its
own that sees ``.venv``'s packages, so nbgrader's JupyterLab extensions stay out of the learner's
JupyterLab) and points ``RNN_COURSE_NBGRADER`` at it. It installs it while the tests start, so the
test first waits for the file ``RNN_COURSE_NBGRADER_READY`` names. Under CI a missing nbgrader is a
failure, elsewhere the test is skipped with the reason. To run it by hand after ``.ci/run``:

    RNN_COURSE_NBGRADER=.venv/nbgrader/bin/nbgrader .venv/bin/python -m pytest tests/test_instructor_nbgrader.py
"""

import csv
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from rnn_course.exercises import exercise_ids, get_exercise
from rnn_course.instructor.nbgrader_export import NbgraderError, export_course
from rnn_course.release import default_notebooks_dir

ROOT = Path(__file__).resolve().parents[1]
NBGRADER = os.environ.get("RNN_COURSE_NBGRADER") or shutil.which("nbgrader")
NBGRADER = NBGRADER and os.path.abspath(NBGRADER)  # nbgrader runs in the course's folder
RIGHT = "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)"
WRONG = "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh + bias_hh)"  # W_hh not transposed


def nbgrader_cells(nb, **wanted):
    return [
        c
        for c in nb.cells
        if all(c.metadata.get("nbgrader", {}).get(k) == v for k, v in wanted.items())
    ]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    out = tmp_path_factory.mktemp("nbgrader")
    written = export_course(out)
    return {p.parent.name: nbformat.read(str(p), as_version=4) for p in written}


def test_every_graded_lesson_has_a_solution_and_a_test_cell_per_exercise(course):
    graded = {get_exercise(e).lesson for e in exercise_ids()}
    assert set(course) == graded
    for lesson, nb in course.items():
        nbformat.validate(nb)
        tests = nbgrader_cells(nb, grade=True, locked=True)
        mine = sorted(e for e in exercise_ids() if get_exercise(e).lesson == lesson)
        assert sorted(c.metadata.nbgrader.grade_id for c in tests) == [f"test_{e}" for e in mine]
        for cell in tests:
            exercise_id = cell.metadata.nbgrader.grade_id.removeprefix("test_")
            assert cell.metadata.nbgrader.points == get_exercise(exercise_id).points
            assert f'check("{exercise_id}", {exercise_id})' in cell.source
        assert len(nbgrader_cells(nb, solution=True)) == len(mine)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
        assert len(ids) == len(set(ids)), lesson


def test_no_prediction_answer_or_hidden_test_is_left_outside_solution_cells(course):
    for lesson, nb in course.items():
        for cell in nb.cells:
            assert "solution-only" not in cell.metadata.get("tags", []), lesson
            assert not cell.get("outputs"), lesson
            if not cell.metadata.get("nbgrader", {}).get("solution"):
                for mark in ("### PREDICTION", "HIDDEN TESTS", "BEGIN SOLUTION"):
                    assert mark not in cell.source, (lesson, mark)
        markdown = [c for c in nb.cells if c.cell_type == "markdown"]
        assert all(c.metadata.nbgrader.locked for c in markdown)


def test_an_unknown_lesson_is_a_clear_error(tmp_path):
    with pytest.raises(NbgraderError, match="unknown lesson"):
        export_course(tmp_path, ["99_nothing"], default_notebooks_dir())


def _nbgrader(course_dir, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    env["PATH"] = f"{Path(NBGRADER).parent}{os.pathsep}{env['PATH']}"  # nbgrader runs alembic
    done = subprocess.run(
        [NBGRADER, *args], cwd=course_dir, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def _submit(course_dir, student, body):
    released = course_dir / "release/01_rnn_cell/01_rnn_cell.ipynb"
    nb = nbformat.read(str(released), as_version=4)
    (cell,) = nbgrader_cells(nb, solution=True)
    assert "raise NotImplementedError()" in cell.source
    cell.source = cell.source.replace("    raise NotImplementedError()", body)
    folder = course_dir / "submitted" / student / "01_rnn_cell"
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / "01_rnn_cell.ipynb"))


def _require_nbgrader():
    """Skip without nbgrader; under CI (``CI`` set), where ``.ci/run`` installs it, fail instead."""
    _wait_for_the_install()
    if NBGRADER:
        return
    reason = (
        "nbgrader is not installed (set RNN_COURSE_NBGRADER to an nbgrader whose Python has "
        "torch; see this file's docstring)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"the nbgrader test cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _wait_for_the_install(timeout=600.0):
    """``.ci/run`` installs nbgrader while the tests start; when it is done, the file named by
    ``RNN_COURSE_NBGRADER_READY`` says "installed", or "failed" and pip's last lines. Without that
    variable there is nothing to wait for."""
    status = os.environ.get("RNN_COURSE_NBGRADER_READY")
    if not status:
        return
    deadline = time.monotonic() + timeout
    while not os.path.exists(status):
        if time.monotonic() > deadline:
            pytest.fail(f"nbgrader's install did not finish within {timeout:.0f} s", pytrace=False)
        time.sleep(0.5)
    said = Path(status).read_text()
    if said.strip() != "installed":
        pytest.fail(f"nbgrader's install by .ci/run failed:\n{said}", pytrace=False)


def test_nbgrader_generates_and_autogrades_a_right_and_a_wrong_submission(tmp_path):
    _require_nbgrader()
    export_course(tmp_path, ["01_rnn_cell"])  # run in the folder, no config: as docs/instructors.md
    _nbgrader(tmp_path, "generate_assignment", "01_rnn_cell", "--create")
    released = (tmp_path / "release/01_rnn_cell/01_rnn_cell.ipynb").read_text()
    assert "BEGIN SOLUTION" not in released and "weight_hh.T + bias_hh)" not in released
    _submit(tmp_path, "right", RIGHT)
    _submit(tmp_path, "wrong", WRONG)
    # nbgrader's own limits (30 s a cell, 4 s for a cell's last output) are for a quiet machine;
    # a 2-core CI machine running the rest of the suite beside it needs more.
    limits = ["--Execute.timeout=600", "--Execute.iopub_timeout=60"]
    _nbgrader(tmp_path, "autograde", "01_rnn_cell", "--create", *limits)
    _nbgrader(tmp_path, "export", "--to", str(tmp_path / "grades.csv"))
    with open(tmp_path / "grades.csv") as handle:
        scores = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}
    assert scores == {"right": get_exercise("rnn_cell").points, "wrong": 0.0}
    graded = json.loads((tmp_path / "autograded/wrong/01_rnn_cell/01_rnn_cell.ipynb").read_text())
    shown = json.dumps([c.get("outputs") for c in graded["cells"] if "test_rnn_cell" in str(c)])
    # the checker's feedback, naming the mistake in the learner's terms, is in the notebook
    assert "likely mistake" in shown and "weight_hh" in shown and "transposed" in shown
