"""The student bundle: learner notebooks, the package as a wheel and START.md, and no answer key."""

import json
import zipfile

import pytest

from rnn_course.cli import main
from rnn_course.instructor.bundle import ROOT, BundleError, learner_notebooks, learner_problem
from rnn_course.lessons import LESSONS

ANSWER_MARKS = (
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    "### BEGIN HIDDEN TESTS",
    "### PREDICTION",
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "student.zip"
    assert main(["release", "--bundle", str(out)]) == 0
    return zipfile.ZipFile(out)


def test_bundle_holds_every_learner_notebook_a_wheel_and_start(bundle):
    names = set(bundle.namelist())
    assert {f"notebooks/{lesson.slug}.ipynb" for lesson in LESSONS} <= names
    wheels = [n for n in names if n.endswith(".whl")]
    assert len(wheels) == 1 and wheels[0].startswith("rnn_course-")
    start = bundle.read("START.md").decode()
    assert wheels[0] in start and "jupyter lab notebooks/" in start
    assert names == {"START.md", *wheels, *(f"notebooks/{lesson.slug}.ipynb" for lesson in LESSONS)}


def test_bundle_holds_no_answer_key_and_no_hidden_tests(bundle, tmp_path):
    for name in bundle.namelist():
        assert "solutions" not in name
        if name.endswith(".ipynb"):
            nb = json.loads(bundle.read(name))
            assert nb["metadata"]["rnn_course"]["kind"] == "learner", name
            text = bundle.read(name).decode()
            for mark in ANSWER_MARKS:
                assert mark not in text, (name, mark)
    wheel = zipfile.ZipFile(bundle.open(next(n for n in bundle.namelist() if n.endswith(".whl"))))
    inside = wheel.namelist()
    assert "rnn_course/exercises/core.py" in inside
    assert not [n for n in inside if n.endswith(".ipynb") or "solutions" in n]


def test_an_answer_key_is_refused(tmp_path):
    key = json.loads((ROOT / "notebooks/solutions/01_rnn_cell.ipynb").read_text())
    assert "answer-key" in learner_problem(key)
    key["metadata"]["rnn_course"]["kind"] = "learner"  # a mislabelled key is still caught
    assert "still holds '###" in learner_problem(key)


def test_a_missing_or_unreleased_notebook_stops_the_bundle(tmp_path, capsys):
    with pytest.raises(BundleError, match="missing"):
        learner_notebooks(tmp_path)
    out = tmp_path / "student.zip"
    assert main(["release", "--bundle", str(out)]) == 0  # the repository's own notebooks are clean
    with pytest.raises(SystemExit):
        main(["release", "--bundle", str(out), "01_rnn_cell"])
    assert "give no LESSON" in capsys.readouterr().err
