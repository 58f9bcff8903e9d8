"""Exercises for the gated cells: lstm_cell, gru_cell and lstm_layer.

torch stacks each cell's gates in one weight matrix, in a fixed order: LSTM's ``weight_ih`` is
``(4*H, H_in)`` with rows i|f|g|o, GRU's is ``(3*H, H_in)`` with rows r|z|n. Many wrong answers are
right equations read with another framework's order, so the catalogue tries every other order.
"""

from functools import partial
from itertools import permutations

import torch
from torch import nn

from .cases import DTYPE, dims_label, generator, randn
from .gate_sites import GRU_SITES, LSTM_LAYER_SITES, LSTM_SITES, act_at, torch_act
from .registry import Case, Exercise, Mistake, register, variant

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


def _read_in(order, gates):
    """A ``blocks`` part: the gate blocks of a pre-activation (..., G*H) read in ``order``."""
    return lambda pre: _chunks(pre, order, gates)


def _lstm_cell(
    x,
    h,
    c,
    weight_ih,
    weight_hh,
    bias_ih,
    bias_hh,
    *,
    act=torch_act,
    blocks=_read_in(_LSTM_GATES, _LSTM_GATES),
    forget=lambda f, i: f,
    read_c=lambda c, c_next: c_next,
    kept_c=lambda c_next: c_next,
    returned=lambda h_next, c_next: (h_next, c_next),
):
    """torch's LSTM step unless a part is replaced (each catalogued mistake of lstm_cell replaces
    one; the diagnosis replaces ``act``, every use of a gate, at ``LSTM_SITES``).
    x (N, H_in), h and c (N, H) -> h_next, c_next (N, H)."""
    g = blocks(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)  # four blocks (N, H)
    i = act("i", "sigmoid", g["i"])
    c_next = forget(act("f", "sigmoid", g["f"]), i) * c + i * act("g", "tanh", g["g"])
    h_next = act("o", "sigmoid", g["o"]) * act("c_next", "tanh", read_c(c, c_next))
    return returned(h_next, kept_c(c_next))


def _gate_orders(gates, known, sigmoids):
    """(name, message, parts) of reading the gate blocks in each order but torch's ``gates``;
    ``known`` names the orders other frameworks use. Two ``sigmoids`` read from each other's blocks
    give the same numbers as two gates read right and then used in each other's places: both are said."""
    orders = ("".join(p) for p in permutations(gates))
    return tuple(
        (
            "gate_order_" + order,
            f"you read the gate blocks in the order {'|'.join(order)}{known.get(order, '')}; torch "
            f"stacks them as {'|'.join(gates)}{_or_swapped_uses(order, gates, sigmoids)}",
            dict(blocks=_read_in(order, gates)),
        )
        for order in orders
        if order != gates
    )


def _or_swapped_uses(order, gates, sigmoids):
    """The other reading of two sigmoid gates whose blocks are swapped, or ''."""
    moved = [gate for gate, read in zip(gates, order) if gate != read]
    if len(moved) != 2 or not set(moved) <= set(sigmoids):
        return ""
    a, b = moved
    return (
        f". Or, with the blocks read right, {a} is used where {b} belongs and {b} where {a} "
        "belongs: the two mistakes give the same numbers"
    )


def _mistakes(correct, table):
    """Mistake(name, message, variant(correct, **parts)) for each (name, message, parts) of ``table``."""
    return tuple(
        Mistake(name, message, variant(correct, **parts)) for name, message, parts in table
    )


_LSTM_ORDER_NAMES = {
    "ifog": " (the i|f|o|g order of many hand-written LSTMs)",
    "igfo": " (TensorFlow's i|j|f|o order)",
    "iofg": " (ONNX's i|o|f|c order)",
}


def _input_gate_from_forget(pre):
    """The gate blocks with i's pre-activation replaced by -f's: sigmoid(-a) = 1 - sigmoid(a)."""
    blocks = _chunks(pre, _LSTM_GATES, _LSTM_GATES)
    return {**blocks, "i": -blocks["f"]}


