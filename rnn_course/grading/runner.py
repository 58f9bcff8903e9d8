"""Scheduling: one sandboxed child per submission, a wall-clock limit each, judging in this process.

The grader (this process) is the only trusted party. It reads every submission first, makes the
hidden cases and torch's answers itself, starts the zygote (``worker.py``), and for each submission
asks the zygote for a child, talks to that child over its own socket pair, enforces the wall-clock
limit (``killpg`` of the child's session, whatever it started), and judges the outcomes it gets back
with ``judge``. Nothing the child sends is trusted: frames are size-capped, arrays are loaded with
``allow_pickle=False``, and every field is validated before use.
"""

import dataclasses
import io
import json
import os
import pwd
import re
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from ..exercises.core import CheckResult, Outcome, get_exercise, judge
from ..exercises.guard import MESSAGES
from ..exercises.plain import Foreign, to_plain
from . import sandbox
from .notebook import expected_exercises
from .scan import scan
from .worker import FRAME, ZYGOTE_COMMAND, encode_frame

MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_BLOB_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
EXIT_REPORT_WAIT = 2.0  # seconds to wait for the zygote's exit report after a child's socket closes
_SAFE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,60}")
_ENV_KEEP = (
    "PATH",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "TZ",
    "RNN_COURSE_GRADER_DEBUG",
)


@dataclass
class Limits:
    """How much each submission may use. ``timeout`` is wall-clock seconds for the whole notebook."""

    timeout: float = 120.0
    memory_mb: int = 1024
    jobs: int = 1
    fsize_mb: int = 32
    sandbox: str = (
        "auto"  # "auto": the strongest isolation available, warn when weaker; "strict": refuse;
    )
    # "basic": uid and rlimits only (for testing the fallback the grader uses where namespaces are missing)


class SandboxUnavailable(RuntimeError):
    """``--sandbox strict`` was asked for and a mechanism is missing (nothing was graded)."""


@dataclass
class Graded:
    """One gradebook row and the feedback behind it."""

    submission: object
    lesson: str = None
    expected: list = field(default_factory=list)
    results: dict = field(default_factory=dict)  # exercise id -> CheckResult
    status: str = "ok"
    reason: str = ""
    notes: list = field(default_factory=list)  # shown to the student
    flags: list = field(default_factory=list)  # for the instructor only
    peak_rss_kb: int = (
        None  # the child's peak resident memory (shared pages included), from its rusage
    )
    zygote_rss_kb: int = None  # the zygote's peak resident memory, shared by every child
    private_kb: int = None  # the child's own report of its private memory at the end (untrusted)
    isolation: str = ""  # the sandbox mechanisms its process ran under (sandbox.Isolation.describe)
    isolate_ms: float = (
        None  # the child's own report of how long entering its sandbox took (untrusted)
    )

    @property
    def total(self):
        return sum(r.points for r in self.results.values())

    @property
    def max_total(self):
        return sum(get_exercise(e).points for e in self.expected)


def _failed(exercise_id, message, status="failed"):
    exercise = get_exercise(exercise_id)
    return CheckResult(exercise_id, False, 0, exercise.points, [message], status)


def missing_message(exercise_id):
    return f"function {exercise_id} not found (deleted or renamed?)"


# ---------------------------------------------------------------------------------------------
# Before any student code: triage every submission
# ---------------------------------------------------------------------------------------------


def triage(sub):
    """A Graded for a submission that needs no run (invalid, unknown lesson, ...), else None,
    plus the scan's findings."""
    graded = Graded(sub, lesson=sub.lesson)
    if sub.invalid:
        graded.status, graded.reason = "invalid-notebook", sub.invalid
        graded.notes = [f"this file could not be graded: {sub.invalid}"]
        return graded, []
    if not sub.lesson:
        graded.status = "unknown-lesson"
        graded.reason = (
            "cannot tell the lesson"
            " (no rnn_course metadata, no lesson in the file name, no exercise function)"
        )
        graded.notes = [graded.reason]
        return graded, []
    graded.expected = expected_exercises(sub.lesson)
    if not graded.expected:
        graded.reason = f"lesson {sub.lesson} has no graded exercises"
        return graded, []
    findings = scan(
        sub.cells, graded.expected, [e for e in graded.expected if get_exercise(e).forbid_rnn]
    )
    zero = [f for f in findings if f.level == "zero"]
    if zero:
        graded.status = "tampering"
        listed = "; ".join(str(f) for f in zero[:3])
        graded.reason = _cap(f"tampering: {listed}")
        message = f"not graded: the notebook {zero[0].message} ({zero[0].where()}), which a submission may not do"
        graded.results = {e: _failed(e, message) for e in graded.expected}
        graded.notes = [message]
        return graded, findings
    return None, findings


