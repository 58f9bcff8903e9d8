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


# --- the sandbox, end to end ---------------------------------------------------------------------
# No notebook cell runs any more, and a graded function cannot reach os, sockets or files (the
# allowlist refuses them), so the sandbox cannot be probed from a submission. These tests probe it
# directly: ``run_probe`` runs a plain Python function, unchecked, in a child that enters the sandbox
# exactly as a graded function's does (same zygote, request, limits and verdict). The sandbox is the
# defence in depth behind the allowlist; each probe returns what it managed to do, once per case.

ROOT_ONLY = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="the full sandbox (namespaces, cgroups, a user per child) needs root; not root here",
)


@pytest.fixture(scope="module")
def workers():
    """One zygote for the module's end-to-end tests (a zygote start costs seconds)."""
    from rnn_course.grading.scheduler import Workers

    shared = Workers()
    yield shared
    shared.close()


def probe(workers, body, **limits):
    """(status, the values each case returned) of ``rnn_cell`` with ``body``, run unchecked."""
    from rnn_course.grading.runner import run_probe

    source = f"def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n{body}"
    limits = Limits(**{"timeout": TIMEOUT, "memory_mb": 256, **limits})
    return run_probe(source, "rnn_cell", limits, workers)


def full_sandbox(workers):
    workers.take()
    if not workers.zygote.namespaces:
        pytest.skip(f"no namespaces here: {workers.zygote.namespaces_why}")


def attempt(action):
    """A probe body that returns 'done' when ``action`` worked, else the error's class name."""
    return (
        "    import os, socket, signal, threading, time\n"
        f"    try:\n        {action}\n        return 'done'\n"
        "    except BaseException as exc:\n        return type(exc).__name__\n"
    )


def test_a_probe_runs_with_the_graded_functions_limits(workers):
    status, values = probe(workers, "    return 'ran'\n")
    assert status == "ok" and values and set(values) == {"ran"}


@ROOT_ONLY
def test_no_network_not_even_loopback(workers):
    full_sandbox(workers)
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        here = attempt(f"socket.create_connection(('127.0.0.1', {port}), timeout=1)")
        out = attempt("socket.create_connection(('192.0.2.1', 80), timeout=1)")
        for body in (here, out):
            status, values = probe(workers, body)
            assert status == "ok" and values and "done" not in values, values
    finally:
        server.close()


@ROOT_ONLY
def test_no_write_outside_its_scratch_and_no_read_of_others(workers, tmp_path):
    full_sandbox(workers)
    other = tmp_path / "subs" / "other_01_rnn_cell.ipynb"
    other.parent.mkdir()
    other.write_text("{}")
    gradebook = tmp_path / "gradebook.csv"
    gradebook.write_text("submission,total\n")
    os.chmod(tmp_path, 0o755)
    for path in (other, gradebook):
        assert set(probe(workers, attempt(f"open({str(path)!r}).read()"))[1]) == {
            "FileNotFoundError"
        }
    for path in (tmp_path / "planted", gradebook, "/usr/planted", "/planted"):
        _, values = probe(workers, attempt(f"open({str(path)!r}, 'w').write('x')"))
        assert "done" not in values, (path, values)
    assert gradebook.read_text() == "submission,total\n" and not (tmp_path / "planted").exists()
    assert set(probe(workers, attempt("open('/tmp/mine', 'w').write('x')"))[1]) == {"done"}


@ROOT_ONLY
def test_its_memory_cap_gives_status_memory(workers):
    full_sandbox(workers)
    hoard = (  # tmpfs pages count against the memory cgroup, not against RLIMIT_AS
        "    for folder in ('/tmp', '/dev/shm'):\n"
        "        for i in range(6):\n"
        "            with open(f'{folder}/f{i}', 'wb') as handle:\n"
        "                handle.write(b'x' * (15 << 20))\n"
        "    return 'survived'\n"
    )
    status, values = probe(workers, hoard, memory_mb=64, fsize_mb=32)
    assert (status, values) == ("memory", [])


def test_its_timer_gives_status_timeout(workers):
    stubborn = (  # deaf to the checker's own alarm: only the grader's wall clock stops it
        "    import signal, time\n"
        "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    while True:\n        time.sleep(0.05)\n"
    )
    assert probe(workers, stubborn, timeout=2.0) == ("timeout", [])


@ROOT_ONLY
def test_a_pid_flood_is_contained(workers):
    full_sandbox(workers)
    for action in ("os.fork()", "threading.Thread(target=time.sleep, args=(1,)).start()"):
        status, values = probe(workers, attempt(action))
        assert status == "ok" and "done" not in values, (action, values)


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
    rows = grade([sub], limits=Limits(timeout=TIMEOUT))  # a zygote of its own: it is the one probed
    assert rows[0].total == 10 and not marker.exists()


def test_grading_works_from_a_clone_under_a_private_folder(tmp_path):
    """Needs a zygote of its own: the point is the one that clone's process starts.
    The course copied under a 0700 folder (a home folder): the grader either grades an honest
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


def test_strict_refuses_to_grade_when_a_mechanism_is_missing(tmp_path, monkeypatch, workers):
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
            workers=workers,
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


def test_a_lesson_11_answer_key_scores_full_marks_with_optimizers_warmed_on_demand(
    tmp_path, workers
):
    """train_step builds a torch optimizer in the child: the zygote warms the optimizers (torch's
    dynamo import) on that job's request only, after its start. Two copies grade in full, and both
    are flagged as the course's answer key; their hidden cases are made once for the run."""
    from pathlib import Path

    key = Path(rnn_course.__file__).resolve().parents[1] / "notebooks/solutions/11_real_task.ipynb"
    for name in ("a", "b"):
        nb = nbformat.read(str(key), as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(f"student = {name!r}"))
        nbformat.write(nb, str(tmp_path / f"{name}_11_real_task.ipynb"))
    rows = grade([tmp_path], limits=Limits(timeout=60, jobs=2), workers=workers)
    assert all(r.status == "ok" and r.total == r.max_total > 0 for r in rows), [
        (r.total, r.status, r.reason) for r in rows
    ]
    assert all(any(f.startswith("answer key") for f in r.flags) for r in rows)
