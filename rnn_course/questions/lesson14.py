"""Prediction questions of lesson 14 (when gating helps)."""

from ..predict import Question

QUESTIONS = {
    "14.chance": Question(
        why="A model that always gives the same answer is right exactly when the first symbol happens to be "
        "that one. Ask how often that happens when the first symbol is drawn uniformly.",
        hints=("How many symbols are there, and are they equally likely?",),
        rel_tol=0.1,
    ),
    "14.which_learn": Question(
        why="a cell can only learn to keep the first symbol if some gradient from the last step reaches step 1; "
        "lessons 12 and 13 measured which cells, started as they are here, carry it back that far.",
        hints=(
            "Look again at the gradient measurements at the end of lessons 12 and 13.",
            "Which cells here start with a keep-gate open?",
        ),
        options=("a", "b", "c", "d"),
    ),
}
