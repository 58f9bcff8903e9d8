"""The scheduler: one sandboxed child per job, a wall-clock limit each, nothing judged here.

The zygote (``worker.py``, started by ``Workers``) imports torch once and forks a child per job.
The event loop (``run_jobs``) does five things, each in a short function: start pending jobs
(``_start``), read their frames (``_channel_event``, through ``protocol``), enforce the grader's own
timer and collect the zygote's exit reports (``_reap``, ``_zygote_event``), and stop a finished job
(``_stop``: ``killpg`` of its session, its folder and cgroups removed). What it saw of each child
goes into the job's ``Observed``; ``verdict`` and ``runner`` turn that into the row.
"""

import json
import os
import pwd
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from . import protocol, sandbox
from .protocol import Done, Outcomes, ProtocolError, Ready, Started
from .verdict import Observed

EXIT_REPORT_WAIT = 2.0  # seconds to wait for the zygote's exit report after a child's socket closes
DEADLINE_GRACE = 2.0  # the wall-clock kill comes this much after --timeout, for the child to report
BASIC = "--sandbox basic"
_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONPATH", "VIRTUAL_ENV", "TZ")
_CHILD_ENV_DROP = ("PYTHONPATH", "RNN_COURSE_GRADER_DEBUG")
_OWN_UID_BASE = 2_000_000_000  # far above any account's uid
_NO_PROCESS = "the grader could not start a process for it"


ZYGOTE_COMMAND = (
    "import sys; from rnn_course.grading.worker import zygote_main; "
    "zygote_main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)"
)


@dataclass
class Limits:
    """How much each submission may use. ``timeout`` is wall-clock seconds for the whole run."""

    timeout: float = 120.0
    memory_mb: int = 1024
    jobs: int = 1
    fsize_mb: int = 32
    # "auto": the strongest isolation available, warn when weaker; "strict": refuse to grade
    # without all of it; "basic": no namespaces or cgroups (to test the fallback used without them)
    sandbox: str = "auto"


class SandboxUnavailable(RuntimeError):
    """``--sandbox strict`` was asked for and a mechanism is missing (nothing was graded)."""


def function_budget(limits):
    """Seconds each exercise function may take on all its cases (at most the exercise's own limit).
    Fixed in advance, so that a message that quotes it is the same on every run."""
    return round(max(0.5, 0.8 * limits.timeout), 2)


# --- users ------------------------------------------------------------------------------------


def own_uid(job_id):
    """The user id a job's child runs as (when the grader runs as root): one no account has and no
    other child of this run shares, so that children cannot signal one another."""
    uid = _OWN_UID_BASE + (os.getpid() % 1000) * 100_000 + job_id % 100_000
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return uid
    return None


def sandbox_user():
    """(uid, gid) to drop to when the grader runs as root; (None, None) otherwise."""
    if os.geteuid() != 0:
        return None, None
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return None, None
    return entry.pw_uid, entry.pw_gid


def _package_parent():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _unreadable_to_children(uid):
    """Folders a child dropped to ``uid`` needs but cannot enter (no namespaces to show them)."""
    if uid is None:
        return []
    import numpy
    import torch

    needed = [os.path.join(_package_parent(), "rnn_course")]
    needed += [os.path.dirname(m.__file__) for m in (torch, numpy)]
    return [path for path in needed if not sandbox.world_readable(path)]


# --- the zygote -------------------------------------------------------------------------------


