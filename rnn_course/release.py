"""Build learner notebooks from answer keys, and re-execute both.

    rnn-course release [--check] [--no-execute] [--timeout S] [--notebooks DIR] [LESSON ...]
    python -m rnn_course.release (the same options)

An answer key ``notebooks/solutions/NN_slug.ipynb`` is the source of truth; the learner notebook
``notebooks/NN_slug.ipynb`` is generated from it and never edited by hand. LESSON is a slug
(``03_output_and_h_n``), its number (``03``) or the path of either notebook; with no LESSON, every
answer key is released.

How an answer key becomes a learner notebook
--------------------------------------------
* In a code cell, every region from a ``### BEGIN SOLUTION`` line to the next ``### END SOLUTION``
  line (nbgrader's markers; both lines included) becomes two lines at the indentation of the
  BEGIN line::

      ### BEGIN SOLUTION: compute h_next from x and h        # in the answer key
      h_next = torch.tanh(...)
      return h_next
      ### END SOLUTION

      # YOUR CODE HERE: compute h_next from x and h          # in the learner notebook
      raise NotImplementedError

  The text after ``### BEGIN SOLUTION:`` tells the learner what to write; without it the comment is
  ``# YOUR CODE HERE`` plus a generic instruction. A cell may hold several regions. A BEGIN without
  its END, an END without a BEGIN, a BEGIN inside a region, or a marker in a markdown cell is an error.
* A region from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS`` (nbgrader's markers) is
  dropped: the answer key's confirming asserts, which state the answer of a prediction, stay out of
  the learner's sight.
* A line ``NAME = VALUE  ### PREDICTION`` (the answer key's prediction) becomes
  ``NAME = ...  # your prediction``; text after ``### PREDICTION:`` replaces "your prediction".
* Cells tagged ``solution-only`` (cell metadata ``tags``) are dropped.
* The notebook metadata gets ``rnn_course: {lesson: slug, kind: "learner"}`` (the answer key gets
  ``kind: "answer-key"``).

Then both notebooks are executed with nbclient in the current environment's python (cwd
``notebooks/``, ``OMP_NUM_THREADS=1``, a time limit per cell). The answer key is written back with
its fresh outputs; the learner notebook is written **without outputs**, so nothing a learner sees
before answering shows an answer (it is executed only to prove that Run All works on it). An error
in either notebook aborts the release of that lesson, names the notebook and the cell, and leaves
the files on disk as they were. ``--no-execute`` writes the learner notebook and leaves the answer
key alone.

``--check`` writes nothing: it exits 1 and lists every learner notebook that is missing, holds
outputs, or whose cells (type, source, tags) or ``rnn_course`` metadata differ from the release of its
answer key. It exits 0 when all match.
"""

import argparse
import copy
import re
import sys
from pathlib import Path

from .executor import (  # noqa: F401  (coalesce_streams: part of this module's interface)
    NotebookError,
    clear_outputs,
    coalesce_streams,
    execute_notebook,
    first_line,
    short,
)
from .files import write_atomic

SOLUTION_ONLY_TAG = "solution-only"
DEFAULT_INSTRUCTION = "replace `raise NotImplementedError` with your code"
CELL_TIMEOUT = 120  # seconds per cell

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\b(?:[ \t]*:(?P<text>.*))?[ \t]*$")
_END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")
_ANY_MARKER = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)|### PREDICTION")
_BEGIN_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*$")
_END_HIDDEN = re.compile(r"^[ \t]*### END HIDDEN TESTS[ \t]*$")
_PREDICTION = re.compile(
    r"^(?P<head>[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*=)[ \t]*\S.*?[ \t]*### PREDICTION\b(?:[ \t]*:(?P<text>.*))?[ \t]*$"
)
_LESSON_FILE = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


class ReleaseError(Exception):
    """A notebook that cannot be released; the message names the notebook (and the cell)."""


# ---------------------------------------------------------------------------------------------
# Where the notebooks are
# ---------------------------------------------------------------------------------------------


