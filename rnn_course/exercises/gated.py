"""Exercises for the gated cells: lstm_cell, gru_cell and lstm_layer.

torch stacks each cell's gates in one weight matrix, in a fixed order: LSTM's ``weight_ih`` is
``(4*H, H_in)`` with rows i|f|g|o, GRU's is ``(3*H, H_in)`` with rows r|z|n. Many wrong answers are
right equations read with another framework's order, so the catalogue tries every other order.
"""

from itertools import permutations

import torch
from torch import nn

from . import gate_sites
from .cases import DTYPE, dims_label, generator, randn
from .registry import Case, Exercise, Mistake, register

_LSTM_GATES = "ifgo"
_GRU_GATES = "rzn"

# (N, H_in, H): N=1 included, and N, H_in, H all different so a swapped axis cannot hide.
_CELL_SHAPES = [(3, 4, 5), (1, 2, 3), (5, 3, 2), (2, 6, 4)]


def _weights(gen, gates, input_size, hidden_size):
    """weight_ih (G*H, H_in), weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,) for G gates."""
    rows = gates * hidden_size
    return (
        randn(gen, rows, input_size, scale=0.6),
        randn(gen, rows, hidden_size, scale=0.6),
        randn(gen, rows, scale=0.6),
        randn(gen, rows, scale=0.6),
    )


def _load(module, weights):
    module.load_state_dict(dict(zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), weights)))
    return module


def _chunks(t, order, real):
    """The gate blocks of ``t`` (last axis G*H) read in ``order`` but named as in ``real``.

    ``_chunks(t, "fiog", "ifgo")`` returns a dict {"i": ..., "f": ..., ...} where "i" is the block a
    reader with order f|i|o|g would take for i, i.e. the second block.
    """
    blocks = t.chunk(len(order), dim=-1)
    return {gate: blocks[order.index(gate)] for gate in real}


def _interleaved(t, real):
    """The gate blocks read as if the gates were interleaved unit by unit: t.view(..., H, G)[..., k]."""
    grouped = t.reshape(*t.shape[:-1], -1, len(real))  # (..., H, G)
    return {gate: grouped[..., k] for k, gate in enumerate(real)}


# ---------------------------------------------------------------------------------------------
# 1. lstm_cell
# ---------------------------------------------------------------------------------------------


def _lstm_case(seed, n, input_size, hidden_size):
    gen = generator(seed)
    x, h, c = randn(gen, n, input_size), randn(gen, n, hidden_size), randn(gen, n, hidden_size)
    weights = _weights(gen, 4, input_size, hidden_size)
    cell = _load(nn.LSTMCell(input_size, hidden_size, dtype=DTYPE), weights)
    with torch.no_grad():
        h_next, c_next = cell(x, (h, c))
    label = dims_label(N=n, H_in=input_size, H=hidden_size)
    return Case((x, h, c, *weights), (h_next, c_next), label, ("(N, H)", "(N, H)"))


def _solve_lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch's LSTM step (h_next, c_next) for any arguments, to name mistakes by."""
    return tuple(torch.lstm_cell(x, (h, c), weight_ih, weight_hh, bias_ih, bias_hh))


def _lstm_cases():
    return [_lstm_case(1200 + i, *shape) for i, shape in enumerate(_CELL_SHAPES)]


_LSTM_BUGS = {
    "no bias_ih",
    "no bias_hh",
    "gates from input only",
    "interleaved",
    "forget bias +1",
    "coupled gates",
    "no tanh on g",
    "sigmoid on g",
    "no forget",
    "h from old c",
    "no tanh on c",
    "swapped",
    "c after tanh",
}
_GRU_BUGS = {
    "interleaved",
    "no bias_hh",
    "gates from input only",
    "reset before matmul",
    "b_hn outside reset",
    "no reset",
    "no tanh on n",
    "sigmoid on n",
    "z swapped",
    "returns n",
    "reset on both",
}
_LSTM_LAYER_BUGS = {
    "zero start",
    "c from zeros",
    "backwards",
    "c not carried",
    "output holds c",
    "first step",
    "states swapped",
    "flat",
}


def _checked(bug, known):
    """``bug`` if the kit knows it; a ValueError otherwise (a misspelt bug would silently be no bug)."""
    if bug and bug not in known:
        raise ValueError(f"unknown mistake {bug!r}; the kit knows {sorted(known)}")
    return bug


