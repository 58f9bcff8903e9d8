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

from ..exercises.core import Outcome, get_exercise, judge
from ..exercises.plain import Foreign, to_plain
from . import sandbox
from .notebook import expected_exercises
from .programs import take_programs
from .sanitize import clean, sizes_of, without_numbers
from .verdict import Observed, process_note, reason, status
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
    seconds: float = 0.0  # wall-clock seconds its child ran, by the grader's clock
    phases: dict = field(default_factory=dict)  # the child's own ms per phase (benchmark only)
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


from .programs import failed as _failed  # noqa: E402
from .programs import missing_message  # noqa: E402,F401

# ---------------------------------------------------------------------------------------------
# Before any student code: triage every submission
# ---------------------------------------------------------------------------------------------


def triage(sub):
    """A Graded for a submission that needs no run (invalid, unknown lesson, ...), else None, plus
    the Programs to run (exercise id -> Program) with the refusals already written into its row."""
    graded = Graded(sub, lesson=sub.lesson)
    if sub.invalid:
        graded.status, graded.reason = "invalid-notebook", sub.invalid
        graded.notes = [f"this file could not be graded: {sub.invalid}"]
        return graded, None
    if not sub.lesson:
        graded.status = "unknown-lesson"
        graded.reason = (
            "cannot tell the lesson"
            " (no rnn_course metadata, no lesson in the file name, no exercise function)"
        )
        graded.notes = [graded.reason]
        return graded, None
    graded.expected = expected_exercises(sub.lesson)
    if not graded.expected:
        graded.reason = f"lesson {sub.lesson} has no graded exercises"
        return graded, None
    return None, take_programs(sub)


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
    def __init__(self, probe_dir, wait=True):
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
        if wait:
            self.wait_ready()

    def wait_ready(self):
        """Wait for the zygote's "ready" (it has imported torch and frozen its heap)."""
        self.ctrl.settimeout(600)  # importing torch on a loaded machine can be slow, not this slow
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

    def request(self, job_id, channel, workdir, limits, uid, gid, box):
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
        socket.send_fds(self.ctrl, [json.dumps(message).encode()], [channel.fileno()])

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


def function_budget(limits):
    """Seconds each exercise function may take on all its cases (at most the exercise's own limit).
    Fixed in advance, so that a message that quotes it is the same on every run."""
    return round(max(0.5, 0.8 * limits.timeout), 2)


class _Job:
    def __init__(self, job_id, graded, programs):
        self.id = job_id
        self.graded = graded
        self.programs = programs  # exercise id -> Program (what its child runs)
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
        self.where = None  # ("inputs", None) or ("exercise", id)
        self.frames = 0
        self.exercise_started = None
        self.slow = False  # a function ran its whole time budget, by the grader's clock
        self.function_budget = 1.0
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
    job.frames += 1
    if job.frames > 3 + 2 * len(expected):  # ready, two per exercise, done: a flood is its error
        job.protocol_error = "it sent more messages than a graded run does"
    elif kind == "ready" and job.functions is None and isinstance(meta.get("functions"), dict):
        job.functions = {
            e: meta["functions"].get(e)
            if meta["functions"].get(e) in ("ok", "not_callable", "error")
            else "missing"
            for e in job.programs
        }
        job.where = ("inputs", None)
        runnable = [e for e in expected if job.functions[e] == "ok"]
        job.outbox += _inputs_frame(job, runnable)
    elif kind == "exercise" and meta.get("id") in expected:
        job.where = ("exercise", meta["id"])
        job.exercise_started = time.monotonic()  # the grader's own clock times each function
    elif kind in ("outcomes", "done") and meta.get("token") != job.token:
        job.protocol_error = (
            "it sent a report the grader did not ask for (written straight to its socket?)"
        )
    elif kind == "outcomes" and meta.get("id") in expected and meta["id"] not in job.outcomes:
        cases = job.cases[meta["id"]]
        job.outcomes[meta["id"]] = _read_outcomes(meta["id"], meta.get("outcomes"), blob, cases)
        elapsed = time.monotonic() - (job.exercise_started or time.monotonic())
        if elapsed >= 0.9 * job.function_budget:
            job.slow = True
        job.where = None
    elif kind == "done" and job.functions is not None:
        job.done = True
        private = meta.get("private_kb")  # self-reported: for the benchmark, never for grading
        job.private_kb = (
            private if isinstance(private, int) and not isinstance(private, bool) else None
        )
        isolate = meta.get("isolate_ms")  # self-reported too: the cost of entering the sandbox
        job.isolate_ms = _number(isolate)
        job.phases = {k: _number(meta.get(k)) for k in ("isolate_ms", "load_ms", "run_ms")}
    else:
        job.protocol_error = "it sent malformed data"


