"""Exact twins of torch's recurrent modules, built from elementary tensor operations.

``RNNCell``, ``LSTMCell``, ``GRUCell``, ``RNN``, ``LSTM`` and ``GRU`` take torch's arguments, hold
torch's parameters (same names, order, shapes and initialisation) and give torch's results.

The code climbs one level at a time; each level is a short function that calls the level below.
Only level 1 knows how a cell computes its next state; levels 2 to 4 serve all three cells alike.

* Level 1, one time step: ``rnn_cell``, ``lstm_cell`` and ``gru_cell``. ``cell_step`` runs the cell
  a ``mode`` names on a state that is one tensor h (RNN, GRU) or a pair (h, c) (LSTM).
* Level 2, one layer in one direction over a sequence, (L, N, H_in) -> (L, N, H_out):
  ``recurrent_layer``, and ``packed_recurrent_layer`` for a PackedSequence (sequences of different
  lengths). ``rnn_layer``, ``packed_rnn_layer``, ``lstm_layer`` and ``gru_layer`` are the same with
  one cell's arguments spelled out.
* Level 3: ``bidirectional_layer`` reads one layer in D directions -> (L, N, D*H_out);
  ``stacked_rnn`` stacks num_layers such layers, with dropout between them.
* Level 4: the nn.Modules, with torch's arguments, parameter names, initialisation and input checks.

A mode is torch's name for a cell, as its modules' ``mode`` attribute holds it: "RNN_TANH",
"RNN_RELU", "LSTM" or "GRU" ("tanh" and "relu" are accepted for the first two).

Letters follow torch's documentation: N batch size, L sequence length, H_in input size, H hidden
size (the size of an LSTM's cell state c, torch's H_cell), H_out the size of the hidden state h
(H, or proj_size for an LSTM with proj_size > 0), D number of directions (2 if bidirectional,
else 1).

Only matrix products (``F.linear``), additions and products, tanh/relu/sigmoid, cat, stack, split,
chunk, indexing and ``F.dropout`` are used here, never torch's recurrent modules or kernels. After
the same ``torch.manual_seed`` a module here and its torch twin hold identical parameters, and a
``state_dict`` saved by either loads into the other.
"""

import math
import numbers
import operator
import warnings
from functools import partial

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence

__all__ = [
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNCell",
    "activation_function",
    "bidirectional_layer",
    "cell_mode",
    "cell_step",
    "gru_cell",
    "gru_layer",
    "hidden_of",
    "lstm_cell",
    "lstm_layer",
    "packed_recurrent_layer",
    "packed_rnn_layer",
    "recurrent_layer",
    "rnn_cell",
    "rnn_layer",
    "stacked_rnn",
]

_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}
_MODES = {"RNN_TANH": "tanh", "RNN_RELU": "relu", "LSTM": None, "GRU": None}  # mode -> nonlinearity
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # blocks of H rows in weight_ih
_WEIGHT_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _shape(tensor):
    """A tensor's shape written as a tuple, e.g. '(5, 2, 3)'."""
    return str(tuple(tensor.shape))


def activation_function(nonlinearity):
    """The function a name stands for: "tanh" -> torch.tanh, "relu" -> torch.relu.

    Any other name raises ValueError, as torch.nn.RNN's constructor does.
    """
    if nonlinearity not in _ACTIVATIONS:
        raise ValueError(_unknown_nonlinearity(nonlinearity))
    return _ACTIVATIONS[nonlinearity]


def _unknown_nonlinearity(nonlinearity):
    return f"Unknown nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}"


_MODE_OF_NAME = {"tanh": "RNN_TANH", "relu": "RNN_RELU", **{mode: mode for mode in _MODES}}


def cell_mode(name):
    """torch's mode for a cell's name: "tanh" -> "RNN_TANH", "relu" -> "RNN_RELU"; the four modes
    "RNN_TANH", "RNN_RELU", "LSTM" and "GRU" name themselves. Anything else raises ValueError."""
    if not isinstance(name, str) or name not in _MODE_OF_NAME:
        raise ValueError(f"Unknown mode: expected one of {sorted(_MODE_OF_NAME)}, got {name!r}")
    return _MODE_OF_NAME[name]


# ---------------------------------------------------------------------------------------------
# Level 1: one time step
# ---------------------------------------------------------------------------------------------


def _check_step_shapes(cell, x, input_size, states):
    """Raise RuntimeError (the type torch's cell kernels raise) unless x and the state fit.

    states: one (name, tensor, size) for each part of the state, e.g. ("h", h, H).
    """
    if x.dim() not in (1, 2) or x.shape[-1] != input_size:
        raise RuntimeError(
            f"{cell}: expected x of shape (N, H_in) or (H_in,) with H_in={input_size}, "
            f"got {_shape(x)}"
        )
    for name, state, size in states:
        expected = (*x.shape[:-1], size)  # (N, size), or (size,) when x is unbatched
        if tuple(state.shape) != expected:
            raise RuntimeError(f"{cell}: expected {name} of shape {expected}, got {_shape(state)}")


