"""A kernel forked from the zygote (tests/kernel_zygote.py) behaves as a fresh kernel does.

Each test runs a small notebook through ``rnn_course.executor``, the executor the suite's learner
notebooks use, once with the kernel the suite gives it (forked) and, where it compares, once with an
ordinary kernel: an empty ``RNN_COURSE_KERNEL_ZYGOTE`` makes the launcher start one.
"""

import os
import time

import nbformat
import pytest

from rnn_course.executor import NotebookError, execute_notebook

pytestmark = pytest.mark.skipif(
    not os.environ.get("RNN_COURSE_KERNEL_ZYGOTE"),
    reason="RNN_COURSE_FRESH_KERNELS is set, so this run's kernels are not forked",
)

LOADED = "import sys\nprint('torch' in sys.modules)"  # before the notebook imports it
# What a notebook sees of its process, printed one fact per line.
PROBE = """\
import os, sys
import matplotlib, torch
print("folder", os.getcwd())
print("path", sys.path)
print("argv[0]", sys.argv[0])
print("backend", matplotlib.get_backend())
print("threads", torch.get_num_threads())
print("session leader", os.getsid(0) == os.getpid())
print("environment", sorted(k for k in os.environ if k not in ("JPY_PARENT_PID", "PYTEST_CURRENT_TEST")))
manager = os.environ["JPY_PARENT_PID"]  # the process that started the kernel, or its launcher
print("streams", all(os.readlink(f"/proc/self/fd/{fd}") == os.readlink(f"/proc/{manager}/fd/{fd}") for fd in (1, 2)))
"""
FIGURE = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"


def run(*sources, folder):
    """The executed notebook of one code cell per source, run in ``folder``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return execute_notebook(nb, "probe", folder, timeout=60)


def printed(cell):
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


def fresh(monkeypatch):
    monkeypatch.setenv("RNN_COURSE_KERNEL_ZYGOTE", "")  # the launcher starts an ordinary kernel


def test_a_forked_kernel_has_torch_loaded_and_a_fresh_namespace(tmp_path):
    names = "print('torch' in dir(), 'serve' in dir())"  # serve: a name of the zygote's own module
    nb = run(LOADED, names, folder=tmp_path)
    assert printed(nb.cells[0]) == "True\n", "this kernel was not forked from the zygote"
    assert printed(nb.cells[1]) == "False False\n"


def test_a_forked_kernel_sees_what_a_fresh_one_sees(tmp_path, monkeypatch):
    forked = run(LOADED, PROBE, FIGURE, folder=tmp_path)
    fresh(monkeypatch)
    ordinary = run(LOADED, PROBE, FIGURE, folder=tmp_path)
    assert (printed(forked.cells[0]), printed(ordinary.cells[0])) == ("True\n", "False\n")
    assert printed(forked.cells[1]) == printed(ordinary.cells[1])
    assert f"folder {tmp_path}\n" in printed(forked.cells[1])
    assert "streams True" in printed(forked.cells[1])
    figures = [
        [sorted(o.get("data", {})) for o in nb.cells[2].outputs] for nb in (forked, ordinary)
    ]
    assert figures[0] == figures[1] == [["image/png", "text/plain"]]


def test_a_forked_kernel_keeps_its_trainings_in_the_run_s_memo(tmp_path):
    wrapped = (
        "from rnn_course import gating, seq2seq\n"
        "print(hasattr(gating.train_remember_first, '__wrapped__'), hasattr(seq2seq.train, '__wrapped__'))"
    )
    expected = "True True\n" if os.environ.get("RNN_COURSE_TRAINING_MEMO") else "False False\n"
    assert printed(run(wrapped, folder=tmp_path).cells[0]) == expected


def test_two_forked_kernels_draw_different_unseeded_numbers(tmp_path):
    draw = "import random, numpy, torch\nprint(random.random(), numpy.random.rand(), torch.rand(1).item())"
    first, second = (printed(run(draw, folder=tmp_path).cells[0]).split() for _ in range(2))
    assert all(a != b for a, b in zip(first, second)), (first, second)


def test_a_name_the_notebook_never_defined_still_fails(tmp_path):
    with pytest.raises(NotebookError, match="NameError"):
        run("torch.zeros(1)", folder=tmp_path)


def test_an_interrupt_reaches_a_forked_kernel(tmp_path):
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, start_new_kernel  # nbval's, as for a key

    km, kc = start_new_kernel(kernel_name=CURRENT_ENV_KERNEL_NAME, cwd=str(tmp_path))
    try:
        kc.execute(SLEEPER)
        assert _next_print(kc) == "started\n"
        km.interrupt_kernel()
        assert _next_print(kc) == "interrupted\n"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


SLEEPER = """\
import time
try:
    print("started", flush=True)  # inside the try: an interrupt may come as soon as it shows
    time.sleep(60)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def _next_print(kc, timeout=20):
    """The text of the kernel's next stdout message."""
    while True:
        message = kc.get_iopub_msg(timeout=timeout)
        if message["msg_type"] == "stream":
            return message["content"]["text"]


def test_a_stopped_launcher_takes_its_kernel_with_it(tmp_path):
    nb = run("import os\nprint(os.getpid())", folder=tmp_path)  # the executor kills the launcher
    pid = int(printed(nb.cells[0]))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"the forked kernel {pid} still runs 10 s after its launcher was killed")
