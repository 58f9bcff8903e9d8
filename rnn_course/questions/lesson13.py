"""Prediction questions of lesson 13 (GRU)."""

from ..predict import Question

QUESTIONS = {
    "13.parameter_count": Question(
        why="a GRU layer has three blocks (r, z, n), each with one plain RNN cell's parameters: H*H_in + H*H + 2*H.",
        hints=(
            "How many blocks does a GRU compute?",
            "One block holds what one nn.RNN layer of the same sizes holds: count that as lesson 1 did.",
        ),
    ),
    "13.reset_placement": Question(
        why="multiplying the product W h by r scales its result unit by unit, while multiplying h by r first "
        "scales the columns of W before they are summed; and torch's b_hn is multiplied by r too.",
        hints=("Try it on paper with H = 2 and r = (1, 0).",),
    ),
    "13.update_one": Question(
        why="Read torch's last equation, h_next = (1 - z) * n + z * h, as a mix with weights (1 - z) and z. "
        "Put the value of z into both weights and see which term is left, then do it again for the next step.",
        hints=("Put z = 1 into torch's last equation.",),
        options=("a", "b", "c"),
    ),
}
