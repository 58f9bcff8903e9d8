"""Writing results: the gradebook CSV (atomically, from the grader's memory) and feedback files.

Both are written mode 0600 through a new temp file and ``os.replace`` inside a folder opened once,
never through a link; a folder others may write is refused unless the grader owns it.

Feedback carries what the checker shows learners (CheckResult messages) and why a notebook could
not be run; never hidden inputs, expected answers, test code or solutions.
"""

import csv
import hashlib
import io
import json
import os
import re
import secrets
import stat
import time
from pathlib import Path

from .sanitize import clean


class UnsafeOutput(Exception):
    """An output path the grader will not write: a folder others may write, a link, a folder."""


def columns_for(graded_rows):
    """Exercise columns: the union of the exercises the graded lessons expect, in catalogue order."""
    from ..exercises import exercise_ids  # torch: only once there are rows to write

    wanted = {e for row in graded_rows for e in row.expected}
    return [e for e in exercise_ids() if e in wanted]


POINTS_POSSIBLE = "(points possible)"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_field(value):
    """A value safe for a spreadsheet: one line (CR and LF become spaces, via the sanitiser), and
    text starting like a formula gets a leading apostrophe (checked after cleaning, so no line of
    the field can start one)."""
    if not isinstance(value, str):
        return value
    value = clean(value, 2000)
    return "'" + value if value.startswith(_FORMULA_START) else value


def gradebook_text(graded_rows):
    """The CSV text: submission, lesson, one column per exercise, total, max_total, status, reason.
    The first row after the header gives each exercise's maximum points; then one row per
    submission, by path."""
    from ..exercises import get_exercise

    columns = columns_for(graded_rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "lesson", *columns, "total", "max_total", "status", "reason"])
    possible = [get_exercise(e).points for e in columns]
    writer.writerow([POINTS_POSSIBLE, "", *possible, sum(possible), sum(possible), "", ""])
    for row in sorted(graded_rows, key=lambda r: r.submission.name):
        points = [row.results[e].points if e in row.results else "" for e in columns]
        cells = [row.submission.name, row.lesson or "", *points, row.total, row.max_total]
        writer.writerow([csv_field(c) for c in [*cells, row.status, row.reason]])
    return buffer.getvalue()


def check_output_folder(folder, what="--out"):
    """Refuse a folder that other users may write unless the grader owns it (they could plant a
    link, a folder or a file where the grader writes). Raises UnsafeOutput."""
    try:
        info = os.stat(folder)
    except OSError as exc:
        raise UnsafeOutput(f"{what}: the folder {folder} cannot be used ({exc.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeOutput(f"{what}: {folder} is not a folder")
    if info.st_mode & 0o022 and info.st_uid != os.geteuid():
        raise UnsafeOutput(
            f"{what}: the folder {folder} may be written by other users and is not yours; "
            "write the gradebook and feedback into a folder of your own"
        )


def write_atomic(path, text, dir_fd=None):
    """Write ``text`` to ``path`` (mode 0600) through a new temp file in the same folder, then
    ``os.replace``: never through a link, never half-written. ``dir_fd`` is the folder, if open."""
    path = Path(path)
    own_fd = dir_fd is None
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY) if own_fd else dir_fd
    temp = f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(
            temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            try:
                os.unlink(temp, dir_fd=folder)
            except OSError:
                pass
            raise
    finally:
        if own_fd:
            os.close(folder)


def write_gradebook(graded_rows, out):
    """Write the gradebook; if ``out`` cannot be replaced (someone made a folder there...), the
    gradebook goes beside it, under a new name, and the error names that file: nothing is lost."""
    text = gradebook_text(graded_rows)
    try:
        write_atomic(out, text)
        return Path(out)
    except OSError as exc:
        spare = Path(out).with_name(
            f"{Path(out).stem}.{time.strftime('%Y%m%d-%H%M%S')}.{secrets.token_hex(3)}.csv"
        )
        write_atomic(spare, text)
        raise UnsafeOutput(
            f"could not write the gradebook to {out} ({exc.strerror or exc}); it was written to {spare}"
        ) from None


def feedback_name(row):
    """A file name for a submission's feedback: its path with separators as '__', then a short hash
    of the full path, so that no two submissions (or a crafted name) share one, then .txt."""
    raw = row.submission.name
    name = raw.replace("\\", "/").lstrip("/")
    name = re.sub(r"\.ipynb$", "", name)
    name = "__".join(p for p in name.split("/") if p not in ("", ".", ".."))
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".-")[:120]
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()  # all 256 bits
    return f"{name or 'submission'}.{digest}.txt"


