"""The untrusted side of the grader: a pre-started "zygote" and the child it forks per submission.

``ZYGOTE_COMMAND`` (``python -c ... CTRL_FD``) is started once by the grader (``runner.py``). It
imports torch (one thread), numpy, matplotlib (Agg) and the course package, then waits on the
control socket. It never computes a hidden case or an expected answer, and never sees a submission's
code: it only forks. For each request (limits, a temp folder, and one end of a fresh socket pair
passed as a file descriptor) it forks a child, answers with the child's pid, and reports exit
statuses as it reaps them.

The child (``child_main``), before any student code runs:

* starts its own session (``os.setsid``) so the grader can kill it and all it started at once;
* closes the control socket, points stdin/stdout/stderr at /dev/null, moves into the temp folder;
* sets RLIMIT_AS (its current size plus the memory allowance), RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_CORE;
* if running as root, drops to ``nobody`` (no supplementary groups) and then sets RLIMIT_NPROC to 0,
  so it can start neither processes nor threads (fork bombs fail at once, and the guard's profiling
  hook cannot be dodged by a thread or a forked helper);
* keeps private references to the checker's pieces and snapshots of their modules and classes.

Then it runs the code cells in a fresh namespace, like Jupyter (exceptions are caught per cell,
a cell over the time budget is interrupted), restores the checker's modules and ``sys`` hooks from
the snapshots, tells the grader which exercise functions exist, and only then receives the hidden
inputs (never the expected answers). It calls each function through ``run_learner`` (guard on), one
case at a time with the checker restored before each, and sends back ``Outcome.to_plain`` data: JSON
plus an ``.npz`` blob, never a pickle, each report carrying the token that came with the inputs.
"""

import builtins
import dataclasses
import gc
import io
import json
import linecache
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import types

from . import sandbox

# ---------------------------------------------------------------------------------------------
# Framing, shared with the grader: >II (json length, blob length), then the JSON, then the blob.
# ---------------------------------------------------------------------------------------------

FRAME = struct.Struct(">II")
_DEBUG = os.environ.get("RNN_COURSE_GRADER_DEBUG")


def encode_frame(meta, blob=b""):
    data = json.dumps(meta).encode("utf-8")
    return FRAME.pack(len(data), len(blob)) + data + blob


def _recv_exact(sock, size):
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock):
    json_len, blob_len = FRAME.unpack(_recv_exact(sock, FRAME.size))
    meta = json.loads(_recv_exact(sock, json_len))
    return meta, _recv_exact(sock, blob_len) if blob_len else b""


# ---------------------------------------------------------------------------------------------
# The zygote
# ---------------------------------------------------------------------------------------------


def _preload():
    """Import everything a lesson notebook needs, once, with one thread everywhere."""
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    import rnn_course.exercises  # noqa: F401  (registers the exercises; no case is ever made here)
    from rnn_course.exercises.guard import _reference_prints

    _reference_prints()  # the reference's fingerprints, taken before any learner's code could change it

    for name in _PRELOAD:
        try:
            __import__(name)
        except Exception:  # a module still being written, or absent here, must not stop the grader
            pass
    if not _world_readable(os.path.dirname(os.__file__)):
        _preload_stdlib()
    _warm_up()


def _preload_stdlib():
    """Import the standard library's modules and their direct submodules (for a Python that
    ``nobody`` cannot read, where a lazy import inside torch or importlib would fail in the child)."""
    import pkgutil

    for name in sorted(getattr(sys, "stdlib_module_names", ())):
        if name in _NEVER_PRELOAD or name.startswith("_"):
            continue
        try:
            module = __import__(name)
        except BaseException:
            continue
        for info in pkgutil.iter_modules(getattr(module, "__path__", None) or []):
            if info.name.startswith(("_", "test")) or info.name in _NEVER_PRELOAD:
                continue
            try:
                __import__(f"{name}.{info.name}")
            except BaseException:
                pass


_NEVER_PRELOAD = {
    "antigravity",
    "this",
    "idlelib",
    "tkinter",
    "turtle",
    "turtledemo",
    "ensurepip",
    "venv",
    "lib2to3",
    "pydoc_data",
    "test",
    "distutils",
    "webbrowser",
    "msilib",
    "winreg",
    "winsound",
    "msvcrt",
    "nt",
    "_winapi",
    "xxsubtype",
    "xxlimited",
    "crypt",
    "nis",
    "spwd",
    "ossaudiodev",
    "sqlite3",
    "curses",
    "readline",
    "dbm",
    "pydoc",
}


