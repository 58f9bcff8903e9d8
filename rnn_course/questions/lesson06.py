"""Prediction questions of lesson 6 (bidirectional RNNs)."""

from ..predict import Question

QUESTIONS = {
    "06.shapes": Question(
        why=(
            "output keeps one entry per time step, and each entry puts the forward and the backward "
            "state side by side; h_n keeps one final state per layer and direction, D * num_layers of them."
        ),
        hints=(
            "Two directions each produce a state of H numbers at every step. Where do both go in output?",
            "h_n's first axis counts layers times directions; this RNN has one layer.",
        ),
    ),
    "06.top_layer_index": Question(
        why=(
            "h_n lists the final states layer by layer, bottom layer first, and inside each layer the "
            "forward direction before the backward one. An entry's index is the number of entries "
            "listed before it."
        ),
        hints=(
            "Layers are numbered from 0, so the top layer of a 2-layer stack is layer 1.",
            "Write out the four entries in order: layer 0 forward, layer 0 backward, then layer 1.",
        ),
    ),
}
