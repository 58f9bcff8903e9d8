"""Tests for rnn_course.release: the answer key -> learner notebook transform, --check, and the guard
that every committed learner notebook is exactly the release of its answer key."""

import json
import os
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from rnn_course import release
from rnn_course.release import ReleaseError, blank_solutions, cell_signature, make_learner

CELL = """def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    \"\"\"One step.\"\"\"
    ### BEGIN SOLUTION: compute h_next from x and h
    pre = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    return torch.tanh(pre)
    ### END SOLUTION"""


def notebook(*cells):
    return new_notebook(
        cells=list(cells),
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


# ---------------------------------------------------------------------------------------------
# blank_solutions
# ---------------------------------------------------------------------------------------------


def test_region_becomes_instruction_and_raise_at_the_begin_indentation():
    lines = blank_solutions(CELL).split("\n")
    assert lines == [
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):",
        '    """One step."""',
        "    # YOUR CODE HERE: compute h_next from x and h",
        "    raise NotImplementedError",
    ]


def test_without_text_the_instruction_is_generic():
    out = blank_solutions("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\nprint(x)")
    assert (
        out
        == f"x = 1\n# YOUR CODE HERE: {release.DEFAULT_INSTRUCTION}\nraise NotImplementedError\nprint(x)"
    )


def test_several_regions_in_one_cell_at_different_indentations():
    source = (
        "def f(a):\n"
        "    ### BEGIN SOLUTION: double a\n"
        "    return 2 * a\n"
        "    ### END SOLUTION\n"
        "\n"
        "class G:\n"
        "    def g(self):\n"
        "        ### BEGIN SOLUTION:   return one   \n"
        "        return 1\n"
        "        ### END SOLUTION\n"
        "done = True"
    )
    assert blank_solutions(source) == (
        "def f(a):\n"
        "    # YOUR CODE HERE: double a\n"
        "    raise NotImplementedError\n"
        "\n"
        "class G:\n"
        "    def g(self):\n"
        "        # YOUR CODE HERE: return one\n"
        "        raise NotImplementedError\n"
        "done = True"
    )


def test_blanked_function_compiles_and_raises_not_implemented():
    namespace = {}
    exec(blank_solutions(CELL), namespace)
    with pytest.raises(NotImplementedError):
        namespace["rnn_cell"](*range(6))


def test_hidden_tests_are_dropped_and_predictions_emptied():
    source = (
        "my_prediction = (5, 4, 7), (2, 4, 7)  ### PREDICTION\n"
        "    guess = True   ### PREDICTION: True or False\n"
        "check_prediction('04.a', my_prediction, actual)\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert actual == ((5, 4, 7), (2, 4, 7))\n"
        "### END HIDDEN TESTS\n"
        "print('done')"
    )
    assert blank_solutions(source) == (
        "my_prediction = ...  # your prediction\n"
        "    guess = ...  # True or False\n"
        "check_prediction('04.a', my_prediction, actual)\n"
        "print('done')"
    )


def test_source_without_markers_is_unchanged():
    source = "a = 1\n# ### BEGIN and END are fine alone\nprint(a)\n"
    assert blank_solutions(source) == source


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1", "the solution region opened on line 1 is never closed"),
        ("x = 1\n### END SOLUTION", "line 2 has ### END SOLUTION without"),
        (
            "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
            "line 2 opens a region inside the solution region",
        ),
        ("x = 1  ### BEGIN SOLUTION\ny = 2\n### END SOLUTION", "line 1 has a malformed marker"),
        ("### BEGIN SOLUTIONS\ny = 2", "line 1 has a malformed marker"),
        (
            "### BEGIN HIDDEN TESTS\nassert x == 1",
            "the hidden tests region opened on line 1 is never closed",
        ),
        (
            "### BEGIN HIDDEN TESTS\nassert x\n### END SOLUTION",
            "line 3 has ### END SOLUTION without",
        ),
        (
            "### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n",
            "line 2 opens a region inside the solution region",
        ),
        ("print(1)  ### PREDICTION", "line 1 has a malformed marker"),
    ],
)
def test_unbalanced_or_malformed_markers_are_clear_errors(source, message):
    with pytest.raises(ReleaseError, match=message):
        blank_solutions(source, where="lesson: cell 3")
    with pytest.raises(ReleaseError, match="^lesson: cell 3"):
        blank_solutions(source, where="lesson: cell 3")


# ---------------------------------------------------------------------------------------------
# make_learner
# ---------------------------------------------------------------------------------------------


def answer_key():
    executed = new_code_cell(
        "print(1)", execution_count=4, outputs=[nbformat.v4.new_output("stream", text="1\n")]
    )
    return notebook(
        new_markdown_cell("# Title"),
        executed,
        new_code_cell(CELL),
        new_code_cell('check("rnn_cell", rnn_cell)'),
        tagged(new_code_cell("secret = 42"), "solution-only"),
        tagged(new_code_cell("# NBVAL_IGNORE_OUTPUT\nprint(2)"), "keep-me"),
    )