def _world_readable(path):
    """True when every folder up to ``path`` lets other users in (so ``nobody`` can import from it)."""
    path = os.path.abspath(path)
    while True:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return False
        if not mode & 0o001:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _warm_up():
    """Run the library paths lessons use once, so that their lazy imports happen here, before a
    child drops privileges (torch.testing.assert_close, for one, imports sympy on first use)."""
    import io as _io

    import matplotlib.pyplot as plt
    import torch
    import torch.nn.functional as F
    from torch import nn

    try:
        torch.manual_seed(0)
        rnn = nn.RNN(3, 4, num_layers=2, bidirectional=True, batch_first=True)
        x = torch.randn(2, 5, 3)
        out, h_n = rnn(x)
        cell = nn.RNNCell(3, 4)
        h = cell(x[:, 0])
        torch.testing.assert_close(h, h)
        (
            repr(h),
            str(x.tolist()),
            format(float(h.detach().sum()), ".4f"),
            repr(h.detach().numpy()),
        )  # tensor printing
        loss = F.cross_entropy(out.reshape(-1, 8), torch.zeros(10, dtype=torch.long)) + h.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(rnn.parameters(), 1.0)
        torch.optim.SGD(rnn.parameters(), lr=0.1).step()
        packed = nn.utils.rnn.pack_padded_sequence(x, [5, 3], batch_first=True)
        nn.utils.rnn.pad_packed_sequence(rnn(packed)[0], batch_first=True)
        fig, ax = plt.subplots(figsize=(2, 1), dpi=40)
        ax.plot([0, 1], [0, 1], label="a")
        ax.imshow([[0, 1], [1, 0]])
        ax.legend()
        ax.set_title("t")
        fig.savefig(_io.BytesIO(), format="png")
        plt.close("all")
    except Exception:  # warming up is an optimisation; a failure here shows up in the child
        pass


# Imported by the zygote so that a child, once it runs as ``nobody``, does not need to read them
# from disk: a Python installed under a private home (pyenv in /root) is unreadable to ``nobody``.
_PRELOAD = (
    "rnn_course.reference",
    "rnn_course.data",
    "rnn_course.viz",
    "rnn_course.viz.graphs",
    "rnn_course.viz.layouts",
    "rnn_course.viz.training",
    "rnn_course.viz.padding",
    "encodings.cp437",
    "encodings.idna",
    "encodings.latin_1",
    "encodings.ascii",
    "encodings.utf_16",
    "encodings.utf_32",
    "encodings.unicode_escape",
    "encodings.raw_unicode_escape",
    "zipfile",
    "math",
    "cmath",
    "random",
    "statistics",
    "fractions",
    "decimal",
    "itertools",
    "functools",
    "collections",
    "collections.abc",
    "dataclasses",
    "typing",
    "string",
    "re",
    "json",
    "time",
    "datetime",
    "copy",
    "pprint",
    "textwrap",
    "enum",
    "abc",
    "contextlib",
    "operator",
    "heapq",
    "bisect",
    "array",
    "struct",
    "pathlib",
    "tempfile",
    "csv",
    "warnings",
    "inspect",
    "traceback",
    "gc",
    "weakref",
    "numbers",
    "hashlib",
    "base64",
    "zlib",
    "gzip",
    "shutil",
    "glob",
    "fnmatch",
    "unicodedata",
    "locale",
    "difflib",
    "timeit",
    "queue",
    "uuid",
    "secrets",
    "html",
    "urllib.parse",
    "logging",
    "argparse",
    "platform",
    "unittest",
    "doctest",
    "pickle",
    "io",
    "types",
    "torch.testing",
    "torch.nn.functional",
    "torch.nn.utils",
    "torch.nn.utils.rnn",
    "torch.optim",
    "torch.utils.data",
    "torch.autograd",
    "torch.distributions",
    "numpy.testing",
    "numpy.linalg",
    "numpy.random",
    "matplotlib.colors",
    "matplotlib.cm",
    "matplotlib.ticker",
    "matplotlib.patches",
    "matplotlib.animation",
    "matplotlib.gridspec",
    "matplotlib.lines",
    "matplotlib.collections",
    "matplotlib.backends.backend_agg",
    "IPython.display",
)


