"""Light tests for rnn_course.viz.layouts: each function returns a figure with the expected axes and artists."""

import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from rnn_course.viz import layouts

pytestmark = pytest.mark.usefixtures("close_figures")


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


def boxes(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


def test_input_layouts_has_three_panels_with_one_box_per_step():
    fig = layouts.input_layouts(seq_len=4, batch=3)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    titles = [ax.get_title() for ax in fig.axes]
    assert "(L, N, H_in)" in titles[0] and "(N, L, H_in)" in titles[1] and "(L, H_in)" in titles[2]
    assert [len(boxes(ax)) for ax in fig.axes] == [12, 12, 4]


def test_input_layouts_box_labels_follow_the_layout():
    fig = layouts.input_layouts(seq_len=2, batch=3)
    time_major, batch_first, _ = fig.axes
    # the box at row 0, column 1 is x[0, 1]: x_1 of sequence 1 time-major, x_2 of sequence 0 batch-first
    # (inputs are numbered x_1..x_L; the code index is one less)
    assert [t.get_text() for t in time_major.texts][:3] == [
        "$x_{1}$\nn=0",
        "$x_{1}$\nn=1",
        "$x_{1}$\nn=2",
    ]
    assert [t.get_text() for t in batch_first.texts][:2] == ["$x_{1}$\nn=0", "$x_{2}$\nn=0"]
    unbatched = [t.get_text() for t in fig.axes[2].texts]
    assert "$x_{0}$" not in unbatched and unbatched[:2] == ["$x_{1}$", "$x_{2}$"]


def test_shape_flow_labels_every_shape():
    fig = layouts.shape_flow(
        torch.Size([5, 3, 4]), (5, 3, 16), (4, 3, 8), h0_shape=(4, 3, 8), title="demo"
    )
    (ax,) = fig.axes
    assert len(boxes(ax)) == 5 and len(arrows(ax)) == 4
    labels = texts(fig)
    for text in ["x\n(5, 3, 4)", "output\n(5, 3, 16)", "h_n\n(4, 3, 8)", "h0\n(4, 3, 8)", "demo"]:
        assert text in labels


def test_shape_flow_without_h0_says_zeros():
    fig = layouts.shape_flow((5, 4), (5, 8), (1, 8))
    assert "h0\n(zeros)" in texts(fig)


@pytest.mark.parametrize("num_layers, seq_len", [(1, 3), (3, 4)])
def test_stacked_grid_has_a_box_per_state_and_names_h_n(num_layers, seq_len):
    fig = layouts.stacked_grid(num_layers=num_layers, seq_len=seq_len, dropout=True)
    (ax,) = fig.axes
    assert (
        len(boxes(ax)) == seq_len * (num_layers + 1) + num_layers
    )  # inputs, states, one h_0 per layer
    labels = texts(fig)
    # the course's notation: inputs x_1..x_L, states h_1^(k)..h_L^(k), h_0^(k) the initial state
    assert [f"$x_{{{t}}}$" in labels for t in range(1, seq_len + 1)] == [
        True
    ] * seq_len and "$x_{0}$" not in labels
    for k in range(num_layers):
        assert f"$h_0^{{({k})}}$" in labels
        assert [f"$h_{{{t}}}^{{({k})}}$" in labels for t in range(1, seq_len + 1)] == [
            True
        ] * seq_len
        assert f"$h_{{{seq_len + 1}}}^{{({k})}}$" not in labels
    assert [f"output[{i}]" in labels for i in range(seq_len)] == [
        True
    ] * seq_len  # code index: output[t - 1] is h_t
    assert [f"h_n[{k}]" in labels for k in range(num_layers)] == [True] * num_layers
    # dropout sits between layers only: (num_layers - 1) gaps per time step
    assert labels.count("dropout") == seq_len * (num_layers - 1)


def test_h_n_index_is_layer_times_d_plus_direction():
    assert [layouts.h_n_index(k, d) for k in range(3) for d in range(2)] == list(range(6))
    assert [layouts.h_n_index(k, 0, bidirectional=False) for k in range(3)] == [0, 1, 2]


@pytest.mark.parametrize("num_layers, bidirectional", [(2, True), (3, False), (1, True)])
def test_h_n_layout_shows_flat_list_and_grid(num_layers, bidirectional):
    d = 2 if bidirectional else 1
    fig = layouts.h_n_layout(num_layers=num_layers, bidirectional=bidirectional)
    flat, grid = fig.axes
    assert len(boxes(flat)) == len(boxes(grid)) == d * num_layers
    assert grid.get_title() == f"h_n.view({num_layers}, {d}, N, H)"
    grid_texts = [t.get_text() for t in grid.texts]
    # box (layer l, direction d) carries its flat index l * D + d
    assert f"h_n[{d * (num_layers - 1)}]\n= {num_layers - 1}*{d} + 0" in grid_texts


def test_output_h_n_links_highlights_last_step_forward_and_first_step_backward():
    fig = layouts.output_h_n_links(seq_len=5, num_layers=2, bidirectional=True)
    (ax,) = fig.axes
    assert len(boxes(ax)) == 2 * 5 + 2
    thick = [b for b in boxes(ax) if b.get_linewidth() > 2]
    assert len(thick) == 2
    labels = [t.get_text() for t in ax.texts]
    assert "h_n[2]" in labels and "h_n[3]" in labels
    # the highlighted forward box is at the last step, t = L, the backward one at t = 1
    highlighted = {round(b.get_x(), 3) for b in thick}
    assert highlighted == {0.0, round(layouts.STEP * 4, 3)}
    assert [f"$t = {t}$" in labels for t in range(1, 6)] == [True] * 5 and "$t = 0$" not in labels


def test_output_h_n_links_unidirectional_has_one_row():
    fig = layouts.output_h_n_links(seq_len=3, num_layers=1, bidirectional=False)
    (ax,) = fig.axes
    assert len(boxes(ax)) == 3 + 1
    assert "h_n[0]" in [t.get_text() for t in ax.texts]
