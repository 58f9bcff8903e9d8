"""The fifth, held-out round of attempts, written from the learner notebooks alone."""

from attempts import Attempt

EXERCISES = (
    "rnn_cell",
    "rnn_layer",
    "final_states",
    "stacked_rnn",
    "bidirectional_rnn",
    "rnn_forward",
    "rnn_loss",
    "cell_backward",
    "rnn_backward",
    "clip_grad_norm",
    "last_valid_output",
    "masked_loss",
    "train_step",
    "sample",
    "lstm_cell",
    "lstm_layer",
    "lstm_cell_backward",
    "gru_cell",
    "seq2seq_loss",
    "greedy_decode",
    "attention",
)

__all__ = ["Attempt", "EXERCISES"]
