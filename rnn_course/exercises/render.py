"""What the learner sees of an exercise besides its result card (``rnn_course.card``): the hints.

Uses ``registry`` (an exercise's hints) only.
"""

import numbers

from ..card import inline_html
from .plain import type_name
from .registry import exercise_ids, get_exercise


def _shown(value):
    """A short repr of a learner's plain value, or its type for anything else."""
    if value is None or type(value) in (int, float, bool, str):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return f"<{type_name(value)}>"


class Hint(str):
    """A hint: a string that shows itself as readable text in Jupyter and a terminal."""

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        return (
            f'<div style="border-left:4px solid #0969da;padding:2px 8px">{inline_html(self)}</div>'
        )


def hint(exercise_id, level=1):
    """Hint number ``level`` (1 = gentlest) for an exercise. Hints never give the solution.

    Never raises for a learner: an unknown exercise or a level that does not exist gets a Hint that
    says so (and which levels or exercises there are).
    """
    if type(exercise_id) is not str or exercise_id not in exercise_ids():
        known = ", ".join(exercise_ids())
        return Hint(
            f"There are no hints for {_shown(exercise_id)}: it is not an exercise. The exercises are: {known}."
        )
    hints = get_exercise(exercise_id).hints
    if not hints:
        return Hint(f"Hint for {exercise_id}: no hints are written for this exercise yet.")
    level = int(level) if isinstance(level, numbers.Integral) and type(level) is not bool else level
    if type(level) is not int or not 1 <= level <= len(hints):
        return Hint(
            f"There is no hint level {_shown(level)} for {exercise_id}: ask for a level from 1 to "
            f"{len(hints)}, e.g. hint({exercise_id!r}, 1)."
        )
    more = (
        f" (ask for level={level + 1} for more)"
        if level < len(hints)
        else " (this is the last hint)"
    )
    return Hint(f"Hint {level}/{len(hints)} for {exercise_id}: {hints[level - 1]}{more}")
