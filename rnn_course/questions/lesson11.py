"""Prediction questions of lesson 11 (a real task, end to end). See rnn_course.predict."""

from ..predict import Question

QUESTIONS = {
    "11.untrained_loss": Question(
        why="An untrained model's scores are all close to zero, so its softmax spreads the probability "
        "almost evenly over every token of the vocabulary. Work out the cross-entropy of an even guess "
        "among V choices: it depends only on V.",
        hints=(
            "Cross-entropy is minus the log of the probability given to the right token.",
            "With V tokens equally likely, each gets probability 1/V. How many tokens are in the vocabulary?",
        ),
        rel_tol=0.05,
    ),
    "11.lstm_in_rnn_classifier": Question(
        why="nn.LSTM returns (output, (h_n, c_n)). A classifier written for nn.RNN unpacks `_, h_n = ...` "
        "and then takes h_n[0], expecting the top layer's (N, H) state. Follow what `h_n` and `h_n[0]` "
        "are when the second value is a pair, and what nn.Linear does to a tensor with an extra leading axis.",
        hints=(
            "With an LSTM, the variable the classifier calls h_n holds the pair (h_n, c_n).",
            "Indexing a pair with [0] gives its first element, the whole (D * num_layers, N, H) tensor. "
            "nn.Linear only changes the last axis.",
        ),
    ),
    "11.proj_size_shapes": Question(
        why="proj_size shrinks only what leaves the cell as h: the output and h_n have proj_size features "
        "per direction. The cell state c never leaves the cell through the projection, so c_n keeps "
        "hidden_size. The stack axis is D * num_layers as always.",
        hints=(
            "Which of h and c is multiplied by the projection matrix weight_hr?",
            "The stack axis and the batch axis are the same as for nn.RNN; only the last axis can differ "
            "between h_n and c_n.",
        ),
    ),
    "11.low_temperature": Question(
        why="Dividing the logits by a small temperature stretches the gaps between them: the largest "
        "logit's lead grows without bound as T shrinks, and the softmax puts almost all of its mass there.",
        hints=(
            "Compare exp(z_1 / T) with exp(z_2 / T) for two logits z_1 > z_2 as T gets small.",
            "Which token would a sampler almost always draw then?",
        ),
        options=("a", "b", "c"),
    ),
}
