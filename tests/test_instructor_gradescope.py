"""``rnn-course gradescope``: the zip, and its run_autograder run against a folder laid out as
/autograder (selected by RNN_COURSE_AUTOGRADER_ROOT), its results.json checked field by field
against Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "specs")."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from rnn_course.cli import main
from rnn_course.exercises import get_exercise

ROOT = Path(__file__).resolve().parents[1]
TOP_FIELDS = {
    "score", "execution_time", "output", "output_format", "test_output_format",
    "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard",
}  # fmt: skip
TEST_FIELDS = {
    "score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
    "tags", "visibility", "extra_data",
}  # fmt: skip
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
RIGHT = (
    "import torch\n"
    "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
    "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)\n"
)
WRONG = RIGHT.replace("h @ weight_hh.T", "h @ weight_hh")


def check_gradescope_fields(results):
    """Gradescope's documented results.json fields and values, and nothing else."""
    assert set(results) <= TOP_FIELDS, set(results) - TOP_FIELDS
    assert results.get("visibility", "visible") in VISIBILITIES
    assert results.get("stdout_visibility", "hidden") in VISIBILITIES
    assert isinstance(results["tests"], list) and results["tests"]
    for test in results["tests"]:
        assert set(test) <= TEST_FIELDS, set(test) - TEST_FIELDS
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(
            test["max_score"], (int, float)
        )
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITIES
    assert isinstance(results["score"], (int, float))
    assert isinstance(results["execution_time"], int)


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    out = tmp_path_factory.mktemp("gs") / "autograder.zip"
    assert main(["gradescope", "01_rnn_cell", "--out", str(out)]) == 0
    return out


def run_autograder(autograder, tmp_path, code):
    """Lay out tmp_path as /autograder, submit ``code`` as 01_rnn_cell.ipynb, run run_autograder."""
    zipfile.ZipFile(autograder).extractall(tmp_path / "source")
    for folder in ("submission", "results", "venv/bin"):
        (tmp_path / folder).mkdir(parents=True)
    python = tmp_path / "venv/bin/python"  # stands for the venv setup.sh makes
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, str(tmp_path / "submission/01_rnn_cell.ipynb"))
    env = dict(os.environ, RNN_COURSE_AUTOGRADER_ROOT=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        ["bash", str(tmp_path / "source/run_autograder")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((tmp_path / "results/results.json").read_text())


def test_the_zip_holds_setup_run_autograder_and_the_wheel(autograder):
    archive = zipfile.ZipFile(autograder)
    names = archive.namelist()
    assert names[:2] == ["setup.sh", "run_autograder"] and names[2].endswith(".whl")
    for name in names[:2]:
        assert archive.getinfo(name).external_attr >> 16 & 0o111  # executable
    setup = archive.read("setup.sh").decode()
    assert "download.pytorch.org/whl/cpu" in setup and names[2] in setup
    assert "01_rnn_cell" in archive.read("run_autograder").decode()


def test_a_right_submission_scores_full_marks(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path, RIGHT)
    check_gradescope_fields(results)
    (test,) = results["tests"]
    points = get_exercise("rnn_cell").points
    assert (test["name"], test["score"], test["max_score"]) == ("rnn_cell", points, points)
    assert test["status"] == "passed" and results["score"] == points


def test_a_wrong_submission_scores_zero_and_shows_the_learners_feedback(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path, WRONG)
    check_gradescope_fields(results)
    (test,) = results["tests"]
    assert test["score"] == 0 and results["score"] == 0 and test["status"] == "failed"
    output = test["output"]
    assert output.startswith("[FAILED] rnn_cell: 0/")
    assert "likely mistake" in output and "weight_hh" in output and "transposed" in output


def test_an_unknown_lesson_or_one_without_exercises_is_refused(tmp_path, capsys):
    assert main(["gradescope", "99_nothing", "--out", str(tmp_path / "a.zip")]) == 1
    assert main(["gradescope", "00_welcome", "--out", str(tmp_path / "a.zip")]) == 1
    assert "no graded exercise" in capsys.readouterr().err
