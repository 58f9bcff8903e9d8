"""Exercise checkers.

    from rnn_course.exercises import check, hint
    check("rnn_cell", rnn_cell)     # -> CheckResult, shown as a short report
    hint("rnn_cell", level=1)       # -> progressive hints, never the solution

Every exercise's hidden cases are float64 and compared with torch (nn.RNN, autograd,
F.cross_entropy, clip_grad_norm_). The machinery, one job per module, each importing only those
before it: ``registry`` (what an exercise and a mistake are) -> ``core`` (running the learner's
function) -> ``diagnose`` (naming the likely mistake, with ``diagnosis``) -> ``render`` (the card
and the hints) -> ``judge`` (the verdict, and ``check``).
"""

# The order registers the exercises in lesson order.
# isort: off
from . import forward, training  # noqa: F401  (importing them registers their exercises)
from . import sequence  # noqa: F401  (rnn_backward, masked_loss)
from . import capstone  # noqa: F401  (lesson 11: train_step, sample)
from . import gated  # noqa: F401  (lessons 12-13: lstm_cell, lstm_layer, gru_cell)
from . import gated_backward  # noqa: F401  (lesson 12: lstm_cell_backward)
from . import seq2seq  # noqa: F401  (lessons 15-16: seq2seq_loss, greedy_decode, attention)

# isort: on
from .judge import CheckResult, check
from .registry import Exercise, Mistake, exercise_ids, get_exercise, register
from .render import Hint
from .render import hint as _exercise_hint


def hint(exercise_id, level=1):
    """Hint ``level`` (1 = gentlest) for an exercise or a prediction question ("04.puzzle_e")."""
    from ..predict import question_hint

    text = question_hint(exercise_id, level)
    return _exercise_hint(exercise_id, level) if text is None else Hint(text)


__all__ = [
    "CheckResult",
    "Exercise",
    "Mistake",
    "check",
    "exercise_ids",
    "get_exercise",
    "hint",
    "register",
]
