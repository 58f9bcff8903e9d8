"""nbval runs the answer keys only, and every notebook kernel of the run is forked from a zygote.

Answer keys (``notebooks/solutions/``) keep their outputs and nbval compares them cell by cell
(strict mode, from ``addopts`` in pyproject.toml). Learner notebooks are released without outputs, so
there is nothing to compare: ``tests/test_learner_notebooks.py`` runs each of them once top to bottom
and shares the executed copy with the website's browser test, so nbval leaves them alone here.

nbval (``--nbval-current-env``) and ``rnn_course.executor`` both build their kernelspec with
``ipykernel.kernelspec.get_kernel_dict``. Each pytest process that runs tests replaces it with a
kernelspec that runs ``tests/kernel_launcher.py``, whose kernels are forked from a process that has
already imported torch and matplotlib (``tests/kernel_zygote.py`` says why, and what a forked kernel
shares with a fresh one). ``RNN_COURSE_FRESH_KERNELS=1`` keeps ordinary kernels.

The run's first process (xdist's controller, or the only one) also makes the folder where the
lessons' trainings are kept for the whole run (``tests/training_memo.py``), and removes it at the end.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

collect_ignore_glob = ["notebooks/[0-9][0-9]_*.ipynb"]

TESTS = Path(__file__).resolve().parent / "tests"
ZYGOTE_SOCKET = "RNN_COURSE_KERNEL_ZYGOTE"
TRAINING_MEMO = "RNN_COURSE_TRAINING_MEMO"  # tests/training_memo.py reads it
_zygote = {}  # its "folder", and its "process" once this process's first kernel has started it
_memo = {}  # the run's training memo "folder", in the process that made it


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # xdist's workers inherit the variable
        _memo["folder"] = tempfile.mkdtemp(prefix="rnn-course-training-")
        os.environ[TRAINING_MEMO] = _memo["folder"]
    runs_tests = hasattr(config, "workerinput") or not config.getoption("numprocesses", None)
    if not runs_tests or os.environ.get("RNN_COURSE_FRESH_KERNELS"):
        return
    import ipykernel.kernelspec

    _zygote["folder"] = tempfile.mkdtemp(prefix="rnn-course-kernels-")  # short: a socket path
    os.environ[ZYGOTE_SOCKET] = os.path.join(_zygote["folder"], "zygote.sock")  # has 107 bytes
    ordinary = ipykernel.kernelspec.get_kernel_dict

    def forked_kernel_dict(extra_arguments=None):
        spec = ordinary(extra_arguments)
        assert spec["argv"][:3] == [sys.executable, "-m", "ipykernel_launcher"], spec["argv"]
        if not _start_zygote():
            return spec
        launcher = [sys.executable, "-I", "-S", str(TESTS / "kernel_launcher.py")]
        return dict(spec, argv=launcher + spec["argv"][3:])

    ipykernel.kernelspec.get_kernel_dict = forked_kernel_dict


def _start_zygote():
    """Start this process's zygote unless it runs already; False if it could not start."""
    if "process" in _zygote:
        return _zygote["process"].poll() is None
    process = subprocess.Popen(
        [sys.executable, str(TESTS / "kernel_zygote.py"), os.environ[ZYGOTE_SOCKET]],
        stdout=subprocess.PIPE,
        env=dict(os.environ),  # what a kernel manager passes; C code may have changed the C environ
    )
    _zygote["process"] = process
    if process.stdout.readline() != b"ready\n":
        print("conftest.py: the kernel zygote did not start; kernels start fresh", file=sys.stderr)
        process.kill()
        return False
    return True


def pytest_unconfigure(config):
    if "process" in _zygote:
        _zygote["process"].kill()
        _zygote["process"].wait()
    if "folder" in _zygote:
        os.environ.pop(ZYGOTE_SOCKET, None)
        shutil.rmtree(_zygote["folder"])
    if "folder" in _memo:
        os.environ.pop(TRAINING_MEMO, None)
        shutil.rmtree(_memo["folder"])
