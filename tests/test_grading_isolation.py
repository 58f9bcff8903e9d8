"""Round two of the red team: safe files and folders, the secret, the worker's start-up, the
sandbox's fallbacks. (The hostile notebooks are in test_grading_adversarial.py.)"""

import os
import stat
import subprocess
import sys

import nbformat
import pytest

import rnn_course
from rnn_course.grading import UsageError, grade, read_submission, secret_for
from rnn_course.grading.gradebook import (
    UnsafeOutput,
    write_feedback,
    write_gradebook,
)
from rnn_course.grading.runner import Graded, Limits
from rnn_course.grading.sandbox import remove_tree

COURSE_UNDER_TMP = {  # top-level /tmp entries that hold this Python or this course, when they live there
    path.split("/")[2]
    for path in (
        os.path.realpath(sys.prefix),
        os.path.realpath(os.path.dirname(rnn_course.__file__)),
    )
    if path.startswith("/tmp/")
}

TIMEOUT = 6.0
SETUP = "import torch\nfrom torch import nn\nfrom rnn_course.exercises import check\ntorch.manual_seed(0)"
SIGNATURE = "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
FORMULA = "torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)"
GOOD = SIGNATURE + f"    return {FORMULA}\n"
ARGS = "(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"


def notebook(*cells, lesson="01_rnn_cell"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson")] + [
        nbformat.v4.new_code_cell(c) for c in cells
    ]
    if lesson:
        nb.metadata["rnn_course"] = {"lesson": lesson, "kind": "learner"}
    return nbformat.writes(nb)


def lesson01(*cells):
    return notebook(SETUP, *cells, 'check("rnn_cell", rnn_cell)')


# --- delegation, however it is prepared: each one reaches the dispatcher's wall --------------
# The batch that probed the sandbox from notebook cells (namespaces, network, /tmp, the kernel
# denial, the guard's report) is gone with issue 16: no cell runs any more, and a graded function
# cannot reach os, sockets, files or torch's internals (the allowlist refuses them), so those probes
# cannot be written as a submission (the memfd hoard in a cell too: no cell runs). The sandbox stays as defence in depth; the adversarial batch
# (test_grading_adversarial.py) checks the isolation notice, the metadata mismatch and privacy.


def test_remove_tree_goes_deep_without_recursion_and_never_follows_links(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    top = tmp_path / "tree"
    top.mkdir()
    (top / "link").symlink_to(outside)
    (top / "dirlink").symlink_to(tmp_path)
    fd = os.open(top, os.O_RDONLY)
    for _ in range(1500):  # deeper than the recursion limit, with short names
        os.mkdir("d", dir_fd=fd)
        sub = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = sub
    os.close(os.open("f", os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=fd))
    os.close(fd)
    (top / "locked").mkdir()
    (top / "locked" / "f").write_text("x")
    (top / "locked").chmod(0)
    assert remove_tree(top) and not top.exists()
    assert outside.read_text() == "keep" and tmp_path.exists()
    assert remove_tree(tmp_path / "missing")


# --- files ----------------------------------------------------------------------------------


def test_a_symlinked_submission_is_refused(tmp_path):
    key = tmp_path / "key.ipynb"
    key.write_text(lesson01(GOOD))
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "sneaky_01_rnn_cell.ipynb").symlink_to(key)
    sub = read_submission(tmp_path / "subs" / "sneaky_01_rnn_cell.ipynb")
    assert sub.invalid == "the file is a symbolic link; submit the notebook file itself"


def _foreign_folder(path):
    path.mkdir(mode=0o777)
    path.chmod(0o777)
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a folder another user owns")
def test_outputs_in_a_folder_others_may_write_are_refused_before_grading(tmp_path):
    shared = tmp_path / "shared"
    _foreign_folder(shared)
    sub = tmp_path / "x_01_rnn_cell.ipynb"
    sub.write_text(lesson01(GOOD))
    with pytest.raises(UsageError, match="may be written by other users"):
        grade([sub], out=shared / "gradebook.csv")
    with pytest.raises(UsageError, match="may be written by other users"):
        grade([sub], out=tmp_path / "g.csv", feedback=shared / "feedback")
    (tmp_path / "squatted").mkdir()
    os.chown(tmp_path / "squatted", 65534, 65534)
    with pytest.raises(UnsafeOutput, match="belongs to another user"):
        write_feedback([], tmp_path / "squatted")
    (tmp_path / "linked").symlink_to(shared)
    with pytest.raises(UnsafeOutput, match="not a folder"):
        write_feedback([], tmp_path / "linked")
    with pytest.raises(UsageError, match="is a folder"):
        (tmp_path / "dir.csv").mkdir()
        grade([sub], out=tmp_path / "dir.csv")


