"""Round two of the red team: isolation per child, deny-based delegation blocking, safe files,
honest errors. One batch grading run (jobs=2) serves the notebook tests; each asserts the score,
the status and the reason. Tests of what only namespaces give are skipped, with the reason the
grader gave, where the machine has none (not root, no namespaces)."""

import csv
import os
import socket
import stat
import subprocess
import sys
import threading

import nbformat
import pytest
import torch

import rnn_course
from rnn_course.exercises import guard
from rnn_course.grading import UsageError, grade, read_submission, secret_for
from rnn_course.grading.gradebook import (
    POINTS_POSSIBLE,
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
KERNEL = "getattr(torch, 'rnn_tanh' + '_cell')"  # a computed name: the static scan does not see it
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


def if_isolated(condition, setup=""):
    """A correct rnn_cell only when ``condition`` (evaluated in a cell) holds: the score tells."""
    return lesson01(
        setup
        + f"\nISOLATED = bool({condition})\n"
        + SIGNATURE
        + f"    answer = {FORMULA}\n    return answer if ISOLATED else answer * 0\n"
    )


# --- delegation, however it is prepared: each one reaches the dispatcher's wall --------------
DELEGATION = {
    "wipes_report": lesson01(  # calls nn.RNNCell, then clears the live guard's report and tripwires
        "import sys\n"
        + SIGNATURE
        + "    cell = getattr(nn, 'RNN' + 'Cell')(x.shape[1], h.shape[1], dtype=x.dtype)\n"
        "    cell.load_state_dict(dict(weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=bias_hh))\n"
        "    try:\n        out = cell(x, h).detach()\n    except Exception:\n        out = "
        + FORMULA
        + "\n"
        "    hook = getattr(sys, 'getpro' + 'file')()\n"
        "    try:\n        hook.__self__.report.violations.clear(); hook.__self__._seen.clear()\n"
        "        hook.__self__._tripwire.seen.clear()\n    except Exception:\n        pass\n"
        "    return out"
    ),
    "jit_compilation_unit": lesson01(
        "cu = getattr(torch.jit, 'Compilation' + 'Unit')('def f(x: torch.Tensor, h: torch.Tensor, a: torch.Tensor, "
        "b: torch.Tensor, c: torch.Tensor, d: torch.Tensor):\\n    return torch.rnn_tanh_cell(x, h, a, b, c, d)\\n')\n"
        + SIGNATURE
        + "    return cu.f"
        + ARGS
    ),
    "jit_trace": lesson01(
        "traced = {}\n" + SIGNATURE + "    if 'f' not in traced:\n"
        "        traced['f'] = torch.jit.trace(lambda *a: " + KERNEL + "(*a), " + ARGS + ")\n"
        "    return traced['f']" + ARGS
    ),
    "jit_script_module": lesson01(
        "scripted = torch.jit.script(getattr(nn, 'RNN' + 'Cell')(3, 5))\n"
        + SIGNATURE
        + "    scripted.weight_ih.data, scripted.weight_hh.data = weight_ih.float(), weight_hh.float()\n"
        "    scripted.bias_ih.data, scripted.bias_hh.data = bias_ih.float(), bias_hh.float()\n"
        "    return scripted(x.float(), h.float()).double()"
    ),
    "partial_kernel": lesson01(
        "import functools\nkernel = functools.partial("
        + KERNEL
        + ")\n"
        + SIGNATURE
        + "    return kernel"
        + ARGS
    ),
    "torch_ops": lesson01(
        SIGNATURE + "    return getattr(torch.ops.aten, 'rnn_tanh' + '_cell')" + ARGS
    ),
    "subclass_in_torch_file": lesson01(  # compiled under torch's own file name, kernel run by __torch_function__
        "source = '''\nclass Sneaky(torch.Tensor):\n    @classmethod\n    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        if getattr(func, '__name__', '') == 'tanh':\n            return KERNEL(*PENDING[0])\n"
        "        return super().__torch_function__(func, types, args, kwargs or {})\n'''\n"
        "space = {'torch': torch, 'KERNEL': " + KERNEL + ", 'PENDING': []}\n"
        "exec(compile(source, torch.__file__, 'exec'), space)\n"
        + SIGNATURE
        + "    space['PENDING'][:] = ["
        + ARGS
        + "]\n"
        "    return torch.tanh(x.as_subclass(space['Sneaky'])).as_subclass(torch.Tensor)"
    ),
}

# --- the child's view of the machine (namespaces only) ---------------------------------------
ISOLATION = {
    "sees_only_itself": if_isolated(
        "[p for p in os.listdir('/pr' + 'oc') if p.isdigit()] == ['1']", "import os"
    ),
    "no_grader_command_line": if_isolated(  # no process it can see shows a submission's path
        "all(b'_01.ipynb' not in open(f'/pr' + f'oc/{p}/cmdline', 'rb').read() for p in os.listdir('/pr' + 'oc') if p.isdigit())",
        "import os",
    ),
    "no_network": if_isolated(
        "not reachable",
        "import os\nnet = __import__('so' + 'cket')\n"
        "try:\n    net.create_connection(('127.0.0.1', int(os.environ.get('PORT', PORT))), timeout=2)\n"
        "    reachable = True\nexcept OSError:\n    reachable = False",
    ),
    # a course or a Python installed under /tmp (a CI clone) is bound into the child's own /tmp, read-only
    "private_tmp": if_isolated(
        f"set(os.listdir('/tmp')) - {COURSE_UNDER_TMP!r} == {{'mine'}} and os.listdir('/dev/shm') == ['mine']",
        "import os\nopen('/tmp/mine', 'w').write('x')\nopen('/dev/shm/mine', 'w').write('x')",
    ),
    "read_only_course": if_isolated(
        "not wrote and not answer_key",
        "import os, rnn_course\nfolder = os.path.dirname(rnn_course.__file__)\n"
        "try:\n    open(os.path.join(folder, 'planted.py'), 'w').write('x')\n    wrote = True\n"
        "except OSError:\n    wrote = False\n"
        "answer_key = os.path.exists(os.path.join(os.path.dirname(folder), 'notebooks', 'solutions'))",
    ),
    "leaves_shared_memory": lesson01(
        GOOD,
        "blob = open('/dev/shm/rnn-course-leftover-test', 'wb')\nblob.write(b'x' * 1000)\nblob.close()",
    ),
    "deep_tree": lesson01(
        GOOD, "import os\nfor _ in range(1500):\n    os.mkdir('d')\n    os.chdir('d')"
    ),
}

# --- honest errors stay honest; odd exceptions are ordinary failing rows ----------------------
HONEST = {
    "recursion": lesson01(
        SIGNATURE + "    return rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"
    ),
    "str_raises": lesson01(
        "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n"
        + SIGNATURE
        + "    raise Odd()"
    ),
    "repr_raises": lesson01(
        "class Odd(Exception):\n    def __repr__(self):\n        raise RuntimeError('no')\n"
        "    __str__ = __repr__\n" + SIGNATURE + "    raise Odd()"
    ),
    "metaclass_name_raises": lesson01(
        "class Meta(type):\n    @property\n    def __name__(cls):\n        raise RuntimeError('no name')\n"
        "class Odd(Exception, metaclass=Meta):\n    pass\n" + SIGNATURE + "    raise Odd('x')"
    ),
    "exit_odd_payload": lesson01(
        "class Payload:\n    def __repr__(self):\n        raise RuntimeError('no')\n"
        "import sys\n" + SIGNATURE + "    sys.exit(Payload())"
    ),
    "swaps_argument_class": lesson01(  # the checker's comparison of its arguments then runs the learner's code
        "class Trap(torch.Tensor):\n    @classmethod\n    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        if getattr(func, '__name__', '') == 'equal':\n            raise ValueError('caught you')\n"
        "        return super().__torch_function__(func, types, args, kwargs or {})\n"
        + SIGNATURE
        + "    answer = "
        + FORMULA
        + "\n    x.__class__ = Trap\n    return answer.as_subclass(torch.Tensor)"
    ),
    "lying_class": lesson01(
        "class Liar:\n    @property\n    def __class__(self):\n        return torch.Tensor\n"
        + SIGNATURE
        + "    return Liar()"
    ),
}
MISMATCH = notebook(SETUP, GOOD, lesson="00_welcome")
AUTOGRAD_WIPE = notebook(  # lesson 08: autograd, then the live guard's report cleared
    SETUP,
    "import sys\ndef cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):\n"
    "    leaves = [t.detach().requires_grad_() for t in (x, h, weight_ih, weight_hh, bias_ih, bias_hh)]\n"
    "    a, b, wi, wh, bi, bh = leaves\n"
    "    out = torch.tanh(a @ wi.T + bi + b @ wh.T + bh)\n"
    "    grads = torch.autograd.grad(out, leaves, grad_h_next)\n"
    "    hook = getattr(sys, 'getpro' + 'file')()\n"
    "    try:\n        hook.__self__.report.violations.clear(); hook.__self__._seen.clear()\n    except Exception:\n        pass\n"
    "    return dict(zip(('x', 'h', 'weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'), grads))",
    lesson="08_backprop_through_time",
)
CASES = {
    **DELEGATION,
    **ISOLATION,
    **HONEST,
    "good": lesson01(GOOD),
    "mismatch": MISMATCH,
    "autograd_wipe": AUTOGRAD_WIPE,
}


def _accept_until_closed(listener):
    """A server on 127.0.0.1 that a networked child could reach (it must not)."""
    try:
        while True:
            listener.accept()[0].close()
    except OSError:
        pass


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("isolation")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    threading.Thread(target=_accept_until_closed, args=(listener,), daemon=True).start()
    subs = base / "subs"
    subs.mkdir()
    for name, text in CASES.items():
        (subs / f"{name}_01.ipynb").write_text(text.replace("PORT", str(listener.getsockname()[1])))
    out = base / "out" / "gradebook.csv"
    out.parent.mkdir(mode=0o700)
    notices = []
    rows = grade(
        [subs],
        out=out,
        feedback=base / "out" / "feedback",
        limits=Limits(timeout=TIMEOUT, memory_mb=512, jobs=2),
        notice=notices.append,
    )
    listener.close()
    with open(out) as handle:
        table = {
            os.path.basename(r["submission"])[:-9]: r
            for r in csv.DictReader(handle)
            if r["submission"] != POINTS_POSSIBLE
        }
    return {
        "rows": {os.path.basename(r.submission.name)[:-9]: r for r in rows},
        "table": table,
        "notices": notices,
        "out": out,
    }


def expect(batch, name, points, status, *words):
    r = batch["table"][name]
    assert (r["rnn_cell"], r["status"]) == (str(points), status), r
    for word in words:
        assert word in r["reason"], (word, r["reason"])
    assert "exited with code" not in r["reason"] and "profiling hook" not in r["reason"], r[
        "reason"
    ]


def namespaces(batch):
    if "namespaces" not in batch["rows"]["good"].isolation:
        pytest.skip("no namespaces here: " + "; ".join(batch["notices"]))


def test_the_grader_says_which_isolation_is_in_force(batch):
    assert batch["notices"][0].startswith("isolation: ") and "rlimits" in batch["notices"][0]
    assert all(n.startswith("warning: weaker isolation: ") for n in batch["notices"][1:])
    expect(batch, "good", 10, "ok")


@pytest.mark.parametrize(
    "name, words",
    [
        ("wipes_report", ["built-in RNN kernel (rnn_tanh_cell)"]),
        ("jit_compilation_unit", ["TorchScript"]),
        (
            "jit_trace",
            ["built-in RNN kernel (rnn_tanh_cell)"],
        ),  # the kernel is denied while it is traced
        ("jit_script_module", ["TorchScript"]),
        ("partial_kernel", ["built-in RNN kernel (rnn_tanh_cell)"]),
        ("torch_ops", ["built-in RNN kernel (rnn_tanh_cell)"]),
        (
            "subclass_in_torch_file",
            ["runs its own code (__torch_function__) inside a torch operation"],
        ),
    ],
)
def test_every_route_to_the_kernel_meets_the_same_wall(batch, name, words):
    expect(batch, name, 0, "ok", "must be written from scratch", *words)


@pytest.mark.parametrize(
    "name",
    ["sees_only_itself", "no_grader_command_line", "no_network", "private_tmp", "read_only_course"],
)
def test_each_child_has_its_own_view_of_the_machine(batch, name):
    namespaces(batch)
    expect(batch, name, 10, "ok")


def test_nothing_a_child_writes_outlives_it(batch):
    namespaces(batch)
    expect(batch, "leaves_shared_memory", 10, "ok")
    assert not os.path.exists("/dev/shm/rnn-course-leftover-test")
    expect(batch, "deep_tree", 10, "ok")  # its 1,500-deep tree went with its own /tmp


@pytest.mark.parametrize(
    "name, words",
    [
        ("recursion", ["RecursionError"]),
        ("str_raises", ["Odd"]),
        ("repr_raises", ["Odd"]),
        ("metaclass_name_raises", ["rnn_cell:"]),
        ("exit_odd_payload", ["rnn_cell:"]),
        ("swaps_argument_class", ["rnn_cell:"]),
        ("lying_class", ["rnn_cell:"]),
    ],
)
def test_honest_and_odd_errors_are_ordinary_failing_rows(batch, name, words):
    expect(batch, name, 0, "ok", *words)


def test_wiping_the_guards_report_after_autograd_changes_nothing(batch):
    r = batch["table"]["autograd_wipe"]
    assert (r["cell_backward"], r["status"]) == ("0", "ok"), r
    assert "cell_backward must be written from scratch, but it uses autograd" in r["reason"], r[
        "reason"
    ]


def test_a_lesson_metadata_mismatch_is_graded_by_content(batch):
    r = batch["table"]["mismatch"]
    assert (r["lesson"], r["rnn_cell"], r["status"]) == ("01_rnn_cell", "10", "ok"), r
    assert (
        "its metadata says lesson 00_welcome, but it defines the exercises of lesson 01_rnn_cell"
        in r["reason"]
    )


def test_gradebook_and_secret_are_private(batch):
    for path in (batch["out"], batch["out"].with_name("gradebook.csv.secret")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# --- the walls themselves, in this process --------------------------------------------------


def test_the_kernel_denial_covers_rnn_lstm_and_gru_by_every_route_and_reports():
    from torch import nn

    hits = []
    denial = guard.KernelDenial(guard.RECURRENT_KERNELS, hits.append, "rnn-course-deny-test")
    try:
        x = torch.randn(2, 3, 4)
        for call in (
            lambda: nn.RNN(4, 5)(x),
            lambda: nn.LSTM(4, 5)(x),
            lambda: nn.GRU(4, 5)(x),
            lambda: nn.LSTMCell(4, 5)(x[0]),
            lambda: nn.GRUCell(4, 5)(x[0]),
            lambda: nn.RNNCell(4, 5, nonlinearity="relu")(x[0]),
            lambda: torch.ops.aten.lstm_cell(
                x[0], [x[0, :, :5] * 0, x[0, :, :5] * 0], torch.randn(20, 4), torch.randn(20, 5)
            ),
        ):
            with pytest.raises(RuntimeError, match="not available inside this exercise"):
                call()
        assert denial.intact()
        assert {"rnn_tanh", "lstm", "gru", "lstm_cell", "gru_cell", "rnn_relu_cell"} <= set(hits)
    finally:
        denial.library.reset()
    assert nn.RNN(4, 5)(torch.randn(2, 3, 4))[0].shape == (2, 3, 5)  # lifted only by its holder
    assert not denial.intact()


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


def test_shared_memory_and_memfd_count_against_the_memory_limit(tmp_path):
    """Under --memory 128, a cell that holds 300 MB in a memfd (which RLIMIT_AS does not see) is
    stopped by the child's memory cgroup and reported as out of memory; /dev/shm is a small private
    tmpfs that fills up first."""
    sub = tmp_path / "hoard_01_rnn_cell.ipynb"
    sub.write_text(
        lesson01(
            GOOD,
            "import os\nshm_full = False\ntry:\n    with open('/dev/shm/big', 'wb') as f:\n"
            "        for _ in range(300):\n            f.write(b'x' * 2**20)\nexcept OSError:\n"
            "    shm_full = True\nos.remove('/dev/shm/big')\n"
            "fd = getattr(os, 'memfd' + '_create')('hoard')\nhoard = open(fd, 'wb')\nfor _ in range(300):\n    hoard.write(b'x' * 2**20)\n"
            "    hoard.flush()",
        )
    )
    notices = []
    rows = grade([sub], limits=Limits(timeout=30, memory_mb=128), notice=notices.append)
    if "cgroup" not in rows[0].isolation:
        pytest.skip("no cgroups here: " + "; ".join(notices) + rows[0].reason)
    assert (rows[0].total, rows[0].status) == (0, "memory"), rows[0].reason
    assert "ran out of memory" in rows[0].reason and "128 MB" in rows[0].reason


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