# ---------------------------------------------------------------------------------------------
# Hidden inputs (made here; sent to a child only after its cells ran; answers never leave)
# ---------------------------------------------------------------------------------------------


def _settings(exercise):
    """The exercise's plain settings (id, arg_names, forbid_*, timeout...) for the child's run_learner;
    never make_cases, mistakes, hints or cached cases."""
    plain = {}
    for f in dataclasses.fields(exercise):
        value = getattr(exercise, f.name)
        if f.name.startswith("_") or f.name in ("make_cases", "mistakes", "hints"):
            continue
        if isinstance(value, (str, bool, int, float)) or value is None:
            plain[f.name] = value
        elif isinstance(value, (tuple, list)) and all(
            isinstance(v, (str, bool, int, float)) for v in value
        ):
            plain[f.name] = list(value)
    return plain


def _inputs_frame(job, exercise_ids):
    """The frame that carries this job's hidden inputs (never the expected answers) to its child."""
    arrays, specs = {}, []
    for exercise_id in exercise_ids:
        exercise = get_exercise(exercise_id)
        metas = [to_plain(tuple(case.args), arrays)[0] for case in job.cases[exercise_id]]
        specs.append({"id": exercise.id, "fields": _settings(exercise), "cases": metas})
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return encode_frame(
        {"kind": "inputs", "exercises": specs, "token": job.token}, buffer.getvalue()
    )


# ---------------------------------------------------------------------------------------------
# The zygote
# ---------------------------------------------------------------------------------------------


_OWN_UID_BASE = 2_000_000_000  # far above any account's uid


def own_uid(job_id):
    """The user id a job's child runs as (when the grader runs as root): one no account has and no
    other child of this run shares, so that children cannot signal one another."""
    uid = _OWN_UID_BASE + (os.getpid() % 1000) * 100_000 + job_id % 100_000
    return None if _uid_taken(uid) else uid


def _uid_taken(uid):
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def sandbox_user():
    """(uid, gid) to drop to when the grader runs as root; (None, None) otherwise."""
    if os.geteuid() != 0:
        return None, None
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return None, None
    return entry.pw_uid, entry.pw_gid


def _zygote_argv(probe_dir):
    """``python -I -c ...``: isolated (no current folder, PYTHON* variables or user site on its path),
    with the folder above this very package first, so that the zygote runs the grader's own code."""
    command = f"import sys; sys.path.insert(0, {_package_parent()!r}); " + ZYGOTE_COMMAND
    return [sys.executable, "-I", "-c", command, probe_dir]


def _package_parent():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _unreadable_to_children(uid):
    """Folders a child dropped to ``uid`` needs but cannot enter (no namespaces to show them)."""
    from .worker import _world_readable

    if uid is None:
        return []
    import numpy
    import torch

    needed = [
        os.path.join(_package_parent(), "rnn_course"),
        os.path.dirname(torch.__file__),
        os.path.dirname(numpy.__file__),
    ]
    return [path for path in needed if not _world_readable(path)]


class _Zygote:
    def __init__(self, probe_dir):
        self.ctrl, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP or k.startswith("LC_")}
        env.update(
            {
                "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1",
                "OPENBLAS_NUM_THREADS": "1",
                "MPLBACKEND": "Agg",
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONHASHSEED": "0",
            }
        )
        self.env = env
        argv = _zygote_argv(probe_dir)
        argv.insert(4, str(child_end.fileno()))
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
        self.ctrl.settimeout(
            600
        )  # importing torch on a loaded machine can be slow, but not this slow
        try:
            reply = self.ctrl.recv(65536)
        except OSError:
            reply = b""
        self.ctrl.settimeout(None)
        if not reply or not json.loads(reply).get("ready"):
            self.close()
            raise RuntimeError("the grading worker failed to start")
        ready = json.loads(reply)
        self.rss_kb = ready.get("rss_kb")
        self.namespaces, self.namespaces_why = (
            bool(ready.get("namespaces")),
            str(ready.get("why") or ""),
        )

    def drain(self, by_pid):
        """Ask the zygote to finish and collect its last exit reports (for exit codes and peak memory)."""
        try:
            self.ctrl.shutdown(socket.SHUT_WR)
            self.ctrl.settimeout(5.0)
            while True:
                raw = self.ctrl.recv(65536)
                if not raw:
                    return
                message = json.loads(raw)
                if "exit" in message and message["exit"] in by_pid:
                    job = by_pid.pop(message["exit"])
                    job.exit_code = job.exit_code if job.exit_code is not None else message["code"]
                    job.maxrss_kb = message.get("maxrss_kb")
        except (OSError, ValueError):
            return

    def request(self, job_id, channel, events, workdir, limits, uid, gid, box):
        message = {
            "job": job_id,
            "workdir": workdir,
            "uid": uid,
            "gid": gid,
            "own_uid": None if uid is None else own_uid(job_id),
            "env": {
                k: v
                for k, v in self.env.items()
                if k not in ("PYTHONPATH", "RNN_COURSE_GRADER_DEBUG")
            },
            "limits": {
                "memory_mb": limits.memory_mb,
                "cpu_s": int(limits.timeout) + 5,
                "fsize_mb": limits.fsize_mb,
            },
            "sandbox": box,
        }
        socket.send_fds(self.ctrl, [json.dumps(message).encode()], [channel.fileno(), events])

    def close(self):
        try:
            self.ctrl.close()
        finally:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            _kill_group(self.process.pid)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def _kill_group(pid):
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _remove_tree(path):
    sandbox.remove_tree(path)  # no recursion, no links followed, never raises


