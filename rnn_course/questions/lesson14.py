"""Prediction questions of lesson 14 (when gating helps)."""

from ..predict import Question

QUESTIONS = {
    "14.chance": Question(
        why="A model that always gives the same answer is right exactly when the first symbol happens to be "
        "that one. Ask how often that happens when the first symbol is drawn uniformly.",
        hints=("How many symbols are there, and are they equally likely?",),
        rel_tol=0.1,
    ),
    "14.default_init": Question(
        why="Training can only learn to keep the first symbol if some gradient from the answer reaches step 1. "
        "Along the keep path it is multiplied by the keep gate at every step; ask what that gate is at "
        "torch's default initialisation, and what is left of the gradient after 29 such steps.",
        hints=(
            "Look again at what lessons 12 and 13 measured for the default gates, from step 49 back to step 1.",
            "What is sigmoid(0)? Raise it to the power 29.",
        ),
        options=("a", "b", "c", "d"),
    ),
    "14.which_learn": Question(
        why="An open keep gate lets the gradient from the answer reach step 1, which makes learning the task "
        "possible, not certain; a cell without that path rarely gets the signal. 'Every seed' is strict: "
        "one run below 0.95 rules a cell out.",
        hints=(
            "Which cells here have a keep path that starts open?",
            "Is an open path a guarantee, or a chance? Look at how each cell's runs are spread.",
        ),
        options=("a", "b", "c", "d"),
    ),
}
