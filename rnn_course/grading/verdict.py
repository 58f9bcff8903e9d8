"""From what the grader observed to a gradebook row: small pure functions, no processes.

What counts as observed: the grader's own wall-clock timer, the job's memory cgroup events, the
child's exit code, whether it sent its end of report (``done``) and any protocol error the grader
found in what it sent. Never a learner's exception name or message: those only reach feedback, as
text, after ``sanitize``.
"""

import signal
from dataclasses import dataclass, field

from .sanitize import clean

_SIGNALS = {int(s): s.name for s in signal.Signals}


@dataclass
class Observed:
    """What the grader saw of one job's child (the scheduler fills it in)."""

    done: bool = False
    timed_out: bool = False  # the grader's own timer fired
    out_of_memory: bool = False  # the job's memory cgroup recorded an OOM event
    exit_code: int = None
    protocol_error: str = None
    where: tuple = None  # ("inputs", None) or ("exercise", id)
    functions: dict = field(default_factory=dict)  # exercise id -> "ok" / "not_callable" / "error"


def where_text(where):
    if where is None:
        return ""
    kind, value = where
    return f" while running {value}" if kind == "exercise" else " while its functions were defined"


def process_note(observed, limits):
    """Why the child did not finish normally, in the learner's terms; None when it did."""
    where = where_text(observed.where)
    if observed.protocol_error:
        return f"the notebook's process was stopped: {observed.protocol_error}"
    if observed.out_of_memory and not observed.done:
        return f"it ran out of memory{where} (limit {limits.memory_mb} MB)"
    if observed.timed_out:
        return f"it did not finish within {limits.timeout:g} s{where}"
    if observed.done:
        return None
    code = observed.exit_code
    if code is not None and code < 0:
        how = "was killed by " + _SIGNALS.get(-code, f"signal {-code}")
    else:
        how = f"exited with code {code}" if code is not None else "ended unexpectedly"
    return f"the notebook's process {how}{where} (a crash or a resource limit?)"


def status(observed, results):
    """The row's status, from the grader's observations only."""
    if observed.protocol_error:
        return "error"
    if observed.out_of_memory and not observed.done:
        return "memory"
    if observed.timed_out or observed.exit_code == -signal.SIGXCPU:
        return "timeout"
    if not observed.done:
        return "error"
    if results and all(r.status == "not attempted" for r in results.values()):
        return "not-attempted"
    return "ok"


def reason(notes, results, flags, missing_message):
    """The row's one-line reason: notes, then each failed exercise's first line, then flags."""
    parts = list(notes)
    for exercise_id, result in results.items():
        if result.passed:
            continue
        first = result.feedback[0] if result.feedback else result.status
        if first.startswith("not checked: "):
            continue  # the process note says why
        if first == missing_message(exercise_id):
            parts.append(first)
        elif result.status == "not attempted":
            parts.append(f"{exercise_id}: not attempted")
        else:
            parts.append(f"{exercise_id}: {first}")
    if flags:
        parts.append("flagged: " + "; ".join(flags[:3]))
    return clean("; ".join(parts), 300)