_READ_ONLY = ()  # what a child's new root shows read-only (sandbox.read_only_paths), set by the zygote


def zygote_main(ctrl_fd, probe_dir=None):
    global _READ_ONLY
    ctrl = socket.socket(fileno=ctrl_fd)
    _preload()
    from rnn_course.exercises import guard

    guard.trust_loaded_code()
    _READ_ONLY = tuple(
        sandbox.read_only_paths({k: v for k, v in sys.modules.items() if k != "__main__"})
    )
    namespaces, why = _probe_namespaces(probe_dir)
    ctrl.sendall(
        json.dumps(
            {
                "ready": True,
                "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "namespaces": namespaces,
                "why": why,
            }
        ).encode()
    )
    while True:
        _reap(ctrl)
        readable, _, _ = select.select([ctrl], [], [], 0.05)
        if not readable:
            continue
        try:
            msg, fds, _, _ = socket.recv_fds(ctrl, 65536, 2)
        except OSError:
            break
        if not msg:
            break
        request = json.loads(msg)
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            ctrl.sendall(json.dumps({"job": request["job"], "error": "no channel"}).encode())
            continue
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            ctrl.sendall(
                json.dumps(
                    {"job": request["job"], "error": f"fork failed: {exc.strerror}"}
                ).encode()
            )
            continue
        if pid == 0:  # the child: never returns into the zygote's loop
            code = 70
            try:
                ctrl.close()
                code = child_main(fds[0], fds[1], request)
            except BaseException:
                code = 70
                if _DEBUG:  # for developing the grader: where the trusted side of a child failed
                    import traceback

                    with open(f"{_DEBUG}.{os.getpid()}", "w") as handle:
                        traceback.print_exc(file=handle)
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        ctrl.sendall(json.dumps({"job": request["job"], "pid": pid}).encode())
    deadline = (
        time.monotonic() + 3.0
    )  # the grader has killed every child: report their ends, then go
    while time.monotonic() < deadline and _reap(ctrl):
        time.sleep(0.02)


