"""Light tests for rnn_course.viz.graphs: each function draws the expected artists, and nothing global."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Annotation

from rnn_course.viz import graphs

pytestmark = pytest.mark.usefixtures("close_figures")


def nodes(ax):
    return [t for t in ax.texts if not isinstance(t, Annotation) and t.get_bbox_patch() is not None]


def arrows(ax):
    return [
        t
        for t in ax.texts
        if isinstance(t, Annotation) and isinstance(t.arrow_patch, FancyArrowPatch)
    ]


def test_cell_diagram_has_five_nodes_and_five_arrows():
    fig = graphs.cell_diagram()
    (ax,) = fig.axes
    assert [n.get_text() for n in nodes(ax)] == ["$x_t$", "$h_{t-1}$", "$+$", "tanh", "$h_t$"]
    assert len(arrows(ax)) == 5
    fig.canvas.draw()  # the mathtext labels parse


@pytest.mark.parametrize("steps, outputs", [(1, True), (4, True), (3, False)])
def test_unrolled_graph_counts(steps, outputs):
    fig = graphs.unrolled_graph(steps, outputs=outputs)
    (ax,) = fig.axes
    assert len(nodes(ax)) == (3 * steps + 1 if outputs else 2 * steps + 1)
    assert len(arrows(ax)) == (3 * steps if outputs else 2 * steps)
    labels = [n.get_text() for n in nodes(ax)]
    assert "$h_{0}$" in labels or "$h_0$" in labels
    assert "$x_{1}$" in labels and "$x_{0}$" not in labels and f"$h_{{{steps}}}$" in labels
    fig.canvas.draw()


@pytest.mark.parametrize("steps", [1, 4])
def test_unrolled_graph_goes_on_to_softmax_and_the_loss(steps):
    fig = graphs.unrolled_graph(steps, outputs=True, loss=True)
    (ax,) = fig.axes
    labels = [n.get_text() for n in nodes(ax)]
    assert len(labels) == 5 * steps + 2  # x, h, o, y_hat, L_t per step; h_0; the mean loss
    assert len(arrows(ax)) == 6 * steps
    assert [f"$\\hat y_{{{t}}}$" in labels for t in range(1, steps + 1)] == [True] * steps
    assert [f"$\\mathcal{{L}}_{{{t}}}$" in labels for t in range(1, steps + 1)] == [True] * steps
    assert "$\\mathcal{L}$" in labels
    assert "softmax" in [t.get_text() for t in ax.texts]
    fig.canvas.draw()


def test_unrolled_graph_loss_needs_outputs():
    with pytest.raises(ValueError, match="loss=True needs outputs=True"):
        graphs.unrolled_graph(3, outputs=False, loss=True)


def test_unrolled_graph_colours_each_weight_alike():
    (ax,) = graphs.unrolled_graph(5).axes
    colours = {tuple(a.arrow_patch.get_edgecolor()) for a in arrows(ax)}
    assert len(colours) == 3  # W_ih, W_hh, V: one colour each, at every step


def test_unrolled_graph_rejects_too_many_steps():
    with pytest.raises(ValueError, match="between 1 and 8"):
        graphs.unrolled_graph(20)


def test_hidden_state_heatmap_shows_states_transposed_with_a_colour_bar():
    states = 0.5 * torch.tanh(
        torch.randn(7, 3, dtype=torch.float64)
    )  # (L, H), all inside (-0.5, 0.5)
    fig = graphs.hidden_state_heatmap(states)
    assert len(fig.axes) == 2
    image = fig.axes[0].images[0]
    np.testing.assert_array_equal(image.get_array(), states.numpy().T)  # (H, L): time along x
    # the colour bar spans tanh's range, not the data's: a learner reads (-1, 1) off it
    assert image.get_clim() == (-1.0, 1.0)
    low, high = fig.axes[1].get_ylim()
    assert (low, high) == (-1.0, 1.0)
    # columns are centred on the time steps t = 1..L
    assert image.get_extent()[:2] == [0.5, 7.5]


def test_hidden_state_heatmap_other_ranges():
    states = torch.tensor([[0.2, 0.9], [0.1, 0.4]])
    image = graphs.hidden_state_heatmap(states, value_range=(0, 1)).axes[0].images[0]
    assert image.get_clim() == (0.0, 1.0)
    image = graphs.hidden_state_heatmap(states, value_range=None).axes[0].images[0]
    assert image.get_clim() == pytest.approx((-0.9, 0.9))
    with pytest.raises(ValueError, match="low < high"):
        graphs.hidden_state_heatmap(states, value_range=(1, -1))


def test_hidden_state_heatmap_accepts_arrays_and_rejects_other_ranks():
    fig = graphs.hidden_state_heatmap(np.zeros((4, 2)))
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match=r"\(L, H\), got \(4, 1, 2\)"):
        graphs.hidden_state_heatmap(torch.zeros(4, 1, 2))


def test_activation_curves_match_torch():
    fig = graphs.activation_curves(("tanh", "relu", "sigmoid"))
    (ax,) = fig.axes
    lines = ax.get_lines()[:3]
    assert [line.get_label() for line in lines] == ["tanh", "relu", "sigmoid"]
    z = torch.tensor(lines[0].get_xdata())
    np.testing.assert_allclose(lines[0].get_ydata(), torch.tanh(z).numpy(), rtol=1e-6)
    np.testing.assert_allclose(lines[1].get_ydata(), torch.relu(z).numpy())


def test_no_global_style_changes():
    before = dict(plt.rcParams)
    graphs.cell_diagram()
    graphs.unrolled_graph(loss=True)
    graphs.hidden_state_heatmap(np.ones((2, 2)))
    graphs.activation_curves()
    assert dict(plt.rcParams) == before