def _batch_blocks(gates):
    """A ``blocks`` part that cuts (N, G*H) as (G, N, H): across the batch's rows, not into column blocks."""
    return lambda pre: dict(zip(gates, pre.reshape(len(gates), -1, pre.shape[-1] // len(gates))))


_ACROSS_THE_BATCH = (
    "you reshape the stacked pre-activation (N, {G}*H) to ({G}, N, H): that cuts it across the rows "
    "of the batch instead of into the gates, and each gate mixes rows of different sequences; each "
    "gate is a block of H columns along the last axis"
)

_LSTM_MISTAKES = _mistakes(
    _lstm_cell,
    (
        (
            "c_after_tanh",
            "the c_next you return has been through tanh: the cell state is f * c + i * g itself; tanh "
            "is applied only on the way to h_next, o * tanh(c_next)",
            dict(kept_c=torch.tanh),
        ),
        (
            "c_squashed_then_read",
            "you store tanh(f * c + i * g) as c_next and then take tanh of it again for h_next: the cell "
            "state is f * c + i * g itself, unsquashed (that is what lets it carry a value for long); "
            "tanh is applied once, on the way to h_next",
            dict(kept_c=torch.tanh, read_c=lambda c, c_next: torch.tanh(c_next)),
        ),
        (
            "interleaved",
            "your i, f, g and o blocks are interleaved unit by unit; torch stacks the gates in four "
            "contiguous blocks of H rows: slice with chunk(4, dim=1) or [k*H:(k+1)*H]",
            dict(blocks=lambda pre: _interleaved(pre, _LSTM_GATES)),
        ),
        (
            "no_tanh_on_g",
            "your candidate g has no tanh: g = tanh(pre_g)",
            dict(act=act_at("g", lambda g: g)),
        ),
        (
            "sigmoid_on_g",
            "your candidate g uses sigmoid; the gates i, f, o are sigmoids but g is a tanh",
            dict(act=act_at("g", torch.sigmoid)),
        ),
        (
            "no_tanh_on_c",
            "your h_next is o * c_next without the tanh on the cell state",
            dict(act=act_at("c_next", lambda c_next: c_next)),
        ),
        (
            "coupled_gates",
            "your forget gate is coupled to the input gate (f = 1 - i); torch's LSTM learns f on its own",
            dict(forget=lambda f, i: 1 - i),
        ),
        (
            "h_from_old_c",
            "your h_next is computed from the old cell state c; it reads the new c_next",
            dict(read_c=lambda c, c_next: c),
        ),
        (
            "returns_c_then_h",
            "you return (c_next, h_next); torch's order is (h_next, c_next)",
            dict(returned=lambda h_next, c_next: (c_next, h_next)),
        ),
        (
            "input_gate_is_1_minus_f",
            "your input gate is 1 - f, coupled to the forget gate as in a GRU, instead of the LSTM's own "
            "input gate i, which has its own block of the weights: the LSTM learns i and f separately",
            dict(blocks=_input_gate_from_forget),
        ),
        (
            "tanh_after_the_output_gate",
            "you apply tanh after multiplying by the output gate, tanh(o * c_next): tanh squashes the "
            "cell state alone, and o then scales what comes out of it",
            dict(
                act=act_at("c_next", lambda c_next: c_next),
                returned=lambda h_next, c_next: (torch.tanh(h_next), c_next),
            ),
        ),
        (
            "gates_cut_across_the_batch",
            _ACROSS_THE_BATCH.format(G=4),
            dict(blocks=_batch_blocks(_LSTM_GATES)),
        ),
        (
            "forget_bias_1",
            "you add 1 to the forget gate's pre-activation (another library's forget_bias); torch adds "
            "nothing",
            dict(act=act_at("f", lambda pre_f: torch.sigmoid(pre_f + 1))),
        ),
    )
    + _gate_orders(_LSTM_GATES, _LSTM_ORDER_NAMES, sigmoids="ifo"),
)

register(
    Exercise(
        id="lstm_cell",
        solve=_solve_lstm_cell,
        gates=(lambda act: partial(_lstm_cell, act=act), LSTM_SITES),
        named_sizes=("4*H",),
        title="One step of an LSTM cell",
        signature="lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh) -> (h_next, c_next)",
        arg_names=("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        output_names=("h_next", "c_next"),
        make_cases=_lstm_cases,
        lesson="12_lstm",
        mistakes=_LSTM_MISTAKES,
        hints=(
            "Each of the four gates is computed from the same two inputs, x and h, the way lesson 1's cell "
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


def _n_rows(t):
    """The candidate's block of a GRU weight (3*H, ...) or bias (3*H,): its last H rows."""
    return t.chunk(3)[2]


def _gru_cell(
    x,
    h,
    weight_ih,
    weight_hh,
    bias_ih,
    bias_hh,
    *,
    act=torch_act,
    blocks=_read_in(_GRU_GATES, _GRU_GATES),
    pre_gate=lambda from_x, from_h: from_x + from_h,
    hidden_n=lambda r, from_h, h, weight_hh, bias_hh: r * from_h,
    pre_n=lambda r, from_x, hidden: from_x + hidden,
    mix=lambda z_n, z_h, n, h: (1 - z_n) * n + z_h * h,
):
    """torch's GRU step unless a part is replaced (each catalogued mistake of gru_cell replaces one;
    the diagnosis replaces ``act``, every use of a gate, at ``GRU_SITES``: z has two, ``mix``'s z_n
    and z_h). x (N, H_in), h (N, H) -> h_next (N, H)."""
    gx = blocks(x @ weight_ih.T + bias_ih)  # three blocks (N, H)
    gh = blocks(h @ weight_hh.T + bias_hh)
    r, pre_z = act("r", "sigmoid", pre_gate(gx["r"], gh["r"])), pre_gate(gx["z"], gh["z"])
    n = act("n", "tanh", pre_n(r, gx["n"], hidden_n(r, gh["n"], h, weight_hh, bias_hh)))
    return mix(act("z_n", "sigmoid", pre_z), act("z_h", "sigmoid", pre_z), n, h)


_GRU_ORDER_NAMES = {"zrn": " (Keras's z|r|h order)"}


def _update_as_reset(pre):
    """The gate blocks with r read from z's rows."""
    blocks = _chunks(pre, _GRU_GATES, _GRU_GATES)
    return {**blocks, "r": blocks["z"]}


_GRU_MISTAKES = _mistakes(
    _gru_cell,
    (
        (
            "gates_cut_across_the_batch",
            _ACROSS_THE_BATCH.format(G=3),
            dict(blocks=_batch_blocks(_GRU_GATES)),
        ),
        (
            "reset_on_both",
            "your reset gate scales the input's part of the candidate too; the reset gate decides how "
            "much of the old state reaches the candidate, so it acts on the part that comes from h only",
            dict(pre_n=lambda r, from_x, hidden: r * from_x + hidden),
        ),
        (
            "reset_on_the_input_part",
            "your reset gate scales the input's part of the candidate instead of the old state's: the "
            "reset gate decides how much of h reaches the candidate, so it acts on the part from h only",
            dict(
                hidden_n=lambda r, from_h, h, weight_hh, bias_hh: from_h,
                pre_n=lambda r, from_x, hidden: r * from_x + hidden,
            ),
        ),
        (
            "reset_is_the_update_gate",
            "your reset gate is the update gate z: r has its own block of the weights and biases, "
            "read from its own rows, and its values differ from z's",
            dict(blocks=_update_as_reset),
        ),
        (
            "z_swapped",
            "you swapped z and 1 - z: in torch the update gate z is the share of the old state h that "
            "is kept, and the candidate n gets the rest",
            dict(mix=lambda z_n, z_h, n, h: z_n * n + (1 - z_h) * h),
        ),
        (
            "reset_before_matmul",
            "the reset gate multiplies h before the matrix product: either on purpose (the original "
            "paper puts it there) or by operator precedence (Python reads `r * h @ W.T` left to right, "
            "as (r * h) @ W.T); torch applies r to the hidden part after its matrix product and bias",
            dict(hidden_n=lambda r, from_h, h, w, b: (r * h) @ _n_rows(w).T + _n_rows(b)),
        ),
        (
            "b_hn_outside_reset",
            "your b_hn sits outside the reset gate; in torch r scales the hidden part of the candidate "
            "with its bias b_hn included",
            dict(hidden_n=lambda r, from_h, h, w, b: r * (from_h - _n_rows(b)) + _n_rows(b)),
        ),
        (
            "gates_from_input_only",
            "your gates r and z are computed from the input only; they also see h through weight_hh",
            dict(pre_gate=lambda from_x, from_h: from_x),
        ),
        (
            "no_reset",
            "your candidate n ignores the reset gate r",
            dict(hidden_n=lambda r, from_h, h, w, b: from_h),
        ),
        ("no_tanh_on_n", "your candidate n has no tanh", dict(act=act_at("n", lambda n: n))),
        (
            "sigmoid_on_n",
            "your candidate n uses sigmoid; r and z are sigmoids but n is a tanh",
            dict(act=act_at("n", torch.sigmoid)),
        ),
        (
            "returns_n",
            "you return the candidate n; h_next mixes n with the old h through z",
            dict(mix=lambda z_n, z_h, n, h: n),
        ),
        (
            "interleaved",
            "your r, z and n blocks are interleaved unit by unit; torch stacks the gates in three "
            "contiguous blocks of H rows",
            dict(blocks=lambda pre: _interleaved(pre, _GRU_GATES)),
        ),
    )
    + _gate_orders(_GRU_GATES, _GRU_ORDER_NAMES, sigmoids="rz"),
)

register(
    Exercise(
        id="gru_cell",
        solve=_solve_gru_cell,
        gates=(lambda act: partial(_gru_cell, act=act), GRU_SITES),
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


def _lstm_layer(
    x,
    h0,
    c0,
    weight_ih,
    weight_hh,
    bias_ih,
    bias_hh,
    *,
    act=torch_act,
    cell=_lstm_cell,
    start=lambda h0, c0: (h0, c0),
    in_time=lambda sequence: sequence,
    carried_c=lambda c, c0: c,
    carried_h=lambda h, h0: h,
    kept=lambda h, c: h,
    returned=lambda output, h_n, c_n: (output, (h_n, c_n)),
):
    """torch's LSTM layer unless a part is replaced (each catalogued mistake of lstm_layer replaces
    one; the diagnosis replaces ``act`` here and in ``cell``: the state handed to the cell is the
    site "state"). x (L, N, H_in), h0 and c0 (N, H) -> output (L, N, H), (h_n, c_n) (N, H)."""
    (h, c), outputs = start(h0, c0), []
    for x_t in in_time(x):  # (N, H_in)
        state = act(
            "state", "pair", (carried_h(h, h0), carried_c(c, c0))
        )  # (h, c) handed to the cell
        h, c = cell(x_t, *state, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(kept(h, c))
    return returned(in_time(torch.stack(outputs)), h, c)  # (L, N, H)


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
        gates=(
            lambda act: partial(_lstm_layer, act=act, cell=partial(_lstm_cell, act=act)),
            LSTM_LAYER_SITES,
        ),
        named_sizes=("4*H",),
        title="An LSTM layer over a sequence",
        signature="lstm_layer(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh) -> (output, (h_n, c_n))",
        arg_names=("x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        output_names=("output", "h_n", "c_n"),
        make_cases=_lstm_layer_cases,
        lesson="12_lstm",
        mistakes=_mistakes(
            _lstm_layer,
            (
                (
                    "flat_tuple",
                    "you return a flat tuple (output, h_n, c_n); nn.LSTM nests its two states: "
                    "(output, (h_n, c_n))",
                    dict(returned=lambda output, h_n, c_n: (output, h_n, c_n)),
                ),
                (
                    "zero_start",
                    "your loop starts from zeros instead of h0 and c0",
                    dict(start=lambda h0, c0: (torch.zeros_like(h0), torch.zeros_like(c0))),
                ),
                (
                    "c_not_carried",
                    "the cell state is not carried from step to step: every step starts from c0",
                    dict(carried_c=lambda c, c0: c0),
                ),
                (
                    "h_not_carried",
                    "the hidden state is not carried from step to step: every step reads h0, so only "
                    "the cell state links the steps; the h one step returns is the one the next reads",
                    dict(carried_h=lambda h, h0: h0),
                ),
                (
                    "output_holds_c",
                    "your output holds the cell states; output holds the hidden states h_t",
                    dict(kept=lambda h, c: c),
                ),
                (
                    "backwards",
                    "your loop runs backwards in time",
                    dict(in_time=lambda sequence: sequence.flip(0)),
                ),
                (
                    "states_swapped",
                    "you return (c_n, h_n); torch returns (output, (h_n, c_n))",
                    dict(returned=lambda output, h_n, c_n: (output, (c_n, h_n))),
                ),
            )
            + tuple(  # a mistake inside the cell shows through the whole layer
                (
                    f"cell_{m.name}",
                    _IN_THE_CELL.get(m.name, f"in your cell: {m.message}"),
                    dict(cell=m.fn),
                )
                for m in _LSTM_MISTAKES
            ),
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
