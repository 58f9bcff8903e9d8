"""Prediction questions of lesson 12 (LSTM)."""

from ..predict import Question

QUESTIONS = {
    "12.weight_shapes": Question(
        why="torch stacks the rows of all four blocks (i, f, g, o) into one weight_ih; each block is one hidden "
        "size tall, and every row reads all the input features. A bias has one entry per row.",
        hints=(
            "How many blocks does an LSTM compute, and how many rows does each block have?",
            "weight_ih is (rows, H_in); count the rows of all the blocks together.",
        ),
    ),
    "12.state_shapes": Question(
        why="output holds the top layer's h_t at every step, (L, N, H); h_n and c_n each hold one final state "
        "per layer and direction, laid out like nn.RNN's h_n.",
        hints=(
            "Lesson 04's rule for output and h_n does not change for an LSTM.",
            "c_n has exactly the shape of h_n here.",
        ),
    ),
    "12.parameter_count": Question(
        why="each of the four blocks has one plain RNN cell's parameters: H*H_in + H*H + 2*H.",
        hints=(
            "Start from lesson 1's count for nn.RNN(10, 20).",
            "An LSTM layer holds four such blocks.",
        ),
    ),
    "12.proj_shapes": Question(
        why="Follow weight_hr: it multiplies one of the two states, and only the tensors that hold that state "
        "change size. Then apply the usual rules: output concatenates the directions, h_n and c_n stack "
        "them.",
        hints=(
            "Which of h and c does weight_hr multiply?",
            "output concatenates both directions' projected states; h_n stacks them.",
        ),
    ),
    "12.default_gradient": Question(
        why="along the cell state the gradient is multiplied by the forget gate at every step, and at torch's "
        "default initialisation the forget gate sits near sigmoid(0).",
        hints=(
            "What is sigmoid(0)?",
            "Raise that number to the power 48, one factor per step from step 49 back to step 1.",
        ),
        options=("a", "b", "c"),
    ),
    "12.last_step_cell_grad": Question(
        why="A gradient is zero only when nudging the input cannot change the loss. Follow c forward: "
        "which of the step's outputs is computed from the new cell state, and does the objective read it?",
        hints=(
            "Write h_next as a function of c_next.",
            "c_next is computed from c, and G_c is only one of the roads from c_next to the loss.",
        ),
    ),
}