# ---------------------------------------------------------------------------------------------
# One submission's run
# ---------------------------------------------------------------------------------------------


def cell_budget(limits):
    """Seconds all the notebook's cells may take together (then the rest are skipped)."""
    return round(max(1.0, 0.6 * limits.timeout), 2)


def function_budget(limits):
    """Seconds each exercise function may take on all its cases (at most the exercise's own limit).
    Fixed in advance, so that a message that quotes it is the same on every run."""
    return round(max(0.5, 0.35 * limits.timeout), 2)


class _Job:
    def __init__(self, job_id, graded, findings):
        self.id = job_id
        self.graded = graded
        self.findings = findings
        self.cases = {}  # exercise id -> this submission's hidden cases (salted)
        self.attempts = 0
        self.reset()

    def reset(self):
        self.channel = None
        self.pid = None
        self.workdir = None
        self.deadline = None
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.received = 0
        self.where = None  # ("cell", n) or ("exercise", id)
        self.cells = {}  # cell number -> error name or None
        self.functions = None
        self.outcomes = {}
        self.done = False
        self.eof_at = None
        self.exit_code = None
        self.timed_out = False
        self.protocol_error = None
        self.maxrss_kb = None
        self.private_kb = None
        self.isolate_ms = None
        self.token = secrets.token_hex(
            16
        )  # sent with the hidden inputs; every report must carry it
        self.state = PENDING
        self.cgroups = None  # {controller: folder} while it runs
        self.out_of_memory = False  # its memory cgroup hit the limit
        self.events = None  # the read end of its guard's channel
        self.event_buffer = bytearray()
        self.event_bytes = 0
        self.event_exercise = None
        self.events_seen = {}  # exercise id -> [(kind, name)] the guard or a wall reported as it happened
        self.events_ended = (
            False  # the child's checker closed the channel properly (with the token)
        )
        self.events_closed = False

    @property
    def finished(self):
        return (
            self.done
            or self.timed_out
            or self.protocol_error
            or (
                self.eof_at is not None
                and (
                    self.exit_code is not None or time.monotonic() - self.eof_at > EXIT_REPORT_WAIT
                )
            )
        )


def _frames(job):
    """Complete frames in the job's inbox, validated for size; sets protocol_error when oversized."""
    while len(job.inbox) >= FRAME.size:
        json_len, blob_len = FRAME.unpack_from(job.inbox)
        if json_len > MAX_JSON_BYTES or blob_len > MAX_BLOB_BYTES:
            job.protocol_error = "its answer was too large"
            return
        end = FRAME.size + json_len + blob_len
        if len(job.inbox) < end:
            return
        raw = bytes(job.inbox[FRAME.size : FRAME.size + json_len])
        blob = bytes(job.inbox[FRAME.size + json_len : end])
        del job.inbox[:end]
        try:
            meta = json.loads(raw)
        except (ValueError, RecursionError):
            job.protocol_error = "it sent malformed data"
            return
        if not isinstance(meta, dict):
            job.protocol_error = "it sent malformed data"
            return
        yield meta, blob


