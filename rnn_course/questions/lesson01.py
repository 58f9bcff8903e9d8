"""Prediction questions of lesson 1 (the RNN cell)."""

from ..predict import Question

QUESTIONS = {
    "01.batch_of_ten": Question(
        why=(
            "The cell keeps one hidden state of H numbers per row of the batch, and it applies the same "
            "weight_ih, weight_hh and biases to every row: the batch size is not part of any parameter."
        ),
        hints=(
            "x_t has one row per sequence. How many rows does x_t W_ih^T have, and how many columns?",
            "List the parameter tensors and their shapes: does N appear in any of them?",
        ),
    ),
    "01.moved_bias": Question(
        why="b_ih and b_hh are added inside the same tanh, so h_t depends on them only through their sum.",
        hints=("Write out the argument of tanh and group the two bias terms.",),
    ),
    "01.tanh_or_relu": Question(
        why=(
            "tanh maps every number into (-1, 1) whatever it is given; relu passes positive numbers "
            "through unchanged, so a state that W_hh multiplies by 1.5 at every step keeps whatever "
            "growth that product gives it."
        ),
        hints=(
            "Start from a positive state and apply 'multiply by 1.5, then the activation' a few times.",
            "Which of the two activations has a largest possible value?",
        ),
        options=("tanh", "relu", "both", "neither"),
    ),
    "01.parameter_count": Question(
        why=(
            "A one-layer nn.RNN holds one cell: weight_ih (H x H_in), weight_hh (H x H) and two biases "
            "of H numbers each. The sequence length appears in none of them."
        ),
        hints=(
            "Here H_in = input_size = 10 and H = hidden_size = 20. Count each of the four tensors.",
            "H * H_in + H * H + 2 * H.",
        ),
    ),
}
