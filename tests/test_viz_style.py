"""Every figure a lesson draws is readable at 100 % zoom: about 100 dpi, at least 550 px wide as
JupyterLab shows it (a PNG cropped with bbox_inches="tight"), and no text below 9 pt."""

import matplotlib.pyplot as plt
import pytest
import torch

from rnn_course.viz import gates, graphs, layouts, padding, style, training

pytestmark = pytest.mark.usefixtures("close_figures")

HISTORY = {"loss": [1.0, 0.5, 0.7], "grad_norm": [3.0, 2000.0, 2.0]}

# every figure function with the arguments the lessons pass (and a few more)
FIGURES = {
    "graphs.cell_diagram": lambda: graphs.cell_diagram(),
    "graphs.unrolled_graph": lambda: graphs.unrolled_graph(4),
    "graphs.unrolled_graph no outputs": lambda: graphs.unrolled_graph(1, outputs=False),
    "graphs.unrolled_graph loss": lambda: graphs.unrolled_graph(4, outputs=True, loss=True),
    "graphs.unrolled_graph 8 steps": lambda: graphs.unrolled_graph(8, loss=True),
    "graphs.hidden_state_heatmap": lambda: graphs.hidden_state_heatmap(
        torch.zeros(50, 8), title="a title"
    ),
    "graphs.hidden_state_heatmap short": lambda: graphs.hidden_state_heatmap(torch.zeros(3, 2)),
    "graphs.activation_curves": lambda: graphs.activation_curves(("tanh", "relu")),
    "layouts.input_layouts": lambda: layouts.input_layouts(seq_len=4, batch=3),
    "layouts.shape_flow": lambda: layouts.shape_flow(
        (5, 3, 4), (5, 3, 12), (2, 3, 6), title="nn.RNN(4, 6)"
    ),
    "layouts.stacked_grid": lambda: layouts.stacked_grid(num_layers=3, seq_len=4),
    "layouts.stacked_grid dropout": lambda: layouts.stacked_grid(
        num_layers=3, seq_len=4, dropout=True
    ),
    "layouts.stacked_grid small": lambda: layouts.stacked_grid(num_layers=1, seq_len=2),
    "layouts.h_n_layout": lambda: layouts.h_n_layout(num_layers=2, bidirectional=True),
    "layouts.h_n_layout one": lambda: layouts.h_n_layout(num_layers=1, bidirectional=False),
    "layouts.output_h_n_links": lambda: layouts.output_h_n_links(
        seq_len=5, num_layers=1, bidirectional=True
    ),
    "layouts.output_h_n_links short": lambda: layouts.output_h_n_links(
        seq_len=2, bidirectional=False
    ),
    "training.class_probabilities": lambda: training.class_probabilities(
        [0.1, 0.2, 0.3, 0.4], target=2
    ),
    "training.norms_over_time": lambda: training.norms_over_time(
        {"a": [1e-9, 1.0], "b": [1.0, 2.0]}, title="t"
    ),
    "training.training_curves": lambda: training.training_curves(
        {"no clipping": HISTORY, "clipped": HISTORY}, 1.0
    ),
    "padding.plot_padded_batch": lambda: padding.plot_padded_batch(
        [5, 3, 6, 2], tokens=["hello", "cat", "spider", "hi"]
    ),
    "padding.plot_packed_batch": lambda: padding.plot_packed_batch([5, 3, 6, 2]),
    "padding.plot_packed_batch long": lambda: padding.plot_packed_batch([12, 3]),
    "gates.lstm_cell_diagram": lambda: gates.lstm_cell_diagram(),
    "gates.gru_cell_diagram": lambda: gates.gru_cell_diagram(),
    "gates.accuracy_by_seed": lambda: gates.accuracy_by_seed(
        {"RNN": [0.25, 0.8], "GRU": [1.0, 1.0], "LSTM": [0.9, 1.0]}, 0.25
    ),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_readable_at_100_percent(name):
    fig = FIGURES[name]()
    assert 100 <= fig.dpi <= 110, f"{name}: drawn at {fig.dpi} dpi"
    assert fig.get_figwidth() * fig.dpi >= style.MIN_WIDTH_PX
    width, _ = style.png_size(fig)  # draws the figure as JupyterLab shows it, tick labels included
    assert width >= style.MIN_WIDTH_PX, f"{name}: {width} px wide once cropped"
    smallest = style.smallest_font(fig, draw=False)
    assert smallest >= style.MIN_FONT, f"{name}: text at {smallest} pt"


def test_the_measures_can_fail():
    fig, ax = plt.subplots(figsize=(4, 2), dpi=80)
    ax.text(0.5, 0.5, "tiny", fontsize=6)
    assert style.png_size(fig)[0] < style.MIN_WIDTH_PX
    assert style.smallest_font(fig) == 6
    style.finish(fig)
    assert (
        style.smallest_font(fig) == style.MIN_FONT
    )  # finish raises small text, tick labels included


def test_new_figure_never_draws_narrow_and_leaves_rcparams_alone():
    before = dict(plt.rcParams)
    fig, axes = style.new_figure(3.0, 2.0, ncols=2)
    assert fig.dpi == style.DPI and fig.get_figwidth() == style.MIN_WIDTH_IN and len(axes) == 2
    style.finish(fig)
    assert dict(plt.rcParams) == before
