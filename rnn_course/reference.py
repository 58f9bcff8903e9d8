"""Exact twins of ``torch.nn.RNNCell`` and ``torch.nn.RNN``, built from elementary tensor operations.

The code climbs one level at a time; each level is a short function that calls the level below:

* ``rnn_cell``: one time step; x (N, H_in) and h (N, H) give the next h (N, H).
* ``rnn_layer``: one layer in one direction over a sequence (L, N, H_in) -> (L, N, H).
  ``packed_rnn_layer`` does the same over a PackedSequence (sequences of different lengths).
* ``bidirectional_layer``: one layer read in D directions -> (L, N, D*H); h_n (D, N, H).
* ``stacked_rnn``: num_layers such layers, dropout between them -> (L, N, D*H).
* ``RNNCell`` and ``RNN``: nn.Modules with torch's arguments, parameter names, initialisation
  and input checks.

Letters follow torch's documentation: N batch size, L sequence length, H_in input size,
H hidden size (torch's docs call it H_out), D number of directions (2 if bidirectional, else 1).

Only matrix products (``F.linear``), additions, tanh/relu, cat, stack, split, indexing and
``F.dropout`` are used here, never torch's recurrent modules or kernels. After the same
``torch.manual_seed`` a module here and its torch twin hold identical parameters, and a
``state_dict`` saved by either loads into the other.
"""

import math
import numbers
import warnings

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence

__all__ = [
    "RNN",
    "RNNCell",
    "activation_function",
    "bidirectional_layer",
    "packed_rnn_layer",
    "rnn_cell",
    "rnn_layer",
    "stacked_rnn",
]

_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}
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


# ---------------------------------------------------------------------------------------------
# Level 1: one time step
# ---------------------------------------------------------------------------------------------


def _check_cell_shapes(x, h, weight_ih):
    """Raise RuntimeError (the type torch's cell kernels raise) unless x and h fit the weights."""
    hidden_size, input_size = weight_ih.shape
    if x.dim() not in (1, 2) or x.shape[-1] != input_size:
        raise RuntimeError(
            f"rnn_cell: expected x of shape (N, H_in) or (H_in,) with H_in={input_size}, "
            f"got {_shape(x)}"
        )
    expected_h = (*x.shape[:-1], hidden_size)  # (N, H), or (H,) when x is unbatched
    if tuple(h.shape) != expected_h:
        raise RuntimeError(f"rnn_cell: expected h of shape {expected_h} (N, H), got {_shape(h)}")


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
    _check_cell_shapes(x, h, weight_ih)
    from_input = F.linear(x, weight_ih, bias_ih)  # (N, H)
    from_hidden = F.linear(h, weight_hh, bias_hh)  # (N, H)
    return activation(from_input + from_hidden)


# ---------------------------------------------------------------------------------------------
# Level 2: one layer, one direction, over the whole sequence
# ---------------------------------------------------------------------------------------------


def _time_order(length, reverse):
    """The time steps in the order a direction reads them: 0..L-1, or L-1..0 when reverse."""
    return range(length - 1, -1, -1) if reverse else range(length)