def test_make_learner_drops_solution_only_blanks_regions_and_clears_outputs():
    key = answer_key()
    before = nbformat.writes(key)
    learner = make_learner(key, "01_rnn_cell")
    assert nbformat.writes(key) == before, "the answer key must not change"
    assert [c.cell_type for c in learner.cells] == ["markdown", "code", "code", "code", "code"]
    assert "secret" not in nbformat.writes(learner)
    assert "raise NotImplementedError" in learner.cells[2].source
    assert "torch.tanh" not in learner.cells[2].source
    assert learner.cells[4].metadata["tags"] == ["keep-me"]
    assert all(
        c.outputs == [] and c.execution_count is None
        for c in learner.cells
        if c.cell_type == "code"
    )
    assert learner.metadata["rnn_course"] == {"lesson": "01_rnn_cell", "kind": "learner"}
    assert learner.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(learner)


def test_coalesce_streams_merges_consecutive_prints_of_the_same_stream():
    out = nbformat.v4.new_output
    cell = new_code_cell(
        "x",
        outputs=[
            out("stream", text="a\n"),
            out("stream", text="b\n"),
            out("stream", name="stderr", text="w\n"),
            out("stream", text="c\n"),
        ],
    )
    nb = notebook(cell)
    release.coalesce_streams(nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [
        ("stdout", "a\nb\n"),
        ("stderr", "w\n"),
        ("stdout", "c\n"),
    ]


def test_marker_in_a_markdown_cell_is_an_error_naming_the_cell():
    key = notebook(
        new_markdown_cell("intro"),
        new_markdown_cell("### BEGIN SOLUTION\nanswer\n### END SOLUTION"),
    )
    with pytest.raises(ReleaseError, match=r"^07_x: cell 1 .*only work in code cells"):
        make_learner(key, "07_x")


def test_unbalanced_marker_in_a_notebook_names_the_lesson_and_cell():
    key = notebook(
        new_markdown_cell("intro"), new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1")
    )
    with pytest.raises(
        ReleaseError,
        match=r"02_unrolling: cell 1 \('def f\(\):'\): the solution region opened on line 2",
    ):
        make_learner(key, "02_unrolling")


# ---------------------------------------------------------------------------------------------
# The command line on a temporary notebooks folder
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "solutions").mkdir()
    nbformat.write(answer_key(), tmp_path / "solutions" / "01_rnn_cell.ipynb")
    return tmp_path


def run(folder, *args):
    return release.main(["--notebooks", str(folder), *args])


def test_check_reports_a_missing_learner_notebook(folder, capsys):
    assert run(folder, "--check") == 1
    assert "01_rnn_cell.ipynb: missing" in capsys.readouterr().err


def test_release_then_check_passes_and_a_hand_edit_is_detected(folder, capsys):
    assert run(folder, "--no-execute", "01_rnn_cell") == 0
    learner_file = folder / "01_rnn_cell.ipynb"
    text = learner_file.read_text()
    assert (
        text.endswith("}\n") and text == nbformat.writes(nbformat.reads(text, as_version=4)) + "\n"
    )
    assert run(folder, "--check") == 0

    learner = nbformat.read(learner_file, as_version=4)
    learner.cells[2].source = learner.cells[2].source.replace(
        "raise NotImplementedError", "return h"
    )
    nbformat.write(learner, learner_file)
    capsys.readouterr()
    assert run(folder, "--check", "01") == 1
    err = capsys.readouterr().err
    assert "01_rnn_cell.ipynb: cell 2 has a different source" in err


def test_check_rejects_outputs_and_changed_tags(folder, capsys):
    run(folder, "--no-execute")
    learner_file = folder / "01_rnn_cell.ipynb"
    learner = nbformat.read(learner_file, as_version=4)
    learner.cells[1].outputs = [nbformat.v4.new_output("stream", text="something else\n")]
    nbformat.write(learner, learner_file)
    assert run(folder, "--check") == 1
    assert "cells [1] hold outputs" in capsys.readouterr().err
    learner.cells[1].outputs = []
    learner.cells[1].metadata["tags"] = ["new-tag"]
    nbformat.write(learner, learner_file)
    assert run(folder, "--check") == 1
    assert "cell 1 has a different tags" in capsys.readouterr().err


def test_lesson_can_be_a_path_to_either_notebook(folder):
    key = folder / "solutions" / "01_rnn_cell.ipynb"
    assert release.resolve_lesson(str(key), folder) == key.resolve()
    assert release.resolve_lesson(str(folder / "01_rnn_cell.ipynb"), folder) == key.resolve()
    assert release.resolve_lesson("01_rnn_cell", folder) == key
    assert release.resolve_lesson("01", folder) == release.resolve_lesson("1", folder) == key
    with pytest.raises(ReleaseError, match="unknown lesson '99_nope'; answer keys: 01_rnn_cell"):
        release.resolve_lesson("99_nope", folder)


