"""The answer keys as nbgrader *source* notebooks, for a class graded with nbgrader on JupyterHub.

    rnn-course release --nbgrader course/            # every lesson with an exercise
    rnn-course release --nbgrader course/ 01_rnn_cell

writes ``course/source/<slug>/<slug>.ipynb``, ready for ``nbgrader generate_assignment <slug>`` and
``nbgrader autograde <slug>`` run in ``course/`` (nbgrader's course folder). Each answer-key cell
becomes:

* an exercise cell (``### BEGIN SOLUTION`` ... ``### END SOLUTION``, nbgrader's own markers): a
  *solution* cell (``solution: true``), which nbgrader blanks for students; the instruction after
  ``### BEGIN SOLUTION:`` moves to a comment above the marker, so that students still see it;
* the exercise's one-line ``check("id", id)`` cell: a locked *autograded test* cell carrying the
  exercise's points. It runs the course's checker, shows its feedback and ends with the points the
  checker gave, which nbgrader records as the cell's (partial) credit;
* a prediction cell: the learner's version (``### PREDICTION`` emptied, hidden tests dropped),
  unlocked, since the learner writes the prediction there;
* a markdown cell: locked (read-only);
* any other code cell: as in the answer key, without nbgrader metadata (``solution-only`` cells are
  dropped).

nbgrader runs the student's notebook in the student's kernel and believes what it prints, unlike
``rnn-course grade``, which judges from outside the student's process (see docs/security.md).
"""

import copy
import re
from pathlib import Path

from ..exercises import exercise_ids, get_exercise
from ..release import (
    SOLUTION_ONLY_TAG,
    ReleaseError,
    answer_keys,
    blank_solutions,
    clear_outputs,
    default_notebooks_dir,
    read_notebook,
    resolve_lesson,
    write_notebook,
)

_CHECK_CELL = re.compile(r'^\s*check\(\s*"(?P<id>[a-z0-9_]+)"\s*,\s*(?P=id)\s*\)\s*$')
_SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION\b", re.MULTILINE)
_BEGIN_WITH_TEXT = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[ \t]*:[ \t]*(?P<text>\S.*?)[ \t]*$", re.MULTILINE
)
_PREDICTION = re.compile(r"### PREDICTION|### BEGIN HIDDEN TESTS")

TEST_SOURCE = """result = check("{id}", {id})
display(result)
result.points  # the points nbgrader records: the checker's ({points} when it passed)"""


class NbgraderError(Exception):
    """An answer key that cannot become an nbgrader source notebook, or a bad lesson name."""


def nbgrader_meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    """nbgrader's cell metadata (schema version 3)."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3}
    meta["solution"] = solution
    if points is not None:
        meta["points"] = points
    return meta


def convert_cell(cell, lesson, index):
    """One answer-key cell as nbgrader source cell(s): a list of zero or one cell."""
    if SOLUTION_ONLY_TAG in cell.get("metadata", {}).get("tags", []):
        return []
    cell = copy.deepcopy(cell)
    where = f"{lesson}: cell {index}"
    if cell.cell_type == "markdown":
        cell.metadata["nbgrader"] = nbgrader_meta(f"{lesson}_md_{index}", locked=True)
    elif _SOLUTION.search(cell.source):
        cell.source = _BEGIN_WITH_TEXT.sub(
            r"\g<indent># \g<text>\n\g<indent>### BEGIN SOLUTION", cell.source
        )
        cell.metadata["nbgrader"] = nbgrader_meta(f"{lesson}_solution_{index}", solution=True)
    elif _CHECK_CELL.match(cell.source):
        exercise_id = _CHECK_CELL.match(cell.source)["id"]
        if exercise_id not in exercise_ids():
            raise NbgraderError(f"{where}: checks {exercise_id!r}, which no checker grades")
        points = get_exercise(exercise_id).points
        cell.source = TEST_SOURCE.format(id=exercise_id, points=points)
        cell.metadata["nbgrader"] = nbgrader_meta(
            f"test_{exercise_id}", grade=True, locked=True, points=points
        )
    elif _PREDICTION.search(cell.source):
        try:
            cell.source = blank_solutions(cell.source, where)
        except ReleaseError as exc:
            raise NbgraderError(str(exc)) from None
    return [cell]


def to_nbgrader(answer_key, lesson):
    """The nbgrader source notebook made from ``answer_key`` (a NotebookNode; not changed)."""
    nb = copy.deepcopy(answer_key)
    nb.cells = [
        new for i, cell in enumerate(answer_key.cells) for new in convert_cell(cell, lesson, i)
    ]
    clear_outputs(nb)
    nb.metadata.pop("rnn_course", None)
    return nb


def graded_lessons(notebooks_dir):
    """The answer keys whose lessons have at least one graded exercise."""
    graded = {get_exercise(e).lesson for e in exercise_ids()}
    return [key for key in answer_keys(notebooks_dir) if key.stem in graded]


def export_course(out, lessons=(), notebooks_dir=None):
    """Write ``out/source/<slug>/<slug>.ipynb`` for each lesson (default: every graded one)."""
    notebooks_dir = notebooks_dir or default_notebooks_dir()
    try:
        keys = [resolve_lesson(lesson, notebooks_dir) for lesson in lessons]
        keys = keys or graded_lessons(notebooks_dir)
        written = []
        for key in keys:
            nb = to_nbgrader(read_notebook(key), key.stem)
            folder = Path(out) / "source" / key.stem
            folder.mkdir(parents=True, exist_ok=True)
            write_notebook(nb, folder / f"{key.stem}.ipynb")
            written.append(folder / f"{key.stem}.ipynb")
    except ReleaseError as exc:
        raise NbgraderError(str(exc)) from None
    return written