def _handle(job, meta, blob):
    kind = meta.get("kind")
    expected = job.graded.expected
    if kind == "start" and isinstance(meta.get("cell"), int):
        job.where = ("cell", meta["cell"])
    elif kind == "cell" and isinstance(meta.get("cell"), int):
        error = meta.get("error")
        job.cells[meta["cell"]] = (
            error
            if error is None or (isinstance(error, str) and _SAFE_WORD.fullmatch(error))
            else "error"
        )
        job.where = None
    elif kind == "ready" and job.functions is None and isinstance(meta.get("functions"), dict):
        job.functions = {
            e: meta["functions"].get(e)
            if meta["functions"].get(e) in ("ok", "missing", "not_callable")
            else "missing"
            for e in expected
        }
        job.where = ("inputs", None)
        runnable = [e for e in expected if job.functions[e] == "ok"]
        job.outbox += _inputs_frame(job, runnable)
    elif kind == "exercise" and meta.get("id") in expected:
        job.where = ("exercise", meta["id"])
    elif kind in ("outcomes", "done") and meta.get("token") != job.token:
        job.protocol_error = (
            "it sent a report the grader did not ask for (written straight to its socket?)"
        )
    elif kind == "outcomes" and meta.get("id") in expected and meta["id"] not in job.outcomes:
        job.outcomes[meta["id"]] = _read_outcomes(meta["id"], meta.get("outcomes"), blob)
        job.where = None
    elif kind == "done" and job.functions is not None:
        job.done = True
        private = meta.get("private_kb")  # self-reported: for the benchmark, never for grading
        job.private_kb = (
            private if isinstance(private, int) and not isinstance(private, bool) else None
        )
        isolate = meta.get("isolate_ms")  # self-reported too: the cost of entering the sandbox
        job.isolate_ms = (
            float(isolate)
            if isinstance(isolate, (int, float)) and not isinstance(isolate, bool)
            else None
        )
    else:
        job.protocol_error = "it sent malformed data"


def _read_outcomes(exercise_id, plain, blob):
    """Outcomes rebuilt from untrusted plain data; a single failing Outcome if anything is off."""
    limit = len(get_exercise(exercise_id).cases()) + 1
    try:
        if not isinstance(plain, list) or not 0 < len(plain) <= limit:
            raise ValueError("wrong number of outcomes")
        with np.load(io.BytesIO(blob), allow_pickle=False) as loaded:
            arrays = {key: loaded[key] for key in loaded.files}
        if any(a.dtype.hasobject or a.dtype.fields is not None for a in arrays.values()):
            raise ValueError("bad array")
        exercise = get_exercise(exercise_id)
        return [_sanitize(Outcome.from_plain(item, arrays), exercise) for item in plain]
    except Exception:
        return [
            Outcome(
                error="exception", detail="the grader could not read what your function returned"
            )
        ]


# Feedback must never carry hidden inputs. The strings a child sends (an exception's message, a type
# name, argument names) are the learner's to choose, so they could smuggle the inputs out: numbers
# with decimals and tensor/array reprs are blanked, and names must be names.
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+")
_REPR = re.compile(r"(tensor|array)\(", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,59}")


def _clean_text(text, limit=300):
    text = _REPR.sub("<value>(", _NUMBER.sub("<number>", str(text)))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clean_value(value):
    if isinstance(value, Foreign):
        return Foreign(_clean_text(value.type_name, 60))
    if isinstance(value, (tuple, list)):
        return type(value)(_clean_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _clean_value(v) for k, v in value.items()}
    return value


def _sanitize(outcome, exercise):
    allowed = set(exercise.arg_names)
    mutated = tuple(
        m
        for m in outcome.mutated
        if m.split("[", 1)[0] in allowed and len(m) <= 80 and not _NUMBER.search(m)
    )
    violations = tuple(
        (kind, name if _NAME.fullmatch(name) else "?") for kind, name in outcome.violations
    )
    return dataclasses.replace(
        outcome,
        value=_clean_value(outcome.value),
        detail=_clean_text(outcome.detail),
        mutated=mutated,
        violations=violations,
    )


# ---------------------------------------------------------------------------------------------
# The scheduler
# ---------------------------------------------------------------------------------------------


def grade_submissions(submissions, limits, progress=None, notice=None):
    """Grade every Submission; return one Graded per submission, in the same order. ``notice(text)``
    receives the isolation in force and any warning about it; ``SandboxUnavailable`` is raised,
    before any student code runs, when ``limits.sandbox`` is "strict" and a mechanism is missing."""
    import torch

    torch.set_num_threads(1)
    graded_all, jobs = [], []
    for sub in submissions:
        try:
            graded, findings = triage(sub)
        except (
            Exception
        ):  # contained: an odd notebook the scan trips on is still graded, with no findings
            graded, findings = None, []
        if graded is None:
            graded = Graded(sub, lesson=sub.lesson, expected=expected_exercises(sub.lesson))
            jobs.append(_Job(len(jobs), graded, findings))
        graded_all.append(graded)
    done_count = len(graded_all) - len(jobs)
    if progress:
        progress(done_count, len(graded_all), None)
    if jobs:
        for job in jobs:  # make every hidden case now, in this process, salted per submission
            salt = job.graded.submission.salt
            job.cases = {e: get_exercise(e).cases(salt) for e in job.graded.expected}
        zygote_rss = _run_jobs(
            jobs,
            limits,
            lambda job, count: (
                progress and progress(done_count + count, len(graded_all), job.graded)
            ),
            notice or (lambda text: None),
        )
        for job in jobs:
            try:
                _conclude(job, limits)
            except Exception:  # one submission's odd data never loses the batch
                _internal_error(job, "the grader could not read its results")
            job.graded.peak_rss_kb, job.graded.zygote_rss_kb = job.maxrss_kb, zygote_rss
            job.graded.private_kb, job.graded.isolate_ms = job.private_kb, job.isolate_ms
    for graded in graded_all:
        note = getattr(graded.submission, "lesson_note", None)
        if note:
            graded.notes.insert(0, note)
            graded.reason = _cap(f"{note}; {graded.reason}" if graded.reason else note)
    return graded_all


