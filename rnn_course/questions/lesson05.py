"""Prediction questions of lesson 5 (stacked RNNs)."""

from ..predict import Question

QUESTIONS = {
    "05.parameter_tensors": Question(
        why=(
            "Every layer has its own weight_ih, weight_hh, bias_ih and bias_hh. Layer 0's weight_ih "
            "reads the H_in input features; every layer above it reads the H features of the layer below."
        ),
        hints=(
            "How many tensors does one layer have, and how many layers are there?",
            "What does layer 2 read: x, or the output of layer 1? How many features is that?",
        ),
    ),
    "05.bottom_final_state": Question(
        why=(
            "output is the top layer's sequence only; h_n[0] is the bottom layer's last state, the last "
            "step of a sequence that nn.RNN does not return."
        ),
        hints=("Which layer produced output? Which layer does h_n[0] belong to?",),
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
