"""Prediction questions of lesson 16 (attention)."""

from ..predict import Question

QUESTIONS = {
    "16.weights_shape": Question(
        why="there is one weight for every pair of a query and a key, in every row of the batch; the "
        "size of the vectors being compared is summed away by the dot product.",
        hints=(
            "Which sizes does a single dot product between a query and a key remove?",
            "Count the queries and the keys of one row of the batch.",
        ),
    ),
    "16.unscaled_peak": Question(
        why="a dot product of two random vectors of size E is a sum of E terms, so its spread grows "
        "like sqrt(E). Ask what a softmax does with scores that far apart: how are the shares exp(s_j) of the "
        "largest and of the rest related when the scores differ by tens?",
        hints=(
            "How does the variance of a sum of E independent terms grow with E?",
            "What does a softmax do to a list of numbers that are far apart?",
        ),
        options=("a", "b", "c"),
    ),
    "16.zero_padding": Question(
        why="the softmax gives every score its share exp(score); a zero vector as key gives the score "
        "0, and exp(0) is not small. Only a score of -inf gets no share.",
        hints=(
            "What is the dot product of a query with a zero vector?",
            "What weight does a softmax give to a score of 0 when the other scores are of order 1?",
        ),
        options=("a", "b"),
    ),
    "16.long_inputs": Question(
        why="without attention, everything the decoder knows about the source must pass through one "
        "vector of H numbers, whatever the length; with attention, each output step can read every "
        "encoder output again.",
        hints=(
            "Where does each model's decoder get its information about the source from?",
            "Which model's route from source to output gets no wider as the source gets longer?",
        ),
        options=("a", "b", "c"),
    ),
}
