"""The ``rnn-course`` command line: help, usage errors, grade, check, release delegation."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rnn_course.cli import main

GOOD = (
    "import torch\n"
    "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
    "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)\n"
)
BLANK = (
    "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n    raise NotImplementedError\n"
)
SCRIPT = Path(sys.executable).with_name("rnn-course")


@pytest.fixture(scope="module")
def shared_zygote():
    """The module's grading commands run end to end through ``main`` but share one zygote (a zygote
    start costs seconds; issue 19): ``grade`` is given the module's ``Workers``."""
    from rnn_course import grading
    from rnn_course.grading.scheduler import Workers

    shared, real = Workers(), grading.grade

    def grade(*args, **kwargs):
        return real(*args, **kwargs, workers=shared)

    grading.grade = grade
    try:
        yield shared
    finally:
        grading.grade = real
        shared.close()


def write_nb(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


@pytest.mark.parametrize("command", [[], ["grade"], ["check"], ["release"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(command + ["--help"])
    assert exit_.value.code == 0
    assert "usage: rnn-course" in capsys.readouterr().out


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed")
def test_console_script_help():
    result = subprocess.run(
        [str(SCRIPT), "grade", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "--feedback" in result.stdout and "--memory" in result.stdout


def test_usage_errors(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    for argv in (
        ["grade", str(tmp_path / "empty"), "--out", str(tmp_path / "g.csv")],  # no submissions
        ["grade", str(tmp_path / "missing"), "--out", str(tmp_path / "g.csv")],  # no such path
        ["grade", str(tmp_path), "--out", str(tmp_path / "nodir" / "g.csv")],  # bad --out folder
        ["grade", str(tmp_path), "--out", str(tmp_path)],  # --out is a folder
        ["grade", str(tmp_path), "--out", str(tmp_path / "g.csv"), "--jobs", "0"],
        ["check", str(tmp_path / "missing.ipynb")],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2, argv
    assert not (tmp_path / "g.csv").exists()


def test_grade_is_deterministic_and_exits_zero(tmp_path, capsys, shared_zygote):
    subs = tmp_path / "subs"
    write_nb(subs / "alice_01_rnn_cell.ipynb", GOOD)
    write_nb(subs / "bob" / "01_rnn_cell.ipynb", BLANK)
    (subs / "carol_01_rnn_cell.ipynb").write_text("not json")
    out, feedback = tmp_path / "gradebook.csv", tmp_path / "feedback"
    argv = [
        "grade",
        str(subs),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--timeout",
        "20",
        "--feedback",
        str(feedback),
    ]
    assert main(argv) == 0
    first = out.read_text()
    captured = capsys.readouterr()
    assert "graded 3 submissions" in captured.out
    assert (
        "graded 3/3" in captured.err and "isolation:" in captured.err
    )  # progress even without a terminal
    lines = first.splitlines()
    assert lines[0] == "submission,lesson,rnn_cell,total,max_total,status,reason"
    assert lines[1] == "(points possible),,10,10,10,,"
    assert lines[2].endswith("alice_01_rnn_cell.ipynb,01_rnn_cell,10,10,10,ok,")
    assert lines[3].endswith(
        "bob/01_rnn_cell.ipynb,01_rnn_cell,0,0,10,not-attempted,rnn_cell: not attempted"
    )
    assert "carol_01_rnn_cell.ipynb,,,0,0,invalid-notebook,not a notebook: invalid JSON" in lines[4]
    assert (
        sorted(p.name for p in feedback.iterdir())
        == sorted(p.name for p in feedback.iterdir() if p.suffix == ".txt")
        and len(list(feedback.iterdir())) == 3
    )
    for path in [out, Path(f"{out}.secret"), *feedback.iterdir()]:
        assert path.stat().st_mode & 0o077 == 0, path  # the grader's eyes only
    assert main(argv) == 0
    assert out.read_text() == first  # the secret kept beside the gradebook: the same hidden cases


def test_check_prints_results_and_fails_for_ci(tmp_path, capsys, shared_zygote):
    wrong = write_nb(tmp_path / "01_rnn_cell.ipynb", GOOD.replace(" + bias_hh)", ")"))
    assert (
        main(["check", str(wrong), "--timeout", "20"]) == 1
    )  # documented: non-zero when a check fails
    out = capsys.readouterr().out
    assert "[FAILED] rnn_cell: 0/10 points" in out and "ignores b_hh" in out
    good = write_nb(tmp_path / "good" / "01_rnn_cell.ipynb", GOOD)
    assert main(["check", str(good), "--timeout", "20"]) == 0
    assert "[PASSED] rnn_cell: 10/10 points" in capsys.readouterr().out


def test_version(capsys):
    from rnn_course import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"rnn-course {__version__}"


@pytest.mark.parametrize(
    "argv, words",
    [
        (
            ["grade", "x", "--out", "g.csv", "--timeout", "soon"],
            "expected a number of seconds, got 'soon'",
        ),
        (
            ["grade", "x", "--out", "g.csv", "--timeout", "-1"],
            "must be a positive number, got '-1'",
        ),
        (["grade", "x", "--out", "g.csv", "--jobs", "two"], "expected a whole number, got 'two'"),
        (["check", "x.ipynb", "--timeout", "nan"], "must be a positive number, got 'nan'"),
    ],
)
def test_argument_errors_name_the_problem_not_internals(argv, words, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and words in err and "_positive" not in err


def test_path_errors_come_before_torch_and_show_the_commands_usage(tmp_path):
    code = (
        "import sys; from rnn_course.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    print('torch' in sys.modules, e.code)"
    )
    for argv in (
        ["grade", str(tmp_path / "missing"), "--out", str(tmp_path / "g.csv")],
        ["check", str(tmp_path / "no.ipynb")],
    ):
        result = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60
        )
        assert result.stdout.split() == ["False", "2"], result
        assert f"usage: rnn-course {argv[0]}" in result.stderr and "no such" in result.stderr


def test_release_shares_the_parser_of_python_m_rnn_course_release(monkeypatch, tmp_path):
    """``rnn-course release`` takes the same options as ``python -m rnn_course.release`` and hands
    them to the same ``run``."""
    from rnn_course import release

    seen = []
    monkeypatch.setattr(release, "run", lambda args: seen.append(vars(args)) or 0)
    argv = ["--check", "--no-execute", "--timeout", "30", "--notebooks", str(tmp_path), "01"]
    assert main(["release", *argv]) == 0
    assert release.main(argv) == 0
    assert main(["release"]) == 0
    expected = {
        "check": True,
        "no_execute": True,
        "timeout": 30,
        "notebooks": tmp_path,
        "lessons": ["01"],
    }
    assert [{k: s[k] for k in expected} for s in seen[:2]] == [expected, expected]
    assert seen[2]["lessons"] == [] and seen[2]["timeout"] == release.CELL_TIMEOUT


def test_check_help_says_only_the_functions_run():
    from rnn_course.cli import build_parser

    text = build_parser()._subparsers._group_actions[0].choices["check"].format_help()
    assert "Run your notebook's code" not in text and "other cells do not run" in " ".join(
        text.split()
    )


PROBE_GRADE = """
import sys
import rnn_course.grading as grading
from rnn_course.cli import main

def stop(*args, **kwargs):
    print("torch" in sys.modules, "nbformat" in sys.modules)
    raise SystemExit(0)

grading.grade = stop
main(["grade", sys.argv[1], "--out", sys.argv[2]])
"""


def test_the_cli_reaches_grade_without_importing_torch(tmp_path):
    """torch loads in the zygote (and in the runner once grading starts), never on the way there."""
    sub = tmp_path / "x_01_rnn_cell.ipynb"
    sub.write_text("{}")
    result = subprocess.run(
        [sys.executable, "-c", PROBE_GRADE, str(sub), str(tmp_path / "g.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["False", "False"], result.stdout + result.stderr
