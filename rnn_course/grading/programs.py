"""From a submission to what its child runs: one Program per exercise, refusals and flags.

Runs in the grader's own process, on the notebook as data (nothing of it runs here). For each of the
lesson's exercises: the Program (``allowlist.extract``), or a failed result that says why there is
none (missing, not a ``def``, a construct outside the allowlist). Flags, for the instructor, come
only from code the learner wrote (a piece whose source is not in the released learner notebook):
a refused construct, and an exercise function identical to the course's answer key.
"""

import ast
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..allowlist import Refused, extract, top_level_pieces
from ..exercises.core import CheckResult, get_exercise
from .notebook import code_sources, expected_exercises, prepare_cell

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@dataclass
class Taken:
    programs: dict = field(default_factory=dict)  # exercise id -> Program
    results: dict = field(default_factory=dict)  # exercise id -> CheckResult (no Program)
    flags: list = field(default_factory=list)  # for the instructor


def missing_message(exercise_id):
    return f"function {exercise_id} not found (deleted or renamed?)"


def failed(exercise_id, message, status="failed"):
    exercise = get_exercise(exercise_id)
    return CheckResult(exercise_id, False, 0, exercise.points, [message], status)


def take_programs(sub):
    """The Taken for a readable submission of a known lesson."""
    taken = Taken()
    released = released_sources(sub.lesson)
    pieces = top_level_pieces(sub.cells)
    for exercise_id in expected_exercises(sub.lesson):
        try:
            program = extract(sub.cells, exercise_id, pieces)
        except KeyError:
            taken.results[exercise_id] = failed(exercise_id, missing_message(exercise_id))
            continue
        except Refused as exc:
            taken.results[exercise_id] = failed(exercise_id, f"cannot be graded: {exc.message}")
            if not _course_code(sub.cells, exc, released):
                taken.flags.append(f"refused in {exercise_id}: {exc.message}")
            continue
        taken.programs[exercise_id] = program
    keyed = [e for e in taken.programs if _is_answer_key(sub.lesson, taken.programs[e])]
    if keyed or sub.kind == "answer-key":
        names = ", ".join(keyed) if keyed else "its metadata"
        taken.flags.append(f"answer key: {names} identical to the course's answer key")
    return taken


def _course_code(cells, refusal, released):
    """Whether the refused line sits in a cell the released learner notebook has unchanged."""
    text = str(refusal.message)
    for number, source in cells:
        if text.startswith(f"cell {number},") and _normal(source) in released:
            return True
    return False


def _normal(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


@functools.lru_cache(maxsize=None)
def released_sources(lesson):
    """The code cells of the released learner notebook, normalised (empty when it is not here)."""
    return frozenset(_normal(s) for _, s in _cells(NOTEBOOKS / f"{lesson}.ipynb"))


@functools.lru_cache(maxsize=None)
def _answer_key_pieces(lesson):
    return top_level_pieces(_cells(NOTEBOOKS / "solutions" / f"{lesson}.ipynb"))


def _cells(path):
    """The prepared code cells of a course notebook (none when it is not here)."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [(number, prepare_cell(source)) for number, source in code_sources(notebook)]


def _is_answer_key(lesson, program):
    key = _answer_key_pieces(lesson).get(program.exercise_id)
    mine = next((p for p in program.pieces if p.name == program.exercise_id), None)
    return key is not None and mine is not None and _shape(key.node) == _shape(mine.node)


def _shape(node):
    """The function's code, its docstring and comments aside."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]), include_attributes=False)
