"""Students and rosters: a ``student`` column from a pattern or a roster, and Canvas's import file."""

import csv
import io

import nbformat
import pytest

from rnn_course.cli import main
from rnn_course.instructor.roster import (
    RosterError,
    canvas_text,
    compile_pattern,
    id_from_name,
    read_roster,
    with_student_column,
)

GRADEBOOK = """submission,lesson,rnn_cell,rnn_layer,total,max_total,status,reason
(points possible),,10,10,,,,
alice/01_rnn_cell.ipynb,01_rnn_cell,10,,10,10,ok,
alice/01_rnn_cell-retry.ipynb,01_rnn_cell,0,,0,10,ok,
bob/01_rnn_cell.ipynb,01_rnn_cell,0,,0,10,not-attempted,
bob/02_unrolling.ipynb,02_unrolling,,10,10,10,ok,
stray.ipynb,,,,0,0,unknown-lesson,
"""
RIGHT = (
    "import torch\n"
    "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
    "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)\n"
)


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_a_pattern_reads_the_named_group_the_first_group_or_the_match():
    assert id_from_name(compile_pattern(r"(?P<student>\w+)/"), "sec1/ann/01.ipynb") == "sec1"
    assert id_from_name(compile_pattern(r"^[^/]+/(\w+)/"), "sec1/ann/01.ipynb") == "ann"
    assert id_from_name(compile_pattern(r"s\d{6}"), "hw/01_rnn_cell-s123456.ipynb") == "s123456"
    assert id_from_name(compile_pattern(r"s\d{6}"), "01_rnn_cell.ipynb") == ""
    with pytest.raises(RosterError, match="not a regular expression"):
        compile_pattern("(")


def test_the_student_column_follows_submission_and_unmatched_rows_are_reported():
    text, unknown = with_student_column(GRADEBOOK, pattern=compile_pattern(r"^(\w+)/"))
    got = rows(text)
    assert list(got[0])[:3] == ["submission", "student", "lesson"]
    assert [r["student"] for r in got] == ["", "alice", "alice", "bob", "bob", ""]
    assert unknown == ["stray.ipynb"]
    assert got[2]["rnn_cell"] == "0" and got[2]["reason"] == ""  # nothing else changes


def test_a_roster_maps_full_names_or_file_names(tmp_path):
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text(
        "file,student,name,section\n"
        "alice/01_rnn_cell.ipynb,a1,Ann Lee,S1\n"
        "alice/01_rnn_cell-retry.ipynb,a1,Ann Lee,S1\n"
        "02_unrolling.ipynb,b2,Bo Chen,S2\n"
    )
    roster = read_roster(roster_csv)
    text, unknown = with_student_column(GRADEBOOK, roster=roster)
    assert [r["student"] for r in rows(text)] == ["", "a1", "a1", "", "b2", ""]
    assert unknown == ["bob/01_rnn_cell.ipynb", "stray.ipynb"]
    (tmp_path / "bad.csv").write_text("name,id\nx,1\n")
    with pytest.raises(RosterError, match="'file' and 'student'"):
        read_roster(tmp_path / "bad.csv")


def test_canvas_gets_its_columns_points_possible_and_the_best_score_per_lesson(tmp_path):
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text(
        "file,student,name,canvas_id,sis_login_id,section\nx,alice,Ann Lee,77,al,S1\n"
    )
    text, _ = with_student_column(GRADEBOOK, pattern=compile_pattern(r"^(\w+)/"))
    got = list(csv.reader(io.StringIO(canvas_text(text, read_roster(roster_csv)))))
    assert got[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                      "rnn-course 01_rnn_cell", "rnn-course 02_unrolling"]  # fmt: skip
    assert got[1] == ["Points Possible", "", "", "", "", "10", "10"]
    assert got[2] == ["Ann Lee", "77", "alice", "al", "S1", "10", ""]  # best of 10 and 0
    assert got[3] == ["bob", "", "bob", "", "", "0", "10"]
    assert len(got) == 4  # stray.ipynb has no student


def test_grade_with_student_id_and_canvas_format(tmp_path, capsys):
    for student, code in (("s000001", RIGHT), ("s000002", "x = 1\n")):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(code)]
        (tmp_path / "in" / student).mkdir(parents=True)
        nbformat.write(nb, str(tmp_path / "in" / student / "01_rnn_cell.ipynb"))
    out = tmp_path / "gradebook.csv"
    argv = ["grade", str(tmp_path / "in"), "--out", str(out), "--student-id", r"s\d{6}"]
    assert main(argv + ["--format", "canvas"]) == 0
    students = [r["student"] for r in rows(out.read_text())]
    assert "s000001" in students and "s000002" in students
    canvas = list(csv.reader(open(tmp_path / "gradebook.canvas.csv")))
    scores = {r[2]: r[5] for r in canvas[2:]}
    assert scores == {"s000001": "10", "s000002": "0"}
    with pytest.raises(SystemExit):
        main(["grade", str(tmp_path / "in"), "--out", str(out), "--format", "canvas"])
    assert "needs --student-id or --roster" in capsys.readouterr().err


def test_the_guides_pattern_takes_the_folder_holding_the_notebook():
    pattern = compile_pattern(r"([^/]+)/[^/]+\.ipynb$")  # as in docs/instructors.md
    assert id_from_name(pattern, "ann/01_rnn_cell.ipynb") == "ann"
    assert id_from_name(pattern, "/home/t/submissions/ann/01_rnn_cell.ipynb") == "ann"
    assert id_from_name(compile_pattern(r"s\d{7}"), "01_rnn_cell-s1234567.ipynb") == "s1234567"
