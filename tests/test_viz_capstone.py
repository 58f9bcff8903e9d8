"""Tests for rnn_course.viz.capstone: the curves are where the numbers say, and readable at 100 %."""

import pytest

from rnn_course.viz import capstone

CHUNKS = [3.4, 2.9, 2.1, 1.5, 1.1, 0.9]
VAL = {0: 3.5, 3: 1.6, 6: 0.95}


@pytest.mark.usefixtures("close_figures")
def test_chunks_validation_points_and_baselines():
    fig = capstone.stream_curves(CHUNKS, VAL, baselines={"3-gram": 1.2, "5-gram": 1.0})
    (ax,) = fig.axes
    chunks, val, trigram, fivegram = ax.lines
    assert list(chunks.get_xdata()) == [1, 2, 3, 4, 5, 6] and list(chunks.get_ydata()) == CHUNKS
    assert list(val.get_xdata()) == [0, 3, 6] and list(val.get_ydata()) == [3.5, 1.6, 0.95]
    assert list(trigram.get_ydata()) == [1.2, 1.2] and list(fivegram.get_ydata()) == [1.0, 1.0]
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["training chunk", "validation", "3-gram", "5-gram"]


@pytest.mark.usefixtures("close_figures")
def test_readable_at_100_percent():
    fig = capstone.stream_curves(CHUNKS, VAL, baselines={"unigram": 3.1})
    assert 100 <= fig.dpi <= 110
    assert fig.get_size_inches()[0] * fig.dpi >= 550
    texts = [
        t
        for t in fig.findobj(lambda o: hasattr(o, "get_fontsize") and hasattr(o, "get_text"))
        if t.get_text()
    ]
    assert texts and min(t.get_fontsize() for t in texts) >= 9


@pytest.mark.usefixtures("close_figures")
def test_without_baselines_on_a_linear_axis():
    fig = capstone.stream_curves(CHUNKS, VAL, log=False)
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_yscale() == "linear"