def rnn_layer(
    x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh", reverse=False
):
    """One layer in one direction, unrolled over time: the same cell, same weights, at every step.

    Args:
        x: the sequence, time first: (L, N, H_in), or (L, H_in) for one unbatched sequence.
        h0: the hidden state before the first step read, (N, H), or (H,) when unbatched.
        weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity: as in ``rnn_cell``.
        reverse: False reads t = 0, 1, ..., L-1. True reads t = L-1, ..., 0, as the backward
            direction of a bidirectional RNN does. Either way ``output[t]`` is the hidden state
            just after reading ``x[t]``, so the output is in the original time order.

    Returns:
        output: (L, N, H), the hidden state after every step ((L, H) when unbatched).
        h_n: (N, H), the hidden state after the last step read: ``output[-1]`` going forward,
            ``output[0]`` going backward.
    """
    activation_function(nonlinearity)  # fail early on an unknown name
    if x.dim() not in (2, 3) or x.shape[0] == 0:
        raise RuntimeError(
            f"rnn_layer: expected x of shape (L, N, H_in) or (L, H_in) with L > 0, got {_shape(x)}"
        )
    outputs = [None] * x.shape[0]
    h = h0
    for t in _time_order(x.shape[0], reverse):
        h = rnn_cell(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity)
        outputs[t] = h
    return torch.stack(outputs), h  # (L, N, H)


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
    """``rnn_layer`` for sequences of different lengths, stored as a PackedSequence.

    A PackedSequence sorts its N sequences longest first and stores time step t as one block of
    ``batch_sizes[t]`` rows, the sequences still running at t; the blocks follow each other in
    time order. So block t holds the first ``batch_sizes[t]`` sequences, and no padding is stored.

    At step t only the first ``batch_sizes[t]`` rows of the hidden state (N, H) are updated;
    the other rows are carried over untouched:

    * going forward, those rows belong to sequences that have already ended, so they keep the
      hidden state of their last real step, which is what h_n must hold;
    * going backward (reverse=True), they belong to sequences that have not started yet (a
      sequence of length l starts at t = l - 1), so they still hold h0.

    Args:
        data: (sum(batch_sizes), H_in), the PackedSequence's data.
        batch_sizes: (L,) int64 on the CPU, non-increasing; ``batch_sizes[0]`` is N.
        h0: (N, H), its rows in the packed (longest first) order.
        weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity, reverse: as in ``rnn_layer``.

    Returns:
        output: (sum(batch_sizes), H), laid out like data.
        h_n: (N, H): each sequence's hidden state after its last real step (forward), or after its
            first step (reverse).
    """
    activation_function(nonlinearity)  # fail early on an unknown name
    blocks = torch.split(data, batch_sizes.tolist())  # L blocks, block t is (batch_sizes[t], H_in)
    outputs = [None] * len(blocks)
    h = h0
    for t in _time_order(len(blocks), reverse):
        running = blocks[t].shape[0]
        h_running = rnn_cell(
            blocks[t], h[:running], weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity
        )
        outputs[t] = h_running
        h = torch.cat([h_running, h[running:]])  # (N, H)
    return torch.cat(outputs), h  # (sum(batch_sizes), H)


# ---------------------------------------------------------------------------------------------
# Level 3: both directions of a layer, then layers stacked on top of each other
# ---------------------------------------------------------------------------------------------


def bidirectional_layer(x, h0, weights, nonlinearity="tanh", batch_sizes=None):
    """One layer read in D directions: direction 0 reads forward, direction 1 (if any) backward.

    Args:
        x: (L, N, H_in); or, when batch_sizes is given, a PackedSequence's data
            (sum(batch_sizes), H_in).
        h0: (D, N, H); h0[d] starts direction d.
        weights: D tuples (weight_ih, weight_hh, bias_ih, bias_hh), one per direction.
        nonlinearity: "tanh" or "relu".
        batch_sizes: None for an ordinary batch, or the PackedSequence's batch_sizes.

    Returns:
        output: (L, N, D*H): at every step the forward hidden state, then the backward one, side
            by side on the last axis ((sum(batch_sizes), D*H) when packed).
        h_n: (D, N, H), each direction's hidden state after its last step read.
    """
    outputs, finals = [], []
    for direction, direction_weights in enumerate(weights):
        reverse = direction == 1
        if batch_sizes is None:
            output, h_n = rnn_layer(
                x, h0[direction], *direction_weights, nonlinearity=nonlinearity, reverse=reverse
            )
        else:
            output, h_n = packed_rnn_layer(
                x,
                batch_sizes,
                h0[direction],
                *direction_weights,
                nonlinearity=nonlinearity,
                reverse=reverse,
            )
        outputs.append(output)
        finals.append(h_n)
    return torch.cat(outputs, dim=-1), torch.stack(finals)  # (L, N, D*H), (D, N, H)


def stacked_rnn(
    x, hx, weights, nonlinearity="tanh", dropout=0.0, training=False, batch_sizes=None
):
    """num_layers layers on top of each other: layer k > 0 reads layer k-1's whole output.

    Args:
        x: (L, N, H_in); or, when batch_sizes is given, a PackedSequence's data
            (sum(batch_sizes), H_in).
        hx: (num_layers*D, N, H); hx[k*D + d] starts layer k, direction d.
        weights: num_layers lists, each of D tuples (weight_ih, weight_hh, bias_ih, bias_hh).
            Layer 0's weight_ih is (H, H_in); a later layer's is (H, D*H), since it reads both
            directions of the layer below.
        nonlinearity: "tanh" or "relu".
        dropout: the probability that ``F.dropout`` zeroes an element of a layer's output before
            the next layer reads it. Applied between layers only (never to the last layer's
            output, never to hidden states) and only when ``training`` is True.
        batch_sizes: None, or the PackedSequence's batch_sizes.

    Returns:
        output: (L, N, D*H), the last layer's output ((sum(batch_sizes), D*H) when packed).
        h_n: (num_layers*D, N, H), laid out like hx.
    """
    num_directions = len(weights[0])
    finals = []
    for layer, layer_weights in enumerate(weights):
        if layer > 0:
            x = F.dropout(x, dropout, training)  # on the way between two layers only
        h0 = hx[layer * num_directions : (layer + 1) * num_directions]  # (D, N, H)
        x, h_n = bidirectional_layer(x, h0, layer_weights, nonlinearity, batch_sizes)
        finals.append(h_n)  # (D, N, H)
    return x, torch.cat(finals)  # (L, N, D*H), (num_layers*D, N, H)


