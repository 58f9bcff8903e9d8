"""Tests for rnn_course.viz.real_task."""

import matplotlib.pyplot as plt

from rnn_course.viz import real_task


def test_loss_curves_epochs_and_baseline():
    history = {"train": [3.0, 2.5, 2.2], "val": [3.5, 2.8, 2.4, 2.3]}
    fig = real_task.loss_curves(history, baseline=3.1)
    (ax,) = fig.axes
    train, val, baseline = ax.lines
    assert list(train.get_xdata()) == [1, 2, 3] and list(train.get_ydata()) == history["train"]
    assert list(val.get_xdata()) == [0, 1, 2, 3] and list(val.get_ydata()) == history["val"]
    assert list(baseline.get_ydata()) == [3.1, 3.1]
    plt.close(fig)


def test_loss_curves_without_baseline_or_initial_val():
    fig = real_task.loss_curves({"train": [1.0, 0.5], "val": [1.1, 0.6]})
    (ax,) = fig.axes
    assert len(ax.lines) == 2 and list(ax.lines[1].get_xdata()) == [1, 2]
    plt.close(fig)