def rnn_cell(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh"):
    """One time step of an Elman RNN: h_next = act(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Args:
        x: the input at this step, (N, H_in), or (H_in,) for one unbatched sequence.
        h: the hidden state from the previous step, (N, H), or (H,) when unbatched.
        weight_ih: (H, H_in). weight_hh: (H, H).
        bias_ih, bias_hh: (H,) each, or None for no bias (nn.RNN's ``bias=False``).
        nonlinearity: "tanh" or "relu".

    Returns:
        h_next: (N, H), or (H,) when unbatched.

    ``F.linear(x, W, b)`` computes ``x @ W.T + b`` and leaves b out when it is None; the bias of
    shape (H,) is broadcast over the N rows.
    """
    activation = activation_function(nonlinearity)
    _check_step_shapes("rnn_cell", x, weight_ih.shape[1], [("h", h, weight_hh.shape[1])])
    from_input = F.linear(x, weight_ih, bias_ih)  # (N, H)
    from_hidden = F.linear(h, weight_hh, bias_hh)  # (N, H)
    return activation(from_input + from_hidden)


def lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih=None, bias_hh=None, weight_hr=None):
    """One time step of an LSTM, with torch's gates i, f, g, o (in that order in the weights):

        i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)   input gate: how much of g to write
        f = sigmoid(x W_if^T + b_if + h W_hf^T + b_hf)   forget gate: how much of c to keep
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)      the candidate values
        o = sigmoid(x W_io^T + b_io + h W_ho^T + b_ho)   output gate: how much of tanh(c_next)
                                                         to show
        c_next = f * c + i * g
        h_next = o * tanh(c_next), then h_next W_hr^T when weight_hr is given (LSTM's proj_size)

    Args:
        x: (N, H_in), or (H_in,) for one unbatched sequence.
        h: (N, H_out), or (H_out,) unbatched. H_out is H, or proj_size when weight_hr is given.
        c: the cell state, (N, H), or (H,) unbatched.
        weight_ih: (4*H, H_in), the gates' blocks of H rows stacked i, f, g, o.
        weight_hh: (4*H, H_out), stacked the same way.
        bias_ih, bias_hh: (4*H,) each, or None for no bias.
        weight_hr: None, or (proj_size, H) for an LSTM with proj_size > 0.

    Returns:
        (h_next, c_next): (N, H_out) and (N, H), or (H_out,) and (H,) when unbatched.
    """
    hidden_size = weight_ih.shape[0] // 4
    states = [("h", h, weight_hh.shape[1]), ("c", c, hidden_size)]
    _check_step_shapes("lstm_cell", x, weight_ih.shape[1], states)
    gates = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)  # (N, 4*H)
    i, f, g, o = gates.chunk(4, dim=-1)  # (N, H) each
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # (N, H)
    h_next = torch.sigmoid(o) * torch.tanh(c_next)  # (N, H)
    if weight_hr is not None:
        h_next = F.linear(h_next, weight_hr)  # (N, proj_size)
    return h_next, c_next


def gru_cell(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One time step of a GRU, with torch's gates r, z, n (in that order in the weights):

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)       reset gate
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)       update gate: how much of h to keep
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))    candidate; r scales the whole
                                                             hidden term, b_hn included
        h_next = (1 - z) * n + z * h

    Args:
        x: (N, H_in), or (H_in,) for one unbatched sequence.
        h: (N, H), or (H,) unbatched.
        weight_ih: (3*H, H_in), the gates' blocks of H rows stacked r, z, n.
        weight_hh: (3*H, H), stacked the same way.
        bias_ih, bias_hh: (3*H,) each, or None for no bias.

    Returns:
        h_next: (N, H), or (H,) when unbatched.
    """
    _check_step_shapes("gru_cell", x, weight_ih.shape[1], [("h", h, weight_hh.shape[1])])
    r_x, z_x, n_x = F.linear(x, weight_ih, bias_ih).chunk(3, dim=-1)  # (N, H) each
    r_h, z_h, n_h = F.linear(h, weight_hh, bias_hh).chunk(3, dim=-1)  # (N, H) each
    r = torch.sigmoid(r_x + r_h)
    z = torch.sigmoid(z_x + z_h)
    n = torch.tanh(n_x + r * n_h)
    return (1 - z) * n + z * h


def cell_step(x, state, weights, mode="RNN_TANH"):
    """One time step of the cell that ``mode`` names.

    Args:
        x: (N, H_in), or (H_in,) unbatched.
        state: h (N, H) for RNN and GRU; the pair (h (N, H_out), c (N, H)) for LSTM.
        weights: (weight_ih, weight_hh, bias_ih, bias_hh), biases None when there are none; an
            LSTM's may end with weight_hr (None, or (proj_size, H)).
        mode: "RNN_TANH", "RNN_RELU", "LSTM" or "GRU" (or "tanh", "relu").

    Returns:
        The next state, in the form of ``state``.
    """
    mode = cell_mode(mode)
    if mode == "LSTM":
        h, c = state
        return lstm_cell(x, h, c, *weights)
    if mode == "GRU":
        return gru_cell(x, state, *weights)
    return rnn_cell(x, state, *weights, nonlinearity=_MODES[mode])


def hidden_of(state):
    """The hidden state h that a cell outputs: the state itself, or h of an LSTM's pair (h, c)."""
    return state[0] if isinstance(state, (tuple, list)) else state


def _map_state(function, state):
    """``function`` applied to a state: to the tensor h, or to each tensor of a pair (h, c)."""
    if isinstance(state, (tuple, list)):
        return tuple(function(part) for part in state)
    return function(state)


def _index_state(state, index):
    """``state[index]``, taken from h, or from both h and c: e.g. one direction's rows."""
    return _map_state(operator.itemgetter(index), state)


def _join_states(join, states):
    """``torch.stack`` or ``torch.cat`` applied to a list of states, h with h and c with c."""
    if isinstance(states[0], (tuple, list)):
        return tuple(join(parts) for parts in zip(*states))
    return join(states)


def _with_rows(running_state, state):
    """``state`` with its first rows replaced by ``running_state`` (those of the sequences still
    running), its other rows kept: (batch_sizes[t], H) and (N, H) give (N, H)."""
    if isinstance(state, (tuple, list)):
        return tuple(_with_rows(new, old) for new, old in zip(running_state, state))
    return torch.cat([running_state, state[running_state.shape[0] :]])  # (N, H)


# ---------------------------------------------------------------------------------------------
# Level 2: one layer, one direction, over the whole sequence
# ---------------------------------------------------------------------------------------------


def _time_order(length, reverse):
    """The time steps in the order a direction reads them: 0..L-1, or L-1..0 when reverse."""
    return range(length - 1, -1, -1) if reverse else range(length)


