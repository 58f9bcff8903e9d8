"""Exercise checkers.

    from rnn_course.exercises import check, hint
    check("rnn_cell", rnn_cell)     # -> CheckResult, shown as a short report
    hint("rnn_cell", level=1)       # -> progressive hints, never the solution

Every exercise's hidden cases are float64 and compared with torch (nn.RNN, autograd,
F.cross_entropy, clip_grad_norm_). See ``core`` for how a check runs.
"""

# The order registers the exercises in lesson order.
# isort: off
from . import forward, training  # noqa: F401  (importing them registers their exercises)
from . import sequence  # noqa: F401  (rnn_backward, masked_loss)
from . import capstone  # noqa: F401  (lesson 11: train_step, sample)
from . import gated  # noqa: F401  (lessons 12-13: lstm_cell, lstm_layer, gru_cell)
from . import seq2seq  # noqa: F401  (lessons 15-16: seq2seq_loss, greedy_decode, attention)

# isort: on
from .core import CheckResult, Hint, check, exercise_ids, get_exercise
from .core import hint as _exercise_hint


def hint(exercise_id, level=1):
    """Hint ``level`` (1 = gentlest) for an exercise or a prediction question ("04.puzzle_e")."""
    from ..predict import question_hint

    text = question_hint(exercise_id, level)
    return _exercise_hint(exercise_id, level) if text is None else Hint(text)


__all__ = ["CheckResult", "check", "exercise_ids", "get_exercise", "hint"]