def default_notebooks_dir():
    """The repository's ``notebooks/`` folder (next to the ``rnn_course`` package)."""
    return Path(__file__).resolve().parent.parent / "notebooks"


def answer_keys(notebooks_dir):
    """Every answer key ``solutions/NN_slug.ipynb``, sorted by lesson number."""
    folder = Path(notebooks_dir) / "solutions"
    return sorted(p for p in folder.glob("*.ipynb") if _LESSON_FILE.match(p.name))


def learner_path(answer_key):
    """``notebooks/solutions/NN_slug.ipynb`` -> ``notebooks/NN_slug.ipynb``."""
    answer_key = Path(answer_key)
    return answer_key.parent.parent / answer_key.name


def resolve_lesson(lesson, notebooks_dir):
    """The answer key for a slug, a lesson number or the path of either notebook."""
    keys = answer_keys(notebooks_dir)
    text = str(lesson)
    path = Path(text)
    if text.endswith(".ipynb"):
        path = path.resolve()
        candidate = (
            path if path.parent.name == "solutions" else path.parent / "solutions" / path.name
        )
        if candidate.exists():
            return candidate
        raise ReleaseError(f"{lesson}: no answer key {candidate}")
    number = text.zfill(2) if text.isdigit() else text  # "1" names lesson 01, as "01" does
    matches = [k for k in keys if k.stem == text] or [
        k for k in keys if k.stem.split("_")[0] == number
    ]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(k.stem for k in keys) or "none"
    raise ReleaseError(f"unknown lesson {lesson!r}; answer keys: {known}")


# ---------------------------------------------------------------------------------------------
# The transform (pure: notebook in, notebook out)
# ---------------------------------------------------------------------------------------------


def blank_solutions(source, where="cell"):
    """``source`` as the learner sees it: solution regions blanked, hidden tests dropped, predictions emptied.

    Every BEGIN/END SOLUTION region becomes a comment and ``raise NotImplementedError``; every
    BEGIN/END HIDDEN TESTS region disappears; ``NAME = VALUE  ### PREDICTION`` becomes
    ``NAME = ...  # your prediction``.
    """
    out, region = [], None  # region: (kind, line number it opened on) while inside one
    for number, line in enumerate(source.split("\n"), start=1):
        start, hidden, prediction = (
            _BEGIN.match(line),
            _BEGIN_HIDDEN.match(line),
            _PREDICTION.match(line),
        )
        if start or hidden:
            if region is not None:
                raise ReleaseError(
                    f"{where}: line {number} opens a region inside the {region[0]} region opened on line {region[1]}"
                )
            region = ("solution" if start else "hidden tests", number)
            if start:
                instruction = (start["text"] or "").strip() or DEFAULT_INSTRUCTION
                out += [
                    f"{start['indent']}# YOUR CODE HERE: {instruction}",
                    f"{start['indent']}raise NotImplementedError",
                ]
        elif _END.match(line) or _END_HIDDEN.match(line):
            kind = "solution" if _END.match(line) else "hidden tests"
            if region is None or region[0] != kind:
                marker = "### END SOLUTION" if kind == "solution" else "### END HIDDEN TESTS"
                raise ReleaseError(
                    f"{where}: line {number} has {marker} without its ### BEGIN before it"
                )
            region = None
        elif prediction and region is None:
            text = (prediction["text"] or "").strip() or "your prediction"
            out.append(f"{prediction['head']} ...  # {text}")
        elif _ANY_MARKER.search(line):
            raise ReleaseError(f"{where}: line {number} has a malformed marker: {line.strip()!r}")
        elif region is None:
            out.append(line)
    if region is not None:
        raise ReleaseError(
            f"{where}: the {region[0]} region opened on line {region[1]} is never closed"
        )
    return "\n".join(out)


def lesson_of(path):
    """The lesson slug of a notebook path: ``.../03_output_and_h_n.ipynb`` -> ``03_output_and_h_n``."""
    return Path(path).stem


