"""Students and rosters: who handed in each graded notebook, and Canvas's gradebook import.

Functions over the gradebook's rows (dicts, as ``csv.DictReader`` reads ``gradebook.csv``):

* ``--student-id REGEX``: the student id is read from each submission's name (its path relative to
  the graded folder): the group named ``student`` if the pattern has one, else its first group,
  else the whole match. ``--student-id '^([^/]+)/'`` takes the first folder.
* ``--roster CSV``: a CSV with the columns ``file`` (a submission's name, or its file name) and
  ``student``; optional columns ``name``, ``canvas_id``, ``sis_login_id`` and ``section`` fill
  Canvas's columns.
* ``--format canvas``: ``NAME.canvas.csv`` beside the gradebook, in the columns Canvas's gradebook
  import reads: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one
  column per lesson (its score: the best of that student's submissions), after a
  ``Points Possible`` row. The student id goes in ``SIS User ID``.
"""

import csv
import io
import re
from pathlib import Path, PurePosixPath

POINTS_POSSIBLE = "(points possible)"
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


class RosterError(Exception):
    """A bad pattern or roster file."""


def compile_pattern(text):
    try:
        return re.compile(text)
    except re.error as exc:
        raise RosterError(f"--student-id {text!r} is not a regular expression: {exc}") from None


def id_from_name(pattern, submission):
    """The student id a pattern reads from a submission's name, or "" when it does not match."""
    match = pattern.search(submission)
    if match is None:
        return ""
    if "student" in pattern.groupindex:
        return match["student"] or ""
    return (match.group(1) if pattern.groups else match.group(0)) or ""


def read_roster(path):
    """The roster: a dict from a submission's name (or file name) to its row (dict)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise RosterError(f"--roster {path}: {exc.strerror}") from None
    if not rows or not {"file", "student"} <= set(rows[0]):
        raise RosterError(f"--roster {path}: needs the columns 'file' and 'student'")
    return {row["file"].strip(): row for row in rows if row["file"].strip()}


def roster_entry(roster, submission):
    """The roster row of a submission: by its full name first, then by its file name."""
    return roster.get(submission) or roster.get(PurePosixPath(submission).name)


def student_ids(rows, pattern=None, roster=None):
    """One student id per gradebook row (the points-possible row gets "")."""
    ids = []
    for row in rows:
        name = row["submission"]
        if name == POINTS_POSSIBLE:
            ids.append("")
        elif roster is not None:
            entry = roster_entry(roster, name)
            ids.append(entry["student"].strip() if entry else "")
        else:
            ids.append(id_from_name(pattern, name))
    return ids


def with_student_column(text, pattern=None, roster=None):
    """The gradebook CSV text with a ``student`` column after ``submission``; and the rows whose
    student is unknown (by submission name)."""
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    ids = student_ids(rows, pattern, roster)
    header = [h for h in reader.fieldnames if h != "student"]
    header.insert(1, "student")
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    for row, student in zip(rows, ids):
        writer.writerow({**row, "student": student})
    unknown = [
        r["submission"] for r, s in zip(rows, ids) if not s and r["submission"] != POINTS_POSSIBLE
    ]
    return out.getvalue(), unknown


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def canvas_text(text, roster=None):
    """Canvas's gradebook import CSV from a gradebook CSV that has a ``student`` column."""
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["submission"] != POINTS_POSSIBLE]
    lessons = sorted({r["lesson"] for r in rows if r["lesson"]})
    possible = {r["lesson"]: _number(r["max_total"]) for r in rows if r["lesson"]}
    best = {}
    for row in rows:
        student, lesson, total = row.get("student", ""), row["lesson"], _number(row["total"])
        if student and lesson and total is not None:
            best[student, lesson] = max(total, best.get((student, lesson), total))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CANVAS_FIXED + [f"rnn-course {lesson}" for lesson in lessons])
    writer.writerow(
        ["Points Possible", "", "", "", ""] + [_plain(possible[lesson]) for lesson in lessons]
    )
    for student in sorted({s for s, _ in best}):
        entry = _roster_by_student(roster, student)
        fixed = [entry.get("name") or student, entry.get("canvas_id", ""), student]
        fixed += [entry.get("sis_login_id", ""), entry.get("section", "")]
        writer.writerow(fixed + [_plain(best.get((student, lesson))) for lesson in lessons])
    return out.getvalue()


def _plain(value):
    """A number as Canvas reads it: 10 rather than 10.0; "" for none."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _roster_by_student(roster, student):
    for entry in (roster or {}).values():
        if entry["student"].strip() == student:
            return entry
    return {}


def canvas_path(out):
    """Where ``--format canvas`` writes: ``gradebook.csv`` -> ``gradebook.canvas.csv``."""
    out = Path(out)
    return out.with_name(f"{out.stem}.canvas.csv")