def _number(value):
    """A self-reported number (for the benchmark only), or None."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok else None


def _read_outcomes(exercise_id, plain, blob, cases=()):
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
        sizes = set().union(*(sizes_of(case.label) for case in cases)) if cases else set()
        keys = set().union(*(_keys(case.expected) for case in cases)) if cases else set()
        return [_sanitize(Outcome.from_plain(o, arrays), exercise, sizes, keys) for o in plain]
    except Exception:
        return [
            Outcome(
                error="exception", detail="the grader could not read what your function returned"
            )
        ]


# Feedback must never carry hidden inputs. The strings a child sends (an exception's message, a type
# name, argument names) pass the one sanitiser, then every number that is not a case size is
# blanked, whatever its format; a returned string shows only as its type.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,59}")


def _clean_text(text, sizes=(), limit=300):
    return clean(without_numbers(clean(text, 2000), sizes), limit)


def _clean_value(value, keys=frozenset()):
    """A returned value as the judge may see it: strings only as their type, dict keys only when
    the expected answer has them (anything else could spell a hidden value)."""
    if isinstance(value, Foreign):
        return Foreign(_clean_text(value.type_name, (), 60))
    if isinstance(value, str):
        return Foreign("str")
    if isinstance(value, (tuple, list)):
        return type(value)(_clean_value(v, keys) for v in value)
    if isinstance(value, dict):
        return {
            (k if k in keys else f"<key {i}>"): _clean_value(v, keys)
            for i, (k, v) in enumerate(value.items())
        }
    return value


def _keys(value):
    """Every dict key in an expected answer."""
    found = set()
    if isinstance(value, dict):
        found.update(value)
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        for item in value:
            found |= _keys(item)
    return found


def _sanitize(outcome, exercise, sizes=(), keys=frozenset()):
    allowed = set(exercise.arg_names)
    mutated = tuple(
        m
        for m in outcome.mutated
        if m.split("[", 1)[0] in allowed and len(m) <= 80 and not any(c.isdigit() for c in m)
    )
    violations = tuple(
        (kind, name if _NAME.fullmatch(name) else "?") for kind, name in outcome.violations
    )
    return dataclasses.replace(
        outcome,
        value=_clean_value(outcome.value, keys),
        probe=_clean_value(outcome.probe, keys),
        detail=_clean_text(outcome.detail, sizes),
        mutated=mutated,
        violations=violations,
    )


# ---------------------------------------------------------------------------------------------
# The scheduler
# ---------------------------------------------------------------------------------------------


def grade_submissions(submissions, limits, progress=None, notice=None, early=None):
    """Grade every Submission; return one Graded per submission, in the same order. ``notice(text)``
    receives the isolation in force and any warning about it; ``SandboxUnavailable`` is raised,
    before any student code runs, when ``limits.sandbox`` is "strict" and a mechanism is missing."""
    import torch

    torch.set_num_threads(1)
    graded_all, jobs = [], []
    for sub in submissions:
        try:
            graded, taken = triage(sub)
        except Exception:  # contained: one odd notebook is that row's error, never the batch's
            graded, taken = Graded(sub, lesson=sub.lesson), None
            graded.status, graded.reason = "error", "grader error: the notebook could not be read"
        if graded is None:
            graded = Graded(sub, lesson=sub.lesson, expected=expected_exercises(sub.lesson))
            graded.results, graded.flags = dict(taken.results), list(taken.flags)
            if taken.programs:
                jobs.append(_Job(len(jobs), graded, taken.programs))
            else:  # nothing to run: every exercise is missing or refused
                _finish(graded, Observed(done=True), [])
        graded_all.append(graded)
    done_count = len(graded_all) - len(jobs)
    if progress:
        progress(done_count, len(graded_all), None)
    if jobs:
        for job in jobs:  # make every hidden case now, in this process, salted per submission
            salt = job.graded.submission.salt
            job.cases = {e: get_exercise(e).cases(salt) for e in job.programs}
        zygote_rss = _run_jobs(
            jobs,
            limits,
            lambda job, count: (
                progress and progress(done_count + count, len(graded_all), job.graded)
            ),
            notice or (lambda text: None),
            early,
        )
        for job in jobs:
            try:
                _conclude(job, limits)
            except Exception:  # one submission's odd data never loses the batch
                _internal_error(job, "the grader could not read its results")
            job.graded.peak_rss_kb, job.graded.zygote_rss_kb = job.maxrss_kb, zygote_rss
            job.graded.private_kb, job.graded.isolate_ms = job.private_kb, job.isolate_ms
            job.graded.phases = getattr(job, "phases", {})
    for graded in graded_all:
        note = getattr(graded.submission, "lesson_note", None)
        if note:
            graded.notes.insert(0, note)
            graded.reason = clean(f"{note}; {graded.reason}" if graded.reason else note)
    return graded_all


def _internal_error(job, what):
    graded = job.graded
    graded.results = {e: _failed(e, f"not checked: {what}") for e in graded.expected}
    graded.status, graded.reason = "error", f"grader error: {what}"
    graded.notes = [f"{what}; your instructor has been told (this is not your mistake)"]


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


class Early:
    """A zygote started before the submissions are read, so that importing torch in it overlaps
    reading them (``grade`` starts one; ``close`` it when nothing was run)."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="rnn-course-grade-")
        os.chmod(self.base, 0o711)
        self.probe = tempfile.mkdtemp(dir=self.base)
        self.zygote = _Zygote(self.probe, wait=False)
        self.used = False

    def take(self):
        self.used = True
        self.zygote.wait_ready()
        return self.base, self.probe, self.zygote

    def close(self):
        if not self.used:
            self.zygote.close()
            _remove_tree(self.base)