def recurrent_layer(x, state0, weights, mode="RNN_TANH", reverse=False):
    """One layer in one direction, unrolled over time: the same cell, same weights, at every step.

    Args:
        x: the sequence, time first: (L, N, H_in), or (L, H_in) for one unbatched sequence.
        state0: the state before the first step read: h0 (N, H), or for LSTM the pair
            (h0 (N, H_out), c0 (N, H)); without the N axis when unbatched.
        weights, mode: as in ``cell_step``.
        reverse: False reads t = 0, 1, ..., L-1. True reads t = L-1, ..., 0, as the backward
            direction of a bidirectional RNN does. Either way ``output[t]`` is the hidden state
            just after reading ``x[t]``, so the output is in the original time order.

    Returns:
        output: (L, N, H_out), the hidden state h after every step ((L, H_out) when unbatched).
        state_n: the state after the last step read, in the form of state0. Its h is
            ``output[-1]`` going forward, ``output[0]`` going backward.

    The steps come from ``x.unbind(0)`` rather than ``x[t]``: when x needs a gradient (every layer
    above the first), the backward of each ``x[t]`` builds a zero tensor the size of all of x, so
    backward would grow with L squared; unbind's backward stacks the L gradients once.
    """
    mode = cell_mode(mode)
    if x.dim() not in (2, 3) or x.shape[0] == 0:
        raise RuntimeError(
            f"expected x of shape (L, N, H_in) or (L, H_in) with L > 0, got {_shape(x)}"
        )
    steps = x.unbind(0)  # L tensors (N, H_in): one view per step, not x[t] (see below)
    outputs = [None] * len(steps)
    state = state0
    for t in _time_order(len(steps), reverse):
        state = cell_step(steps[t], state, weights, mode)
        outputs[t] = hidden_of(state)  # (N, H_out)
    return torch.stack(outputs), state  # (L, N, H_out)


def packed_recurrent_layer(data, batch_sizes, state0, weights, mode="RNN_TANH", reverse=False):
    """``recurrent_layer`` for sequences of different lengths, stored as a PackedSequence.

    A PackedSequence sorts its N sequences longest first and stores time step t as one block of
    ``batch_sizes[t]`` rows, the sequences still running at t; the blocks follow each other in
    time order. So block t holds the first ``batch_sizes[t]`` sequences, and no padding is stored.

    At step t only the first ``batch_sizes[t]`` rows of the state are updated (of h, and of c for
    an LSTM); the other rows are carried over untouched:

    * going forward, those rows belong to sequences that have already ended, so they keep the
      state of their last real step, which is what state_n must hold;
    * going backward (reverse=True), they belong to sequences that have not started yet (a
      sequence of length l starts at t = l - 1), so they still hold state0.

    Args:
        data: (sum(batch_sizes), H_in), the PackedSequence's data.
        batch_sizes: (L,) int64 on the CPU, non-increasing; ``batch_sizes[0]`` is N.
        state0: h0 (N, H), or for LSTM (h0 (N, H_out), c0 (N, H)), rows in the packed
            (longest first) order.
        weights, mode, reverse: as in ``recurrent_layer``.

    Returns:
        output: (sum(batch_sizes), H_out), laid out like data.
        state_n: in the form of state0: each sequence's state after its last real step
            (forward), or after its first step (reverse).
    """
    mode = cell_mode(mode)
    blocks = torch.split(data, batch_sizes.tolist())  # L blocks, block t is (batch_sizes[t], H_in)
    outputs = [None] * len(blocks)
    state = state0
    for t in _time_order(len(blocks), reverse):
        running = blocks[t].shape[0]
        running_rows = _index_state(state, slice(0, running))  # (batch_sizes[t], H_out), ...
        running_state = cell_step(blocks[t], running_rows, weights, mode)
        outputs[t] = hidden_of(running_state)  # (batch_sizes[t], H_out)
        state = _with_rows(running_state, state)  # (N, H_out), and (N, H) for c
    return torch.cat(outputs), state  # (sum(batch_sizes), H_out)


def rnn_layer(
    x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh", reverse=False
):
    """``recurrent_layer`` for an Elman RNN.

    x (L, N, H_in) and h0 (N, H) give output (L, N, H) and h_n (N, H); without N when
    unbatched. The weights and nonlinearity are those of ``rnn_cell``; ``reverse`` as in
    ``recurrent_layer``.
    """
    activation_function(nonlinearity)  # fail early on an unknown name
    return recurrent_layer(x, h0, (weight_ih, weight_hh, bias_ih, bias_hh), nonlinearity, reverse)


def packed_rnn_layer(
    data,
    batch_sizes,
    h0,
    weight_ih,
    weight_hh,
    bias_ih=None,
    bias_hh=None,
    nonlinearity="tanh",
    reverse=False,
):
    """``packed_recurrent_layer`` for an Elman RNN: data (sum(batch_sizes), H_in), h0 (N, H) ->
    output (sum(batch_sizes), H), h_n (N, H); the other arguments as in ``rnn_layer``."""
    activation_function(nonlinearity)  # fail early on an unknown name
    weights = (weight_ih, weight_hh, bias_ih, bias_hh)
    return packed_recurrent_layer(data, batch_sizes, h0, weights, nonlinearity, reverse)


def lstm_layer(
    x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, weight_hr=None, reverse=False
):
    """``recurrent_layer`` for an LSTM, returning what torch's LSTM returns.

    Args:
        x: (L, N, H_in), or (L, H_in) unbatched.
        h0: (N, H_out). c0: (N, H). Without the N axis when unbatched.
        weight_ih, weight_hh, bias_ih, bias_hh, weight_hr: as in ``lstm_cell``.
        reverse: as in ``recurrent_layer``.

    Returns:
        (output, (h_n, c_n)): output (L, N, H_out), h_n (N, H_out), c_n (N, H).
    """
    weights = (weight_ih, weight_hh, bias_ih, bias_hh, weight_hr)
    return recurrent_layer(x, (h0, c0), weights, "LSTM", reverse)