def test_a_folder_made_at_the_gradebook_path_loses_nothing(tmp_path):
    (tmp_path / "gradebook.csv").mkdir()
    row = Graded(read_submission(tmp_path / "none.ipynb"), status="invalid-notebook", reason="x")
    with pytest.raises(UnsafeOutput, match="it was written to") as error:
        write_gradebook([row], tmp_path / "gradebook.csv")
    spare = str(error.value).rsplit(" ", 1)[-1]
    assert os.path.isfile(spare) and "invalid-notebook" in open(spare).read()


def test_the_secret_is_made_once_kept_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("RNN_COURSE_GRADING_SECRET", raising=False)
    out = tmp_path / "gradebook.csv"
    first = secret_for(out)
    assert secret_for(out) == first and len(first) == 64
    assert stat.S_IMODE(os.stat(f"{out}.secret").st_mode) == 0o600
    assert secret_for(None) != secret_for(None)  # no gradebook: a fresh one each time
    os.chmod(f"{out}.secret", 0o644)
    with pytest.raises(UsageError, match="not a private file"):
        secret_for(out)
    monkeypatch.setenv("RNN_COURSE_GRADING_SECRET", "given")
    assert secret_for(out) == "given"


def test_the_worker_starts_isolated_from_the_current_folder(tmp_path, monkeypatch):
    """A module planted in the folder the grader runs from is never imported by the zygote."""
    marker = tmp_path / "ran"
    for name in ("sitecustomize", "usercustomize", "numpy", "rnn_course"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write('{name}')\n")
    sub = tmp_path / "subs" / "x_01_rnn_cell.ipynb"
    sub.parent.mkdir()
    sub.write_text(lesson01(GOOD))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    rows = grade([sub], limits=Limits(timeout=TIMEOUT))
    assert rows[0].total == 10 and not marker.exists()


def test_grading_works_from_a_clone_under_a_private_folder(tmp_path):
    """The course copied under a 0700 folder (a home folder): the grader either grades an honest
    notebook right or stops before grading with a clear message; never a wrong zero."""
    import rnn_course

    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    package = os.path.dirname(rnn_course.__file__)
    subprocess.run(["cp", "-r", package, str(private / "rnn_course")], check=True)
    sub = tmp_path / "x_01_rnn_cell.ipynb"
    sub.write_text(lesson01(GOOD, "import torch.nn.utils.prune\nimport rnn_course.viz"))
    code = (
        "import sys; from rnn_course.grading import grade, UsageError\n"
        f"rows = grade([{str(sub)!r}])\nprint(rows[0].total, rows[0].status, rows[0].reason)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=private,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:  # no namespaces to show the package: it must stop, and say why
        assert "SandboxUnavailable: the sandbox user cannot read" in result.stderr, result.stderr[
            -2000:
        ]
    else:
        assert result.stdout.split()[:2] == ["10", "ok"], result.stdout


def test_strict_refuses_to_grade_when_a_mechanism_is_missing(tmp_path, monkeypatch):
    from rnn_course.grading import sandbox
    from rnn_course.grading.runner import SandboxUnavailable

    monkeypatch.setattr(
        sandbox.Cgroups,
        "create",
        classmethod(lambda cls, tag: (None, "switched off for this test")),
    )
    sub = tmp_path / "x_01_rnn_cell.ipynb"
    sub.write_text(lesson01(GOOD))
    notices = []
    with pytest.raises(
        SandboxUnavailable, match="--sandbox strict: .*no cgroups \\(switched off for this test\\)"
    ):
        grade(
            [sub],
            out=tmp_path / "g.csv",
            limits=Limits(timeout=TIMEOUT, sandbox="strict"),
            notice=notices.append,
        )
    assert not (tmp_path / "g.csv").exists()
    assert any(
        "warning: weaker isolation: no cgroups" in n and "RLIMIT_AS only" in n for n in notices
    )


def test_isolation_names_what_is_weaker():
    from rnn_course.grading.sandbox import Isolation

    full = Isolation(namespaces=True, cgroups=True, own_user=True)
    assert full.weaker() == [] and "namespaces" in full.describe() and "cgroup" in full.describe()
    bare = Isolation(missing={"namespaces": "not root"})
    lines = bare.weaker()
    assert (
        len(lines) == 3
        and "no namespaces (not root): children share /tmp, /dev/shm, /proc and the network"
        in lines[0]
    )
