"""Prediction questions of lesson 15 (encoder-decoder)."""

from ..predict import Question

QUESTIONS = {
    "15.context_shape": Question(
        why="the context is the encoder's final state: one vector per source in the batch, with the "
        "two directions' units side by side; the source's length does not appear in it.",
        hints=(
            "How many final states does a GRU have per source, per direction?",
            "What happens to the units of two directions when they are put side by side?",
        ),
    ),
    "15.free_running": Question(
        why="a decoder fed its own guesses continues, after one mistake, from a history unlike any it "
        "was trained on, and mistakes lead to more mistakes; teacher forcing restarts every step from "
        "the right history.",
        hints=(
            "What does each model see at step t in each case, once it has made one mistake?",
            "Which histories did the model see while it was trained?",
        ),
        options=("a", "b", "c"),
    ),
}