def feedback_text(row):
    """The student's feedback: one block per exercise, as the checker prints it, and any notes."""
    lines = [f"Feedback for {clean(Path(row.submission.name).name, 200)}"]
    if row.lesson:
        lines.append(f"Lesson: {row.lesson}")
    if row.expected:
        lines.append(f"Score: {row.total}/{row.max_total}")
    lines.append("")
    if row.notes:
        lines.append("About your notebook:")
        lines += [f"  - {clean(note)}" for note in row.notes]
        lines.append("")
    for exercise_id in row.expected:
        if exercise_id in row.results:
            result = row.results[exercise_id]
            lines.append(clean(str(result).splitlines()[0], 300))
            lines += [f"  - {clean(m, 600)}" for m in result.feedback]
            lines.append("")
    if not row.expected and not row.notes:
        lines.append(clean(row.reason) or "Nothing to grade in this notebook.")
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(graded_rows, folder):
    """One feedback file per submission (0600) in ``folder``, made 0700 if absent; returns the paths.
    The folder is opened once, without following a link, and every file is written through it."""
    folder = Path(folder)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeOutput(f"--feedback: {folder} is not a folder (a link?)")
    if info.st_uid != os.geteuid():  # made by someone else: they could have planted files or links
        raise UnsafeOutput(
            f"--feedback: the folder {folder} belongs to another user; give a folder of your own"
        )
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    paths = []
    try:
        for row in sorted(graded_rows, key=lambda r: r.submission.name):
            name = feedback_name(row)
            try:  # each file on its own: one row's failure is that row's, never the batch's
                write_atomic(folder / name, feedback_text(row), dir_fd=fd)
            except (OSError, ValueError, UnicodeError):
                continue
            paths.append(folder / name)
    finally:
        os.close(fd)
    return paths


def details(graded_rows, root_of=None):
    """The sidecar ``gradebook.details.json``: per submission, per exercise, what the learner saw.
    ``root_of(row)``: the submission's name relative to the folder graded."""
    from ..exercises import get_exercise

    rows = []
    for row in sorted(graded_rows, key=lambda r: r.submission.name):
        exercises = {e: _exercise_details(e, row.results.get(e)) for e in row.expected}
        rows.append(
            {
                "submission": clean(root_of(row) if root_of else row.submission.name, 240),
                "lesson": row.lesson,
                "status": row.status,
                "flags": [clean(str(f)) for f in row.flags],
                "seconds": round(float(row.seconds), 3),
                "exercises": exercises,
            }
        )
    lessons = {}
    for row in graded_rows:
        if row.lesson and row.expected:
            lessons[row.lesson] = sum(get_exercise(e).points for e in row.expected)
    return {"version": 1, "lesson_points": dict(sorted(lessons.items())), "submissions": rows}


def _exercise_details(exercise_id, result):
    from ..exercises import get_exercise

    if result is None or (result.feedback and result.feedback[0].startswith("not checked")):
        outcome = "error"
    elif result.passed:
        outcome = "passed"
    elif result.status == "not attempted":
        outcome = "not_attempted"
    else:
        outcome = "failed"
    mistake = result.mistake if result is not None else None
    if outcome == "failed" and mistake is None:
        mistake = "unnamed"
    message = result.feedback[0] if result is not None and result.feedback else ""
    return {
        "points": result.points if result is not None else 0,
        "max_points": get_exercise(exercise_id).points,
        "outcome": outcome,
        "mistake": mistake,
        "message": clean(message, 300),
    }


def write_details(graded_rows, out, root_of=None):
    """Write the sidecar beside the gradebook ``out`` (0600, atomically)."""
    path = Path(out).with_name(Path(out).stem + ".details.json")
    write_atomic(path, json.dumps(details(graded_rows, root_of), indent=1, ensure_ascii=True))
    return path
