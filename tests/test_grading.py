"""Unit tests for the grader's trusted parts: reading submissions, lesson detection, the static
scan, the gradebook and feedback writers, and the validation of what a child sends back.
(Running submissions is covered by test_grading_adversarial.py.)"""

import csv
import io
import json
import os
import re

import nbformat
import numpy as np
import pytest

from rnn_course.exercises import get_exercise
from rnn_course.exercises.core import CheckResult
from rnn_course.grading import UsageError, discover, read_submission
from rnn_course.grading.gradebook import feedback_name, feedback_text, gradebook_text, write_atomic
from rnn_course.grading.notebook import (
    Submission,
    lesson_from_filename,
    lesson_from_functions,
    prepare_cell,
)
from rnn_course.grading.runner import Graded, Limits, _read_outcomes, grade_submissions, triage


def write_nb(path, *cells, lesson=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    if lesson:
        nb.metadata["rnn_course"] = {"lesson": lesson, "kind": "learner"}
    nbformat.write(nb, str(path))
    return path


# --- finding and reading -------------------------------------------------------------------------


def test_discover_recurses_skips_checkpoints_and_sorts(tmp_path):
    (tmp_path / "b" / ".ipynb_checkpoints").mkdir(parents=True)
    for rel in ["b/z.ipynb", "a.ipynb", "b/.ipynb_checkpoints/z-checkpoint.ipynb", "b/notes.txt"]:
        (tmp_path / rel).write_text("{}")
    found = discover([tmp_path, tmp_path / "a.ipynb"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.ipynb", "b/z.ipynb"]


def test_discover_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        discover([tmp_path / "nope"])


def test_read_ignores_outputs_and_keeps_code_cells_numbered(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("x = 1")]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="passed\n")]
    nbformat.write(nb, str(tmp_path / "01_rnn_cell.ipynb"))
    sub = read_submission(tmp_path / "01_rnn_cell.ipynb")
    assert sub.invalid is None and sub.cells == [(2, "x = 1\n")] and sub.lesson == "01_rnn_cell"


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2", "invalid JSON"),
        (b"[1, 2]", "not an object"),
        (b"{}", "no nbformat version"),
        (json.dumps({"nbformat": 5, "cells": []}).encode(), "nbformat 5"),
        (
            json.dumps(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "metadata": {},
                    "cells": [{"cell_type": "code"}],
                }
            ).encode(),
            "not a valid nbformat 4 notebook",
        ),
    ],
)
def test_unusable_files(tmp_path, content, reason):
    path = tmp_path / "01_rnn_cell.ipynb"
    path.write_bytes(content)
    sub = read_submission(path)
    assert reason in sub.invalid


def test_file_size_cap(tmp_path):
    path = write_nb(tmp_path / "01.ipynb", "x = 1")
    assert "file too large" in read_submission(path, max_bytes=10).invalid


def test_magics_become_pass():
    assert prepare_cell("%matplotlib inline\nx = 1\n  !ls\n") == "pass\nx = 1\n  pass\n"
    assert prepare_cell("%%bash\necho hi") == ""
    assert prepare_cell("%%time\ny = 2") == "y = 2\n"


# --- which lesson ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, slug",
    [
        ("01_rnn_cell.ipynb", "01_rnn_cell"),
        ("alice_01_rnn_cell.ipynb", "01_rnn_cell"),
        ("bob-01-homework.ipynb", "01_rnn_cell"),
        ("lesson_05.ipynb", "05_stacked_rnns"),
        ("2024_notes.ipynb", None),
        ("scratch.ipynb", None),
    ],
)
def test_lesson_from_filename(name, slug):
    assert lesson_from_filename(name) == slug


def test_metadata_wins_over_filename(tmp_path):
    path = write_nb(tmp_path / "05_stacked_rnns.ipynb", "x = 1", lesson="01_rnn_cell")
    sub = read_submission(path)
    assert (sub.lesson, sub.lesson_source) == ("01_rnn_cell", "metadata")


def test_lesson_from_functions(tmp_path):
    path = write_nb(tmp_path / "homework.ipynb", "def rnn_cell(x, h, a, b, c, d):\n    pass")
    sub = read_submission(path)
    assert (sub.lesson, sub.lesson_source) == ("01_rnn_cell", "functions")
    assert lesson_from_functions([(1, "def unrelated():\n    pass")]) is None


# --- outcomes from an untrusted child ---------------------------------------------------------------


