"""Reading submissions: find them, read them all into memory, validate them, and tell their lesson.

Nothing here runs student code. Every submission is read (bytes, then JSON, then the parts of
nbformat 4's schema the grader reads) before the first student process starts, so no student can
change another's notebook on disk.
Stored outputs are ignored entirely: only the source of the code cells is kept.
"""

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..lessons import lesson_slugs

LESSONS = lesson_slugs()  # every lesson, in order (rnn_course/lessons.py)

MAX_NOTEBOOK_BYTES = 16 * 1024 * 1024  # a lesson notebook with its figures is well under 2 MB
MAX_CODE_CHARS = 1_000_000  # all code cells together
MAX_CELLS = 2000


class UsageError(Exception):
    """A mistake in how the grader was called (no submissions found, a bad output path...)."""


@dataclass
class Submission:
    """One submitted notebook, as read from disk (never re-read after that).

    Attributes:
        path: the file, as found.
        name: how the gradebook names it (relative to the current directory when under it).
        cells: (cell number, prepared source) for each code cell, numbered from 1 among all cells.
        lesson: the lesson slug, or None when it cannot be told.
        lesson_source: "metadata", "filename" or "functions".
        invalid: None, or why the file is not a usable notebook.
        salt: a hash of the grading secret and its bytes; the run's hidden cases are salted with
            all its submissions' salts together (``runner.run_salt``), so that an unchanged batch
            always meets the same cases, and no file can know them in advance.
    """

    path: Path
    name: str
    cells: list = field(default_factory=list)
    lesson: str = None
    lesson_source: str = ""
    invalid: str = None
    salt: int = 0
    lesson_note: str = None  # when the metadata's lesson and the content disagree
    kind: str = None  # the metadata's "kind" ("learner", "answer-key"), when it is a string


def discover(paths):
    """Every *.ipynb under ``paths`` (files or folders, recursively), skipping .ipynb_checkpoints.

    Returns sorted, de-duplicated Paths. Raises UsageError for a path that does not exist.
    """
    found = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for candidate in path.rglob("*.ipynb"):
                if ".ipynb_checkpoints" in candidate.parts or candidate.is_dir():
                    continue
                found.add(candidate)  # a broken link or a fifo too: its row says it cannot be read
        elif path.is_file():
            found.add(path)
        else:
            raise UsageError(f"no such file or folder: {raw}")
    return sorted(found, key=lambda p: display_name(p))


