"""Prediction questions of lesson 3 (output and h_n)."""

from ..predict import Question

QUESTIONS = {
    "03.last_sequence": Question(
        why=(
            "Indexing picks along the first axis. With batch_first=True the first axis of output is "
            "the batch, so output[-1] is one whole sequence of the batch, every step of it."
        ),
        hints=(
            "Write output's shape with letters for batch_first=True. Which letter is axis 0?",
            "output[-1] drops axis 0 and keeps the other two.",
        ),
    ),
    "03.classifier_shapes": Question(
        why=(
            "h0 has one (N, H) state per layer and direction, D * num_layers in all, whatever the "
            "layout of the input; the head turns each sequence's features into one score per class."
        ),
        hints=(
            "Read initial_state's docstring: it names the axes of the shape it builds.",
            "Which of D, num_layers, N and H does this classifier set, and to what? The head is "
            "nn.Linear(D * H, C), applied once per sequence.",
        ),
    ),
}
