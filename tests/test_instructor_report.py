"""``rnn-course report``: the class report from the grader's sidecar ``gradebook.details.json``.

The fixture is written here in the sidecar's documented layout (version 1), mirroring the
benchmark batch of benchmarks/bench_grade.py: 40 lesson-01 submissions, 20 right, 4 each of three
planted mistakes, 8 blank, plus a timeout and a flagged one.
"""

import json
import os
import stat

import pytest

from rnn_course.cli import main
from rnn_course.instructor.report import ReportError, details_path, load_details, summarise

PLANTED = {  # mistake id -> the message students saw
    "transposed_w_hh": "h_next looks as if W_hh was used without its transpose",
    "missing_bias_hh": "h_next looks as if bias_hh was left out",
    "missing_tanh": "h_next looks as if tanh was not applied",
}
COUNTS = {"transposed_w_hh": 6, "missing_bias_hh": 4, "missing_tanh": 3}


def entry(outcome, mistake=None, message="", points=0):
    return {
        "points": points,
        "max_points": 10,
        "outcome": outcome,
        "mistake": mistake,
        "message": message,
    }


def class_details():
    """The sidecar of a 40-submission lesson-01 run (see the module's docstring)."""
    entries = [entry("passed", points=10, message="correct")] * 20
    for mistake, count in COUNTS.items():
        entries += [entry("failed", mistake, PLANTED[mistake])] * count
    entries += [entry("failed", "unnamed", "h_next does not match")] * 1
    entries += [entry("not_attempted", message="not attempted yet")] * 4
    subs = [
        {
            "submission": f"section-a/student{i:02d}/01_rnn_cell.ipynb",
            "lesson": "01_rnn_cell",
            "status": "not-attempted" if e["outcome"] == "not_attempted" else "ok",
            "flags": [],
            "seconds": 1.0 + 0.1 * i,
            "exercises": {"rnn_cell": e},
        }
        for i, e in enumerate(entries)
    ]
    subs.append(
        {"submission": "late/01_rnn_cell.ipynb", "lesson": "01_rnn_cell", "status": "timeout",
         "flags": [], "seconds": 120.0, "exercises": {"rnn_cell": entry("error", None, "timed out")}}
    )  # fmt: skip
    subs.append(
        {"submission": "odd/01_rnn_cell.ipynb", "lesson": "01_rnn_cell", "status": "error",
         "flags": ["patched the checker"], "seconds": 2.0, "exercises": {}}
    )  # fmt: skip
    return {"version": 1, "lesson_points": {"01_rnn_cell": 10}, "submissions": subs}


@pytest.fixture
def gradebook(tmp_path):
    path = tmp_path / "gradebook.csv"
    path.write_text("submission\n")
    details_path(path).write_text(json.dumps(class_details()))
    return path


def test_the_planted_mistakes_are_the_top_three_with_their_counts_and_messages():
    (exercise,) = summarise(class_details())["exercises"]
    top = [(m["mistake"], m["count"], m["message"]) for m in exercise["mistakes"]]
    assert top == [(name, COUNTS[name], PLANTED[name]) for name in COUNTS]
    failing = sum(COUNTS.values()) + 1 + 1  # + the unnamed one + the timeout (error)
    assert exercise["failing"] == failing and exercise["unnamed"] == 2
    assert exercise["mistakes"][0]["share_of_failing"] == round(6 / failing, 3)
    assert exercise["pass_rate"] == round(20 / 39, 3)
    assert exercise["points"] == {"0": 19, "10": 20}
    assert exercise["outcomes"]["not_attempted"] == 4


def test_statuses_flags_and_time_per_submission():
    summary = summarise(class_details())
    assert summary["submissions"] == 40
    assert summary["statuses"] == {"error": 1, "not-attempted": 4, "ok": 34, "timeout": 1}
    assert summary["flags"] == {"patched the checker": 1}
    assert summary["flagged"] == 1
    assert summary["time"]["max"] == 120.0 and summary["time"]["count"] == 40


def test_the_report_names_no_student_unless_asked(gradebook, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(gradebook), "--out", str(out)]) == 0
    for path in (out, out.with_suffix(".json")):
        text = path.read_text()
        assert "student07" not in text and "section-a" not in text
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    page = out.read_text()
    assert page.count("data:image/png;base64,") == 2 and "http" not in page
    assert PLANTED["transposed_w_hh"] in page
    assert "4 not attempted" in page and "1 submissions flagged" in page
    assert main(["report", str(gradebook), "--out", str(out), "--names"]) == 0
    named = json.loads(out.with_suffix(".json").read_text())["by_submission"]
    assert named[7] == {
        "submission": "section-a/student07/01_rnn_cell.ipynb",
        "status": "ok",
        "points": 10,
    }


def test_a_missing_or_foreign_details_file_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none.csv"), "--out", str(tmp_path / "r.html")]) == 1
    assert "grade with" in capsys.readouterr().err
    (tmp_path / "x.details.json").write_text(json.dumps({"version": 2, "submissions": []}))
    with pytest.raises(ReportError, match="version 1"):
        load_details(tmp_path / "x.csv")
    assert not (tmp_path / "r.html").exists()