def display_name(path):
    """The submission's name in the gradebook: relative to the current folder if it is inside it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    name = absolute if relative.startswith("..") else relative
    # A file name that is not valid UTF-8 (bytes Python keeps as lone surrogates) is shown escaped,
    # so that it can be written to the gradebook: bad\xffname.ipynb; then the one sanitiser.
    from .sanitize import clean

    return clean(name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), 240)


SECRET_VARIABLE = "RNN_COURSE_GRADING_SECRET"


def submission_salt(data, secret=None):
    """A non-zero 62-bit number drawn from the SHA-256 of a secret and a submission's bytes.

    ``secret`` (bytes or str) defaults to the environment variable RNN_COURSE_GRADING_SECRET. The
    grader always grades with one (``grade`` makes and keeps one beside the gradebook when none is
    given): the same file meets the same cases under the same secret, but not even a notebook that
    reads its own bytes can rebuild them. The secret never reaches a student's process.
    """
    if secret is None:
        secret = os.environ.get(SECRET_VARIABLE, "")
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    digest = hashlib.sha256(secret + b"\0" + data).digest()
    return int.from_bytes(digest[:8], "big") % (2**62) + 1


def read_submission(path, max_bytes=MAX_NOTEBOOK_BYTES, secret=None):
    """Read and validate one notebook; a Submission with ``invalid`` set when it is unusable.
    A symbolic link is refused (it could point at an answer key or another student's file)."""
    sub = Submission(Path(path), display_name(path))
    try:
        if os.path.islink(path):
            sub.invalid = "the file is a symbolic link; submit the notebook file itself"
            return sub
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(
                os.fstat(fd).st_mode
            ):  # a fifo or a device would block or never end
                sub.invalid = "not a regular file"
                return sub
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        sub.invalid = f"cannot read the file ({exc.strerror or type(exc).__name__})"
        return sub
    sub.salt = submission_salt(data, secret)
    if len(data) > max_bytes:
        sub.invalid = f"file too large (over {max_bytes // (1024 * 1024)} MB)"
        return sub
    if not data.strip():
        sub.invalid = "empty file"
        return sub
    try:
        notebook = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        sub.invalid = "not a notebook: the file is not UTF-8 text"
        return sub
    except (ValueError, RecursionError) as exc:
        sub.invalid = f"not a notebook: invalid JSON ({_short(exc)})"
        return sub
    problem = _validate(notebook)
    if problem:
        sub.invalid = problem
        return sub
    sources = code_sources(notebook)
    if sum(len(s) for _, s in sources) > MAX_CODE_CHARS:
        sub.invalid = f"too much code (over {MAX_CODE_CHARS} characters)"
        return sub
    sub.cells = [(number, prepare_cell(source)) for number, source in sources]
    sub.lesson, sub.lesson_source = find_lesson(notebook, sub.path, sub.cells)
    meta = notebook["metadata"].get("rnn_course")
    meta = meta if isinstance(meta, dict) else {}
    sub.kind = meta.get("kind") if isinstance(meta.get("kind"), str) else None
    sub.lesson_note = _lesson_note(sub, meta.get("lesson"))
    return sub


def _lesson_note(sub, named):
    """Why the lesson graded is not the one the metadata names (and, for the second, re-tell
    ``sub``'s lesson from its functions), or None."""
    from .sanitize import clean

    if named is not None and named not in LESSONS:
        graded = (
            f"graded as {sub.lesson} (from its {sub.lesson_source})" if sub.lesson else "not graded"
        )
        return clean(f"its metadata names lesson {named!r}, which does not exist: {graded}", 200)
    by_content = lesson_from_functions(sub.cells)
    if sub.lesson_source != "metadata" or by_content in (None, sub.lesson):
        return None
    if _defines_any(sub.cells, sub.lesson):
        return None
    note = f"its metadata says lesson {sub.lesson}, but it defines the exercises of lesson {by_content}"
    sub.lesson, sub.lesson_source = by_content, "functions"
    return f"{note}: graded as {by_content}"


def code_sources(notebook):
    """(cell number, source text) for each code cell, numbered from 1 among all cells."""
    return [
        (number, "".join(cell.get("source", "")))
        for number, cell in enumerate(notebook.get("cells", []), start=1)
        if cell.get("cell_type") == "code"
    ]


def _defines_any(cells, lesson):
    """True when the notebook defines at least one of ``lesson``'s exercise functions."""
    wanted = set(expected_exercises(lesson))
    return bool(wanted & _defined_functions(cells))


def _short(exc):
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _validate(notebook):
    """None when ``notebook`` has what nbformat 4's schema requires of the parts the grader reads
    (the version, metadata, each cell's type, source and metadata), else the reason it has not.
    Stored outputs are never read, so their inner shape is not checked (nor is nbformat imported:
    its schema validator costs seconds to import and milliseconds per notebook)."""
    if not isinstance(notebook, dict):
        return "not a notebook: the JSON is not an object"
    major = notebook.get("nbformat")
    if major is None:
        return "not a notebook: no nbformat version"
    if major != 4 or type(major) is not int:
        return f"unsupported notebook format (nbformat {_short(repr(major))}; expected 4)"
    minor = notebook.get("nbformat_minor")
    if type(minor) is not int or not 0 <= minor < 1000:
        return f"not a valid nbformat 4 notebook (nbformat_minor {_short(repr(minor))})"
    if not isinstance(notebook.get("metadata"), dict):
        return "not a valid nbformat 4 notebook (no metadata object)"
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        return "not a valid nbformat 4 notebook (no list of cells)"
    if len(cells) > MAX_CELLS:
        return f"too many cells (over {MAX_CELLS})"
    for number, cell in enumerate(cells, start=1):
        problem = _cell_problem(cell)
        if problem:
            return f"not a valid nbformat 4 notebook (cell {number}: {problem})"
    return None


_CELL_TYPES = ("code", "markdown", "raw")


def _cell_problem(cell):
    """What nbformat 4's schema requires of a cell and the grader reads: a type, a source of text,
    a metadata object; a code cell also has its outputs list and execution count (never read)."""
    if not isinstance(cell, dict):
        return "not an object"
    if cell.get("cell_type") not in _CELL_TYPES:
        return "cell_type is not code, markdown or raw"
    source = cell.get("source")
    if not isinstance(source, str) and not (
        isinstance(source, list) and all(isinstance(line, str) for line in source)
    ):
        return "source is not text"
    if not isinstance(cell.get("metadata"), dict):
        return "no metadata object"
    if cell["cell_type"] == "code":
        count = cell.get("execution_count", "missing")
        if not isinstance(cell.get("outputs"), list):
            return "a code cell without a list of outputs"
        if count is not None and type(count) is not int:
            return "a code cell whose execution_count is not a number or null"
    return None


# ---------------------------------------------------------------------------------------------
# IPython syntax
# ---------------------------------------------------------------------------------------------

_RUN_BODY_MAGICS = {"time", "capture", "timeit"}  # cell magics whose body is ordinary Python
_MAGIC_LINE = re.compile(r"^(\s*)[%!]")


def prepare_cell(source):
    """The cell as plain Python: IPython magics and shell lines (% or !) become ``pass``.

    A cell magic (%%...) skips the whole cell, except %%time / %%capture / %%timeit whose body runs.
    """
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(" ")[0].strip()
        if magic not in _RUN_BODY_MAGICS:
            return ""
        lines = lines[1:]
    out = []
    for line in lines:
        match = _MAGIC_LINE.match(line)
        out.append(f"{match.group(1)}pass" if match else line)
    return "\n".join(out) + ("\n" if out else "")


# ---------------------------------------------------------------------------------------------
# Which lesson is it?
# ---------------------------------------------------------------------------------------------


def find_lesson(notebook, path, cells):
    """(slug, how it was found): metadata, else the file name, else the exercise functions defined."""
    meta = notebook.get("metadata", {}).get("rnn_course")
    if isinstance(meta, dict) and meta.get("lesson") in LESSONS:
        return meta["lesson"], "metadata"
    slug = lesson_from_filename(path)
    if slug:
        return slug, "filename"
    slug = lesson_from_functions(cells)
    if slug:
        return slug, "functions"
    return None, ""


def lesson_from_filename(path):
    """The lesson named in a file name: its full slug, or its two-digit number as a separate word."""
    stem = Path(path).stem.lower()
    for slug in LESSONS:
        if slug in stem:
            return slug
    numbers = {slug[:2]: slug for slug in LESSONS}
    for match in re.finditer(r"(?<![0-9a-z])(\d{2})(?![0-9])", stem):
        if match.group(1) in numbers:
            return numbers[match.group(1)]
    return None


def lesson_from_functions(cells):
    """The lesson whose exercises the notebook defines most of (top-level ``def``), or None."""
    from ..exercises import exercise_ids, get_exercise

    defined = _defined_functions(cells)
    counts = {}
    for exercise_id in exercise_ids():
        if exercise_id in defined:
            lesson = get_exercise(exercise_id).lesson
            counts[lesson] = counts.get(lesson, 0) + 1
    if not counts:
        return None
    return max(
        counts, key=lambda slug: (counts[slug], -LESSONS.index(slug) if slug in LESSONS else 0)
    )


def _defined_functions(cells):
    from ..allowlist import cell_bindings

    return {
        name for _, source in cells for name, kind, *_ in cell_bindings(source) if kind == "def"
    }


def expected_exercises(lesson):
    """The exercise ids a lesson's notebook must define, in catalogue order."""
    from ..exercises import exercise_ids, get_exercise

    return [e for e in exercise_ids() if get_exercise(e).lesson == lesson]
