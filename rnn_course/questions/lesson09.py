"""Prediction questions of lesson 9 (vanishing and exploding gradients)."""

from ..predict import Question

QUESTIONS = {
    "09.vanish_ratio": Question(
        why=(
            "Going back one step multiplies the gradient by J^T = W_hh^T diag(f'); over many steps the "
            "W_hh factors shrink it at about rho per step, and tanh's slopes, at most 1, typically take "
            "away more. Count the steps between h_1 and h_L and raise rho to that power."
        ),
        hints=(
            "How many Jacobians lie between h_1 and h_40?",
            "0.5 to the power 10 is about 1e-3. What about the power 39?",
        ),
        options=("a", "b", "c"),
    ),
    "09.clip_50": Question(
        why=(
            "Norm clipping multiplies every gradient entry by one positive coefficient, "
            "max_norm / (||g|| + 1e-6) when the norm is above max_norm: the length is set, and a vector "
            "scaled by a positive number points the same way."
        ),
        hints=(
            "Compute the coefficient for ||g|| = 50 and max_norm = 1, then the new length.",
            "Does multiplying every entry by the same positive number change the direction?",
        ),
        rel_tol=1e-3,
    ),
}
