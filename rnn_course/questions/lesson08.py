"""Prediction questions of lesson 8 (backpropagation through time)."""

from ..predict import Question

QUESTIONS = {
    "08.grad_shapes": Question(
        why="The loss is one number, so its gradient with respect to a tensor has one entry for every entry "
        "of that tensor: each gradient has the shape of the tensor it belongs to.",
        hints=(
            "Write down the shape of each of the six inputs for these sizes first.",
            "A gradient answers 'how does the loss move if I nudge this entry?' once per entry.",
        ),
    ),
    "08.precision": Question(
        why="A central difference subtracts two nearly equal values of f and divides by 2·eps. Each value "
        "carries a rounding error relative to the precision of its dtype, and the division magnifies "
        "that error by 1/(2·eps); the dtype with the smaller rounding error wins by far.",
        hints=(
            "float32 keeps about 7 significant digits, float64 about 16.",
            "How large is a rounding error of one part in ten million once it is divided by 0.0002?",
        ),
        options=("float32", "float64"),
    ),
    "08.carried": Question(
        why="A gradient is zero only when nudging the input cannot change the loss. Ask whether x_1 can "
        "reach the loss at step L: follow the chain of states h_1, h_2, ..., h_L, which the chain rule "
        "walks back step by step, through tanh's slope and W_hh.",
        hints=(
            "Does x_1 influence h_L? Follow the states h_1, h_2, ... forward.",
            "A gradient is zero only when nudging the input cannot change the loss at all.",
        ),
    ),
    "08.shared_weight": Question(
        why="Think of the shared W_hh as one tensor used at L places. Nudging it nudges every copy at once, "
        "and the loss changes through each step it is used in; ask how those changes combine, and what "
        "each copy's own gradient measures.",
        hints=(
            "Nudge the shared W_hh by a tiny amount: every copy moves by that amount at once.",
            "The total change of the loss is then the change caused through each step, together.",
        ),
        options=("a", "b", "c", "d"),
    ),
}
