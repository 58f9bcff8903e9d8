"""torch's gated cells written gate by gate, so that the diagnosis can change one gate where it is used.

``lstm_cell_with(act)``, ``gru_cell_with(act)`` and ``lstm_layer_with(act)`` return a function with the
exercise's signature whose every use of a gate is ``act(site, function, a)``: with ``torch_act`` it is
torch's answer (``tests/test_exercise_gates.py`` compares it with torch.lstm_cell and torch.gru_cell on
every case). A site is one USE of a gate, so the GRU's update gate has two: the weight of the
candidate, 1 - z, and the weight of the old state, z. ``diagnose`` swaps in a gate's complement, a gate
left out, or the other squashing function at one site or at every use of a gate, and names the
learner's answer by the change under which torch's answer is theirs.

An exercise lists its sites as ``Exercise.gates = (solve_with, sites)``; ``sites`` maps each site to
(function, gate, what it is, in the learner's words). Uses nothing else of this package.
"""

import torch

_FUNCTIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid}


def torch_act(site, function, a):
    """The gate as torch computes it: ``function(a)``; a "pair" (the state handed to a cell) as it is."""
    return a if function == "pair" else _FUNCTIONS[function](a)


def _lstm_step(act, x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)  # (N, H)
    c_next = act("f", "sigmoid", f) * c + act("i", "sigmoid", i) * act("g", "tanh", g)
    h_next = act("o", "sigmoid", o) * act("c_next", "tanh", c_next)
    return h_next, c_next


def lstm_cell_with(act):
    """lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh) -> (h_next, c_next), gate by gate."""

    def lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
        return _lstm_step(act, x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)

    return lstm_cell


def lstm_layer_with(act):
    """lstm_layer(x, h0, c0, ...) -> (output (L, N, H), (h_n, c_n)): the cell above at every step."""

    def lstm_layer(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
        weights = (weight_ih, weight_hh, bias_ih, bias_hh)
        h, c, outputs = h0, c0, []
        for x_t in x:  # (N, H_in)
            h, c = _lstm_step(act, x_t, *act("state", "pair", (h, c)), *weights)
            outputs.append(h)
        return torch.stack(outputs), (h, c)  # (L, N, H)

    return lstm_layer


def gru_cell_with(act):
    """gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h_next, gate by gate."""

    def gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
        x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # (N, H) each
        h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
        n = act("n", "tanh", x_n + act("r", "sigmoid", x_r + h_r) * h_n)
        z = x_z + h_z
        return (1 - act("z_n", "sigmoid", z)) * n + act("z_h", "sigmoid", z) * h

    return gru_cell


# site -> (function, gate, what it is in the learner's words, the gate's value that makes its factor 1)
LSTM_SITES = {
    "i": ("sigmoid", "i", "the input gate i, where it multiplies the candidate g", 1),
    "f": ("sigmoid", "f", "the forget gate f, where it multiplies the old cell c", 1),
    "g": ("tanh", "g", "the candidate g", None),
    "o": ("sigmoid", "o", "the output gate o, where it multiplies tanh(c_next)", 1),
    "c_next": ("tanh", "c_next", "tanh(c_next) in h_next", None),
}

LSTM_LAYER_SITES = {
    **LSTM_SITES,
    "state": ("pair", "(h, c)", "h and c handed to each step's cell", None),
}

GRU_SITES = {
    "r": (
        "sigmoid",
        "r",
        "the reset gate r, where it multiplies the hidden part of the candidate",
        1,
    ),
    "n": ("tanh", "n", "the candidate n", None),
    "z_n": ("sigmoid", "z", "the update gate z in the candidate's weight 1 - z", 0),
    "z_h": ("sigmoid", "z", "the update gate z in the old state's weight z", 1),
}