def test_malformed_answer_key_names_the_file_and_keeps_the_learner_notebook(folder, capsys):
    run(folder, "--no-execute")
    learner_file = folder / "01_rnn_cell.ipynb"
    before = learner_file.read_bytes()
    key = folder / "solutions" / "01_rnn_cell.ipynb"
    key.write_text('{"cells": [')
    assert run(folder, "--no-execute") == 1
    assert f"{key}: not a valid notebook" in capsys.readouterr().err
    assert learner_file.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["01_rnn_cell.ipynb", "solutions"], (
        "no temp files left"
    )


def test_written_notebooks_get_ordinary_permissions(folder):
    run(folder, "--no-execute")
    umask = os.umask(0)
    os.umask(umask)
    assert (folder / "01_rnn_cell.ipynb").stat().st_mode & 0o777 == 0o666 & ~umask


def test_release_executes_both_notebooks(tmp_path):
    (tmp_path / "solutions").mkdir()
    key_file = tmp_path / "solutions" / "00_tiny.ipynb"
    key = notebook(
        new_code_cell(
            "import os\nprint(os.environ['OMP_NUM_THREADS'], os.path.basename(os.getcwd()))"
        ),
        new_code_cell(
            "def f():\n    ### BEGIN SOLUTION: return 3\n    return 3\n    ### END SOLUTION"
        ),
        new_code_cell("try:\n    print(f())\nexcept NotImplementedError:\n    print('blank')"),
    )
    nbformat.write(key, key_file)
    assert release.main(["--notebooks", str(tmp_path), "00_tiny"]) == 0
    done_key = nbformat.read(key_file, as_version=4)
    learner = nbformat.read(tmp_path / "00_tiny.ipynb", as_version=4)
    assert done_key.cells[0].outputs[0].text == f"1 {tmp_path.name}\n"
    assert done_key.cells[2].outputs[0].text == "3\n"
    assert all(c.outputs == [] and c.execution_count is None for c in learner.cells), (
        "learners get no outputs"
    )
    assert done_key.metadata["rnn_course"] == {"lesson": "00_tiny", "kind": "answer-key"}
    assert learner.metadata["rnn_course"] == {"lesson": "00_tiny", "kind": "learner"}
    assert all("execution" not in c.metadata for c in done_key.cells + learner.cells)


def test_an_error_in_a_learner_notebook_aborts_and_names_the_cell(tmp_path, capsys):
    (tmp_path / "solutions").mkdir()
    key_file = tmp_path / "solutions" / "00_tiny.ipynb"
    key = notebook(
        new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 3\n    ### END SOLUTION"),
        new_code_cell("print(f())"),
    )
    nbformat.write(key, key_file)
    before = key_file.read_bytes()
    assert release.main(["--notebooks", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "learner notebook" in err and "cell 1 ('print(f())') raised NotImplementedError" in err
    assert key_file.read_bytes() == before, "nothing is written when a notebook fails"
    assert not (tmp_path / "00_tiny.ipynb").exists()


def test_module_runs_as_a_script(folder):
    result = subprocess.run(
        [sys.executable, "-m", "rnn_course.release", "--notebooks", str(folder), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "missing" in result.stderr


# ---------------------------------------------------------------------------------------------
# The guard: committed learner notebooks are never edited by hand
# ---------------------------------------------------------------------------------------------

KEYS = release.answer_keys(release.default_notebooks_dir())


@pytest.mark.parametrize("key", KEYS, ids=[k.stem for k in KEYS])
def test_committed_learner_notebook_is_the_release_of_its_answer_key(key):
    learner_file = release.learner_path(key)
    assert learner_file.exists(), f"{learner_file} is missing: run `rnn-course release {key.stem}`"
    expected = make_learner(release.read_notebook(key), key.stem)
    actual = release.read_notebook(learner_file)
    assert cell_signature(actual) == cell_signature(expected), (
        f"{learner_file} differs from the release of {key}: never edit a learner notebook by hand; "
        f"edit the answer key and run `rnn-course release {key.stem}`"
    )
    assert actual.metadata.get("rnn_course") == {"lesson": key.stem, "kind": "learner"}
    with_outputs = [
        i
        for i, c in enumerate(actual.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert not with_outputs, (
        f"{learner_file}: cells {with_outputs} hold outputs; learner notebooks ship without them"
    )


def test_no_learner_notebook_without_an_answer_key():
    folder = release.default_notebooks_dir()
    keys = {k.name for k in KEYS}
    orphans = [p.name for p in folder.glob("*.ipynb") if p.name not in keys]
    assert not orphans, (
        f"learner notebooks without an answer key in notebooks/solutions/: {orphans}"
    )


def test_committed_answer_keys_are_stamped():
    for key in KEYS:
        meta = json.loads(key.read_text()).get("metadata", {}).get("rnn_course")
        assert meta == {"lesson": key.stem, "kind": "answer-key"}, (
            f"{key}: run `rnn-course release {key.stem}`"
        )