def gru_layer(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, reverse=False):
    """``recurrent_layer`` for a GRU: x (L, N, H_in), h0 (N, H) -> output (L, N, H), h_n (N, H).

    The weights are those of ``gru_cell``; ``reverse`` as in ``recurrent_layer``.
    """
    return recurrent_layer(x, h0, (weight_ih, weight_hh, bias_ih, bias_hh), "GRU", reverse)


# ---------------------------------------------------------------------------------------------
# Level 3: both directions of a layer, then layers stacked on top of each other
# ---------------------------------------------------------------------------------------------


def bidirectional_layer(x, h0, weights, mode="RNN_TANH", batch_sizes=None):
    """One layer read in D directions: direction 0 reads forward, direction 1 (if any) backward.

    Args:
        x: (L, N, H_in); or, when batch_sizes is given, a PackedSequence's data
            (sum(batch_sizes), H_in).
        h0: the initial state, (D, N, H); for LSTM the pair (h0 (D, N, H_out), c0 (D, N, H)).
            Index d starts direction d.
        weights: D tuples (weight_ih, weight_hh, bias_ih, bias_hh), one per direction, as
            ``cell_step`` takes them.
        mode: as in ``cell_step``; the nonlinearity "tanh" or "relu" names an Elman RNN.
        batch_sizes: None for an ordinary batch, or the PackedSequence's batch_sizes.

    Returns:
        output: (L, N, D*H_out): at every step the forward hidden state, then the backward one,
            side by side on the last axis ((sum(batch_sizes), D*H_out) when packed).
        state_n: in the form of h0, (D, N, H_out) (and (D, N, H) for c_n): each direction's state
            after its last step read.
    """
    outputs, finals = [], []
    for direction, direction_weights in enumerate(weights):
        state0 = _index_state(h0, direction)  # (N, H_out), and (N, H) for c0
        reverse = direction == 1
        if batch_sizes is None:
            output, state_n = recurrent_layer(x, state0, direction_weights, mode, reverse)
        else:
            output, state_n = packed_recurrent_layer(
                x, batch_sizes, state0, direction_weights, mode, reverse
            )
        outputs.append(output)
        finals.append(state_n)
    state_n = _join_states(torch.stack, finals)  # (D, N, H_out)
    return torch.cat(outputs, dim=-1), state_n  # (L, N, D*H_out)


def stacked_rnn(x, hx, weights, mode="RNN_TANH", dropout=0.0, training=False, batch_sizes=None):
    """num_layers layers on top of each other: layer k > 0 reads layer k-1's whole output.

    Args:
        x: (L, N, H_in); or, when batch_sizes is given, a PackedSequence's data
            (sum(batch_sizes), H_in).
        hx: (D*num_layers, N, H); for LSTM the pair (h0 (D*num_layers, N, H_out),
            c0 (D*num_layers, N, H)). Index k*D + d starts layer k, direction d.
        weights: num_layers lists, each of D tuples (weight_ih, weight_hh, bias_ih, bias_hh).
            Layer 0's weight_ih has H_in columns; a later layer's has D*H_out, since it reads
            both directions of the layer below.
        mode: as in ``cell_step``; the nonlinearity "tanh" or "relu" names an Elman RNN.
        dropout: the probability that ``F.dropout`` zeroes an element of a layer's output before
            the next layer reads it. Applied between layers only (never to the last layer's
            output, never to states) and only when ``training`` is True.
        batch_sizes: None, or the PackedSequence's batch_sizes.

    Returns:
        output: (L, N, D*H_out), the last layer's output ((sum(batch_sizes), D*H_out) packed).
        state_n: laid out like hx: (D*num_layers, N, H_out), and (D*num_layers, N, H) for c_n.
    """
    num_directions = len(weights[0])
    finals = []
    for layer, layer_weights in enumerate(weights):
        if layer > 0:
            x = F.dropout(x, dropout, training)  # on the way between two layers only
        rows = slice(layer * num_directions, (layer + 1) * num_directions)
        h0 = _index_state(hx, rows)  # (D, N, H_out), and (D, N, H) for c0
        x, state_n = bidirectional_layer(x, h0, layer_weights, mode, batch_sizes)
        finals.append(state_n)
    state_n = _join_states(torch.cat, finals)  # (D*num_layers, N, H_out)
    return x, state_n  # (L, N, D*H_out)


# ---------------------------------------------------------------------------------------------
# Level 4: the modules
# ---------------------------------------------------------------------------------------------


