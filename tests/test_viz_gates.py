"""The gate diagrams and the accuracy-by-seed chart: drawn, readable at 100 % zoom, labelled."""

import pytest

from rnn_course.viz import gates

pytestmark = pytest.mark.usefixtures("close_figures")


def _texts(fig):
    return [
        t
        for ax in fig.axes
        for t in ax.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))
        if t.get_text()
    ]


def test_the_lstm_diagram_names_every_gate_and_both_states():
    text = " ".join(t.get_text() for t in _texts(gates.lstm_cell_diagram()))
    for name in (
        "$i$",
        "$f$",
        "$g$",
        "$o$",
        "$c_{t-1}$",
        "$c_t$",
        "$h_{t-1}$",
        "$h_t$",
        "i | f | g | o",
    ):
        assert name in text, name


def test_the_gru_diagram_puts_the_reset_gate_around_the_whole_hidden_part():
    text = " ".join(t.get_text() for t in _texts(gates.gru_cell_diagram()))
    assert r"W_{hn} h_{t-1} + b_{hn}" in text and "(1 - z)" in text


def test_accuracy_by_seed_draws_one_dot_per_seed_and_a_mean_bar():
    fig = gates.accuracy_by_seed({"RNN": [0.25, 0.5, 0.3], "LSTM": [1.0, 0.9, 0.95]}, chance=0.25)
    ax = fig.axes[0]
    dots = [c.get_offsets() for c in ax.collections]
    assert [len(d) for d in dots] == [3, 3]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["RNN", "LSTM"]
