"""The suite's notebook kernels, forked from one process that has already imported torch.

Every notebook the suite runs gets a kernel of its own: each answer key under nbval, and each learner
copy through ``rnn_course.executor``. In a fresh kernel most of a short lesson's time is the same
imports, every time: torch (about 1.4 s on the CI machine), ``torch._dynamo``, which torch.optim
imports at the first ``step()`` (1.3 s), matplotlib (0.5 s), and the kernel itself (0.3 s; ipykernel,
IPython and debugpy, 0.2 s of it).

``python tests/kernel_zygote.py SOCKET`` does those imports once and waits on a Unix socket. The
kernelspec the suite uses runs ``tests/kernel_launcher.py`` instead of ``-m ipykernel_launcher``:
the launcher sends its arguments, folder, environment and standard streams, and the zygote forks a
child that becomes the kernel. The child, like a fresh kernel, has:

- a process and a session of its own, started in the launcher's folder, with the launcher's
  environment and standard streams;
- a fresh IPython namespace: a notebook that forgets ``import torch`` still fails. Only the import
  itself is free, because the module is already loaded.

The zygote forks only for an environment that equals the one it imported under, apart from the
variables in ``PER_KERNEL``: torch and matplotlib read some variables (``OMP_NUM_THREADS``,
``MPLBACKEND``...) once, when imported. For any other environment it answers ``fresh`` and the
launcher starts an ordinary kernel.

One thing differs on purpose: the zygote wraps the lessons' training functions in the run's training
memo (``training_memo.py``), so that a model the run has already trained from the same inputs is put
back instead of trained again.

The root ``conftest.py`` starts one zygote per pytest process, at its first kernel, and stops it at
the end; ``RNN_COURSE_FRESH_KERNELS=1`` turns it off. JupyterLab's test server gets a zygote of its
own, started with the server's environment (``lab_support.py``). nbgrader's test and the command
line run in subprocesses start ordinary kernels, so an ordinary start stays tested.
"""

import gc
import json
import os
import signal
import socket
import sys
import threading

# Set by jupyter_client or pytest for each kernel or test; nothing imported in the zygote reads them.
PER_KERNEL = frozenset(
    {
        "JPY_PARENT_PID",
        "JPY_SESSION_NAME",
        "JPY_INTERRUPT_EVENT",
        "IPY_INTERRUPT_EVENT",
        "PYTEST_CURRENT_TEST",
    }
)
INLINE = "module://matplotlib_inline.backend_inline"  # what ipykernel sets before any cell runs
STREAMS = 3  # stdin, stdout and stderr, sent by the launcher
MAX_REQUEST = 1 << 20  # bytes: the arguments, folder and environment, as JSON


def shared_environment(env):
    """``env`` without the variables that change from one kernel to the next."""
    return {name: value for name, value in env.items() if name not in PER_KERNEL}


def serve(path):
    """Import what every kernel imports, then fork a kernel for each launcher that connects."""
    own_env = dict(os.environ)
    os.environ.setdefault("MPLBACKEND", INLINE)
    import matplotlib.pyplot  # noqa: F401
    import torch._dynamo  # noqa: F401
    import torch.optim  # noqa: F401
    from ipykernel import ipkernel, kernelapp  # noqa: F401  (the kernel's own, debugpy included)

    memo_folder = training_memo.folder()
    if memo_folder is not None:
        training_memo.install(memo_folder)  # the kernels share the run's trainings

    os.environ.clear()
    os.environ.update(own_env)
    # As the grader's zygote does (rnn_course/grading/worker.py): a kernel's garbage collector then
    # leaves alone everything made here, instead of writing to, and so copying, every page of it
    # after the fork. A forked kernel of an answer key that nothing runs took 0.4-0.5 s of CPU
    # instead of 1.4-1.6 s (benchmarks/README.md).
    gc.collect()
    gc.freeze()
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernels are reaped as they exit
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    server.settimeout(1.0)
    print("ready", flush=True)
    while os.getppid() == parent:  # stop when the pytest process that started the zygote is gone
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        request, streams = _receive(conn)
        if shared_environment(request["env"]) != shared_environment(own_env):
            conn.sendall(b"fresh\n")
            _close(conn, streams)
            continue
        pid = os.fork()
        if pid == 0:
            server.close()
            return conn, request, streams
        conn.sendall(f"{pid}\n".encode())
        _close(conn, streams)
    return None


def _receive(conn):
    """One launcher's request: (its arguments, folder and environment; its three stream fds)."""
    data, streams, _, _ = socket.recv_fds(conn, MAX_REQUEST, STREAMS)
    while not data.endswith(b"\n"):
        more = conn.recv(MAX_REQUEST)
        if not more:
            raise ConnectionError("the launcher closed the socket before its request ended")
        data += more
    return json.loads(data), streams


def _close(conn, streams):
    conn.close()
    for fd in streams:
        os.close(fd)


def become_kernel(conn, request, streams):
    """In the forked child: take the launcher's streams, folder and environment, then run ipykernel."""
    for fd, target in zip(streams, (0, 1, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    threading.Thread(target=_exit_with_launcher, args=(conn,), daemon=True).start()
    _seed_from_the_system()
    from importlib.util import find_spec

    from ipykernel import kernelapp

    sys.argv = [find_spec("ipykernel_launcher").origin, *request["argv"]]  # as -m sets it
    kernelapp.launch_new_instance(argv=request["argv"])


def _seed_from_the_system():
    """New unseeded random streams, as a fresh process gets: the zygote's were drawn once for all.

    Python's ``random`` reseeds itself after a fork; torch's and numpy's global generators do not.
    """
    import numpy
    import torch

    torch.seed()
    numpy.random.seed()


def _exit_with_launcher(conn):
    """End the kernel when its launcher ends: a killed launcher cannot pass the signal on."""
    while conn.recv(1):
        pass
    os._exit(1)


if __name__ == "__main__":
    import training_memo  # beside this file, so imported before the folder leaves sys.path

    del sys.path[0]  # this folder: a kernel must not import the tests' modules
    child = serve(sys.argv[1])
    if child is not None:
        become_kernel(*child)