def make_learner(answer_key, lesson):
    """The learner notebook released from ``answer_key`` (a NotebookNode; the input is not changed)."""
    nb = copy.deepcopy(answer_key)
    cells = []
    for index, cell in enumerate(nb.cells):
        where = f"{lesson}: cell {index} ({first_line(cell)})"
        if SOLUTION_ONLY_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.source = blank_solutions(cell.source, where)
        elif _ANY_MARKER.search(cell.source):
            raise ReleaseError(
                f"{where}: solution markers only work in code cells; tag the cell {SOLUTION_ONLY_TAG!r} instead"
            )
        cells.append(cell)
    nb.cells = cells
    clear_outputs(nb)
    set_kind(nb, lesson, "learner")
    return nb


def set_kind(nb, lesson, kind):
    """Stamp ``metadata.rnn_course = {lesson, kind}`` (kind: "learner" or "answer-key"), in place."""
    nb.metadata["rnn_course"] = {"lesson": lesson, "kind": kind}


def cell_signature(nb):
    """What ``--check`` compares: (cell_type, source, tags) for each cell."""
    return [(c.cell_type, c.source, tuple(c.get("metadata", {}).get("tags", []))) for c in nb.cells]


# ---------------------------------------------------------------------------------------------
# Reading, executing, writing
# ---------------------------------------------------------------------------------------------


def read_notebook(path):
    """Read and validate a notebook; a ReleaseError naming the file if it is malformed."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except FileNotFoundError:
        raise ReleaseError(f"{_shown(path)}: no such notebook") from None
    except Exception as exc:  # JSON errors, validation errors, unreadable files
        raise ReleaseError(
            f"{_shown(path)}: not a valid notebook: {type(exc).__name__}: {short(exc)}"
        ) from None
    return nb


def write_notebook(nb, path):
    """Write ``nb`` atomically in nbformat's JSON (indent 1, sorted keys), ending in a newline."""
    import nbformat

    text = nbformat.writes(nb)
    write_atomic(path, text if text.endswith("\n") else text + "\n")


def execute(nb, label, cwd, timeout=CELL_TIMEOUT):
    """Run every cell of ``nb`` in place (``executor.execute_notebook``); a ReleaseError naming
    ``label`` and the failing cell if one fails."""
    try:
        return execute_notebook(nb, label, cwd, timeout)
    except NotebookError as exc:
        raise ReleaseError(str(exc)) from None