class Zygote:
    """The warm process that forks every child; started with ``python -I`` (no current folder,
    PYTHON* variables or user site on its path) and the folder above this package first."""

    def __init__(self, probe_dir, wait=True):
        self.ctrl, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP or k.startswith("LC_")}
        if os.environ.get("RNN_COURSE_GRADER_DEBUG"):
            env["RNN_COURSE_GRADER_DEBUG"] = os.environ["RNN_COURSE_GRADER_DEBUG"]
        threads = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
        env.update({name: "1" for name in threads})
        env.update({"MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"})
        self.env = env
        command = f"import sys; sys.path.insert(0, {_package_parent()!r}); " + ZYGOTE_COMMAND
        argv = [sys.executable, "-I", "-c", command, str(child_end.fileno()), probe_dir]
        self.process = subprocess.Popen(
            argv,
            pass_fds=(child_end.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            cwd="/",
        )
        child_end.close()
        self.ready = False
        if wait:
            self.wait_ready()

    def wait_ready(self):
        """Wait for the zygote's "ready" (it has imported torch and frozen its heap)."""
        if self.ready:
            return
        self.ctrl.settimeout(600)  # importing torch on a loaded machine can be slow, not this slow
        try:
            ready = json.loads(self.ctrl.recv(65536) or b"{}")
        except (OSError, ValueError):
            ready = {}
        self.ctrl.settimeout(None)
        if not isinstance(ready, dict) or not ready.get("ready"):
            self.close()
            raise RuntimeError("the grading worker failed to start")
        self.ready, self.rss_kb = True, ready.get("rss_kb")
        self.namespaces, self.namespaces_why = bool(ready.get("namespaces")), str(ready.get("why"))

    def discard_stale(self):
        """Drop reports left from an earlier run; False when the zygote has gone."""
        self.ctrl.setblocking(False)
        try:
            while self.ctrl.recv(65536):
                pass
            return False
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            self.ctrl.setblocking(True)

    def request(self, job_id, channel, workdir, limits, box, optimizers=False):
        uid, gid = sandbox_user()
        own = None if uid is None else own_uid(job_id)
        env = {k: v for k, v in self.env.items() if k not in _CHILD_ENV_DROP}
        cpu_s = int(limits.timeout) + 5
        sizes = {"memory_mb": limits.memory_mb, "cpu_s": cpu_s, "fsize_mb": limits.fsize_mb}
        message = dict(job=job_id, optimizers=optimizers, workdir=workdir, uid=uid, gid=gid)
        message.update(own_uid=own, env=env, limits=sizes, sandbox=box)
        socket.send_fds(self.ctrl, [json.dumps(message).encode()], [channel.fileno()])

    def warm_optimizers(self):
        """Ask the zygote to warm torch's optimizers now (``worker._warm_optimizers``), while the
        grader makes the hidden cases, rather than on the first request that needs them."""
        try:
            self.ctrl.send(json.dumps({"optimizers": True}).encode())
        except OSError:
            pass  # it has gone: the restart path starts a fresh one, warmed on request

    def close(self):
        self.ctrl.close()
        if not self.ready:  # still importing torch, and nothing to grade: no need to wait for it
            _kill_group(self.process.pid)
        for wait in (True, False):
            try:
                self.process.wait(timeout=5)
                return
            except subprocess.TimeoutExpired:
                if wait:
                    _kill_group(self.process.pid)


class Workers:
    """The zygote and the folder its children work in. ``grade`` starts one before reading the
    notebooks (importing torch overlaps the reading) and closes it after; tests and benchmarks may
    share one between runs."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="rnn-course-grade-")
        os.chmod(self.base, 0o711)
        self.probe = tempfile.mkdtemp(dir=self.base)
        self.zygote = Zygote(self.probe, wait=False)

    def take(self):
        self.zygote.wait_ready()
        if not self.zygote.discard_stale():
            self.restart()
        return self.zygote

    def restart(self):
        """A fresh zygote (the last one was killed: only possible when not root)."""
        self.zygote.close()
        self.zygote = Zygote(self.probe)
        return self.zygote

    def close(self):
        self.zygote.close()
        sandbox.remove_tree(self.base)


def _kill_group(pid):
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# --- a job ------------------------------------------------------------------------------------


class Job:
    """One submission's run: what its child is given and what the grader observed of it."""

    def __init__(self, job_id, programs, probe=False):
        self.id = job_id
        self.programs = programs  # exercise id -> Program (what its child runs)
        self.probe = probe  # runner.run_probe's test-only job: its source runs unchecked
        self.optimizers = False  # an exercise builds a torch optimizer: the zygote warms them first
        self.cases = {}  # exercise id -> hidden cases (made by the runner, never sent whole)
        self.attempts = 0
        self.reset()

    def reset(self):
        self.observed = Observed()
        self.outcomes = {}  # exercise id -> protocol.Outcomes, read by the runner
        self.report = Done()
        self.ready = self.slow = False  # slow: a function ran its whole budget, by our clock
        self.channel = self.pid = self.workdir = self.cgroups = self.eof_at = None
        self.started = self.deadline = self.exercise_started = None
        self.reader = protocol.Reader(max_frames=3 + 2 * len(self.programs))
        self.outbox = bytearray()
        self.token = secrets.token_hex(16)  # sent with the inputs; every report must carry it
        self.maxrss_kb = self.cpu_ms = None  # from the zygote's wait4: for the benchmark
        self.seconds = 0.0

    @property
    def finished(self):
        seen = self.observed
        if seen.done or seen.timed_out or seen.protocol_error:
            return True
        if self.eof_at is None:
            return False
        return seen.exit_code is not None or time.monotonic() - self.eof_at > EXIT_REPORT_WAIT

    def verdict_input(self):
        """The Observed for ``verdict``: a function that used its whole budget timed out."""
        seen = self.observed
        if self.slow and not seen.timed_out:
            return Observed(**{**seen.__dict__, "timed_out": True})
        return seen


# --- the event loop ---------------------------------------------------------------------------


def mechanisms(zygote, cgroups_why, limits):
    """The Isolation in force: ``--sandbox basic`` switches namespaces and cgroups off, here only."""
    basic = limits.sandbox == "basic"
    uid, _ = sandbox_user()
    iso = sandbox.Isolation(
        namespaces=zygote.namespaces and not basic,
        cgroups=not basic and not cgroups_why,
        own_user=uid is not None,
    )
    not_root = "the grader is not running as root"
    iso.missing = {
        "namespaces": BASIC if basic else zygote.namespaces_why,
        "cgroups": BASIC if basic else cgroups_why,
        "own_user": not_root if os.geteuid() != 0 else "no user 'nobody'",
    }
    return iso


class _Run:
    def __init__(self, jobs, limits, workers, inputs_frame, on_finish):
        self.pending, self.active, self.by_pid = list(jobs), {}, {}
        self.limits, self.workers = limits, workers
        self.inputs_frame, self.on_finish = inputs_frame, on_finish
        self.finished, self.leftovers = 0, []
        self.selector = selectors.DefaultSelector()
        self.cgroups, self.zygote = None, None

    def prepare(self, notice):
        """Start (or take) the zygote, make this run's cgroups, say what isolation is in force."""
        limits = self.limits
        self.zygote = self.workers.take()
        why = BASIC
        if limits.sandbox != "basic":
            tag = f"rnn-course-{os.getpid()}-{secrets.token_hex(4)}"
            self.cgroups, why = sandbox.Cgroups.create(tag)
        isolation = mechanisms(self.zygote, why, limits)
        notice(isolation.describe())
        for line in isolation.weaker():
            notice(f"warning: weaker isolation: {line}")
        if limits.sandbox == "strict" and isolation.weaker():
            raise SandboxUnavailable("--sandbox strict: " + "; ".join(isolation.weaker()))
        unreadable = [] if isolation.namespaces else _unreadable_to_children(sandbox_user()[0])
        if unreadable:  # stop before grading: an honest notebook would get a wrong zero
            raise SandboxUnavailable(
                f"the sandbox user cannot read {unreadable[0]} (a folder above it is private, e.g. "
                "a home folder with mode 0700), and this machine gives no namespaces to show it "
                "read-only; install the course where every user can read it, or grade where "
                "namespaces work"
            )
        self.box = {"namespaces": isolation.namespaces, "tmp_mb": max(16, 2 * limits.fsize_mb)}
        self.selector.register(self.zygote.ctrl, selectors.EVENT_READ, None)
        return isolation.describe()

    def loop(self):
        while self.pending or self.active:
            self._start_pending()
            self._poll()
            self._reap()

    def _start_pending(self):
        while self.pending and len(self.active) < max(1, self.limits.jobs):
            retried = self.pending[0].attempts or any(j.attempts for j in self.active.values())
            if self.active and retried:
                break  # a retried job runs alone, so that it cannot take another down with it
            job = self.pending.pop(0)
            self.active[job.id] = job
            try:
                self._start(job)
            except Exception:  # contained: this job fails, the batch goes on
                job.observed.protocol_error = _NO_PROCESS

    def _start(self, job):
        job.started = time.monotonic()
        job.deadline = job.started + self.limits.timeout + DEADLINE_GRACE
        job.workdir = tempfile.mkdtemp(dir=self.workers.base)
        uid, gid = sandbox_user()
        if uid is not None and not self.box["namespaces"]:
            os.chown(job.workdir, uid, gid)
        box = dict(self.box)
        if self.cgroups is not None:
            job.cgroups = self.cgroups.job(job.id, self.limits.memory_mb * 1024 * 1024)
            box["cgroups"] = job.cgroups
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.zygote.request(job.id, child_end, job.workdir, self.limits, box, job.optimizers)
        except OSError:
            pass  # the zygote just died: its end-of-file is handled in the loop, the job retried
        finally:
            child_end.close()
        parent_end.setblocking(False)
        job.channel = parent_end
        sources = {e: p.source for e, p in job.programs.items()}
        budget = function_budget(self.limits)
        frame = {"programs": sources, "function_budget": budget, "probe": job.probe}
        job.outbox += protocol.encode(frame)
        self.selector.register(parent_end, selectors.EVENT_READ | selectors.EVENT_WRITE, job)

    def _poll(self):
        deadline = min(j.deadline for j in self.active.values()) - time.monotonic()
        for key, events in self.selector.select(timeout=max(0.0, min(deadline, 0.05))):
            if key.data is not None:
                self._channel_event(key.data, events)
            elif not self._zygote_event():
                self._restart()
                return

    def _zygote_event(self):
        try:
            raw = self.zygote.ctrl.recv(65536)
        except OSError:
            raw = b""
        if not raw:
            return False
        report = protocol.zygote_report(raw)
        if isinstance(report, protocol.Spawned) and report.job in self.active:
            job = self.active[report.job]
            job.pid = report.pid
            self.by_pid[job.pid] = job
        elif isinstance(report, protocol.SpawnFailed) and report.job in self.active:
            self.active[report.job].observed.protocol_error = _NO_PROCESS
        elif isinstance(report, protocol.Exited) and report.pid in self.by_pid:
            job = self.by_pid.pop(report.pid)
            job.observed.exit_code, job.maxrss_kb = report.code, report.maxrss_kb
            job.cpu_ms = report.cpu_ms
        return True

    def _restart(self):
        """Only possible when not root: a submission killed the zygote. Every job in flight is
        stopped and tried once more, alone, with a fresh zygote."""
        self.selector.unregister(self.zygote.ctrl)
        for job in list(self.active.values()):
            self._stop(job)
            job.attempts += 1
            if job.attempts > 1:
                job.observed.protocol_error = "the grading worker was killed while it ran"
                self._finish(job)
            else:
                del self.active[job.id]
                job.reset()
                self.pending.insert(0, job)
        self.zygote = self.workers.restart()
        self.selector.register(self.zygote.ctrl, selectors.EVENT_READ, None)

    def _channel_event(self, job, events):
        if job.finished:
            return
        if events & selectors.EVENT_WRITE and job.outbox:
            try:
                del job.outbox[: job.channel.send(job.outbox[: 1 << 20])]
            except BlockingIOError:
                pass
            except OSError:
                job.outbox.clear()
        if events & selectors.EVENT_READ:
            self._read(job)
        if job.eof_at is None and not job.finished:
            mask = selectors.EVENT_READ | (selectors.EVENT_WRITE if job.outbox else 0)
            self.selector.modify(job.channel, mask, job)

    def _read(self, job):
        try:
            data = job.channel.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            job.eof_at = time.monotonic()
            self.selector.unregister(job.channel)
            job.outbox.clear()
            return
        try:
            for meta, blob in job.reader.feed(data):
                self._handle(job, protocol.parse(meta, blob, job.programs, job.token))
                if job.observed.done:
                    return
        except ProtocolError as exc:
            job.observed.protocol_error = str(exc)

    def _handle(self, job, frame):
        """One typed frame, in the order the protocol allows; anything else is a ProtocolError."""
        seen, now = job.observed, time.monotonic()
        if isinstance(frame, Ready) and not job.ready:
            job.ready, seen.functions, seen.where = True, frame.functions, ("inputs", None)
            runnable = [e for e in job.programs if frame.functions[e] == "ok"]
            job.outbox += self.inputs_frame(job, runnable)
        elif isinstance(frame, Started) and job.ready:
            seen.where, job.exercise_started = ("exercise", frame.exercise_id), now
        elif isinstance(frame, Outcomes) and job.ready and frame.exercise_id not in job.outcomes:
            job.outcomes[frame.exercise_id] = frame
            if now - (job.exercise_started or now) >= 0.9 * function_budget(self.limits):
                job.slow = True
            seen.where = None
        elif isinstance(frame, Done) and job.ready:
            seen.done, job.report = True, frame
        else:
            raise ProtocolError("it sent malformed data")

    def _reap(self):
        now = time.monotonic()
        for job in list(self.active.values()):
            if not job.finished and now > job.deadline:
                job.observed.timed_out = True  # the grader's own timer
            if job.finished:
                self._stop(job)
                self._finish(job)

    def _finish(self, job):
        del self.active[job.id]
        self.finished += 1
        self.on_finish(job, self.finished)

    def _stop(self, job):
        """Kill the job's processes, remove its folder and cgroups; never raises."""
        job.seconds = time.monotonic() - (job.started or time.monotonic())
        if job.pid is not None:
            _kill_group(job.pid)
        if job.channel is not None:
            try:
                self.selector.unregister(job.channel)
            except (KeyError, ValueError):
                pass
            job.channel.close()
            job.channel = None
        if job.workdir:
            sandbox.remove_tree(job.workdir)
            job.workdir = None
        if job.cgroups and self.cgroups is not None:
            job.observed.out_of_memory = self.cgroups.ran_out_of_memory(job.cgroups)
            if not self.cgroups.remove(job.cgroups):
                self.leftovers.append(job.cgroups)  # its processes are still exiting
            job.cgroups = None

    def close(self):
        """Stop what still runs, collect the last exit reports, remove this run's cgroups."""
        for job in list(self.active.values()):
            self._stop(job)
        deadline = time.monotonic() + 1.0
        while self.by_pid and self.zygote is not None and time.monotonic() < deadline:
            if self.selector.select(timeout=0.05) and not self._zygote_event():
                break
        self.selector.close()
        if self.cgroups is not None:
            deadline = time.monotonic() + 5.0
            while self.leftovers and time.monotonic() < deadline:
                self.leftovers = [f for f in self.leftovers if not self.cgroups.remove(f)]
                time.sleep(0.05 if self.leftovers else 0)
            self.cgroups.close()


def run_jobs(jobs, limits, workers, inputs_frame, on_finish, notice):
    """Run every Job to its end; return the isolation line. ``inputs_frame(job, exercise_ids)`` is
    the frame of hidden inputs; ``on_finish(job, count)`` is called as each job ends."""
    run = _Run(jobs, limits, workers, inputs_frame, on_finish)
    try:
        described = run.prepare(notice)
        run.loop()
    finally:
        run.close()
    return described