def _reset_uniform(module, hidden_size):
    """Draw every parameter from U(-1/sqrt(H), 1/sqrt(H)), in creation order, as torch does."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for parameter in module.parameters():
        nn.init.uniform_(parameter, -bound, bound)


class _CellBase(nn.Module):
    """What RNNCell, LSTMCell and GRUCell share, as torch's RNNCellBase.

    Parameters (torch's names, shapes and initialisation, U(-1/sqrt(H), 1/sqrt(H))), for a cell
    with G gates (1 for RNNCell, 4 for LSTMCell, 3 for GRUCell): weight_ih (G*H, H_in),
    weight_hh (G*H, H), and with bias=True bias_ih (G*H,) and bias_hh (G*H,).
    """

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        if input_size < 0 or hidden_size < 0:  # torch.empty would refuse them with this type
            raise RuntimeError(
                f"{type(self).__name__}: expected input_size and hidden_size of 0 or more, "
                f"got {input_size} and {hidden_size}"
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        factory = {"device": device, "dtype": dtype}
        gates = num_chunks * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gates, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(gates, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(gates, **factory))
            self.bias_hh = nn.Parameter(torch.empty(gates, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw every parameter from U(-1/sqrt(H), 1/sqrt(H))."""
        _reset_uniform(self, self.hidden_size)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"  # unquoted, as torch writes it
        return text

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _check_input_dims(self, input):
        if input.dim() not in (1, 2):
            raise ValueError(
                f"{type(self).__name__}: expected input of shape (N, H_in) or (H_in,), "
                f"got a {input.dim()}-D tensor of shape {_shape(input)}"
            )

    def _check_state_dims(self, name, value):
        """AttributeError for what is not a tensor (torch calls its .dim()), ValueError unless
        1-D or 2-D: torch's exception types."""
        if not isinstance(value, torch.Tensor):
            raise AttributeError(
                f"{type(self).__name__}: expected {name} to be a tensor (N, H) or (H,), "
                f"got {type(value).__name__}"
            )
        if value.dim() not in (1, 2):
            raise ValueError(
                f"{type(self).__name__}: expected {name} of shape (N, H) or (H,), "
                f"got a {value.dim()}-D tensor of shape {_shape(value)}"
            )

    def _check_sizes(self, input, states):
        """RuntimeError, as torch's cell kernels raise, unless input has H_in features and every
        (name, state) is (N, H), or (H,) when input is unbatched."""
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{type(self).__name__}: expected input's last size to be "
                f"input_size={self.input_size}, got input of shape {_shape(input)}"
            )
        expected = (*input.shape[:-1], self.hidden_size)  # (N, H), or (H,) when unbatched
        for name, state in states:
            if tuple(state.shape) != expected:
                raise RuntimeError(
                    f"{type(self).__name__}: expected {name} of shape {expected}, "
                    f"got {_shape(state)}"
                )

    def _one_state(self, input, hx):
        """hx checked as torch checks it, or zeros (on input's device, in its dtype) when None."""
        self._check_input_dims(input)
        if hx is None:
            hx = input.new_zeros(*input.shape[:-1], self.hidden_size)  # (N, H), or (H,)
        self._check_state_dims("hx", hx)
        self._check_sizes(input, [("hx", hx)])
        return hx


class RNNCell(_CellBase):
    """Twin of ``torch.nn.RNNCell``: one step of an Elman RNN, with its own weights (G = 1).

    Like torch, the constructor accepts any ``nonlinearity`` string; an unknown one raises
    RuntimeError when the cell runs.
    """

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None
    ):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """One step: input (N, H_in) or (H_in,); hx (N, H) or (H,), zeros when None.

        Returns h_next: (N, H), or (H,) unbatched.
        """
        hx = self._one_state(input, hx)
        if self.nonlinearity not in _ACTIVATIONS:
            raise RuntimeError(_unknown_nonlinearity(self.nonlinearity))
        return rnn_cell(input, hx, *self._weights(), self.nonlinearity)


class GRUCell(_CellBase):
    """Twin of ``torch.nn.GRUCell``: one step of a GRU (``gru_cell``), with its own weights (G = 3,
    stacked r, z, n)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        """One step: input (N, H_in) or (H_in,); hx (N, H) or (H,), zeros when None.

        Returns h_next: (N, H), or (H,) unbatched.
        """
        return gru_cell(input, self._one_state(input, hx), *self._weights())


class LSTMCell(_CellBase):
    """Twin of ``torch.nn.LSTMCell``: one step of an LSTM (``lstm_cell``), with its own weights
    (G = 4, stacked i, f, g, o)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        """One step.

        Args:
            input: (N, H_in), or (H_in,) unbatched.
            hx: the pair (h_0, c_0), each (N, H), or (H,) unbatched; zeros when None.

        Returns:
            (h_1, c_1): each (N, H), or (H,) unbatched.
        """
        self._check_input_dims(input)
        if hx is None:
            h = c = input.new_zeros(*input.shape[:-1], self.hidden_size)  # (N, H), or (H,)
        else:
            h, c = self._state_pair(hx, batched=input.dim() == 2)
        self._check_sizes(input, [("h_0", h), ("c_0", c)])
        return lstm_cell(input, h, c, *self._weights())

    def _state_pair(self, hx, batched):
        """(h_0, c_0) from hx, with torch's exception types for anything else."""
        for index, value in enumerate(hx):  # one tensor is read row by row here, as torch does
            self._check_state_dims(f"hx[{index}]", value)
        wanted = "LSTMCell: expected hx to be a pair (h_0, c_0)"
        if batched and isinstance(hx, torch.Tensor):
            raise TypeError(f"{wanted}, got one tensor of shape {_shape(hx)}")
        if len(hx) < 2 or (batched and len(hx) > 2):
            error = RuntimeError if batched else IndexError
            raise error(f"{wanted}, got {len(hx)} tensors")
        return hx[0], hx[1]  # unbatched, torch takes the first two of a longer tuple or tensor


def _check_rnn_options(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size):
    """torch's RNNBase constructor checks, in its order, with its exception types and warning."""
    is_number = isinstance(dropout, numbers.Number) and not isinstance(dropout, bool)
    if not is_number or not 0 <= dropout <= 1:
        raise ValueError(
            f"dropout is the probability of zeroing an element: expected a number in [0, 1], "
            f"got {dropout!r}"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            f"dropout acts only between stacked layers, never after the last one, so "
            f"dropout={dropout} with num_layers={num_layers} has no effect; "
            f"expected num_layers greater than 1",
            UserWarning,
            stacklevel=4,  # the line that built the RNN, LSTM or GRU
        )
    for name, value in [("bias", bias), ("batch_first", batch_first)]:
        if not isinstance(value, bool):
            raise TypeError(f"{name}: expected a bool, got {type(value).__name__}")
    for name, value in [("input_size", input_size), ("hidden_size", hidden_size)]:
        if not isinstance(value, int):
            raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name}: expected a number greater than zero, got {value}")
    if isinstance(num_layers, numbers.Real) and num_layers <= 0:
        raise ValueError(f"num_layers: expected a number greater than zero, got {num_layers}")
    _check_proj_size(proj_size, hidden_size)
    if not isinstance(num_layers, int):
        raise TypeError(f"num_layers: expected an int, got {type(num_layers).__name__}")


