"""Light tests for rnn_course.viz.training: each plot builds, with the expected pieces, on Agg."""

import pytest
import torch

from rnn_course.viz import training

pytestmark = pytest.mark.usefixtures("close_figures")


def test_class_probabilities_highlights_the_target():
    probs = torch.softmax(torch.tensor([1.0, 2.0, 0.5]), dim=0)
    fig = training.class_probabilities(probs, target=1)
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert [round(p.get_height(), 6) for p in ax.patches] == [round(v, 6) for v in probs.tolist()]
    assert ax.patches[1].get_facecolor() != ax.patches[0].get_facecolor()
    assert f"{-torch.log(probs[1]).item():.3f}" in ax.get_title()


def test_class_probabilities_without_target_and_with_names():
    fig = training.class_probabilities([0.25, 0.75], class_names=["no", "yes"])
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["no", "yes"]


def test_norms_over_time_one_line_per_setting_on_log_scale():
    curves = {"radius 0.5": torch.tensor([1e-6, 1e-3, 1.0]), "radius 2": [10.0, 3.0, 1.0]}
    fig = training.norms_over_time(curves, title="t")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == list(curves)
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]  # time steps t = 1..L
    assert ax.get_xlabel() == "time step t"
    assert training.norms_over_time(curves, xlabel="power k").axes[0].get_xlabel() == "power k"


def test_norms_over_time_linear_scale_and_start():
    fig = training.norms_over_time({"a": [1.0, 2.0]}, log=False, start=0)
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear"
    assert list(ax.get_lines()[0].get_xdata()) == [0, 1]


def test_training_curves_two_panels_and_threshold():
    histories = {
        "no clipping": {"loss": [1.0, 0.5, 0.4], "grad_norm": [3.0, 20.0, 2.0]},
        "clipped": {"loss": [1.0, 0.6, 0.3], "grad_norm": [3.0, 2.0, 0.5]},
    }
    fig = training.training_curves(histories, max_norm=1.0)
    left, right = fig.axes
    assert len(left.get_lines()) == 2
    assert len(right.get_lines()) == 3  # two runs and the threshold
    assert right.get_yscale() == "log"
    assert any("max_norm" in line.get_label() for line in right.get_lines())
