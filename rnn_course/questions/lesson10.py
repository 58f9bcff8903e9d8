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
        why="output[:, -1] is step L_max for every sequence, whether that step is real for it or not. "
        "Ask, word by word, whether it is that long, and what pad_packed_sequence writes at the steps "
        "after a sequence has ended.",
        hints=(
            "Which words are shorter than the longest one?",
            "What does pad_packed_sequence put where a sequence has already ended?",
        ),
        options=("a", "b", "c", "d"),
    ),
    "10.padding_as_free": Question(
        why="Multiplying by the mask makes the padding's losses zero, so both numbers have the same sum on "
        "top. .mean() divides by how many entries it averages, whatever their values; the masked mean "
        "divides by something else. Write both as a sum over a count.",
        hints=(
            "How many entries does .mean() average over an (N, L_max) tensor?",
            "How many of those positions are real?",
        ),
        rel_tol=0.01,
    ),
}