def _check_proj_size(proj_size, hidden_size):
    """LSTM's proj_size: 0 (no projection) or an int from 1 to hidden_size - 1, as in torch."""
    if not isinstance(proj_size, numbers.Real):
        raise TypeError(f"proj_size: expected an int, got {type(proj_size).__name__}")
    if proj_size < 0:
        raise ValueError(f"proj_size: expected 0 (no projection) or more, got {proj_size}")
    if proj_size >= hidden_size:
        raise ValueError(
            f"proj_size: expected a size smaller than hidden_size={hidden_size}, got {proj_size}"
        )
    if proj_size and (isinstance(proj_size, bool) or not isinstance(proj_size, int)):
        raise TypeError(f"proj_size: expected an int, got {type(proj_size).__name__}")


def _suffix(layer, direction):
    """The end of a parameter's name: '_l0', '_l1_reverse', ..."""
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


class _RNNBase(nn.Module):
    """What RNN, LSTM and GRU share, as torch's RNNBase: parameters, input checks and forward.

    Parameters, for layer k and direction d (suffix ``_l{k}``, plus ``_reverse`` when d = 1), are
    created in torch's order (layer by layer, forward direction first; within one, as listed)
    and drawn from U(-1/sqrt(H), 1/sqrt(H)). G is the number of gates: 1 (RNN), 4 (LSTM), 3 (GRU).

    * ``weight_ih_l{k}``: (G*H, H_in) for k = 0, (G*H, D*H_out) for k > 0;
    * ``weight_hh_l{k}``: (G*H, H_out);
    * ``bias_ih_l{k}``, ``bias_hh_l{k}``: (G*H,), only when bias=True;
    * ``weight_hr_l{k}``: (proj_size, H), only for an LSTM with proj_size > 0.

    ``mode`` names the cell as torch does ("RNN_TANH", "RNN_RELU", "LSTM", "GRU"), and
    ``proj_size`` is 0 except for a projected LSTM.
    """

    def __new__(cls, *args, **kwargs):
        """RNN and GRU refuse proj_size with ValueError, as torch's do (Python's own complaint about
        an unexpected argument would be a TypeError)."""
        if "proj_size" in kwargs and not issubclass(cls, LSTM):
            raise ValueError(
                f"{cls.__name__}: proj_size is an option of LSTM only; expected no proj_size, "
                f"got proj_size={kwargs['proj_size']!r}"
            )
        return super().__new__(cls)

    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers,
        bias,
        batch_first,
        dropout,
        bidirectional,
        proj_size,
        device,
        dtype,
    ):
        super().__init__()
        _check_rnn_options(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size
        )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        for name, shape in self._parameter_shapes():
            parameter = nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
            self.register_parameter(name, parameter)
        self.reset_parameters()

    @property
    def _num_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def _output_size(self):
        """H_out, the size of h: proj_size for a projected LSTM, else hidden_size."""
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def _parameter_shapes(self):
        """(name, shape) of every parameter, in torch's order."""
        gates = _GATES[self.mode] * self.hidden_size  # G*H
        for layer in range(self.num_layers):
            below = self._num_directions * self._output_size  # D*H_out, the layer below's output
            layer_input_size = below if layer else self.input_size
            for direction in range(self._num_directions):
                shapes = {"weight_ih": (gates, layer_input_size)}
                shapes["weight_hh"] = (gates, self._output_size)
                if self.bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if self.proj_size > 0:
                    shapes["weight_hr"] = (self.proj_size, self.hidden_size)
                for name, shape in shapes.items():
                    yield name + _suffix(layer, direction), shape

    def reset_parameters(self):
        """Redraw every parameter from U(-1/sqrt(H), 1/sqrt(H))."""
        _reset_uniform(self, self.hidden_size)

    def flatten_parameters(self):
        """Does nothing: torch packs its weights for cuDNN here. Kept so that callers run."""

    def extra_repr(self):
        """torch's text: the sizes, then every option that differs from its default."""
        shown = [
            ("proj_size", self.proj_size != 0),
            ("num_layers", self.num_layers != 1),
            ("bias", self.bias is not True),
            ("batch_first", self.batch_first is not False),
            ("dropout", self.dropout != 0),
            ("bidirectional", self.bidirectional is not False),
        ]
        options = "".join(f", {name}={getattr(self, name)}" for name, show in shown if show)
        return f"{self.input_size}, {self.hidden_size}" + options

    def _direction_weights(self, layer, direction):
        """One layer and direction's weights, as ``cell_step`` takes them: (weight_ih, weight_hh,
        bias_ih, bias_hh), plus weight_hr for an LSTM; None for those this module lacks."""
        names = _WEIGHT_NAMES + (("weight_hr",) if self.mode == "LSTM" else ())
        return tuple(getattr(self, name + _suffix(layer, direction), None) for name in names)

    def _weights(self):
        """weights[layer][direction], as ``stacked_rnn`` takes them."""
        directions = range(self._num_directions)
        return [
            [self._direction_weights(layer, direction) for direction in directions]
            for layer in range(self.num_layers)
        ]

    @property
    def all_weights(self):
        """As torch's: one list of parameters per (layer, direction), in creation order."""
        return [
            [weight for weight in direction_weights if weight is not None]
            for layer_weights in self._weights()
            for direction_weights in layer_weights
        ]

    # --- the state: one tensor h, or an LSTM's pair (h, c) -----------------------------------

    @property
    def _state_names(self):
        return ("h_0", "c_0") if self.mode == "LSTM" else ("hx",)

    def _state_shapes(self, batch_size, batched=True):
        """The shape of each part of hx: (D*num_layers, N, H_out), and (D*num_layers, N, H) for
        an LSTM's c_0; without N when unbatched."""
        sizes = (self.hidden_size,)
        if self.mode == "LSTM":
            sizes = (self._output_size, self.hidden_size)
        batch = (batch_size,) if batched else ()
        return [(self.num_layers * self._num_directions, *batch, size) for size in sizes]

    def _state_parts(self, hx, shapes, packed=False, sorted_indices=None):
        """hx as a list of tensors, [h_0, c_0] for an LSTM and [hx] otherwise, each with as many
        dims as its shape in ``shapes``; torch's exception type for anything else."""
        if self.mode != "LSTM":
            self._check_state_dims("hx", hx, shapes[0], check_dims=not packed)
            return [hx]
        if isinstance(hx, torch.Tensor):
            raise self._bare_tensor_error(hx, len(shapes[0]), packed, sorted_indices)
        parts = []
        for index, (name, shape) in enumerate(zip(self._state_names, shapes)):
            if index >= len(hx):
                error = RuntimeError if packed and sorted_indices is None else IndexError
                raise error(f"LSTM: expected hx to be a pair (h_0, c_0), got {len(hx)} tensor")
            dims_error = IndexError if packed else RuntimeError  # packed: from torch's kernel
            self._check_state_dims(name, hx[index], shape, dims_error=dims_error)
            parts.append(hx[index])
        if len(hx) > 2:
            raise RuntimeError(f"LSTM: expected hx to be a pair (h_0, c_0), got {len(hx)} tensors")
        return parts

    def _check_state_dims(self, name, part, shape, check_dims=True, dims_error=RuntimeError):
        """AttributeError for what is not a tensor (torch calls its .dim()); ``dims_error`` unless
        it has as many dims as ``shape``."""
        if not isinstance(part, torch.Tensor):
            pair = "; only an LSTM's state is a pair (h_0, c_0)" if self.mode != "LSTM" else ""
            raise AttributeError(
                f"{type(self).__name__}: expected {name} to be a tensor of shape {shape}, "
                f"got {type(part).__name__}{pair}"
            )
        if check_dims and part.dim() != len(shape):
            input_kind = "batched 3-D" if len(shape) == 3 else "unbatched 2-D"
            raise dims_error(
                f"{type(self).__name__}: with {input_kind} input, expected a {len(shape)}-D "
                f"{name} of shape {shape}, got a {part.dim()}-D tensor of shape {_shape(part)}"
            )

    def _bare_tensor_error(self, hx, dims, packed, sorted_indices):
        """What torch's LSTM raises for one tensor where the pair (h_0, c_0) belongs. It reads
        hx[0] and hx[1] as h_0 and c_0, so the exception type depends on the tensor's shape."""
        error = TypeError
        if packed and sorted_indices is not None:
            error = IndexError
        elif not packed and hx.dim() - 1 != dims:
            error = RuntimeError
        elif not packed and len(hx) < 2:
            error = IndexError
        return error(
            f"LSTM: expected hx to be a pair (h_0, c_0) of {dims}-D tensors, "
            f"got one tensor of shape {_shape(hx)}"
        )

    def _initial_state(self, parts, batch_size, like, batched):
        """The state ``stacked_rnn`` starts from: hx's parts checked, N = 1 added when unbatched;
        or zeros like ``like``. One tensor (D*num_layers, N, H), or for an LSTM the pair."""
        if parts is None:
            parts = [like.new_zeros(shape) for shape in self._state_shapes(batch_size)]
        else:
            self._check_state_shapes(parts, self._state_shapes(batch_size, batched), like)
            parts = parts if batched else [part.unsqueeze(1) for part in parts]  # N = 1
        return tuple(parts) if self.mode == "LSTM" else parts[0]

    def _check_state_shapes(self, parts, shapes, like):
        """RuntimeError, as torch raises, unless every part has its shape and h has like's dtype.

        (torch lets an LSTM's c_0 be of another dtype: it is only added and multiplied.)
        """
        for name, part, shape in zip(self._state_names, parts, shapes):
            size = "H_out" if self.mode == "LSTM" and name == "h_0" else "H"
            letters = f"(D*num_layers, N, {size})" if len(shape) == 3 else f"(D*num_layers, {size})"
            if tuple(part.shape) != shape:
                raise RuntimeError(
                    f"{type(self).__name__}: expected {name} of shape {letters} = {shape}, "
                    f"got {_shape(part)}"
                )
        if parts[0].dtype != like.dtype:
            raise RuntimeError(
                f"{type(self).__name__}: expected {self._state_names[0]} of dtype {like.dtype} "
                f"like the input, got {parts[0].dtype}"
            )

    # --- the input -------------------------------------------------------------------------------

    def _check_input_dims(self, input):
        if input.dim() not in (2, 3):
            layouts = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
            raise ValueError(
                f"{type(self).__name__}: expected a batched input {layouts} or an unbatched "
                f"one (L, H_in), got a {input.dim()}-D tensor of shape {_shape(input)}"
            )

    def _input_layout(self, input, packed):
        """The input's expected layout in torch's letters, e.g. '(N, L, H_in)'."""
        if packed:
            return "(sum(batch_sizes), H_in)"
        if input.dim() == 2:
            return "(L, H_in)"
        return "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"

    def _check_data(self, input, packed=False):
        """Raise torch's exception type unless the input (or packed data) has the parameters'
        dtype, H_in features and L > 0.

        torch's LSTM leaves packed input to its kernel, which raises RuntimeError for a dtype
        that RNN and GRU refuse with ValueError.
        """
        name, layout = type(self).__name__, self._input_layout(input, packed)
        if packed and input.dim() != 2:
            raise RuntimeError(
                f"{name}: expected PackedSequence data of shape {layout}, "
                f"got a {input.dim()}-D tensor of shape {_shape(input)}"
            )
        dtype = self.weight_ih_l0.dtype
        if input.dtype != dtype:
            error = RuntimeError if packed and self.mode == "LSTM" else ValueError
            raise error(
                f"{name}: expected input of dtype {dtype} (the parameters' dtype), "
                f"got {input.dtype}; convert the input or the module with .to()"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: expected input of shape {layout} with H_in={self.input_size}, "
                f"got {_shape(input)}"
            )
        time_axis = 1 if input.dim() == 3 and self.batch_first else 0
        if input.shape[time_axis] == 0:
            raise RuntimeError(
                f"{name}: expected input of shape {layout} with L > 0, got {_shape(input)}"
            )

    # --- forward ------------------------------------------------------------------------------

    def _time_major(self, input):
        """The input as (L, N, H_in): N = 1 added when unbatched, N and L swapped if batch_first."""
        if input.dim() == 2:
            return input.unsqueeze(1)  # (L, 1, H_in)
        if self.batch_first:
            return input.transpose(0, 1)  # (L, N, H_in)
        return input

    def _caller_layout(self, output, batched):
        """Undo ``_time_major`` on the output (L, N, D*H_out)."""
        if not batched:
            return output.squeeze(1)  # (L, D*H_out)
        if self.batch_first:
            return output.transpose(0, 1)  # (N, L, D*H_out)
        return output

    def forward(self, input, hx=None):
        """Run over a whole sequence (or a batch of sequences).

        Args:
            input: (L, N, H_in), or (N, L, H_in) when batch_first, or (L, H_in) unbatched;
                or a PackedSequence (see ``_forward_packed``).
            hx: the initial state; zeros (on input's device, in its dtype) when None. For RNN
                and GRU one tensor h_0 (D*num_layers, N, H); for LSTM the pair (h_0, c_0) with
                h_0 (D*num_layers, N, H_out) and c_0 (D*num_layers, N, H). Without N when
                unbatched; batch_first never applies to it.

        Returns:
            output: the last layer's h at every step, both directions side by side:
                (L, N, D*H_out), (N, L, D*H_out) when batch_first, (L, D*H_out) unbatched.
            The final state, in the form of hx: h_n (D*num_layers, N, H_out), or for LSTM
                (h_n, c_n) with c_n (D*num_layers, N, H); index k*D + d is layer k, direction d.
        """
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._check_input_dims(input)
        batched = input.dim() == 3
        x = self._time_major(input)  # (L, N, H_in)
        if hx is not None:
            hx = self._state_parts(hx, self._state_shapes(x.shape[1], batched))
        self._check_data(input)
        state = self._initial_state(hx, x.shape[1], x, batched)  # (D*num_layers, N, H_out), ...
        output, state_n = stacked_rnn(
            x, state, self._weights(), self.mode, self.dropout, self.training
        )
        if not batched:
            state_n = _map_state(partial(torch.squeeze, dim=1), state_n)  # (D*num_layers, H_out)
        return self._caller_layout(output, batched), state_n

    def _forward_packed(self, packed, hx):
        """Run over a PackedSequence, as torch does.

        The packed data is time-major whatever batch_first says. ``sorted_indices`` (set by
        ``pack_padded_sequence(..., enforce_sorted=False)``) maps the packed order to the caller's
        order: hx is given, and the final state is returned, in the caller's order, so hx's rows
        are put into packed order first and the final state's rows back at the end.

        Args:
            packed: PackedSequence with data (sum(batch_sizes), H_in).
            hx: as in ``forward``, batched, rows in the caller's order; or None for zeros.

        Returns:
            output: PackedSequence with data (sum(batch_sizes), D*H_out) and the input's
                batch_sizes, sorted_indices and unsorted_indices.
            The final state, as in ``forward``: for each sequence, the forward direction's state
                after its last real step and the backward direction's after its first step.
        """
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        batch_size = int(batch_sizes[0])
        if hx is not None:
            hx = self._state_parts(hx, self._state_shapes(batch_size), True, sorted_indices)
        self._check_data(data, packed=True)
        state = self._initial_state(hx, batch_size, data, batched=True)  # caller's order
        if sorted_indices is not None:
            to_packed_order = partial(torch.index_select, dim=1, index=sorted_indices)
            state = _map_state(to_packed_order, state)  # (D*num_layers, N, H_out), ...
        output, state_n = stacked_rnn(
            data, state, self._weights(), self.mode, self.dropout, self.training, batch_sizes
        )
        if unsorted_indices is not None:
            to_caller_order = partial(torch.index_select, dim=1, index=unsorted_indices)
            state_n = _map_state(to_caller_order, state_n)  # (D*num_layers, N, H_out), ...
        return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), state_n


