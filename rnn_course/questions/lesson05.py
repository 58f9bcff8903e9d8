"""Prediction questions of lesson 5 (stacked RNNs)."""

from ..predict import Question

QUESTIONS = {
    "05.parameter_tensors": Question(
        why=(
            "Count the tensors one layer owns, then multiply by the number of layers. A weight_ih has "
            "one row per hidden unit and one column per feature that its layer reads, so first ask "
            "what the layer in question reads."
        ),
        hints=(
            "How many tensors does one layer have, and how many layers are there?",
            "What does layer 2 read: x, or the output of layer 1? How many features is that?",
        ),
    ),
    "05.dropout_modes": Question(
        why=(
            "In training mode dropout draws a new random mask between layers on every call; in eval "
            "mode it is switched off and the stack is a fixed function of its input."
        ),
        hints=(
            "Is a dropout mask drawn once, when the module is built, or on every call?",
            "What does .eval() do to nn.Dropout?",
        ),
    ),
}
