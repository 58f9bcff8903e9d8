"""The untrusted side of the grader: a pre-started "zygote" and the child it forks per job.

``scheduler.ZYGOTE_COMMAND`` is started once per run (``scheduler.Workers``). It imports torch (one thread),
numpy and the allowlist's modules, calls ``gc.collect(); gc.freeze()`` so that no child's collector
walks the heap they share, and waits on its control socket. It never sees a hidden case, an expected
answer or a submission's code: it only forks. For each request (limits, a temp folder, one end of a
fresh socket pair passed as a file descriptor) it forks a child, answers with the child's pid, and
reports exit statuses as it reaps them.

The child (``child_main``), before any student code runs, enters the sandbox (``_isolate``: its own
session, stdio on /dev/null, cgroups and namespaces where there are, rlimits, a user of its own as
root, then RLIMIT_NPROC 0: no new processes or threads). Then it compiles each exercise's Program
alone, in globals that hold only the allowlisted names (``allowlist.load_program``), says which
functions exist (``Ready``), receives the hidden inputs (never the answers), runs each function
through ``run_learner`` and sends back ``Outcome.to_plain`` data (``protocol``: JSON plus ``.npz``,
never a pickle), each report carrying the token that came with the inputs.
"""

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
import sys
import time

from . import sandbox
from .protocol import Done, Outcomes, Ready, Started, recv_frame

_DEBUG = os.environ.get("RNN_COURSE_GRADER_DEBUG")


# ---------------------------------------------------------------------------------------------
# The zygote
# ---------------------------------------------------------------------------------------------


def _preload():
    """Import what a graded function can reach, once, with one thread everywhere."""
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    import rnn_course.allowlist as allowlist
    import rnn_course.exercises  # noqa: F401  (registers the exercises; no case is ever made here)

    allowlist.program_globals("")  # imports every module a graded function can be given
    for name in _PRELOAD:
        __import__(name)
    _warm_up()


def _preload_stdlib():
    """Import the standard library's modules and their direct submodules (for a Python that
    ``nobody`` cannot read, where a lazy import inside torch or importlib would fail in a child
    that has no root of its own to show it)."""
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


_NEVER_PRELOAD = frozenset(
    "antigravity this idlelib tkinter turtle turtledemo ensurepip venv lib2to3 pydoc_data test "
    "distutils webbrowser msilib winreg winsound msvcrt nt _winapi xxsubtype xxlimited crypt nis "
    "spwd ossaudiodev sqlite3 curses readline dbm pydoc".split()
)