def _internal_error(job, what):
    graded = job.graded
    graded.results = {e: _failed(e, f"not checked: {what}") for e in graded.expected}
    graded.status, graded.reason = "error", f"grader error: {what}"
    graded.notes = [f"{what}; your instructor has been told (this is not your mistake)"]


class _Events:
    """The read end of a job's event pipe (the guard's write-only channel from the child)."""

    def __init__(self, job, fd):
        self.job, self.fd = job, fd

    def fileno(self):
        return self.fd


# A job's states in the scheduler: PENDING (waiting for a slot) -> RUNNING (its child is asked for
# and talks over its channel) -> STOPPED (killed or ended, cleaned up) -> concluded into its row.
PENDING, RUNNING, STOPPED = "pending", "running", "stopped"


def _isolation(zygote, cgroups, cgroups_why, uid):
    iso = sandbox.Isolation(
        namespaces=zygote.namespaces, cgroups=cgroups is not None, own_user=uid is not None
    )
    iso.missing = {
        "namespaces": zygote.namespaces_why,
        "cgroups": cgroups_why,
        "own_user": "the grader is not running as root"
        if os.geteuid() != 0
        else "no user 'nobody'",
    }
    return iso


def _run_jobs(jobs, limits, on_finish, notice):
    uid, gid = sandbox_user()
    base = tempfile.mkdtemp(prefix="rnn-course-grade-")
    os.chmod(base, 0o711)
    probe = tempfile.mkdtemp(dir=base)
    if limits.sandbox == "basic":
        cgroups, cgroups_why = None, "--sandbox basic"
    else:
        cgroups, cgroups_why = sandbox.Cgroups.create(
            f"rnn-course-{os.getpid()}-{secrets.token_hex(4)}"
        )
    zygote, selector, leftovers = None, selectors.DefaultSelector(), []
    pending, active, by_pid, finished = list(jobs), {}, {}, 0
    try:
        zygote = _Zygote(probe)
        if limits.sandbox == "basic":
            zygote.namespaces, zygote.namespaces_why = False, "--sandbox basic"
        isolation = _isolation(zygote, cgroups, cgroups_why, uid)
        for job in jobs:
            job.graded.isolation = isolation.describe()
        notice(isolation.describe())
        for line in isolation.weaker():
            notice(f"warning: weaker isolation: {line}")
        if limits.sandbox == "strict" and isolation.weaker():
            raise SandboxUnavailable("--sandbox strict: " + "; ".join(isolation.weaker()))
        unreadable = [] if zygote.namespaces else _unreadable_to_children(uid)
        if unreadable:  # stop before grading: an honest notebook would get a wrong zero
            raise SandboxUnavailable(
                f"the sandbox user cannot read {unreadable[0]} (a folder above it is private, e.g. a home folder "
                "with mode 0700), and this machine gives no namespaces to show it read-only; install the course "
                "where every user can read it, or grade where namespaces work"
            )
        box = {"namespaces": zygote.namespaces, "tmp_mb": max(16, 2 * limits.fsize_mb)}
        selector.register(zygote.ctrl, selectors.EVENT_READ, None)
        while pending or active:
            while pending and len(active) < max(1, limits.jobs):
                if active and (pending[0].attempts or any(j.attempts for j in active.values())):
                    break  # a retried job runs alone, so that it cannot take another down with it
                job = pending.pop(0)
                job.state = RUNNING
                active[job.id] = job
                try:
                    _start(job, zygote, selector, base, limits, uid, gid, box, cgroups)
                except Exception:  # contained: this job fails, the batch goes on
                    job.protocol_error = "the grader could not start a process for it"
            timeout = min(j.deadline for j in active.values()) - time.monotonic()
            for key, events in selector.select(timeout=max(0.0, min(timeout, 0.05))):
                if key.data is None:
                    if not _zygote_message(zygote, active, by_pid):
                        # Only possible when not root: a submission killed the zygote. Every job in
                        # flight is stopped and tried once more with a fresh zygote.
                        selector.unregister(zygote.ctrl)
                        zygote.close()
                        for job in list(active.values()):
                            _stop(job, selector, cgroups, leftovers)
                            del active[job.id]
                            job.attempts += 1
                            if job.attempts > 1:
                                job.protocol_error = "the grading worker was killed while it ran"
                                finished += 1
                                on_finish(job, finished)
                            else:
                                job.reset()
                                pending.insert(0, job)
                        zygote = _Zygote(probe)
                        if limits.sandbox == "basic":
                            zygote.namespaces = False
                        selector.register(zygote.ctrl, selectors.EVENT_READ, None)
                        break
                elif isinstance(key.data, _Events):
                    _events_readable(key.data.job, selector)
                else:
                    _channel_event(key.data, events, selector)
            now = time.monotonic()
            for job in list(active.values()):
                if not job.finished and now > job.deadline:
                    job.timed_out = True
                if job.finished:
                    _stop(job, selector, cgroups, leftovers)
                    del active[job.id]
                    finished += 1
                    on_finish(job, finished)
    finally:
        for job in active.values():
            _stop(job, selector, cgroups, leftovers)
        selector.close()
        if zygote is not None:
            zygote.drain(by_pid)
            zygote.close()
        _last_clean_up(cgroups, leftovers)
        _remove_tree(base)
    return zygote.rss_kb