def _blob(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_read_outcomes_rejects_pickles_and_garbage():
    pickled = _blob(a0=np.array([object()], dtype=object))
    plain = [{"value": {"kind": "ndarray", "key": "a0"}, "error": None}]
    bad = _read_outcomes("rnn_cell", plain, pickled)
    assert bad[0].error == "exception" and "could not read" in bad[0].detail
    assert _read_outcomes("rnn_cell", "nope", b"")[0].error == "exception"
    assert _read_outcomes("rnn_cell", [{}] * 100, _blob())[0].error == "exception"
    good = _read_outcomes(
        "rnn_cell",
        [
            {
                "value": {"kind": "tensor", "key": "a0", "dtype": "torch.float64"},
                "error": "bogus",
                "violations": [["nope", "x"]],
            }
        ],
        _blob(a0=np.zeros(2)),
    )
    assert good[0].error is None and good[0].violations == () and tuple(good[0].value.shape) == (2,)


# --- triage and gradebook ---------------------------------------------------------------------------


def test_triage_without_running(tmp_path):
    empty = tmp_path / "01_rnn_cell.ipynb"
    empty.write_text("")
    graded, _ = triage(read_submission(empty))
    assert (graded.status, graded.reason) == ("invalid-notebook", "empty file")
    sneaky = "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n    return x.__class__"
    graded, taken = triage(read_submission(write_nb(tmp_path / "x_01_rnn_cell.ipynb", sneaky)))
    assert graded is None and not taken.programs  # refused before any child: nothing to run
    assert "names starting with _ are private" in taken.results["rnn_cell"].feedback[0]
    assert taken.flags and taken.flags[0].startswith("refused in rnn_cell: cell ")
    rows = grade_submissions(
        [read_submission(empty)], Limits()
    )  # nothing to run: no worker started
    assert rows[0].status == "invalid-notebook"


def _row(name, points=None, status="ok", reason=""):
    graded = Graded(
        Submission(path=None, name=name), lesson="01_rnn_cell", status=status, reason=reason
    )
    if points is not None:
        graded.expected = ["rnn_cell"]
        graded.results = {
            "rnn_cell": CheckResult(
                "rnn_cell", points == 10, points, 10, ["msg, with comma"], "failed"
            )
        }
    return graded


def test_gradebook_columns_rows_and_quoting():
    text = gradebook_text(
        [
            _row("b.ipynb", 0, reason='a, "b"'),
            _row("a.ipynb", 10),
            _row("c.ipynb", status="invalid-notebook"),
        ]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["submission", "lesson", "rnn_cell", "total", "max_total", "status", "reason"]
    assert rows[1] == ["(points possible)", "", "10", "10", "10", "", ""]
    assert rows[2] == ["a.ipynb", "01_rnn_cell", "10", "10", "10", "ok", ""]
    assert rows[3] == ["b.ipynb", "01_rnn_cell", "0", "0", "10", "ok", 'a, "b"']
    assert rows[4] == ["c.ipynb", "01_rnn_cell", "", "0", "0", "invalid-notebook", ""]


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\t=x", "\r+x"])
def test_gradebook_fields_cannot_start_a_formula(name):
    text = gradebook_text([_row(name + ".ipynb", 0, reason="=cmd|' /C calc'!A0")])
    row = list(csv.reader(io.StringIO(text)))[2]
    # a tab or CR is cleaned away first, so the formula check sees what the spreadsheet would
    assert row[0] == "'" + name.lstrip("\t\r") + ".ipynb" and row[-1].startswith("'=")


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path):
    path = tmp_path / "gradebook.csv"
    path.write_text("old")
    write_atomic(path, "new\n")
    assert path.read_text() == "new\n" and os.listdir(tmp_path) == ["gradebook.csv"]
    assert path.stat().st_mode & 0o777 == 0o600  # other users cannot read grades


def test_write_atomic_replaces_a_link_instead_of_following_it(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep")
    (tmp_path / "gradebook.csv").symlink_to(target)
    write_atomic(tmp_path / "gradebook.csv", "new\n")
    assert target.read_text() == "keep" and not (tmp_path / "gradebook.csv").is_symlink()


def test_feedback_names_and_text():
    row = _row("subs/alice/01_rnn_cell.ipynb", 0)
    assert re.fullmatch(r"subs__alice__01_rnn_cell\.[0-9a-f]{64}\.txt", feedback_name(row))
    # names that flatten alike (or one crafted to squat another's) still get files of their own
    names = {
        feedback_name(_row(n, 0))
        for n in ("a/b.ipynb", "a__b.ipynb", "a_b.ipynb", "a/b", "../a/b.ipynb")
    }
    assert len(names) == 5
    text = feedback_text(row)
    assert (
        "Score: 0/10" in text
        and "[FAILED] rnn_cell: 0/10 points" in text
        and "msg, with comma" in text
    )
    assert get_exercise("rnn_cell").lesson == "01_rnn_cell"


def test_the_grading_secret_changes_every_salt_but_keeps_it_stable(monkeypatch):
    from rnn_course.grading.notebook import SECRET_VARIABLE, submission_salt
    from rnn_course.grading.scheduler import _ENV_KEEP

    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    public = submission_salt(b"{}")
    monkeypatch.setenv(SECRET_VARIABLE, "only the instructor knows")
    secret = submission_salt(b"{}")
    assert secret != public and secret == submission_salt(b"{}") and secret > 0
    assert SECRET_VARIABLE not in _ENV_KEEP  # never handed to the worker or its children


def test_the_run_salt_is_stable_for_a_batch_and_changes_with_any_file(tmp_path):
    from rnn_course.grading.runner import run_salt

    paths = [write_nb(tmp_path / f"{i}_01_rnn_cell.ipynb", f"x = {i}") for i in range(3)]
    batch = [read_submission(p, secret="s") for p in paths]
    assert run_salt(batch) == run_salt([read_submission(p, secret="s") for p in paths])
    write_nb(paths[2], "x = 'probe'")
    assert run_salt(batch[:2] + [read_submission(paths[2], secret="s")]) != run_salt(batch)
    assert run_salt([read_submission(p, secret="t") for p in paths]) != run_salt(batch)


@pytest.mark.parametrize(
    "cell, problem",
    [
        ("nope", "cell 1: not an object"),
        ({"cell_type": "python", "source": "", "metadata": {}}, "cell_type is not code"),
        ({"cell_type": "markdown", "source": ["a", 2], "metadata": {}}, "source is not text"),
        ({"cell_type": "raw", "source": ""}, "no metadata object"),
        ({"cell_type": "code", "source": "", "metadata": {}, "execution_count": None}, "outputs"),
        (
            {
                "cell_type": "code",
                "source": "",
                "metadata": {},
                "outputs": [],
                "execution_count": "1",
            },
            "execution_count",
        ),
    ],
)
def test_a_malformed_cell_is_a_clear_invalid_notebook(tmp_path, cell, problem):
    path = tmp_path / "01_rnn_cell.ipynb"
    good = {
        "cell_type": "code",
        "source": "x = 1",
        "metadata": {},
        "outputs": [],
        "execution_count": 1,
    }
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell, good]}
    path.write_text(json.dumps(notebook))
    invalid = read_submission(path).invalid
    assert invalid.startswith("not a valid nbformat 4 notebook (cell 1: ") and problem in invalid
    notebook["cells"] = [good, good]
    path.write_text(json.dumps(notebook))
    assert read_submission(path).invalid is None