def _warm_up():
    """Run the torch paths the exercises use once, so that their lazy imports happen here, before a
    child drops privileges. Not the optimizers: see ``_warm_optimizers``."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    try:
        torch.manual_seed(0)
        rnn = nn.RNN(3, 4, num_layers=2, bidirectional=True, batch_first=True)
        x = torch.randn(2, 5, 3)
        out, h_n = rnn(x)
        h = nn.RNNCell(3, 4)(x[:, 0])
        repr(h), str(x.tolist()), repr(h.detach().numpy())  # tensor printing
        loss = F.cross_entropy(out.reshape(-1, 8), torch.zeros(10, dtype=torch.long)) + h.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(rnn.parameters(), 1.0)
        packed = nn.utils.rnn.pack_padded_sequence(x, [5, 3], batch_first=True)
        nn.utils.rnn.pad_packed_sequence(rnn(packed)[0], batch_first=True)
    except Exception:  # warming up is an optimisation; a failure here shows up in the child
        pass


def _warm_optimizers():
    """A torch optimizer's first use imports torch._dynamo and sympy: about half the zygote's start."""
    import torch

    try:
        weight = torch.zeros(2, requires_grad=True)
        torch.optim.SGD([weight], lr=0.1).step()
        torch.optim.Adam([weight], lr=0.1).step()
    except Exception:  # as in _warm_up
        pass


def _warm_on_demand(request):
    """What only some runs need, done once, before the first fork that needs it, then the heap
    frozen again: torch's optimizers on the grader's hint (``Zygote.warm_optimizers``) or for a job
    whose exercise takes one (``Job.optimizers``: train_step); the standard library for a child
    without namespaces when ``nobody`` cannot read it. A run that needs neither never pays."""
    needed = [_warm_optimizers] if request.get("optimizers") else []
    if "job" in request and not (request.get("sandbox") or {}).get("namespaces"):
        if not sandbox.world_readable(os.path.dirname(os.__file__)):
            needed.append(_preload_stdlib)
    todo = [warm for warm in needed if warm not in _WARMED]
    for warm in todo:
        warm()
        _WARMED.add(warm)
    if todo:
        _freeze()


def _freeze():
    """Freeze the heap (the children's collector never walks what they share with the zygote) and
    note what a child's new root must show read-only: every module imported so far."""
    global _READ_ONLY
    gc.collect()
    gc.freeze()
    modules = {k: v for k, v in sys.modules.items() if k != "__main__"}
    _READ_ONLY = tuple(sandbox.read_only_paths(modules))


# Imported by the zygote so that a child, once it runs as ``nobody``, does not need to read them
# from disk (a Python installed under a private home is unreadable to ``nobody``).
_PRELOAD = (
    "encodings.idna encodings.latin_1 encodings.ascii encodings.utf_16 encodings.utf_32 zipfile "
    "torch.testing torch.nn.functional torch.nn.utils torch.nn.utils.rnn torch.optim torch.autograd "
    "numpy.testing numpy.linalg".split()
)


_READ_ONLY = ()  # what a child's new root shows read-only (sandbox.read_only_paths), set by the zygote
_WARMED = set()  # the _warm_on_demand steps done


def zygote_main(ctrl_fd, probe_dir=None):
    ctrl = socket.socket(fileno=ctrl_fd)
    _preload()
    _freeze()
    namespaces, why = _probe_namespaces(probe_dir)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _send(ctrl, ready=True, rss_kb=rss_kb, namespaces=namespaces, why=why)
    while True:
        _reap(ctrl)
        readable, _, _ = select.select([ctrl], [], [], 0.05)
        if not readable:
            continue
        try:
            msg, fds, _, _ = socket.recv_fds(ctrl, 65536, 1)
        except OSError:
            break
        if not msg:
            break
        request = json.loads(msg)
        _warm_on_demand(request)
        if "job" in request:  # else only the hint to warm the optimizers now
            _fork_child(ctrl, request, fds)
        for fd in fds:
            os.close(fd)
    deadline = time.monotonic() + 3.0  # the grader has killed every child: report their ends
    while time.monotonic() < deadline and _reap(ctrl):
        time.sleep(0.02)


def _send(ctrl, **report):
    ctrl.sendall(json.dumps(report).encode())


def _fork_child(ctrl, request, fds):
    """Fork the job's child on its channel ``fds[0]``; report its pid, or why there is none."""
    if len(fds) != 1:
        return _send(ctrl, job=request["job"], error="no channel")
    try:
        pid = os.fork()
    except OSError as exc:
        return _send(ctrl, job=request["job"], error=f"fork failed: {exc.strerror}")
    if pid == 0:  # the child: never returns into the zygote's loop
        code = 70
        try:
            ctrl.close()
            code = child_main(fds[0], request)
        except BaseException:
            if _DEBUG:  # for developing the grader: where the trusted side of a child failed
                import traceback

                with open(f"{_DEBUG}.{os.getpid()}", "w") as handle:
                    traceback.print_exc(file=handle)
        finally:
            os._exit(code)
    _send(ctrl, job=request["job"], pid=pid)


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
        cpu_ms = round(1000 * (usage.ru_utime + usage.ru_stime), 1)
        code = os.waitstatus_to_exitcode(status)
        try:
            _send(ctrl, exit=pid, code=code, maxrss_kb=usage.ru_maxrss, cpu_ms=cpu_ms)
        except OSError:
            return False


# ---------------------------------------------------------------------------------------------
# The child
# ---------------------------------------------------------------------------------------------


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
        # A user of its own, which no other child shares: it can neither signal the other
        # submissions' processes (kill(-1, ...) as nobody would) nor enter their folders.
        uid, own = int(request["uid"]), request.get("own_uid")
        try:
            if own is not None and not box.get("namespaces"):  # else /tmp is its own tmpfs
                os.chown(workdir, int(own), int(request["gid"]))
            uid = uid if own is None else int(own)
        except OSError:
            pass  # a user namespace that does not map that user: nobody, shared
        os.setgroups([])
        os.setgid(int(request["gid"]))
        os.setuid(uid)
    # No new processes or threads from here on (not enforced for root: see the module docstring).
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _load(programs, checked=True):
    """Each exercise's function, compiled from its Program alone in globals of its own
    (``allowlist.load_program``); a description instead where defining it failed. ``checked``
    False is the test-only probe (``runner.run_probe``): plain Python with every builtin."""
    from ..allowlist import load_program

    functions, states = {}, {}
    for exercise_id, source in programs.items():
        filename = f"<graded {exercise_id}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            fn = (
                load_program(source, filename, exercise_id)
                if checked
                else _unchecked(source, exercise_id)
            )
        except BaseException:  # a default value or a constant that fails: the function's error
            states[exercise_id] = "error"
            continue
        states[exercise_id] = "ok" if callable(fn) else "not_callable"
        functions[exercise_id] = fn
    return functions, states


