"""Prediction questions of lesson 10 (variable-length batches)."""

from ..predict import Question

QUESTIONS = {
    "10.pad_shape": Question(
        why="pad_sequence stacks the padded sequences along a new batch axis, and like nn.RNN it is "
        "time-major unless batch_first=True: (longest length, batch, features).",
        hints=(
            "How long is the longest word, and how many words are there?",
            "Without batch_first, which axis comes first: time or batch?",
        ),
    ),
    "10.batch_sizes": Question(
        why="Packing stores the real steps only, one time step after another. The number of rows at a step "
        "is the number of sequences that are at least that long, and all the rows together are the real "
        "steps of every sequence.",
        hints=(
            "At step 1 every sequence is still running. At which step does the shortest one stop?",
            "The total number of rows is the sum of the lengths.",
        ),
    ),
    "10.zero_rows": Question(
        why="output[:, -1] is the last padded step for every sequence. pad_packed_sequence fills every "
        "position after a sequence's end with zeros, so any sequence shorter than the longest gets a "
        "zero row there.",
        hints=(
            "Which words are shorter than the longest one?",
            "What does pad_packed_sequence put where a sequence has already ended?",
        ),
        options=("a", "b", "c", "d"),
    ),
    "10.padding_as_free": Question(
        why="Both numbers divide the same sum of real losses; only the divisor changes, from the number of "
        "real positions to the number of all positions, padding included. The ratio is the fraction of "
        "positions that are real.",
        hints=(
            "Count the real positions: the sum of the lengths.",
            "Count all positions: N times the longest length.",
        ),
        rel_tol=0.01,
    ),
}