def _last_clean_up(cgroups, leftovers):
    """Remove the cgroups whose processes were still exiting at their job's end; never raises."""
    if cgroups is None:
        return
    deadline = time.monotonic() + 5.0
    while leftovers and time.monotonic() < deadline:
        leftovers[:] = [folders for folders in leftovers if not cgroups.remove(folders)]
        if leftovers:
            time.sleep(0.05)
    cgroups.close()


def _start(job, zygote, selector, base, limits, uid, gid, box, cgroups):
    job.deadline = time.monotonic() + limits.timeout + DEADLINE_GRACE  # first: the loop needs it
    job.workdir = tempfile.mkdtemp(dir=base)
    if uid is not None and not box["namespaces"]:
        os.chown(job.workdir, uid, gid)
    job_box = dict(box)
    if cgroups is not None:
        job.cgroups = cgroups.job(job.id, limits.memory_mb * 1024 * 1024)
        job_box["cgroups"] = job.cgroups
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    events_read, events_write = os.pipe()
    try:
        zygote.request(job.id, child_end, events_write, job.workdir, limits, uid, gid, job_box)
    except OSError:
        pass  # the zygote just died: its end-of-file is handled in the loop, and this job retried
    finally:
        child_end.close()
        os.close(events_write)
    os.set_blocking(events_read, False)
    job.events = _Events(job, events_read)
    selector.register(job.events, selectors.EVENT_READ, job.events)
    parent_end.setblocking(False)
    job.channel = parent_end
    job.outbox += encode_frame(
        {
            "cells": [[n, s] for n, s in job.graded.submission.cells],
            "exercises": job.graded.expected,
            "cell_budget": cell_budget(limits),
            "function_budget": function_budget(limits),
        }
    )
    selector.register(parent_end, selectors.EVENT_READ | selectors.EVENT_WRITE, job)


MAX_EVENT_BYTES = 1 << 20
# The notebook's cells and functions share --timeout between them (cell_budget + function_budget <
# timeout); the wall-clock kill comes this much later, for the child to send what it has.
DEADLINE_GRACE = 2.0