def _unchecked(source, exercise_id):
    namespace = {"__builtins__": __builtins__, "__name__": "probe"}
    exec(compile(source, f"<probe {exercise_id}>", "exec"), namespace)
    return namespace[exercise_id]


def child_main(chan_fd, request):
    """Enter the sandbox, define the graded functions, run them on the hidden cases, report."""
    import numpy as np

    chan = socket.socket(fileno=chan_fd)
    chan.setblocking(True)
    started = time.perf_counter()
    _isolate(request)
    phases = {"isolate_ms": (time.perf_counter() - started) * 1000}
    job, _ = recv_frame(chan)
    started = time.perf_counter()
    functions, states = _load(job["programs"], checked=not job.get("probe"))
    phases["load_ms"] = (time.perf_counter() - started) * 1000
    chan.sendall(Ready(states).encode())
    inputs, blob = recv_frame(chan)
    with np.load(io.BytesIO(blob), allow_pickle=False) as loaded:
        arrays = {key: loaded[key] for key in loaded.files}
    started = time.perf_counter()
    for spec in inputs["exercises"]:
        chan.sendall(Started(spec["id"]).encode())
        outcomes = _run_cases(functions[spec["id"]], spec, arrays, job["function_budget"])
        chan.sendall(_outcomes(spec["id"], outcomes).encode(inputs["token"]))
    phases["run_ms"] = (time.perf_counter() - started) * 1000
    usage = resource.getrusage(resource.RUSAGE_SELF)  # in a pid namespace: its process 1 only
    phases["cpu_ms"] = (usage.ru_utime + usage.ru_stime) * 1000
    chan.sendall(Done(_private_kb(), phases).encode(inputs["token"]))
    return 0


def _run_cases(fn, spec, arrays, function_budget):
    """``run_learner`` on the cases, with no guard: the allowlist already decided what the function
    can reach. Whatever the function does ends as an Outcome."""
    from rnn_course.exercises import core, plain

    known = {f.name for f in dataclasses.fields(core.Exercise)}
    settings = {
        k: tuple(v) if isinstance(v, list) else v for k, v in spec["fields"].items() if k in known
    }
    exercise = core.Exercise(make_cases=list, **settings)
    cases = [core.Case(plain.from_plain(meta, arrays), None, "") for meta in spec["cases"]]
    budget = min(float(exercise.timeout), float(function_budget))
    try:
        return core.run_learner(exercise, fn, cases, timeout=budget, use_guard=False)
    except BaseException as exc:  # the checker tripped on what the function returned
        late = type(exc).__name__ == "LearnerTimeout"
        detail = "it did not finish in time" if late else "its answer could not be read"
        return [core.Outcome(error="exception", detail=detail)]


def _outcomes(exercise_id, outcomes):
    import numpy as np

    from rnn_course.exercises.core import Outcome

    arrays, plain = {}, []
    for outcome in outcomes:
        try:
            plain.append(outcome.to_plain(arrays))
        except BaseException:
            plain.append(
                Outcome(error="exception", detail="its answer could not be read").to_plain({})
            )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return Outcomes(exercise_id, plain, buffer.getvalue())


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