# ---------------------------------------------------------------------------------------------
# Level 4: the modules
# ---------------------------------------------------------------------------------------------


def _reset_uniform(module, hidden_size):
    """Draw every parameter from U(-1/sqrt(H), 1/sqrt(H)), in creation order, as torch does."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for parameter in module.parameters():
        nn.init.uniform_(parameter, -bound, bound)


def _options_repr(module, defaults):
    """'name=value' for every option whose value differs from its default, comma-separated."""
    changed = [name for name, default in defaults.items() if getattr(module, name) != default]
    return "".join(f", {name}={getattr(module, name)}" for name in changed)


class RNNCell(nn.Module):
    """Twin of ``torch.nn.RNNCell``: one step of an Elman RNN, with its own weights.

    Parameters (torch's names, shapes and initialisation, U(-1/sqrt(H), 1/sqrt(H))):
    weight_ih (H, H_in), weight_hh (H, H), and with bias=True bias_ih (H,) and bias_hh (H,).

    Like torch, the constructor accepts any ``nonlinearity`` string; an unknown one raises
    RuntimeError when the cell runs.
    """

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None
    ):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.nonlinearity = nonlinearity
        factory = {"device": device, "dtype": dtype}
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw every parameter from U(-1/sqrt(H), 1/sqrt(H))."""
        _reset_uniform(self, self.hidden_size)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + _options_repr(
            self, {"bias": True, "nonlinearity": "tanh"}
        )

    def _check_forward(self, input, hx):
        """Raise torch's exception type for an input or hx that does not fit this cell."""
        if input.dim() not in (1, 2):
            raise ValueError(
                f"RNNCell: expected input of shape (N, H_in) or (H_in,), "
                f"got a {input.dim()}-D tensor of shape {_shape(input)}"
            )
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(
                f"RNNCell: expected hx of shape (N, H) or (H,), "
                f"got a {hx.dim()}-D tensor of shape {_shape(hx)}"
            )
        if self.nonlinearity not in _ACTIVATIONS:
            raise RuntimeError(_unknown_nonlinearity(self.nonlinearity))
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"RNNCell: expected input's last size to be input_size={self.input_size}, "
                f"got input of shape {_shape(input)}"
            )
        expected_hx = (*input.shape[:-1], self.hidden_size)  # (N, H), or (H,) when unbatched
        if hx is not None and tuple(hx.shape) != expected_hx:
            raise RuntimeError(f"RNNCell: expected hx of shape {expected_hx}, got {_shape(hx)}")

    def forward(self, input, hx=None):
        """One step.

        Args:
            input: (N, H_in), or (H_in,) unbatched.
            hx: (N, H), or (H,) unbatched; zeros (on input's device, in its dtype) when None.

        Returns:
            h_next: (N, H), or (H,) unbatched.
        """
        self._check_forward(input, hx)
        if hx is None:
            hx = input.new_zeros(*input.shape[:-1], self.hidden_size)  # (N, H) or (H,)
        return rnn_cell(
            input,
            hx,
            self.weight_ih,
            self.weight_hh,
            self.bias_ih,
            self.bias_hh,
            self.nonlinearity,
        )


def _check_rnn_options(input_size, hidden_size, num_layers, bias, batch_first, dropout):
    """torch.nn.RNN's constructor checks, with the same exception types and the same warning case."""
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
            stacklevel=3,
        )
    for name, value, kind in [
        ("bias", bias, bool),
        ("batch_first", batch_first, bool),
        ("input_size", input_size, int),
        ("hidden_size", hidden_size, int),
    ]:
        if not isinstance(value, kind):
            raise TypeError(f"{name}: expected a {kind.__name__}, got {type(value).__name__}")
    for name, value in [
        ("input_size", input_size),
        ("hidden_size", hidden_size),
        ("num_layers", num_layers),
    ]:
        if value <= 0:
            raise ValueError(f"{name}: expected a number greater than zero, got {value}")


def _suffix(layer, direction):
    """The end of a parameter's name: '_l0', '_l1_reverse', ..."""
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


