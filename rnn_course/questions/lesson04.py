"""Prediction questions of lesson 4 (batch_first and shapes): the shape puzzles and two warm-ups."""

from ..predict import Question

_SHAPE_RULE = (
    "output is the top layer's state at every step: (L, N, D * H), or (N, L, D * H) when batch_first "
    "applies. h_n is every layer's and direction's final state: (D * num_layers, N, H), and "
    "batch_first never changes it. An unbatched (L, H_in) input drops the N axis from both."
)


def _puzzle(*hints):
    return Question(why=_SHAPE_RULE, hints=hints)


QUESTIONS = {
    "04.unbatched": Question(
        why=(
            "An unbatched input is one sequence with no batch axis; the RNN computes exactly what it "
            "computes for one sequence of a batch and drops the N axis from both results."
        ),
        hints=(
            "Write the batched shapes with letters first, then remove N.",
            "h_n still starts with one entry per layer and direction.",
        ),
    ),
    "04.h_n_batch_first": Question(
        why=(
            "batch_first rearranges input and output only. h_n's first axis lists layers and directions, "
            "not time, so there is nothing to swap it with; and the two modules ran the same computation."
        ),
        hints=(
            "Which axes does batch_first swap, and does h_n have a time axis?",
            "The two modules have the same weights and read the same numbers.",
        ),
    ),
    "04.shape_puzzles": _puzzle(
        "First decide which layout the input is in: three axes and batch_first=True mean (N, L, H_in), "
        "three axes otherwise mean (L, N, H_in), two axes mean one unbatched sequence (L, H_in).",
        "Then write output with letters: the input's first axes, then D * H. Only then put in numbers.",
        "h_n never follows batch_first: (D * num_layers, N, H), or (D * num_layers, H) unbatched.",
    ),
    "04.puzzle_a": _puzzle(
        "Time-major input: x_a is (L, N, H_in). Read off L and N.",
        "output comes from the top layer only; h_n has one final state per layer.",
        "Two layers, one direction: D * num_layers = 2.",
    ),
    "04.puzzle_b": _puzzle(
        "batch_first=True: x_b is (N, L, H_in). Read off N and L.",
        "A bidirectional output puts both directions side by side on its last axis.",
        "h_n ignores batch_first: its first axis is D * num_layers, then N.",
    ),
    "04.puzzle_c": _puzzle(
        "x_c has two axes, so it is one unbatched sequence (L, H_in).",
        "Drop N from the batched shapes; keep D * H and D * num_layers.",
        "Three layers, two directions: D * num_layers = 6.",
    ),
    "04.puzzle_d": _puzzle(
        "x_d has two axes: an unbatched sequence. Is there a batch axis for batch_first to move?",
        "batch_first has no effect on an unbatched input; one layer, one direction.",
    ),
    "04.puzzle_e": _puzzle(
        "batch_first=True: x_e is (N, L, H_in). Read off N and L; they differ from each other.",
        "output: (N, L, D * H). h_n: (D * num_layers, N, H), with no batch-first version.",
        "Two layers times two directions: D * num_layers = 4. Is that the same as N here?",
    ),
}
