"""Prediction questions of lesson 7 (from hidden states to predictions and a loss)."""

from ..predict import Question

QUESTIONS = {
    "07.shift_logits": Question(
        why=(
            "Adding a constant to every logit multiplies every exponential in softmax by the same "
            "factor, in the numerator and in the sum below it."
        ),
        hints=(
            "Write e^(o_k + 100) as a product of two exponentials.",
            "Softmax depends only on the differences between the logits. Do they change?",
        ),
        options=("unchanged", "changes"),
    ),
    "07.uniform_loss": Question(
        why=(
            "A model that gives every one of the C classes the same probability gives the target 1/C, "
            "and the loss is -log of the target's probability, whichever class the target is."
        ),
        hints=(
            "What probability does a uniform prediction give the target class, for C = 4?",
            "Take -log of that probability (natural log, as torch does).",
        ),
        rel_tol=0.01,
    ),
    "07.unflattened": Question(
        why=(
            "F.cross_entropy reads axis 1 of its input as the classes. For (L, N, C) logits that is the "
            "batch axis, and it then expects targets whose shape drops that axis."
        ),
        hints=(
            "Which axis does F.cross_entropy take as the classes?",
            "With axis 1 read as classes, what target shape does it expect, and is that (L, N)?",
        ),
        options=("error", "runs"),
    ),
}
