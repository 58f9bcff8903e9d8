"""Prediction questions of lesson 2 (unrolling through time)."""

from ..predict import Question

QUESTIONS = {
    "02.long_sequence": Question(
        why=(
            "output keeps one state per step: (L, N, H) with this call's L. Step t reads only x_t and "
            "h_{t-1}, and the weights are the same at every step whatever the length, so a step after t "
            "cannot change what step t computed."
        ),
        hints=(
            "output is time-major: its first axis is the number of steps in this call.",
            "Look at the loop: which names inside it change with t? Can step 7 change what step 6 computed?",
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
