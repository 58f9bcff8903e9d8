"""From submissions to rows: triage, the hidden inputs, and judging what each child sent back.

The grader (this process) is the only trusted party. It reads every submission, takes out the
Programs (``programs``), makes the hidden cases and torch's answers itself, hands the jobs to the
scheduler (``scheduler.run_jobs``), and judges the outcomes each child sent with ``judge``. Nothing
a child sends is trusted: ``protocol`` caps and types the frames, arrays are loaded with
``allow_pickle=False``, and every string passes ``sanitize`` before it reaches a row.
"""

import dataclasses
import hashlib
import io
import re
from dataclasses import dataclass, field

import numpy as np

from ..exercises.core import Outcome, get_exercise, judge
from ..exercises.plain import Foreign, to_plain
from . import protocol
from .notebook import expected_exercises
from .programs import failed, missing_message, take_programs
from .sanitize import clean, sizes_of, without_numbers
from .scheduler import Job, Limits, SandboxUnavailable, Workers, run_jobs
from .verdict import Observed, process_note, reason, status

__all__ = ["Graded", "Limits", "SandboxUnavailable", "grade_submissions", "run_probe", "triage"]


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
    seconds: float = 0.0  # wall-clock seconds its child ran, by the grader's clock
    isolation: str = ""  # the sandbox mechanisms its child ran under (Isolation.describe)
    # For the benchmark only: peak RSS (shared pages included) of the child and of the zygote, and
    # the child's own reports (untrusted) of its private memory and its ms per protocol.PHASES;
    # the CPU time its first process used, from wait4 (in a pid namespace, the grader kills process 1
    # with it, so process 1's own CPU time is phases["cpu_ms"], as it reported it).
    cpu_ms: float = None
    peak_rss_kb: int = None
    zygote_rss_kb: int = None
    private_kb: int = None
    phases: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum(r.points for r in self.results.values())

    @property
    def max_total(self):
        return sum(get_exercise(e).points for e in self.expected)


# ---------------------------------------------------------------------------------------------
# Before any student code: triage every submission
# ---------------------------------------------------------------------------------------------


_UNKNOWN_LESSON = "cannot tell the lesson (no rnn_course metadata, no lesson in the file name, no exercise function)"


def triage(sub):
    """A Graded for a submission that needs no run (invalid, unknown lesson, ...), else None, plus
    the Programs to run (exercise id -> Program) with the refusals already written into its row."""
    graded = Graded(sub, lesson=sub.lesson)
    if sub.invalid:
        graded.status, graded.reason = "invalid-notebook", sub.invalid
        graded.notes = [f"this file could not be graded: {sub.invalid}"]
        return graded, None
    if not sub.lesson:
        graded.status, graded.reason = "unknown-lesson", _UNKNOWN_LESSON
        graded.notes = [graded.reason]
        return graded, None
    graded.expected = expected_exercises(sub.lesson)
    if not graded.expected:
        graded.reason = f"lesson {sub.lesson} has no graded exercises"
        return graded, None
    return None, take_programs(sub)


# ---------------------------------------------------------------------------------------------
# Hidden inputs (made here; sent after the child defined its functions; answers never leave)
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


def run_salt(submissions):
    """One salt for a run's hidden cases, from every submission's salt (each a hash of the secret
    and the file's bytes): an unchanged batch meets the same cases again, and any change to any
    file (a probe resubmitted, say) draws new ones for all."""
    digest = hashlib.sha256(b" ".join(str(s.salt).encode() for s in submissions)).digest()
    return int.from_bytes(digest[:8], "big") % (2**62) + 1


class Inputs:
    """The run's hidden cases, made once per exercise (and torch's answers with them), and the
    frames of inputs the children get, encoded once per set of exercises: only the token differs."""

    def __init__(self, salt):
        self.salt, self.cases, self._blobs = salt, {}, {}

    def for_exercises(self, exercise_ids):
        for exercise_id in exercise_ids:
            if exercise_id not in self.cases:
                self.cases[exercise_id] = get_exercise(exercise_id).cases(self.salt)
        return {e: self.cases[e] for e in exercise_ids}

    def frame(self, job, exercise_ids):
        """The frame that carries the hidden inputs (never the expected answers) to a child."""
        key = tuple(exercise_ids)
        if key not in self._blobs:
            arrays, specs = {}, []
            for exercise_id in exercise_ids:
                exercise = get_exercise(exercise_id)
                metas = [to_plain(tuple(case.args), arrays)[0] for case in self.cases[exercise_id]]
                specs.append({"id": exercise.id, "fields": _settings(exercise), "cases": metas})
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)
            self._blobs[key] = specs, buffer.getvalue()
        specs, blob = self._blobs[key]
        return protocol.encode({"kind": "inputs", "exercises": specs, "token": job.token}, blob)


_UNREADABLE = "the grader could not read what your function returned"


def _read_outcomes(exercise_id, plain, blob, cases=()):
    """Outcomes rebuilt from untrusted plain data; a single failing Outcome if anything is off."""
    limit = len(cases or get_exercise(exercise_id).cases()) + 1
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
        return [Outcome(error="exception", detail=_UNREADABLE)]


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
# The run
# ---------------------------------------------------------------------------------------------


def grade_submissions(submissions, limits, progress=None, notice=None, workers=None):
    """Grade every Submission; return one Graded per submission, in the same order. ``notice(text)``
    receives the isolation in force and any warning about it; ``SandboxUnavailable`` is raised,
    before any student code runs, when ``limits.sandbox`` is "strict" and a mechanism is missing.
    ``workers`` (a ``scheduler.Workers``) is used when given, else one is started and closed here."""
    rows, jobs = [], {}
    for sub in submissions:
        graded, programs = _row(sub)
        if programs:
            jobs[len(jobs)] = (Job(len(jobs), programs), graded)
        rows.append(graded)
    if progress:
        progress(len(rows) - len(jobs), len(rows), None)
    if jobs:
        _run(jobs, Inputs(run_salt(submissions)), limits, workers, progress, notice, len(rows))
    for graded in rows:
        note = getattr(graded.submission, "lesson_note", None)
        if note:
            graded.notes.insert(0, note)
            graded.reason = clean(f"{note}; {graded.reason}" if graded.reason else note)
    return rows