def _events_readable(job, selector):
    """Read what the child's guard sent; at end-of-file, stop listening."""
    while True:
        try:
            data = os.read(job.events.fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            try:
                selector.unregister(job.events)
            except (KeyError, ValueError):
                pass
            job.events_closed = True
            return
        job.event_bytes += len(data)
        if job.event_bytes > MAX_EVENT_BYTES:
            job.events_closed = True  # flooded: what follows is not read, and it counts as broken
            try:
                selector.unregister(job.events)
            except (KeyError, ValueError):
                pass
            return
        job.event_buffer += data
        *lines, rest = bytes(job.event_buffer).split(b"\n")
        job.event_buffer = bytearray(rest)
        for line in lines:
            _event(job, line.decode("ascii", "replace").split(" "))


def _event(job, words):
    """One line from the child: ``x TOKEN ID`` (an exercise starts), ``v KIND NAME`` (a violation),
    ``end TOKEN``. Anything else, or a marker without the token, is ignored: a forged line can only
    add violations to its own submission."""
    if (
        len(words) == 3
        and words[0] == "x"
        and words[1] == job.token
        and words[2] in job.graded.expected
    ):
        job.event_exercise = words[2]
    elif len(words) == 3 and words[0] == "v" and job.event_exercise is not None:
        kind, name = words[1], words[2] if _SAFE_WORD.fullmatch(words[2]) else "?"
        if kind in MESSAGES and (kind, name) not in job.events_seen.setdefault(
            job.event_exercise, []
        ):
            job.events_seen[job.event_exercise].append((kind, name))
    elif len(words) == 2 and words[0] == "end" and words[1] == job.token:
        job.events_ended = True


def _stop(job, selector, cgroups, leftovers):
    """Kill the job's processes, read its last events, remove its files and cgroups; never raises."""
    job.state = STOPPED
    if job.pid is not None:
        _kill_group(job.pid)
    if job.channel is not None:
        try:
            selector.unregister(job.channel)
        except (KeyError, ValueError):
            pass
        job.channel.close()
    if job.events is not None:
        try:
            _events_readable(job, selector)
            selector.unregister(job.events)
        except (KeyError, ValueError, OSError):
            pass
        try:
            os.close(job.events.fd)
        except OSError:
            pass
        job.events = None
    if job.workdir:
        _remove_tree(job.workdir)
    if job.cgroups and cgroups is not None:
        job.out_of_memory = cgroups.ran_out_of_memory(job.cgroups)
        if not cgroups.remove(job.cgroups):
            leftovers.append(job.cgroups)  # its processes are still exiting: removed at the end
        job.cgroups = None


def _zygote_message(zygote, active, by_pid):
    try:
        raw = zygote.ctrl.recv(65536)
    except OSError:
        raw = b""
    if not raw:
        return False
    message = json.loads(raw)
    if "pid" in message and message.get("job") in active:
        job = active[message["job"]]
        job.pid = message["pid"]
        by_pid[job.pid] = job
    elif "error" in message and message.get("job") in active:
        active[message["job"]].protocol_error = "the grader could not start a process for it"
    elif "exit" in message and message["exit"] in by_pid:
        job = by_pid.pop(message["exit"])
        job.exit_code, job.maxrss_kb = message["code"], message.get("maxrss_kb")
    return True


def _channel_event(job, events, selector):
    if job.finished:
        return
    if events & selectors.EVENT_WRITE and job.outbox:
        try:
            sent = job.channel.send(job.outbox[: 1 << 20])
            del job.outbox[:sent]
        except BlockingIOError:
            pass
        except OSError:
            job.outbox.clear()
    if events & selectors.EVENT_READ:
        try:
            data = job.channel.recv(1 << 20)
        except BlockingIOError:
            data = None
        except OSError:
            data = b""
        if data == b"":
            job.eof_at = time.monotonic()
            selector.unregister(job.channel)
            job.outbox.clear()
            return
        if data:
            job.received += len(data)
            if job.received > MAX_TOTAL_BYTES:
                job.protocol_error = "it sent too much data"
                return
            job.inbox += data
            for meta, blob in _frames(job):
                _handle(job, meta, blob)
                if job.protocol_error or job.done:
                    break
    if job.channel.fileno() >= 0 and not job.finished:
        mask = selectors.EVENT_READ | (selectors.EVENT_WRITE if job.outbox else 0)
        try:
            if job.eof_at is None:
                selector.modify(job.channel, mask, job)
        except (KeyError, ValueError):
            pass


# ---------------------------------------------------------------------------------------------
# From what happened to a row
# ---------------------------------------------------------------------------------------------

_SIGNALS = {int(s): s.name for s in signal.Signals}


def _where(job):
    if job.where is None:
        return ""
    kind, value = job.where
    return {
        "cell": f" in cell {value}",
        "exercise": f" while running {value}",
        "inputs": " while its functions were being checked",
    }[kind]


def _conclude(job, limits):
    graded = job.graded
    timeout_cells = sorted(n for n, e in job.cells.items() if e == "timeout")
    memory_cells = sorted(n for n, e in job.cells.items() if e == "MemoryError")
    exercise_findings = {}
    for finding in job.findings:
        if finding.level == "exercise":
            exercise_findings.setdefault(finding.exercise, finding)
    graded.flags = [f for f in job.findings if f.level == "flag"]
    tampered = job.done and not job.events_ended
    if tampered:  # it closed, flooded or wrote over the guard's channel: nothing it sent counts
        job.protocol_error = (
            "it closed or broke the checker's channel to the grader, which is tampering"
        )
    if job.protocol_error:  # it broke the protocol or killed the worker: nothing it sent counts
        job.outcomes = {}
    for exercise_id, seen in job.events_seen.items():  # violations reported as they happened
        if job.outcomes.get(exercise_id):
            first, *rest = job.outcomes[exercise_id]
            extra = tuple(v for v in seen if v not in first.violations)
            job.outcomes[exercise_id] = [
                dataclasses.replace(first, violations=tuple(first.violations) + extra),
                *rest,
            ]

    process_note = None
    if job.out_of_memory and not job.done:
        process_note = (
            f"the notebook ran out of memory{_where(job)} (limit {limits.memory_mb} MB,"
            " files in /tmp and shared memory included)"
        )
    elif job.timed_out:
        process_note = f"did not finish within {limits.timeout:g} s{_where(job)}"
    elif job.protocol_error:
        process_note = f"the notebook's process was stopped: {job.protocol_error}"
    elif not job.done:
        code = job.exit_code
        how = (
            ("was killed by " + _SIGNALS.get(-code, f"signal {-code}"))
            if code is not None and code < 0
            else (f"exited with code {code}" if code is not None else "ended unexpectedly")
        )
        process_note = (
            f"the notebook's process {how}{_where(job)} (os._exit, a crash or a resource limit?)"
        )

    for exercise_id in graded.expected:
        exercise = get_exercise(exercise_id)
        function = (job.functions or {}).get(exercise_id)
        if exercise_id in exercise_findings:
            f = exercise_findings[exercise_id]
            result = _failed(
                exercise_id,
                f"{exercise_id} must be written from scratch, but {f.message} ({f.where()})",
            )
        elif function == "missing":
            result = _failed(exercise_id, missing_message(exercise_id))
        elif function == "not_callable":
            result = _failed(exercise_id, f"{exercise_id} is defined but is not a function")
        elif exercise_id in job.outcomes:
            outcomes = [
                dataclasses.replace(
                    o,
                    detail=f"it did not finish in the time the notebook had left (the limit is "
                    f"{limits.timeout:g} s for the whole notebook)",
                )
                if o.error == "timeout"
                else o
                for o in job.outcomes[exercise_id]
            ]  # the user's limit, never an internal budget
            try:
                result = judge(exercise, job.cases[exercise_id], outcomes)
            except Exception:
                result = _failed(
                    exercise_id, "the grader could not judge what your function returned"
                )
        else:
            result = _failed(
                exercise_id, f"not checked: {process_note or 'the notebook stopped early'}"
            )
        graded.results[exercise_id] = result

    outcome_errors = [o for outs in job.outcomes.values() for o in outs if o.error]
    timeouts = job.timed_out or timeout_cells or any(o.error == "timeout" for o in outcome_errors)
    memory = memory_cells or any(_is_memory(o.detail) for o in outcome_errors)
    if tampered:
        graded.status = "tampering"
    elif job.out_of_memory and not job.done:
        graded.status = "memory"
    elif job.timed_out or (job.exit_code is not None and -job.exit_code == signal.SIGXCPU):
        graded.status = "timeout"
    elif process_note and memory:
        graded.status = "memory"
    elif process_note:
        graded.status = "error"
    elif timeouts:
        graded.status = "timeout"
    elif memory:
        graded.status = "memory"
    elif graded.results and all(r.status == "not attempted" for r in graded.results.values()):
        graded.status = "not-attempted"
    else:
        graded.status = "ok"

    notes = [process_note] if process_note else []
    if timeout_cells:
        notes.append(
            f"cell {timeout_cells[0]} was interrupted: the notebook did not finish within {limits.timeout:g} s"
        )
    if memory_cells:
        notes.append(f"cell {memory_cells[0]} ran out of memory (limit {limits.memory_mb} MB)")
    graded.notes = notes
    parts = list(notes)
    for exercise_id, result in graded.results.items():
        if result.passed:
            continue
        first = result.feedback[0] if result.feedback else result.status
        if first.startswith("not checked: "):
            continue  # the process note above says why
        if first == missing_message(exercise_id):
            parts.append(first)
        elif result.status == "not attempted":
            parts.append(f"{exercise_id}: not attempted")
        else:
            parts.append(f"{exercise_id}: {first}")
    errors = [
        f"{n} {e}"
        for n, e in sorted(job.cells.items())
        if e not in (None, "timeout", "MemoryError", "skipped")
    ]
    if errors:  # for the instructor: a cell that fails here (ImportError...) but not in Jupyter is worth a look
        parts.append(
            "cells with errors: " + ", ".join(errors[:4]) + (", ..." if len(errors) > 4 else "")
        )
    if graded.flags:
        parts.append("flagged: " + ", ".join(str(f) for f in graded.flags[:3]))
    graded.reason = _cap("; ".join(parts))


def _is_memory(detail):
    return (
        detail.startswith("MemoryError")
        or "can't allocate memory" in detail
        or "DefaultCPUAllocator" in detail
    )


def _cap(text, limit=300):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