def _lstm_mistake(bug="", order=_LSTM_GATES):
    """lstm_cell with one named bug; ``order`` is the gate order the buggy code reads the rows in."""
    _checked(bug, _LSTM_BUGS)

    def lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
        pre_x = x @ weight_ih.T + (0 if bug == "no bias_ih" else bias_ih)  # (N, 4H)
        from_h = 0 if bug == "gates from input only" else h @ weight_hh.T
        pre = pre_x + from_h + (0 if bug == "no bias_hh" else bias_hh)
        g = (
            _interleaved(pre, _LSTM_GATES)
            if bug == "interleaved"
            else _chunks(pre, order, _LSTM_GATES)
        )
        i = torch.sigmoid(g["i"])
        f = torch.sigmoid(g["f"] + (1.0 if bug == "forget bias +1" else 0.0))
        f = 1 - i if bug == "coupled gates" else f
        o = torch.sigmoid(g["o"])
        cand = {"no tanh on g": g["g"], "sigmoid on g": torch.sigmoid(g["g"])}.get(
            bug, torch.tanh(g["g"])
        )
        c_next = i * cand if bug == "no forget" else f * c + i * cand
        c_read = c if bug == "h from old c" else c_next
        h_next = o * c_read if bug == "no tanh on c" else o * torch.tanh(c_read)
        c_next = torch.tanh(c_next) if bug == "c after tanh" else c_next
        return (c_next, h_next) if bug == "swapped" else (h_next, c_next)

    return lstm_cell


def _other_orders(gates):
    return ["".join(p) for p in permutations(gates) if "".join(p) != gates]


_LSTM_ORDER_NAMES = {
    "ifog": " (the i|f|o|g order of many hand-written LSTMs)",
    "igfo": " (TensorFlow's i|j|f|o order)",
    "iofg": " (ONNX's i|o|f|c order)",
}

_LSTM_MISTAKES = (
    Mistake(
        "c_after_tanh",
        "the c_next you return has been through tanh: the cell state is f * c + i * g itself; tanh is "
        "applied only on the way to h_next, o * tanh(c_next)",
        _lstm_mistake("c after tanh"),
    ),
    Mistake(
        "interleaved",
        "your i, f, g and o blocks are interleaved unit by unit; torch stacks the gates in four "
        "contiguous blocks of H rows: slice with chunk(4, dim=1) or [k*H:(k+1)*H]",
        _lstm_mistake("interleaved"),
    ),
    Mistake(
        "no_tanh_on_g",
        "your candidate g has no tanh: g = tanh(pre_g)",
        _lstm_mistake("no tanh on g"),
    ),
    Mistake(
        "sigmoid_on_g",
        "your candidate g uses sigmoid; the gates i, f, o are sigmoids but g is a tanh",
        _lstm_mistake("sigmoid on g"),
    ),
    Mistake(
        "no_tanh_on_c",
        "your h_next is o * c_next without the tanh on the cell state",
        _lstm_mistake("no tanh on c"),
    ),
    Mistake(
        "coupled_gates",
        "your forget gate is coupled to the input gate (f = 1 - i); torch's LSTM learns f on its own",
        _lstm_mistake("coupled gates"),
    ),
    Mistake(
        "h_from_old_c",
        "your h_next is computed from the old cell state c; it reads the new c_next",
        _lstm_mistake("h from old c"),
    ),
    Mistake(
        "returns_c_then_h",
        "you return (c_next, h_next); torch's order is (h_next, c_next)",
        _lstm_mistake("swapped"),
    ),
    Mistake(
        "no_forget",
        "your c_next forgets the old cell state: c_next = f * c + i * g",
        _lstm_mistake("no forget"),
    ),
    Mistake(
        "forget_bias_1",
        "you add 1 to the forget gate's pre-activation (another library's forget_bias); torch adds nothing",
        _lstm_mistake("forget bias +1"),
    ),
    Mistake(
        "gates_from_input_only",
        "your gates are computed from the input only; each gate also sees h through weight_hh",
        _lstm_mistake("gates from input only"),
    ),
    Mistake("no_bias_ih", "your gates leave out bias_ih", _lstm_mistake("no bias_ih")),
    Mistake("no_bias_hh", "your gates leave out bias_hh", _lstm_mistake("no bias_hh")),
) + tuple(
    Mistake(
        "gate_order_" + "".join(order).lower(),
        f"you read the gate blocks in the order {'|'.join(order)}{_LSTM_ORDER_NAMES.get(order, '')}; "
        "torch stacks them as i|f|g|o",
        _lstm_mistake(order=order),
    )
    for order in _other_orders(_LSTM_GATES)
)

