"""Writing results: the gradebook CSV (atomically, from the grader's memory) and feedback files.

Feedback carries what the checker shows learners (CheckResult messages) and why a notebook could
not be run; never hidden inputs, expected answers, test code or solutions.
"""

import csv
import io
import os
import re
import tempfile
from pathlib import Path

from ..exercises import exercise_ids


def columns_for(graded_rows):
    """Exercise columns: the union of the exercises the graded lessons expect, in catalogue order."""
    wanted = {e for row in graded_rows for e in row.expected}
    return [e for e in exercise_ids() if e in wanted]


def gradebook_text(graded_rows):
    """The CSV text: submission, one column per exercise, total, status, reason; rows by path."""
    columns = columns_for(graded_rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *columns, "total", "status", "reason"])
    for row in sorted(graded_rows, key=lambda r: r.submission.name):
        points = [row.results[e].points if e in row.results else "" for e in columns]
        writer.writerow([row.submission.name, *points, row.total, row.status, row.reason])
    return buffer.getvalue()


def write_atomic(path, text):
    """Write ``text`` to ``path`` through a temp file in the same folder and os.replace."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def write_gradebook(graded_rows, out):
    write_atomic(out, gradebook_text(graded_rows))


def feedback_name(row):
    """A file name for a submission's feedback: its path with separators as '__', then .txt."""
    name = row.submission.name.replace("\\", "/").lstrip("/")
    name = re.sub(r"\.ipynb$", "", name)
    name = "__".join(p for p in name.split("/") if p not in ("", ".", ".."))
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return (name or "submission") + ".txt"


def feedback_text(row):
    """The student's feedback: one block per exercise, as the checker prints it, and any notes."""
    lines = [f"Feedback for {Path(row.submission.name).name}"]
    if row.lesson:
        lines.append(f"Lesson: {row.lesson}")
    if row.expected:
        lines.append(f"Score: {row.total}/{row.max_total}")
    lines.append("")
    if row.notes:
        lines.append("About your notebook:")
        lines += [f"  - {note}" for note in row.notes]
        lines.append("")
    for exercise_id in row.expected:
        if exercise_id in row.results:
            lines.append(str(row.results[exercise_id]))
            lines.append("")
    if not row.expected and not row.notes:
        lines.append(row.reason or "Nothing to grade in this notebook.")
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(graded_rows, folder):
    """One feedback file per submission in ``folder`` (created if needed); returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths, used = [], set()
    for row in sorted(graded_rows, key=lambda r: r.submission.name):
        name = feedback_name(row)
        stem, count = name[:-4], 1
        while name in used:
            count += 1
            name = f"{stem}-{count}.txt"
        used.add(name)
        path = folder / name
        write_atomic(path, feedback_text(row))
        paths.append(path)
    return paths
