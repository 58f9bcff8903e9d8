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
    "06.last_output": Question(
        why=(
            "A direction's final state is its state after the last input it reads. The forward pass "
            "reads x_1 first and x_L last; the backward pass reads them in the opposite order."
        ),
        hints=(
            "output[-1] is step t = L. Which direction has read every input by the time it reaches t = L?",
            "At t = L, how many inputs has the backward pass read so far?",
        ),
        options=("forward", "backward", "both", "neither"),
    ),
    "06.top_layer_index": Question(
        why=(
            "h_n is ordered layer by layer and, inside a layer, forward before backward: layer k, "
            "direction d (0 forward, 1 backward) sits at index k * D + d."
        ),
        hints=(
            "Layers are numbered from 0, so the top layer of a 2-layer stack is layer 1.",
            "Write out the four entries in order: layer 0 forward, layer 0 backward, then layer 1.",
        ),
    ),
}