class RNN(nn.Module):
    """Twin of ``torch.nn.RNN``: a multi-layer, optionally bidirectional Elman RNN.

    Parameters, for layer k and direction d (suffix ``_l{k}``, plus ``_reverse`` when d = 1),
    created in torch's order (layer by layer, forward direction first) and drawn from
    U(-1/sqrt(H), 1/sqrt(H)):

    * ``weight_ih_l{k}``: (H, H_in) for k = 0, (H, D*H) for k > 0;
    * ``weight_hh_l{k}``: (H, H);
    * ``bias_ih_l{k}``, ``bias_hh_l{k}``: (H,), only when bias=True.

    As with torch, ``nonlinearity`` may also be given as the fourth positional argument.
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
        super().__init__()
        activation_function(nonlinearity)  # ValueError for an unknown name
        _check_rnn_options(input_size, hidden_size, num_layers, bias, batch_first, dropout)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.nonlinearity = nonlinearity
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        factory = {"device": device, "dtype": dtype}
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else self._num_directions * hidden_size
            for direction in range(self._num_directions):
                shapes = [(hidden_size, layer_input_size), (hidden_size, hidden_size)]
                shapes += [(hidden_size,), (hidden_size,)] if bias else []
                for name, shape in zip(_WEIGHT_NAMES, shapes):
                    parameter = nn.Parameter(torch.empty(shape, **factory))
                    self.register_parameter(name + _suffix(layer, direction), parameter)
        self.reset_parameters()

    @property
    def _num_directions(self):
        return 2 if self.bidirectional else 1

    def reset_parameters(self):
        """Redraw every parameter from U(-1/sqrt(H), 1/sqrt(H))."""
        _reset_uniform(self, self.hidden_size)

    def flatten_parameters(self):
        """Does nothing. torch packs its weights for cuDNN here; kept so that code calling it runs."""

    def extra_repr(self):
        defaults = {
            "num_layers": 1,
            "nonlinearity": "tanh",
            "bias": True,
            "batch_first": False,
            "dropout": 0.0,
            "bidirectional": False,
        }
        return f"{self.input_size}, {self.hidden_size}" + _options_repr(self, defaults)

    def _direction_weights(self, layer, direction):
        """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction; biases None when
        bias=False."""
        suffix = _suffix(layer, direction)
        return tuple(getattr(self, name + suffix, None) for name in _WEIGHT_NAMES)

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

    # --- checks -------------------------------------------------------------------------------

    def _input_layout(self, input, packed):
        """The input's expected layout in torch's letters, e.g. '(N, L, H_in)'."""
        if packed:
            return "(sum(batch_sizes), H_in)"
        if input.dim() == 2:
            return "(L, H_in)"
        return "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"

    def _check_input(self, input, packed=False, hx=None):
        """Raise torch's exception type for an input (or packed data) that does not fit this RNN.

        The checks come in torch's order (input dims, hx dims, dtype, feature size, length), so an
        input with several faults gets the same exception as from nn.RNN.
        """
        if packed and input.dim() != 2:
            raise RuntimeError(
                f"RNN: expected PackedSequence data of shape (sum(batch_sizes), H_in), "
                f"got a {input.dim()}-D tensor of shape {_shape(input)}"
            )
        if input.dim() not in (2, 3):
            layouts = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
            raise ValueError(
                f"RNN: expected a batched input {layouts} or an unbatched one (L, H_in), "
                f"got a {input.dim()}-D tensor of shape {_shape(input)}"
            )
        if hx is not None and not packed:
            self._check_hx_dims(hx, input)
        if input.dtype != self.weight_ih_l0.dtype:
            raise ValueError(
                f"RNN: expected input of dtype {self.weight_ih_l0.dtype} (the parameters' dtype), "
                f"got {input.dtype}; convert the input or the module with .to()"
            )
        layout = self._input_layout(input, packed)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"RNN: expected input of shape {layout} with H_in={self.input_size}, "
                f"got {_shape(input)}"
            )
        time_axis = 1 if input.dim() == 3 and self.batch_first else 0
        if input.shape[time_axis] == 0:
            raise RuntimeError(
                f"RNN: expected input of shape {layout} with L > 0, got {_shape(input)}"
            )

    def _check_hx_dims(self, hx, input):
        """Raise RuntimeError, as torch does, unless hx is 3-D for batched and 2-D for unbatched input."""
        layers = self.num_layers * self._num_directions
        if input.dim() == 3:
            batch_size = input.shape[0 if self.batch_first else 1]
            expected, input_kind = (layers, batch_size, self.hidden_size), "batched 3-D"
        else:
            expected, input_kind = (layers, self.hidden_size), "unbatched 2-D"
        if hx.dim() != len(expected):
            raise RuntimeError(
                f"RNN: with {input_kind} input, expected a {len(expected)}-D hx of shape {expected}, "
                f"got a {hx.dim()}-D tensor of shape {_shape(hx)}"
            )

    def _check_hx(self, hx, expected):
        """Raise RuntimeError, as torch does, unless hx has the expected shape."""
        if tuple(hx.shape) != expected:
            batched = len(expected) == 3
            layout = "(num_layers*D, N, H)" if batched else "(num_layers*D, H)"
            input_kind = "batched" if batched else "unbatched 2-D"
            raise RuntimeError(
                f"RNN: with {input_kind} input, expected hx of shape {layout} = {expected}, "
                f"got {_shape(hx)}"
            )

    # --- forward ------------------------------------------------------------------------------

    def _time_major(self, input):
        """The input as (L, N, H_in): N = 1 added when unbatched, (N, L) swapped when batch_first."""
        if input.dim() == 2:
            return input.unsqueeze(1)  # (L, 1, H_in)
        if self.batch_first:
            return input.transpose(0, 1)  # (L, N, H_in)
        return input

    def _caller_layout(self, output, batched):
        """Undo ``_time_major`` on the output (L, N, D*H)."""
        if not batched:
            return output.squeeze(1)  # (L, D*H)
        if self.batch_first:
            return output.transpose(0, 1)  # (N, L, D*H)
        return output

    def _initial_state(self, hx, batch_size, like, batched):
        """hx as (num_layers*D, N, H): zeros like ``like`` when None, N = 1 added when unbatched."""
        full = (self.num_layers * self._num_directions, batch_size, self.hidden_size)
        if hx is None:
            return like.new_zeros(full)  # (num_layers*D, N, H)
        if not batched:
            self._check_hx(hx, (full[0], full[2]))
            return hx.unsqueeze(1)  # (num_layers*D, 1, H)
        self._check_hx(hx, full)
        return hx

    def forward(self, input, hx=None):
        """Run the RNN over a whole sequence (or a batch of sequences).

        Args:
            input: (L, N, H_in), or (N, L, H_in) when batch_first, or (L, H_in) unbatched;
                or a PackedSequence (see ``_forward_packed``).
            hx: the initial hidden states, (num_layers*D, N, H), or (num_layers*D, H) unbatched;
                zeros (on input's device, in its dtype) when None. batch_first never applies to it.

        Returns:
            output: the last layer's hidden state at every step, both directions side by side:
                (L, N, D*H), (N, L, D*H) when batch_first, (L, D*H) unbatched.
            h_n: every layer's and direction's final hidden state, (num_layers*D, N, H), or
                (num_layers*D, H) unbatched; h_n[k*D + d] is layer k, direction d.
        """
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._check_input(input, hx=hx)
        batched = input.dim() == 3
        x = self._time_major(input)  # (L, N, H_in)
        hx = self._initial_state(hx, x.shape[1], x, batched)  # (num_layers*D, N, H)
        output, h_n = stacked_rnn(
            x, hx, self._weights(), self.nonlinearity, self.dropout, self.training
        )
        h_n = h_n if batched else h_n.squeeze(1)  # (num_layers*D, H) when unbatched
        return self._caller_layout(output, batched), h_n

    def _forward_packed(self, packed, hx):
        """Run the RNN over a PackedSequence, as torch.nn.RNN does.

        The packed data is time-major whatever batch_first says. ``sorted_indices`` (set by
        ``pack_padded_sequence(..., enforce_sorted=False)``) maps the packed order to the caller's
        order: hx is given, and h_n is returned, in the caller's order, so hx's rows are put into
        packed order first and h_n's rows back into the caller's order at the end.

        Args:
            packed: PackedSequence with data (sum(batch_sizes), H_in).
            hx: (num_layers*D, N, H) in the caller's order, or None for zeros.

        Returns:
            output: PackedSequence with data (sum(batch_sizes), D*H) and the input's batch_sizes,
                sorted_indices and unsorted_indices.
            h_n: (num_layers*D, N, H): for each sequence, the forward direction's state after its
                last real step and the backward direction's state after its first step.
        """
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        self._check_input(data, packed=True)
        hx = self._initial_state(hx, int(batch_sizes[0]), data, batched=True)  # caller's order
        if sorted_indices is not None:
            hx = hx.index_select(1, sorted_indices)  # (num_layers*D, N, H), packed order
        output, h_n = stacked_rnn(
            data, hx, self._weights(), self.nonlinearity, self.dropout, self.training, batch_sizes
        )
        if unsorted_indices is not None:
            h_n = h_n.index_select(1, unsorted_indices)  # (num_layers*D, N, H), caller's order
        return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), h_n
