"""Prediction questions of lesson 11 (a real task, end to end). See rnn_course.predict."""

from ..predict import Question

QUESTIONS = {
    "11.untrained_loss": Question(
        why="An untrained model's scores are all close to zero, so its softmax spreads the probability "
        "almost evenly over every token of the vocabulary, common or rare. Work out the cross-entropy of an "
        "even guess among V choices and set it beside the unigram loss printed in section 2.",
        hints=(
            "What probability does an even guess give each of the V tokens, and what is its cross-entropy?",
            "The unigram model gives a common character such as the space more than 1/V. Does that help "
            "or hurt on text where spaces are common?",
        ),
        options=("above", "below"),
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
        why="proj_size only shrinks a state that passes through the projection matrix weight_hr on its "
        "way out of the cell; a state that never leaves the cell that way keeps hidden_size features. "
        "Work out which of h and c takes that path. The first two axes follow the usual rule for h_n: "
        "(D * num_layers, N, ...).",
        hints=(
            "Which of h and c is multiplied by the projection matrix weight_hr?",
            "The stack axis and the batch axis are the same as for nn.RNN; only the last axis can differ "
            "between h_n and c_n.",
        ),
    ),
    "11.low_temperature": Question(
        why="The temperature divides every logit, so it multiplies the gap between any two logits by 1/T. "
        "Follow what a softmax does with gaps that grow without bound as T goes towards 0, and which "
        "of the three descriptions that distribution is closest to.",
        hints=(
            "Compare exp(z_1 / T) with exp(z_2 / T) for two logits z_1 > z_2 as T gets small.",
            "Which token would a sampler almost always draw then?",
        ),
        options=("a", "b", "c"),
    ),
    "11.embedding_grad_rows": Question(
        why="An embedding reads row i of its table for every position whose token is i, and nothing else. "
        "A row that no position read has no effect on the loss, so its gradient is zero; a row read at "
        "several positions gets one summed gradient. Count the rows that were read, not the positions.",
        hints=(
            "Think of the embedding as one-hot @ weight: which rows of weight does a one-hot row touch?",
            "Look at the 7 characters printed above: are they all different?",
        ),
    ),
    "11.held_without_detach": Question(
        why="A graph is freed by the backward that runs through it, unless retain_graph=True keeps it. "
        "Without detach, the state that enters a chunk is tied to the graphs of all the chunks before it, "
        "and none of them has been freed. With detach, only the current chunk's graph exists. Every "
        "chunk has the same shapes, so count the chunks' graphs held in each run.",
        hints=(
            "With detach, how many chunks' graphs exist just before a backward?",
            "Without detach and with retain_graph=True, which earlier graphs have been freed by the time "
            "chunk 8 is read?",
        ),
        rel_tol=0.01,
    ),
}