def test_the_readme_states_the_promise_and_the_non_root_truth_the_grader_prints(monkeypatch):
    """README's "Security." paragraph quotes the promise (``allowlist.PROMISE``, which
    ``rnn-course grade --help`` prints) and, for a grader that is not root, the isolation line and
    the missing-user warning exactly as ``scheduler.mechanisms`` makes them."""
    from pathlib import Path
    from types import SimpleNamespace

    from rnn_course.allowlist import PROMISE
    from rnn_course.cli import build_parser
    from rnn_course.grading import sandbox, scheduler

    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    paragraph = readme.split("**Security.**", 1)[1].split("##", 1)[0]
    assert f"The grader's promise: {PROMISE}." in paragraph
    grade_help = build_parser()._subparsers._group_actions[0].choices["grade"].description
    assert PROMISE in grade_help
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as a normal user
    namespaces, why = sandbox.namespaces_possible()
    zygote = SimpleNamespace(namespaces=namespaces, namespaces_why=why)
    isolation = scheduler.mechanisms(zygote, "not root", Limits())
    assert isolation.describe() == "isolation: rlimits" and f"`{isolation.describe()}`" in paragraph
    user_line = next(line for line in isolation.weaker() if line.startswith("no user per child"))
    assert f"`{user_line}`" in paragraph
    assert "the grader is not running as root" in user_line