register(
    Exercise(
        id="lstm_cell",
        solve=_solve_lstm_cell,
        gates=(gate_sites.lstm_cell_with, gate_sites.LSTM_SITES),
        named_sizes=("4*H",),
        title="One step of an LSTM cell",
        signature="lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh) -> (h_next, c_next)",
        arg_names=("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        output_names=("h_next", "c_next"),
        make_cases=_lstm_cases,
        lesson="12_lstm",
        mistakes=_LSTM_MISTAKES,
        hints=(
            "Each of the four gates is computed from the same two inputs, x and h, the way lesson 01's cell "
            "computes its pre-activation. torch stacks the four gates' weights in one matrix, so one "
            "pre-activation can serve all four gates at once. What shape does it have?",
            "Cut that stacked pre-activation into four (N, H) blocks along its last axis, in torch's order "
            "i, f, g, o. Three of them go through a sigmoid; one goes through tanh.",
            "The cell state is updated first, from the old one; the new hidden state is read from the new cell "
            "state through a tanh and the output gate.",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# 2. gru_cell
# ---------------------------------------------------------------------------------------------


def _gru_case(seed, n, input_size, hidden_size):
    gen = generator(seed)
    x, h = randn(gen, n, input_size), randn(gen, n, hidden_size)
    weights = _weights(gen, 3, input_size, hidden_size)
    cell = _load(nn.GRUCell(input_size, hidden_size, dtype=DTYPE), weights)
    with torch.no_grad():
        expected = cell(x, h)
    label = dims_label(N=n, H_in=input_size, H=hidden_size)
    return Case((x, h, *weights), expected, label, ("(N, H)",))


def _solve_gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch's GRU step h_next for any arguments, to name mistakes by."""
    return torch.gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)


def _gru_cases():
    return [_gru_case(1300 + i, *shape) for i, shape in enumerate(_CELL_SHAPES)]


def _gru_mistake(bug="", order=_GRU_GATES):
    """gru_cell with one named bug; ``order`` is the gate order the buggy code reads the rows in."""
    _checked(bug, _GRU_BUGS)

    def gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
        read = (
            (lambda t: _interleaved(t, _GRU_GATES))
            if bug == "interleaved"
            else (lambda t: _chunks(t, order, _GRU_GATES))
        )
        gx = read(x @ weight_ih.T + bias_ih)  # blocks of (N, H)
        gh = read(h @ weight_hh.T + (0 if bug == "no bias_hh" else bias_hh))
        use_h = 0 if bug == "gates from input only" else 1
        r = torch.sigmoid(gx["r"] + use_h * gh["r"])
        z = torch.sigmoid(gx["z"] + use_h * gh["z"])
        b_hn = (
            _chunks(bias_hh, order, _GRU_GATES)["n"]
            if bug != "interleaved"
            else _interleaved(bias_hh, _GRU_GATES)["n"]
        )
        if bug == "reset before matmul":
            w_hn = _chunks(weight_hh.T, order, _GRU_GATES)["n"]  # (H, H)
            hidden_n = (r * h) @ w_hn + b_hn
        elif bug == "b_hn outside reset":
            hidden_n = r * (gh["n"] - b_hn) + b_hn
        elif bug == "no reset":
            hidden_n = gh["n"]
        else:
            hidden_n = r * gh["n"]
        pre_n = r * gx["n"] + hidden_n if bug == "reset on both" else gx["n"] + hidden_n
        n = {"no tanh on n": pre_n, "sigmoid on n": torch.sigmoid(pre_n)}.get(
            bug, torch.tanh(pre_n)
        )
        if bug == "returns n":
            return n
        return z * n + (1 - z) * h if bug == "z swapped" else (1 - z) * n + z * h

    return gru_cell


_GRU_ORDER_NAMES = {"zrn": " (Keras's z|r|h order)"}

_GRU_MISTAKES = (
    Mistake(
        "reset_on_both",
        "your reset gate scales the input's part of the candidate too; r multiplies only the part "
        "from h: n = tanh(W_in x + b_in + r * (W_hn h + b_hn))",
        _gru_mistake("reset on both"),
    ),
    Mistake(
        "z_swapped",
        "you swapped z and 1 - z: torch keeps z of the old state, h_next = (1 - z) * n + z * h",
        _gru_mistake("z swapped"),
    ),
    Mistake(
        "reset_before_matmul",
        "the reset gate multiplies h before the matrix product, (r * h) @ W_hn.T: either on purpose (the "
        "original paper puts it there) or by operator precedence (Python reads `r * h @ W.T` left to right, "
        "as (r * h) @ W.T); torch applies it after the product: r * (h @ W_hn.T + b_hn)",
        _gru_mistake("reset before matmul"),
    ),
    Mistake(
        "b_hn_outside_reset",
        "your b_hn sits outside the reset gate; torch multiplies r with (W_hn h + b_hn), bias included",
        _gru_mistake("b_hn outside reset"),
    ),
    Mistake(
        "gates_from_input_only",
        "your gates r and z are computed from the input only; they also see h through weight_hh",
        _gru_mistake("gates from input only"),
    ),
    Mistake("no_reset", "your candidate n ignores the reset gate r", _gru_mistake("no reset")),
    Mistake("no_tanh_on_n", "your candidate n has no tanh", _gru_mistake("no tanh on n")),
    Mistake(
        "sigmoid_on_n",
        "your candidate n uses sigmoid; r and z are sigmoids but n is a tanh",
        _gru_mistake("sigmoid on n"),
    ),
    Mistake(
        "returns_n",
        "you return the candidate n; h_next mixes n with the old h through z",
        _gru_mistake("returns n"),
    ),
    Mistake(
        "interleaved",
        "your r, z and n blocks are interleaved unit by unit; torch stacks the gates in three "
        "contiguous blocks of H rows",
        _gru_mistake("interleaved"),
    ),
    Mistake("no_bias_hh", "your gates leave out bias_hh", _gru_mistake("no bias_hh")),
) + tuple(
    Mistake(
        "gate_order_" + "".join(order).lower(),
        f"you read the gate blocks in the order {'|'.join(order)}{_GRU_ORDER_NAMES.get(order, '')}; "
        "torch stacks them as r|z|n",
        _gru_mistake(order=order),
    )
    for order in _other_orders(_GRU_GATES)
)

register(
    Exercise(
        id="gru_cell",
        solve=_solve_gru_cell,
        gates=(gate_sites.gru_cell_with, gate_sites.GRU_SITES),
        named_sizes=("3*H",),
        title="One step of a GRU cell",
        signature="gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h_next",
        arg_names=("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        output_names=("h_next",),
        make_cases=_gru_cases,
        lesson="13_gru",
        mistakes=_GRU_MISTAKES,
        hints=(
            "Like the LSTM, the GRU stacks its gates' weights (three blocks here, r, z, n). Unlike the LSTM, "
            "keep what comes from x and what comes from h in two separate tensors: one gate needs them apart.",
            "Each of the two parts, bias included, is (N, 3*H); cut each into three (N, H) blocks in the "
            "order r, z, n.",
            "r and z add their two parts and go through a sigmoid. The candidate n is different: the reset gate "
            "multiplies the whole hidden part of n, its bias included, before it is added to the input part.",
            "The last line mixes n with the old h, weighted by z and 1 - z: check in torch's equations "
            "which of the two z multiplies.",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# 3. lstm_layer
# ---------------------------------------------------------------------------------------------

# (L, N, H_in, H): L=1 and N=1 included, all sizes different within a case.
_LAYER_SHAPES = [(5, 3, 4, 2), (1, 2, 3, 4), (4, 1, 2, 3), (6, 4, 5, 3)]


def _lstm_layer_case(seed, length, n, input_size, hidden_size):
    gen = generator(seed)
    x = randn(gen, length, n, input_size)
    h0, c0 = randn(gen, n, hidden_size), randn(gen, n, hidden_size)
    weights = _weights(gen, 4, input_size, hidden_size)
    lstm = nn.LSTM(input_size, hidden_size, dtype=DTYPE)
    lstm.load_state_dict(
        dict(zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"), weights))
    )
    with torch.no_grad():
        output, (h_n, c_n) = lstm(x, (h0[None], c0[None]))  # states (1, N, H)
    label = dims_label(L=length, N=n, H_in=input_size, H=hidden_size)
    return Case(
        (x, h0, c0, *weights), (output, (h_n[0], c_n[0])), label, ("(L, N, H)", "(N, H)", "(N, H)")
    )


def _solve_lstm_layer(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch's (output, (h_n, c_n)) for any arguments: one LSTM step per time step, to name mistakes by."""
    h, c, outputs = h0, c0, []
    for x_t in x:  # (N, H_in)
        h, c = torch.lstm_cell(x_t, (h, c), weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)  # (L, N, H)


def _lstm_layer_cases():
    return [_lstm_layer_case(1400 + i, *shape) for i, shape in enumerate(_LAYER_SHAPES)]


def _lstm_layer_mistake(bug="", cell=None):
    """lstm_layer with one named bug in the loop, or a correct loop around a mistaken ``cell``."""
    _checked(bug, _LSTM_LAYER_BUGS)
    cell = cell or _lstm_mistake()

    def lstm_layer(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
        h, c = h0, c0
        h_zero, c_zero = torch.zeros_like(h0), torch.zeros_like(c0)
        if bug == "zero start":
            h, c = h_zero, c_zero
        if bug == "c from zeros":
            c = c_zero
        outputs, cells = [], []
        steps = range(x.shape[0] - 1, -1, -1) if bug == "backwards" else range(x.shape[0])
        for t in steps:
            c_in = c0 if bug == "c not carried" else c
            h_new, c_new = cell(x[t], h, c_in, weight_ih, weight_hh, bias_ih, bias_hh)
            outputs.append(c_new if bug == "output holds c" else h_new)
            cells.append(c_new)
            h, c = h_new, c_new
        output = torch.stack(outputs)  # (L, N, H)
        if bug == "backwards":
            output = output.flip(0)
        h_n, c_n = (output[0], cells[0]) if bug == "first step" else (h, c)
        if bug == "flat":
            return output, h_n, c_n
        return (output, (c_n, h_n)) if bug == "states swapped" else (output, (h_n, c_n))

    return lstm_layer


# Causes that the layer cannot tell from one inside the cell: both are named.
_IN_THE_CELL = {
    "returns_c_then_h": (
        "h and c trade places at every step: either your cell returns (c_next, h_next), or the layer "
        "unpacks the cell's (h_next, c_next) in the wrong order; torch's order is (h_next, c_next)"
    ),
}


register(
    Exercise(
        id="lstm_layer",
        solve=_solve_lstm_layer,
        gates=(gate_sites.lstm_layer_with, gate_sites.LSTM_LAYER_SITES),
        named_sizes=("4*H",),
        title="An LSTM layer over a sequence",
        signature="lstm_layer(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh) -> (output, (h_n, c_n))",
        arg_names=("x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        output_names=("output", "h_n", "c_n"),
        make_cases=_lstm_layer_cases,
        lesson="12_lstm",
        mistakes=(
            Mistake(
                "flat_tuple",
                "you return a flat tuple (output, h_n, c_n); nn.LSTM nests its two states: "
                "(output, (h_n, c_n))",
                _lstm_layer_mistake("flat"),
            ),
            Mistake(
                "zero_start",
                "your loop starts from zeros instead of h0 and c0",
                _lstm_layer_mistake("zero start"),
            ),
            Mistake(
                "c_from_zeros",
                "your loop starts the cell state from zeros instead of c0",
                _lstm_layer_mistake("c from zeros"),
            ),
            Mistake(
                "c_not_carried",
                "the cell state is not carried from step to step: every step starts from c0",
                _lstm_layer_mistake("c not carried"),
            ),
            Mistake(
                "output_holds_c",
                "your output holds the cell states; output holds the hidden states h_t",
                _lstm_layer_mistake("output holds c"),
            ),
            Mistake(
                "backwards", "your loop runs backwards in time", _lstm_layer_mistake("backwards")
            ),
            Mistake(
                "first_step",
                "your h_n and c_n hold the first step instead of the last",
                _lstm_layer_mistake("first step"),
            ),
            Mistake(
                "states_swapped",
                "you return (c_n, h_n); torch returns (output, (h_n, c_n))",
                _lstm_layer_mistake("states swapped"),
            ),
        )
        + tuple(  # a mistake inside the cell shows through the whole layer
            Mistake(
                f"cell_{m.name}",
                _IN_THE_CELL.get(m.name, f"in your cell: {m.message}"),
                _lstm_layer_mistake(cell=m.fn),
            )
            for m in _LSTM_MISTAKES
        ),
        hints=(
            "Start from h0 and c0 and call your lstm_cell once per time step t = 1..L; x[t - 1] holds x_t, "
            "of shape (N, H_in).",
            "Carry both states: the h and the c that one step returns are the ones the next step reads.",
            "output stacks the hidden states of every step into (L, N, H); h_n and c_n are the states after the "
            "last step.",
        ),
    )
)
