"""Prediction questions of lesson 0 (welcome)."""

from ..predict import Question

QUESTIONS = {
    "00.first_shapes": Question(
        why=(
            "output holds the hidden state after every step of every sequence, laid out like the "
            "time-major input but with H numbers per state; h_n holds only the final state of each "
            "sequence, behind one leading axis per layer and direction."
        ),
        hints=(
            "output holds the hidden state after every step; h_n holds only the one after the last step.",
            "x is time-major, (L, N, H_in). Which axes of x survive into output, and which one is replaced?",
            "Each hidden state has H numbers, whatever H_in is. h_n keeps no time axis: it starts with "
            "one entry per layer (and direction), then the batch, then H.",
        ),
    ),
}