def _run_jobs(jobs, limits, on_finish, notice, early=None):
    uid, gid = sandbox_user()
    early = early or Early()  # started now, when the caller did not start it earlier
    base = early.base
    if limits.sandbox == "basic":
        cgroups, cgroups_why = None, "--sandbox basic"
    else:
        cgroups, cgroups_why = sandbox.Cgroups.create(
            f"rnn-course-{os.getpid()}-{secrets.token_hex(4)}"
        )
    zygote, selector, leftovers = None, selectors.DefaultSelector(), []
    pending, active, by_pid, finished = list(jobs), {}, {}, 0
    try:
        base, probe, zygote = early.take()
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
                            zygote.namespaces, zygote.namespaces_why = False, "--sandbox basic"
                        selector.register(zygote.ctrl, selectors.EVENT_READ, None)
                        break
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
    job.started = time.monotonic()
    job.function_budget = function_budget(limits)
    job.deadline = job.started + limits.timeout + DEADLINE_GRACE  # first: the loop needs it
    job.workdir = tempfile.mkdtemp(dir=base)
    if uid is not None and not box["namespaces"]:
        os.chown(job.workdir, uid, gid)
    job_box = dict(box)
    if cgroups is not None:
        job.cgroups = cgroups.job(job.id, limits.memory_mb * 1024 * 1024)
        job_box["cgroups"] = job.cgroups
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        zygote.request(job.id, child_end, job.workdir, limits, uid, gid, job_box)
    except OSError:
        pass  # the zygote just died: its end-of-file is handled in the loop, and this job retried
    finally:
        child_end.close()
    parent_end.setblocking(False)
    job.channel = parent_end
    job.outbox += encode_frame(
        {
            "programs": {e: p.source for e, p in job.programs.items()},
            "function_budget": function_budget(limits),
        }
    )
    selector.register(parent_end, selectors.EVENT_READ | selectors.EVENT_WRITE, job)


# The wall-clock kill comes this much after --timeout, for the child to send what it has.
DEADLINE_GRACE = 2.0


def _stop(job, selector, cgroups, leftovers):
    """Kill the job's processes, remove its files and cgroups; never raises."""
    job.state = STOPPED
    job.graded.seconds = time.monotonic() - getattr(job, "started", time.monotonic())
    if job.pid is not None:
        _kill_group(job.pid)
    if job.channel is not None:
        try:
            selector.unregister(job.channel)
        except (KeyError, ValueError):
            pass
        job.channel.close()
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


def _conclude(job, limits):
    """The job's row, from what the grader observed of its child (``verdict``)."""
    observed = Observed(
        done=job.done,
        timed_out=job.timed_out or job.slow,
        out_of_memory=job.out_of_memory,
        exit_code=job.exit_code,
        protocol_error=job.protocol_error,
        where=job.where,
        functions=job.functions or {},
    )
    _finish(job.graded, observed, job.programs, job.outcomes, job.cases, limits)


def _finish(graded, observed, programs, outcomes=None, cases=None, limits=None):
    limits = limits or Limits()
    note = process_note(observed, limits)
    for exercise_id in programs:
        graded.results[exercise_id] = _exercise_result(
            exercise_id,
            observed,
            (outcomes or {}).get(exercise_id),
            (cases or {}).get(exercise_id),
            note,
            limits,
        )
    graded.results = {e: graded.results[e] for e in graded.expected if e in graded.results}
    graded.status = status(observed, graded.results)
    graded.notes = [note] if note else []
    graded.reason = reason(graded.notes, graded.results, graded.flags, missing_message)


def _exercise_result(exercise_id, observed, outcomes, cases, note, limits):
    state = observed.functions.get(exercise_id)
    if state == "not_callable":
        return _failed(exercise_id, f"{exercise_id} is defined but is not a function")
    if state == "error":
        return _failed(
            exercise_id,
            f"{exercise_id} could not be defined (a default value or a constant failed)",
        )
    if not outcomes:
        return _failed(exercise_id, f"not checked: {note or 'the notebook stopped early'}")
    outcomes = [
        dataclasses.replace(
            o, detail=f"it did not finish within the time limit ({limits.timeout:g} s)"
        )
        if o.error == "timeout"
        else o
        for o in outcomes
    ]  # the user's limit, never an internal budget
    try:
        return judge(get_exercise(exercise_id), cases, outcomes)
    except Exception:
        return _failed(exercise_id, "the grader could not judge what your function returned")


def _cap(text, limit=300):
    return clean(text, limit)
