"""Realistic attempts at the course's exercises, written from the learner notebooks alone.

Each module is named after one exercise id and holds ``ATTEMPTS``, a list of :class:`Attempt`.
The attempts were written by a reader who had not seen how the checkers diagnose, so they measure
how often the feedback names the real cause of a mistake nobody showed the checkers.
"""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Attempt:
    """One attempt at an exercise.

    fn: a function with the exercise's exact signature.
    correct: True for a right (if unusual) answer, False for a wrong one.
    cause: for a wrong attempt, the real mistake in one sentence, in the learner's terms.
    cause_keywords: word stems (lowercase) that any right explanation of the mistake mentions;
        every entry must appear in the named cause, and an entry "a|b" is met by either stem.
    """

    fn: Callable
    correct: bool
    cause: str = ""
    cause_keywords: tuple[str, ...] = ()

    @property
    def name(self):
        return self.fn.__name__


EXERCISES = (
    "rnn_cell",
    "rnn_layer",
    "final_states",
    "stacked_rnn",
    "bidirectional_rnn",
    "rnn_forward",
    "rnn_loss",
    "cell_backward",
    "rnn_backward",
    "clip_grad_norm",
    "last_valid_output",
    "masked_loss",
    "sample",
    "train_step",
    "lstm_cell",
    "lstm_layer",
    "gru_cell",
)
