"""Tests for rnn_course.models: one classifier and one char model for nn.RNN, nn.GRU and nn.LSTM.

torch is the oracle: the classifier's scores are compared with its layer run by hand and read at the
right state, for every cell, with num_layers, bidirectional, proj_size and packed input.
"""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_course.models import CharRNN, SequenceClassifier, final_hidden, recurrent_layer, zero_state

CONFIGS = [
    ("rnn", {}),
    ("gru", {}),
    ("lstm", {}),
    ("rnn", {"num_layers": 2, "bidirectional": True}),
    ("gru", {"num_layers": 3}),
    ("lstm", {"num_layers": 2, "bidirectional": True}),
    ("lstm", {"proj_size": 3}),
    ("lstm", {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
]


def _expected_scores(model, x):
    """The head applied to the top layer's final h of each direction, found with torch's own call."""
    _, state = model.rnn(x)  # zeros are torch's default initial state
    h_n = state[0] if isinstance(model.rnn, nn.LSTM) else state
    directions = 2 if model.rnn.bidirectional else 1
    return model.head(torch.cat(list(h_n[-directions:]), dim=-1))


@pytest.mark.parametrize("cell, kwargs", CONFIGS)
def test_classifier_reads_the_top_layers_final_hidden_state(cell, kwargs):
    torch.manual_seed(0)
    model = SequenceClassifier(4, 5, 3, cell=cell, **kwargs).double()
    x = torch.randn(6, 7, 4, dtype=torch.float64)  # (N, L, H_in), N != L != num_layers * D
    scores = model(x)
    assert scores.shape == (6, 3)
    torch.testing.assert_close(scores, _expected_scores(model, x))


@pytest.mark.parametrize("cell, kwargs", CONFIGS)
def test_classifier_on_packed_and_time_major_input(cell, kwargs):
    torch.manual_seed(1)
    model = SequenceClassifier(4, 5, 3, cell=cell, batch_first=False, **kwargs).double()
    x = torch.randn(7, 3, 4, dtype=torch.float64)  # (L, N, H_in)
    lengths = torch.tensor([7, 2, 5])
    packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
    scores = model(packed)
    assert scores.shape == (3, 3)
    for n, length in enumerate(lengths.tolist()):  # each sequence alone, unpadded
        alone = model(x[:length, n : n + 1])
        torch.testing.assert_close(scores[n : n + 1], alone)


@pytest.mark.parametrize("cell, kwargs", CONFIGS)
def test_initial_state_has_torchs_shapes_dtype_and_device(cell, kwargs):
    model = SequenceClassifier(4, 5, 3, cell=cell, **kwargs)
    x = torch.randn(2, 3, 4, dtype=torch.float64, device="meta")
    state = model.initial_state(x)
    stack = model.rnn.num_layers * (2 if model.rnn.bidirectional else 1)
    h_out = kwargs.get("proj_size", 0) or 5
    h0 = final_hidden(state)
    assert h0.shape == (stack, 2, h_out) and h0.dtype == torch.float64 and h0.device == x.device
    if cell == "lstm":
        assert isinstance(state, tuple) and state[1].shape == (
            stack,
            2,
            5,
        )  # c keeps H, even with proj_size
    else:
        assert isinstance(state, torch.Tensor)


class _RNNOnlyClassifier(nn.Module):
    """Written for nn.RNN, as lesson 09's LastStepClassifier is: reads h_n[0]."""

    def __init__(self, layer):
        super().__init__()
        self.rnn, self.head = layer, nn.Linear(layer.hidden_size, 2)

    def forward(self, x):
        _, h_n = self.rnn(x)
        return self.head(h_n[0])


def test_the_rnn_only_classifier_silently_breaks_with_an_lstm():
    """The trap the generalised classifier avoids: a classifier written for nn.RNN, given an nn.LSTM,
    reads the (h_n, c_n) pair as if it were h_n, and returns scores of the wrong shape without error."""
    assert _RNNOnlyClassifier(nn.RNN(3, 5))(torch.randn(7, 4, 3)).shape == (4, 2)
    assert _RNNOnlyClassifier(nn.LSTM(3, 5))(torch.randn(7, 4, 3)).shape == (1, 4, 2)  # not (N, C)
    assert SequenceClassifier(3, 5, 2, cell="lstm", batch_first=False)(
        torch.randn(7, 4, 3)
    ).shape == (4, 2)


def test_recurrent_layer_names_and_classes_and_errors():
    assert type(recurrent_layer("gru", 2, 3)) is nn.GRU
    assert type(recurrent_layer(nn.LSTM, 2, 3, proj_size=1)) is nn.LSTM
    with pytest.raises(ValueError, match="rnn, gru, lstm"):
        recurrent_layer("transformer", 2, 3)
    with pytest.raises(ValueError):
        recurrent_layer("gru", 2, 3, proj_size=1)  # torch's own error: only an LSTM has proj_size


def test_zero_state_for_an_lstm_with_projections():
    lstm = nn.LSTM(3, 5, num_layers=2, proj_size=2)
    h0, c0 = zero_state(lstm, 4, torch.zeros(1))
    _, (h_n, c_n) = lstm(torch.randn(6, 4, 3), (h0, c0))
    assert h0.shape == h_n.shape == (2, 4, 2) and c0.shape == c_n.shape == (2, 4, 5)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_char_rnn_forward_is_packed_and_step_continues_where_it_stopped(cell):
    torch.manual_seed(2)
    model = CharRNN(9, embed_size=4, hidden_size=6, cell=cell).double()
    inputs = torch.tensor([[1, 3, 4, 5, 0], [1, 6, 0, 0, 0], [1, 7, 8, 3, 4]])
    lengths = torch.tensor([4, 2, 5])
    logits = model(inputs, lengths)
    assert logits.shape == (11, 9)
    padded, _ = model.step(
        inputs
    )  # (N, L, V): the real steps of a forward RNN ignore the padding after them
    order = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False).data
    torch.testing.assert_close(logits, order)
    first, state = model.step(inputs[2, :3])  # unbatched (K,) -> (K, V)
    rest, _ = model.step(inputs[2, 3:], state)
    torch.testing.assert_close(torch.cat([first, rest]), padded[2])