def _shown(path):
    """A path as the user would type it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


# ---------------------------------------------------------------------------------------------
# Release and check one lesson
# ---------------------------------------------------------------------------------------------


def release(answer_key_path, execute_notebooks=True, timeout=CELL_TIMEOUT, log=print):
    """Build (and run) the learner notebook of one answer key; write both only if all went well."""
    answer_key_path = Path(answer_key_path)
    lesson = lesson_of(answer_key_path)
    target = learner_path(answer_key_path)
    key = read_notebook(answer_key_path)
    learner = make_learner(key, lesson)  # validates the markers before anything runs
    if execute_notebooks:
        set_kind(key, lesson, "answer-key")
        cwd = target.parent
        log(f"{lesson}: executing the answer key")
        execute(key, f"answer key {_shown(answer_key_path)}", cwd, timeout)
        log(f"{lesson}: executing the learner notebook")
        execute(
            learner,
            f"learner notebook {_shown(target)} (released from {_shown(answer_key_path)})",
            cwd,
            timeout,
        )
        clear_outputs(learner)  # it ran cleanly; the learner gets it without outputs
        write_notebook(key, answer_key_path)
    write_notebook(learner, target)
    log(
        f"{lesson}: wrote {_shown(target)}"
        + (f" and {_shown(answer_key_path)}" if execute_notebooks else "")
    )
    return target


def check(answer_key_path):
    """A list of problems (empty when the learner notebook is exactly the release of its key)."""
    answer_key_path = Path(answer_key_path)
    lesson = lesson_of(answer_key_path)
    target = learner_path(answer_key_path)
    expected = make_learner(read_notebook(answer_key_path), lesson)
    if not target.exists():
        return [f"{_shown(target)}: missing (run `rnn-course release {lesson}`)"]
    actual = read_notebook(target)
    problems = []
    want, got = cell_signature(expected), cell_signature(actual)
    if want != got:
        problems.append(
            f"{_shown(target)}: {_first_difference(want, got)}; it differs from the release of "
            f"{_shown(answer_key_path)} (run `rnn-course release {lesson}`)"
        )
    with_outputs = [
        i
        for i, c in enumerate(actual.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    if with_outputs:
        problems.append(
            f"{_shown(target)}: cells {with_outputs} hold outputs; learner notebooks ship without them "
            f"(run `rnn-course release {lesson}`)"
        )
    if actual.metadata.get("rnn_course") != expected.metadata["rnn_course"]:
        problems.append(
            f"{_shown(target)}: metadata rnn_course is {actual.metadata.get('rnn_course')!r},"
            f" expected {expected.metadata['rnn_course']!r}"
        )
    return problems


def _first_difference(want, got):
    for index, (w, g) in enumerate(zip(want, got)):
        if w != g:
            part = "type" if w[0] != g[0] else "source" if w[1] != g[1] else "tags"
            return f"cell {index} has a different {part}"
    return f"it has {len(got)} cells, the release has {len(want)}"


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def add_arguments(parser):
    """The options of ``rnn-course release`` (and ``python -m rnn_course.release``), added to ``parser``."""
    parser.add_argument(
        "lessons",
        nargs="*",
        metavar="LESSON",
        help="a slug, a lesson number or a notebook path (default: all)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a learner notebook is missing or stale",
    )
    parser.add_argument(
        "--no-execute", action="store_true", help="build learner notebooks without running anything"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=CELL_TIMEOUT,
        metavar="S",
        help=f"seconds per cell (default {CELL_TIMEOUT})",
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        metavar="DIR",
        help="the notebooks folder (default: the repository's)",
    )
    return parser


DESCRIPTION = "Build learner notebooks from answer keys (notebooks/solutions/) and re-execute both."


def build_parser():
    return add_arguments(
        argparse.ArgumentParser(prog="rnn-course release", description=DESCRIPTION)
    )


def main(argv=None):
    """Entry point of ``python -m rnn_course.release``; returns the exit status (0 ok, 1 stale or failed)."""
    return run(build_parser().parse_args(argv))


def run(args):
    """Release or check the lessons named by parsed ``args`` (see ``add_arguments``); the exit status."""
    notebooks_dir = args.notebooks or default_notebooks_dir()
    try:
        keys = [resolve_lesson(lesson, notebooks_dir) for lesson in args.lessons] or answer_keys(
            notebooks_dir
        )
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not keys:
        print(f"error: no answer keys in {Path(notebooks_dir) / 'solutions'}", file=sys.stderr)
        return 1
    failures = []
    for key in keys:
        try:
            if args.check:
                failures += check(key)
            else:
                release(key, execute_notebooks=not args.no_execute, timeout=args.timeout)
        except ReleaseError as exc:
            failures.append(str(exc))
    for failure in failures:
        print(f"{'stale' if args.check else 'error'}: {failure}", file=sys.stderr)
    if args.check and not failures:
        print(f"{len(keys)} learner notebook(s) match their answer keys")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())


def lesson_map():
    """The lesson map as a markdown table: number, title, skills and graded exercises of each lesson.

    The README and lesson 00 both show this table; ``tests/test_lessons.py`` keeps them equal to it.
    """
    from .exercises import exercise_ids, get_exercise  # torch loads only when the map is made
    from .lessons import LESSONS

    rows = [
        "| # | Lesson | You will be able to | Exercise |",
        "| --- | --- | --- | --- |",
    ]
    for lesson in LESSONS:
        graded = [f"`{e}`" for e in exercise_ids() if get_exercise(e).lesson == lesson.slug]
        rows.append(
            f"| {lesson.number} | {lesson.title} | {lesson.skills} | {', '.join(graded) or '—'} |"
        )
    return "\n".join(rows)