def _row(sub):
    """The submission's Graded, and the Programs its child must run (None when nothing runs)."""
    try:
        graded, taken = triage(sub)
    except Exception:  # contained: one odd notebook is that row's error, never the batch's
        graded = Graded(sub, lesson=sub.lesson, status="error")
        graded.reason = "grader error: the notebook could not be read"
        return graded, None
    if graded is not None:
        return graded, None
    graded = Graded(sub, lesson=sub.lesson, expected=expected_exercises(sub.lesson))
    graded.results, graded.flags = dict(taken.results), list(taken.flags)
    if not taken.programs:  # nothing to run: every exercise is missing or refused
        _finish(graded, Observed(done=True), {}, {}, Limits())
    return graded, taken.programs or None


def _run(jobs, inputs, limits, workers, progress, notice, total):
    import torch

    torch.set_num_threads(1)
    done_before = total - len(jobs)

    def on_finish(job, count):
        if progress:
            progress(done_before + count, total, jobs[job.id][1])

    run = [job for job, _ in jobs.values()]
    own = workers is None
    workers = workers or Workers()
    try:
        _prepare(run, inputs, workers)
        isolation = run_jobs(run, limits, workers, inputs.frame, on_finish, notice or print_nothing)
    finally:
        if own:
            workers.close()
    for job, graded in jobs.values():
        graded.isolation = isolation
        try:
            _conclude(job, graded, limits)
        except Exception:  # one submission's odd data never loses the batch
            _internal_error(graded, "the grader could not read its results")
        graded.peak_rss_kb, graded.zygote_rss_kb = job.maxrss_kb, workers.zygote.rss_kb
        graded.private_kb, graded.phases = job.report.private_kb, dict(job.report.phases)
        graded.seconds, graded.cpu_ms = job.seconds, job.cpu_ms


def print_nothing(text):
    """The default ``notice``."""


def _prepare(jobs, inputs, workers):
    """Each job's hidden cases (made here, once per exercise for the run); the zygote warms torch's
    optimizers meanwhile when an exercise takes one."""
    for job in jobs:
        job.optimizers = any("optimizer" in get_exercise(e).arg_names for e in job.programs)
    if any(job.optimizers for job in jobs):
        workers.zygote.warm_optimizers()
    for job in jobs:
        job.cases = inputs.for_exercises(job.programs)


def _internal_error(graded, what):
    graded.results = {e: failed(e, f"not checked: {what}") for e in graded.expected}
    graded.status, graded.reason = "error", f"grader error: {what}"
    graded.notes = [f"{what}; your instructor has been told (this is not your mistake)"]


def run_probe(source, exercise_id, limits, workers):
    """For the sandbox's own tests only: run ``source``'s function ``exercise_id`` unchecked (no
    allowlist: plain Python with every builtin) in a child sandboxed exactly as a graded function's,
    on that exercise's hidden cases. Returns (the row's status, the values it returned)."""
    from ..allowlist import Program

    job = Job(0, {exercise_id: Program(exercise_id, source, ())}, probe=True)
    inputs = Inputs(1)
    job.cases = inputs.for_exercises([exercise_id])
    run_jobs([job], limits, workers, inputs.frame, lambda job, count: None, print_nothing)
    sent = job.outcomes.get(exercise_id)
    values = [o.get("value", {}).get("value") for o in sent.outcomes] if sent else []
    return status(job.verdict_input(), {}), values


# ---------------------------------------------------------------------------------------------
# From what happened to a row
# ---------------------------------------------------------------------------------------------


def _conclude(job, graded, limits):
    """The job's row, from what the grader observed of its child (``verdict``) and what it sent."""
    outcomes = {
        e: _read_outcomes(e, sent.outcomes, sent.blob, job.cases[e])
        for e, sent in job.outcomes.items()
    }
    _finish(graded, job.verdict_input(), job.programs, outcomes, limits, job.cases)


def _finish(graded, observed, programs, outcomes, limits, cases=None):
    note = process_note(observed, limits)
    for e in programs:
        got, made = outcomes.get(e), (cases or {}).get(e)
        graded.results[e] = _exercise_result(e, observed, got, made, note, limits)
    graded.results = {e: graded.results[e] for e in graded.expected if e in graded.results}
    graded.status = status(observed, graded.results)
    graded.notes = [note] if note else []
    graded.reason = reason(graded.notes, graded.results, graded.flags, missing_message)


def _exercise_result(exercise_id, observed, outcomes, cases, note, limits):
    state = observed.functions.get(exercise_id)
    if state == "not_callable":
        return failed(exercise_id, f"{exercise_id} is defined but is not a function")
    if state == "error":
        return failed(
            exercise_id,
            f"{exercise_id} could not be defined (a default value or a constant failed)",
        )
    if not outcomes:
        return failed(exercise_id, f"not checked: {note or 'the notebook stopped early'}")
    late = f"it did not finish within the time limit ({limits.timeout:g} s)"  # never a budget
    outcomes = [
        dataclasses.replace(o, detail=late) if o.error == "timeout" else o for o in outcomes
    ]
    try:
        return judge(get_exercise(exercise_id), cases, outcomes)
    except Exception:
        return failed(exercise_id, "the grader could not judge what your function returned")