def _probe_namespaces(probe_dir):
    """(True, "") when a child can enter the sandbox's namespaces here; else (False, why)."""
    possible, why = sandbox.namespaces_possible()
    if not possible or not probe_dir:
        return False, why or "no folder to probe with"
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_end)
            sandbox.enter({"mountpoint": probe_dir, "read_only": _READ_ONLY, "tmp_mb": 1})
            code = 0 if os.getpid() == 1 and os.path.isdir("/proc/self") else 1
        except BaseException as exc:
            try:
                os.write(write_end, str(exc)[:200].encode("utf-8", "replace"))
            except BaseException:
                pass
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        message = handle.read(400).decode("utf-8", "replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return False, message or "a test child could not enter them"
    return True, ""


def _reap(ctrl):
    """Report every child that ended; False once there are no children left."""
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True
        report = {
            "exit": pid,
            "code": os.waitstatus_to_exitcode(status),
            "maxrss_kb": usage.ru_maxrss,
        }
        try:
            ctrl.sendall(json.dumps(report).encode())
        except OSError:
            return False


# ---------------------------------------------------------------------------------------------
# The child
# ---------------------------------------------------------------------------------------------


class _CellTimeout(BaseException):
    """Raised in a cell that runs past the time budget for the notebook's cells."""


def _vm_size_bytes():
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _isolate(request):
    """Session, stdio, folder, limits, privileges: everything before the first student line."""
    os.setsid()
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over RLIMIT_FSIZE: a write fails, nothing dies
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    workdir = request["workdir"]
    box = request.get("sandbox") or {}
    if box.get("cgroups"):
        sandbox.join_cgroups(box["cgroups"])  # before the fork into the new pid namespace
    if box.get("namespaces"):
        sandbox.enter({"mountpoint": workdir, "read_only": _READ_ONLY, "tmp_mb": box["tmp_mb"]})
        workdir = "/tmp"  # the child's own tmpfs, in its own root
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.update(
        {"HOME": workdir, "TMPDIR": workdir, "MPLCONFIGDIR": workdir, "MPLBACKEND": "Agg"}
    )

    limits = request["limits"]
    memory = _vm_size_bytes() + int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    fsize = int(limits["fsize_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    if os.geteuid() == 0 and request.get("uid") is not None:
        uid = int(request["uid"])
        if request.get("own_uid") is not None and box.get("namespaces"):
            uid = int(request["own_uid"])  # its /tmp is its own tmpfs: nothing to hand over
        elif request.get("own_uid") is not None:
            # A user of its own, which no other child shares: it can neither signal the other
            # submissions' processes (kill(-1, ...) as nobody would) nor enter their folders.
            try:
                os.chown(workdir, int(request["own_uid"]), int(request["gid"]))
                uid = int(request["own_uid"])
            except OSError:
                pass  # a user namespace that does not map that user: nobody, shared
        os.setgroups([])
        os.setgid(int(request["gid"]))
        os.setuid(uid)
    # No new processes or threads from here on (not enforced for root: see the module docstring).
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    sys.addaudithook(_refuse_audit_hooks)


def _refuse_audit_hooks(event, args):
    """An audit hook cannot be removed, so a learner's would run inside the checker's own code."""
    if event == "sys.addaudithook":
        raise RuntimeError("audit hooks are not available while grading")


class _Checker:
    """Private references to the checker, taken before student code runs, and a way to put the
    checker's modules, classes and functions back exactly as they were."""

    def __init__(self):
        import numpy as np

        from rnn_course.exercises import core, guard, plain, registry

        self.np = np
        import torch.overrides

        self.torch_C = torch._C
        self.function_state = torch._C._get_torch_function_state()
        self.gc_callbacks = list(gc.callbacks)
        self.graveyard = []
        self.signals = {}
        for sig in signal.valid_signals():
            try:
                self.signals[sig] = signal.getsignal(sig)
            except (OSError, ValueError):
                pass
        self.modules = [
            core,
            registry,  # Exercise, Case and Mistake live here: their classes are put back too
            guard,
            plain,
            sys.modules[__name__],
            torch.overrides,
        ] + _reporting_modules()
        self.run_learner = core.run_learner
        self.Exercise = core.Exercise
        self.Case = core.Case
        self.Outcome = core.Outcome
        self.from_plain = plain.from_plain
        self.guard = guard
        self.walls = []  # the grader's walls (TorchScript blocked...), put back after every restore
        self.Tripwire = guard.KernelTripwire  # the guard's own, held privately as a second tripwire
        self.classes_extra = [self.Tripwire]
        self.setprofile, self.settrace = sys.setprofile, sys.settrace
        self.sys_snapshot = {
            "setprofile": sys.setprofile,
            "getprofile": sys.getprofile,
            "settrace": sys.settrace,
            "gettrace": sys.gettrace,
        }
        self.builtins = dict(builtins.__dict__)
        self.module_dicts = [(m, dict(m.__dict__)) for m in self.modules]
        self.classes = [(cls, dict(vars(cls))) for cls in self.classes_extra]
        self.functions = []
        for cls in self.classes_extra:
            for member in vars(cls).values():
                self._keep_function(member)
        for module in self.modules:
            for value in list(vars(module).values()):
                if isinstance(value, type) and value.__module__ == module.__name__:
                    self.classes.append((value, dict(vars(value))))
                    for member in vars(value).values():
                        self._keep_function(member)
                else:
                    self._keep_function(value)

    def _keep_function(self, value):
        fn = getattr(value, "__func__", value)
        if isinstance(fn, types.FunctionType):
            self.functions.append((fn, fn.__code__, fn.__defaults__, fn.__kwdefaults__))

    def restore(self):
        # No learner's timer or signal handler may fire while the checker is put back, nor the cyclic
        # garbage collector (off once the cells ran: a learner's __del__ could run inside the checker);
        # everything restoring removes is kept alive, so that no __del__ runs after this either.
        for timer in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
            signal.setitimer(timer, 0)
        gc.disable()
        self.graveyard.append(
            (
                dict(builtins.__dict__),
                [dict(m.__dict__) for m, _ in self.module_dicts],
                [dict(vars(c)) for c, _ in self.classes],
                [(fn.__defaults__, fn.__kwdefaults__) for fn, _, _, _ in self.functions],
            )
        )
        current = builtins.__dict__  # first, so that what follows uses the real builtins
        for key in [k for k in current if k not in self.builtins]:
            del current[key]
        current.update(self.builtins)
        sys.__dict__.update(self.sys_snapshot)
        self.settrace(None)
        self.setprofile(None)
        for module, snapshot in self.module_dicts:
            namespace = module.__dict__
            for key in [k for k in namespace if k not in snapshot]:
                del namespace[key]
            namespace.update(snapshot)
        for cls, snapshot in self.classes:
            for key in [k for k in list(vars(cls)) if k not in snapshot]:
                try:
                    delattr(cls, key)
                except (AttributeError, TypeError):
                    pass
            for key, value in snapshot.items():
                if key in ("__dict__", "__weakref__") or vars(cls).get(key) is value:
                    continue
                try:
                    setattr(cls, key, value)
                except (AttributeError, TypeError):
                    pass
        for fn, code, defaults, kwdefaults in self.functions:
            fn.__code__, fn.__defaults__, fn.__kwdefaults__ = code, defaults, kwdefaults
        # torch's override machinery as it was: no function or dispatch mode left on its stacks (the
        # tripwire included), overrides switched on; no learner's signal handler, timer or gc callback
        # left to run learner's code in the middle of the checker's.
        C = self.torch_C
        for _ in range(C._len_torch_function_stack()):
            C._pop_torch_function_stack()
        for _ in range(C._len_torch_dispatch_stack()):
            C._pop_torch_dispatch_stack(None)
        C._set_torch_function_state(self.function_state)
        for sig, handler in self.signals.items():
            if signal.getsignal(sig) is not handler and handler is not None:
                try:
                    signal.signal(sig, handler)
                except (OSError, ValueError, TypeError):
                    pass
        gc.callbacks[:] = self.gc_callbacks
        for wall in self.walls:
            wall()


def _reporting_modules():
    """The modules the child's reporting path runs (JSON, framing, .npz writing, tensor to numpy),
    restored with the checker's, so that a patch to them cannot rewrite what the child reports."""
    import json.decoder  # noqa: F401  (imported so that sys.modules holds them; named below)
    import json.encoder  # noqa: F401
    import zipfile  # noqa: F401

    import numpy as np
    import torch._tensor  # noqa: F401

    def home(fn):  # the module a numpy function is written in (numpy.lib._npyio_impl...)
        return getattr(getattr(fn, "__wrapped__", fn), "__globals__", {}).get("__name__", "numpy")

    names = [
        "json",
        "json.encoder",
        "json.decoder",
        "struct",
        "io",
        "dataclasses",
        "contextlib",
        "socket",
        "zipfile",
        "numpy",
        home(np.savez),
        home(np.lib.format.write_array),
        "torch._tensor",
    ]
    return [sys.modules[name] for name in dict.fromkeys(names) if name in sys.modules]


def _send(chan, meta, blob=b""):
    chan.sendall(encode_frame(meta, blob))


def _type_name(obj_or_type):
    """A class's own name, without running any code its author wrote (a metaclass ``__name__``)."""
    cls = obj_or_type if isinstance(obj_or_type, type) else type(obj_or_type)
    try:
        name = type.__dict__["__name__"].__get__(cls, type)
    except BaseException:
        return "?"
    return name if type(name) is str else "?"


def _error_name(exc):
    if isinstance(exc, (MemoryError, RecursionError)):
        return _type_name(exc)
    if isinstance(exc, RuntimeError) and type(exc) is RuntimeError:  # torch's allocator errors
        try:
            if "alloc" in BaseException.__str__(exc).lower():
                return "MemoryError"
        except BaseException:
            pass
    return _type_name(exc)[:60]


def _run_cells(chan, cells, budget):
    """Run the code cells in order in a fresh namespace; report each one's fate; return the namespace."""
    # Jupyter gives every notebook display(); here it shows nothing.
    namespace = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "display": lambda *args, **kwargs: None,
    }

    def on_alarm(signum, frame):
        raise _CellTimeout()

    deadline = time.monotonic() + budget
    for number, source in cells:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _send(chan, {"kind": "cell", "cell": number, "error": "skipped"})
            continue
        _send(chan, {"kind": "start", "cell": number})
        filename = f"<cell {number}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        error = None
        try:
            try:
                signal.signal(signal.SIGALRM, on_alarm)
                signal.setitimer(signal.ITIMER_REAL, remaining)
                exec(compile(source, filename, "exec"), namespace)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _CellTimeout:
            error = "timeout"
        except BaseException as exc:  # like Jupyter: show the error, keep going (SystemExit too)
            error = _error_name(exc)
        _close_figures()
        _send(chan, {"kind": "cell", "cell": number, "error": error})
    return namespace


def _close_figures():
    try:
        import matplotlib.pyplot as plt

        plt.close("all")
    except BaseException:
        pass


def _deferred_check(exercise_id, fn, timeout=None):
    """Stands in for ``check`` while grading: the grader checks every exercise itself, afterwards."""
    return None


def _hidden(self):
    raise RuntimeError("the hidden cases are not available while grading")


def _defer_checks():
    """The notebook's own check cells do nothing while grading: they would run the learner's
    function early, and make the hidden cases and expected answers inside the untrusted process."""
    import rnn_course.exercises as exercises
    from rnn_course.exercises import core

    exercises.check = core.check = _deferred_check
    core.Exercise.cases = _hidden


_WORD = __import__("re").compile(r"[A-Za-z_][A-Za-z0-9_.:]{0,79}")
_write = (
    os.write
)  # the checker's own reference (this module's names are restored before every case)


def _event_sink(fd):
    """The guard's line to the grader: ``v KIND NAME`` for each violation, written at once to a
    pipe the child can only write to (it holds no read end), so that nothing can take it back."""
    write, fullmatch = os.write, _WORD.fullmatch

    def word(text):
        return text if type(text) is str and fullmatch(text) else "?"

    def sink(kind, name):
        write(fd, f"v {word(kind)} {word(name)}\n".encode())

    return sink


def child_main(chan_fd, events_fd, request):
    chan = socket.socket(fileno=chan_fd)
    chan.setblocking(True)
    started = time.perf_counter()
    _isolate(request)
    isolate_ms = (time.perf_counter() - started) * 1000
    _defer_checks()
    from rnn_course.exercises import guard

    sink = _event_sink(events_fd)
    guard.set_event_sink(sink)  # before the checker's snapshot: restoring it keeps the sink
    checker = _Checker()
    job, _ = recv_frame(chan)
    np = checker.np

    import matplotlib.pyplot as plt

    plt.show = lambda *args, **kwargs: None
    namespace = _run_cells(chan, [tuple(c) for c in job["cells"]], float(job["cell_budget"]))

    gc.collect()  # learners' objects in garbage cycles die now, before the checker is restored
    checker.restore()
    functions = {}
    for exercise_id in job["exercises"]:
        value = namespace.get(exercise_id)
        functions[exercise_id] = (
            "missing" if value is None else "ok" if callable(value) else "not_callable"
        )
    _send(chan, {"kind": "ready", "functions": functions})

    inputs, blob = recv_frame(chan)  # hidden inputs, only now that no cell will run again
    token = inputs.pop(
        "token", None
    )  # the grader takes reports only with it: a frame forged by code
    # that writes to this socket while a function runs, without reading this process's memory, is refused
    with np.load(io.BytesIO(blob), allow_pickle=False) as loaded:
        arrays = {key: loaded[key] for key in loaded.files}
    blockers = checker.guard.torchscript_blockers(lambda name: sink("jit", name))
    checker.walls.append(lambda: checker.guard.block_torchscript(blockers))
    denial = None
    # Exercises that may use torch's RNN run first: the kernels' denial, once in place, stays.
    for spec in sorted(
        inputs["exercises"], key=lambda spec: bool(spec["fields"].get("forbid_rnn"))
    ):
        fn = namespace.get(spec["id"])
        if not callable(fn):
            continue
        checker.restore()
        _send(chan, {"kind": "exercise", "id": spec["id"]})
        _write(events_fd, f"x {token} {spec['id']}\n".encode())
        known = {f.name for f in dataclasses.fields(checker.Exercise)}
        settings = {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in spec["fields"].items()
            if k in known
        }
        exercise = checker.Exercise(make_cases=list, **settings)
        cases = [checker.Case(checker.from_plain(meta, arrays), None, "") for meta in spec["cases"]]
        budget = min(float(exercise.timeout), float(job["function_budget"]))
        ops = checker.guard.denied_kernels(exercise)
        if ops and denial is None:
            try:
                denial = checker.guard.KernelDenial(
                    ops, lambda op: sink("rnn_kernel", op), f"rnn-course-deny-{token}"
                )
            except (
                BaseException
            ):  # fail closed: no function meets the hidden cases without the wall
                outcomes = [
                    checker.Outcome(
                        error="exception",
                        detail="the grader could not prepare this check (its "
                        "notebook changed something the checker needs)",
                    )
                ]
                _send_outcomes(chan, checker, spec["id"], outcomes, token)
                continue
        outcomes = _run_cases(checker, exercise, fn, cases, budget, denial if ops else None)
        _send_outcomes(chan, checker, spec["id"], outcomes, token)
    _write(events_fd, f"end {token}\n".encode())
    _send(
        chan,
        {"kind": "done", "private_kb": _private_kb(), "isolate_ms": isolate_ms, "token": token},
    )
    return 0


def _send_outcomes(chan, checker, exercise_id, outcomes, token):
    out_arrays, plain = {}, []
    for outcome in outcomes:
        try:
            plain.append(outcome.to_plain(out_arrays))
        except BaseException:
            plain.append(
                checker.Outcome(error="exception", detail="its answer could not be read").to_plain(
                    {}
                )
            )
    buffer = io.BytesIO()
    checker.np.savez(buffer, **out_arrays)
    _send(
        chan,
        {"kind": "outcomes", "id": exercise_id, "outcomes": plain, "token": token},
        buffer.getvalue(),
    )


def _run_cases(checker, exercise, fn, cases, budget, denial=None):
    """``run_learner`` one case at a time, the checker restored before each: a call cannot patch the
    guard for the next one. ``budget`` seconds for all the cases together; stops at the first error.
    Whatever the function raises, returns or does to its arguments ends as an Outcome."""
    outcomes, deadline = [], time.monotonic() + budget
    for case in cases:
        checker.restore()
        tripwire = checker.Tripwire() if exercise.forbid_rnn else None
        try:
            if tripwire is not None:
                tripwire.__enter__()  # taken off again by restore(), whatever the function did to the stack
            got = checker.run_learner(
                exercise, fn, [case], timeout=max(0.001, deadline - time.monotonic())
            )
        except (
            BaseException
        ) as exc:  # the checker itself tripped on what the function raised or returned
            checker.restore()
            got = [checker.Outcome(error="exception", detail=_undescribable(exc))]
        finally:
            checker.restore()
        for name in getattr(tripwire, "seen", ()):
            got = [
                dataclasses.replace(o, violations=tuple(o.violations) + (("rnn_kernel", name),))
                for o in got
            ]
        if denial is not None and not denial.intact():
            got = [
                dataclasses.replace(
                    o, violations=tuple(o.violations) + (("overrides", "dispatcher"),)
                )
                for o in got
            ]
            checker.guard._emit("overrides", "dispatcher")
        outcomes += got
        if not got or got[-1].error:
            break
    return outcomes


_CONTEXT = BaseException.__dict__["__context__"]


def _undescribable(exc):
    """A description of an error that may not be looked at (its message, repr or class name may run
    the learner's code): the class's own name of the exception the learner raised first (the one
    the checker tripped on while describing it), or the checker's own timeout."""
    for _ in range(8):  # from the checker's error back to the learner's own
        try:
            context = _CONTEXT.__get__(exc)
        except BaseException:
            break
        if not isinstance(context, BaseException):
            break
        exc = context
    name = _type_name(exc)
    if name == "LearnerTimeout":
        return "it did not finish in time"
    return (
        f"{name}: an exception whose message could not be read (its __str__ or __repr__ failed), or an "
        "answer or argument the checker could not read (a changed __class__?)"
    )


def _private_kb():
    """This process's private memory (not shared with the zygote), for the benchmark only."""
    try:
        with open("/proc/self/smaps_rollup") as handle:
            return sum(
                int(line.split()[1])
                for line in handle
                if line.startswith(("Private_Clean:", "Private_Dirty:"))
            )
    except (OSError, ValueError, IndexError):
        return None


ZYGOTE_COMMAND = (
    "import sys; from rnn_course.grading.worker import zygote_main; "
    "zygote_main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)"
)
