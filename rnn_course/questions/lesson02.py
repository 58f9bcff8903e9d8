"""Prediction questions of lesson 2 (unrolling through time)."""

from ..predict import Question

QUESTIONS = {
    "02.long_sequence": Question(
        why=(
            "A layer owns one weight_ih, one weight_hh and two biases, reused at every step, so the "
            "number of parameter tensors does not depend on L; output keeps one state per step: "
            "(L, N, H) with this call's L."
        ),
        hints=(
            "Look at the loop: which names inside it change with t, and which stay the same?",
            "output is time-major: its first axis is the number of steps in this call.",
        ),
    ),
    "02.h0_reach": Question(
        why=(
            "h_1 is computed from h_0, h_2 from h_1, and so on: every state is reached from h_0 through "
            "the chain of steps, so a change in h_0 travels down that chain."
        ),
        hints=(
            "Does h_2 depend on h_1? Does h_1 depend on h_0?",
            "Follow the chain to h_L. Its influence can shrink, but is it ever cut?",
        ),
        options=("first", "all"),
    ),
}
