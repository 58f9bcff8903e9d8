"""Tests for rnn_course.viz.capstone: the curves are where the history says, and readable at 100 %."""

import pytest

from rnn_course.viz import capstone

HISTORY = {"train": [3.0, 2.5, 2.2], "train_end": [3.6, 2.7, 2.3, 2.1], "val": [3.6, 2.8, 2.4, 2.5]}


@pytest.mark.usefixtures("close_figures")
def test_curves_baselines_and_best_epoch():
    fig = capstone.learning_curves(
        HISTORY, baselines={"unigram": 3.1, "trigram": 2.2}, best_epoch=2
    )
    (ax,) = fig.axes
    val, train_end, running, unigram, trigram, best = ax.lines
    assert list(val.get_xdata()) == [0, 1, 2, 3] and list(val.get_ydata()) == HISTORY["val"]
    assert list(train_end.get_ydata()) == HISTORY["train_end"]
    assert list(running.get_xdata()) == [1, 2, 3] and list(running.get_ydata()) == HISTORY["train"]
    assert list(unigram.get_ydata()) == [3.1, 3.1] and list(trigram.get_ydata()) == [2.2, 2.2]
    assert list(best.get_xdata()) == [2, 2]
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "best epoch (2)"


@pytest.mark.usefixtures("close_figures")
def test_readable_at_100_percent():
    fig = capstone.learning_curves(HISTORY, baselines={"unigram": 3.1})
    assert 100 <= fig.dpi <= 110
    assert fig.get_size_inches()[0] * fig.dpi >= 550
    texts = [
        t
        for t in fig.findobj(lambda o: hasattr(o, "get_fontsize") and hasattr(o, "get_text"))
        if t.get_text()
    ]
    assert texts and min(t.get_fontsize() for t in texts) >= 9


@pytest.mark.usefixtures("close_figures")
def test_without_end_of_epoch_training_loss_or_baselines():
    fig = capstone.learning_curves({"train": [1.0, 0.5], "val": [1.2, 1.1, 0.6]})
    assert len(fig.axes[0].lines) == 2