class RNN(_RNNBase):
    """Twin of ``torch.nn.RNN``: a multi-layer, optionally bidirectional Elman RNN; every layer
    and direction computes h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    Parameters as listed in ``_RNNBase``, with G = 1 and H_out = H. As with torch,
    ``nonlinearity`` may also be given as the fourth positional argument; ``mode`` is "RNN_TANH"
    or "RNN_RELU".
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        activation_function(nonlinearity)  # ValueError for an unknown name
        options = (num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)
        super().__init__(cell_mode(nonlinearity), input_size, hidden_size, *options)
        self.nonlinearity = nonlinearity


class LSTM(_RNNBase):
    """Twin of ``torch.nn.LSTM``: a multi-layer, optionally bidirectional LSTM (``lstm_cell`` in
    every layer and direction).

    Parameters as listed in ``_RNNBase``, with G = 4 (blocks stacked i, f, g, o). With
    proj_size > 0, h is projected to H_out = proj_size by ``weight_hr_l{k}`` at every step,
    while c keeps H; so h_0 and h_n are (D*num_layers, N, proj_size), c_0 and c_n
    (D*num_layers, N, H), and output (L, N, D*proj_size).
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        options = (num_layers, bias, batch_first, dropout, bidirectional, proj_size, device, dtype)
        super().__init__("LSTM", input_size, hidden_size, *options)


class GRU(_RNNBase):
    """Twin of ``torch.nn.GRU``: a multi-layer, optionally bidirectional GRU (``gru_cell`` in every
    layer and direction).

    Parameters as listed in ``_RNNBase``, with G = 3 (blocks stacked r, z, n) and H_out = H.
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        options = (num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)
        super().__init__("GRU", input_size, hidden_size, *options)
