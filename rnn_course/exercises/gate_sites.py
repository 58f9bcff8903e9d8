"""The sites of the gated cells' gates, so that a mistake or the diagnosis can change one gate where it
is used.

``gated.py`` writes each cell once (``_lstm_cell``, ``_gru_cell``, ``_lstm_layer``), and every use of
a gate there is ``act(site, function, a)``: with ``torch_act``, the default, it is torch's answer
(``tests/test_exercise_gates.py`` compares it with torch.lstm_cell and torch.gru_cell on every case).
A site is one USE of a gate, so the GRU's update gate has two: the weight of the candidate, 1 - z, and
the weight of the old state, z. A catalogued mistake that squashes one gate wrong replaces ``act``
with ``act_at(site, wrong)``; ``diagnose`` swaps in a gate's complement, a gate left out, or the
other squashing function at one site or at every use of a gate, and names the learner's answer by the
change under which torch's answer is theirs.

An exercise lists its sites as ``Exercise.gates = (solve_with, sites)``; ``sites`` maps each site to
(function, gate, what it is, in the learner's words). Uses nothing else of this package.
"""

import torch

_FUNCTIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid}


def torch_act(site, function, a):
    """The gate as torch computes it: ``function(a)``; a "pair" (the state handed to a cell) as it is."""
    return a if function == "pair" else _FUNCTIONS[function](a)


def act_at(site, wrong):
    """An ``act`` that computes the gate at ``site`` as ``wrong(a)`` and every other one as torch does."""

    def act(at, function, a):
        return wrong(a) if at == site else torch_act(at, function, a)

    return act


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
