"""Small models that work with any of torch's recurrent layers: nn.RNN, nn.GRU and nn.LSTM.

The three layers are called alike, ``output, state = layer(x, state)``, but their states differ:
nn.RNN and nn.GRU carry one tensor h, of shape (D * num_layers, N, H); nn.LSTM carries a pair
(h, c), where h is (D * num_layers, N, H_out) with H_out = proj_size or H, and c is
(D * num_layers, N, H). A model that reads "the final hidden state" must therefore look inside
an LSTM's pair, or it silently reads the wrong tensor. ``final_hidden`` does that in one place.

    model = SequenceClassifier(input_size=5, hidden_size=8, num_classes=3, cell="lstm")
    scores = model(x)                       # x: (N, L, H_in) -> (N, C)

    char_model = CharRNN(vocab_size=35, cell="gru")
    logits = char_model(inputs, lengths)    # packed rows: (sum(lengths), V)
"""

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


def recurrent_layer(cell, input_size, hidden_size, **kwargs):
    """``nn.RNN``, ``nn.GRU`` or ``nn.LSTM`` (named by ``cell``: "rnn", "gru", "lstm" or the class)."""
    layer_class = CELLS.get(cell, cell) if isinstance(cell, str) else cell
    if layer_class not in CELLS.values():
        raise ValueError(
            f"cell must be one of {', '.join(CELLS)} (or nn.RNN, nn.GRU, nn.LSTM), not {cell!r}"
        )
    return layer_class(input_size, hidden_size, **kwargs)


def final_hidden(state):
    """h_n from a recurrent layer's final state: the tensor itself (RNN, GRU), or the first of an
    LSTM's (h_n, c_n). Shape (D * num_layers, N, H_out)."""
    return state[0] if isinstance(state, tuple) else state


def hidden_out_size(layer):
    """The size of one direction's h: H, or an LSTM's proj_size when it has one."""
    return getattr(layer, "proj_size", 0) or layer.hidden_size


def zero_state(layer, batch_size, like):
    """Zeros to start ``layer`` from: h0, or (h0, c0) for an LSTM, with ``like``'s dtype and device.

    h0 is (D * num_layers, N, H_out) and c0 is (D * num_layers, N, H).
    """
    stack = (2 if layer.bidirectional else 1) * layer.num_layers
    h0 = like.new_zeros(stack, batch_size, hidden_out_size(layer))
    if isinstance(layer, nn.LSTM):
        return h0, like.new_zeros(stack, batch_size, layer.hidden_size)
    return h0


class SequenceClassifier(nn.Module):
    """Many-to-one classification with any recurrent layer, read out at the top layer's final states.

    forward(x): x (N, L, H_in) when batch_first (the default), else (L, N, H_in), or a
    PackedSequence -> scores (N, C). The head reads the top layer's h_n of each direction,
    concatenated: (N, D * H_out).

    Args:
        cell: "rnn", "gru", "lstm" (or the class). Further keyword arguments (``num_layers``,
            ``bidirectional``, ``proj_size`` for an LSTM, ``nonlinearity`` for an RNN...) go to the layer.
    """

    def __init__(
        self, input_size, hidden_size, num_classes, cell="rnn", batch_first=True, **kwargs
    ):
        super().__init__()
        self.rnn = recurrent_layer(cell, input_size, hidden_size, batch_first=batch_first, **kwargs)
        self.num_directions = 2 if self.rnn.bidirectional else 1
        self.head = nn.Linear(self.num_directions * hidden_out_size(self.rnn), num_classes)

    def initial_state(self, x):
        """Zeros for h0 (or (h0, c0)) that fit ``x``: its batch size, dtype and device."""
        if isinstance(x, PackedSequence):
            return zero_state(self.rnn, int(x.batch_sizes[0]), x.data)
        return zero_state(self.rnn, x.shape[0 if self.rnn.batch_first else 1], x)

    def forward(self, x):
        _, state = self.rnn(x, self.initial_state(x))
        h_n = final_hidden(state)  # (D * num_layers, N, H_out)
        top = h_n[-self.num_directions :]  # (D, N, H_out): the top layer's final states
        return self.head(torch.cat(list(top), dim=-1))  # (N, C)


class CharRNN(nn.Module):
    """A character-level language model: embedding -> recurrent layer -> linear head.

    forward(inputs, lengths): a padded batch_first batch, inputs (N, L) int64 and lengths (N,) ->
    logits (sum(lengths), V), one row per real step, in the order of the packed sequence.

    step(tokens, state=None): tokens (N, K) int64, or (K,) for one unbatched sequence, read from
    ``state`` (None: zeros) -> (logits (N, K, V) or (K, V), the new state). With K = 1 it is one
    step of generation; feeding the returned state back continues where it stopped.
    """

    def __init__(self, vocab_size, embed_size=16, hidden_size=48, cell="rnn", padding_idx=0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=padding_idx)
        self.rnn = recurrent_layer(cell, embed_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, inputs, lengths):
        x = self.embed(inputs)  # (N, L, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, _ = self.rnn(packed)  # .data: (sum(lengths), H)
        return self.head(packed_out.data)  # (sum(lengths), V)

    def step(self, tokens, state=None):
        out, state = self.rnn(self.embed(tokens), state)  # (N, K, H), or (K, H) unbatched
        return self.head(out), state
