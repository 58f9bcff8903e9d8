"""Figures for the end-to-end lesson: training and validation loss per epoch, against a baseline.

    fig = loss_curves(history, baseline=3.08, baseline_label="unigram baseline")

``history`` is what ``rnn_course.train.fit`` returns. The Figure is returned, not shown.
"""

from . import style

TRAIN = "#3182bd"
VAL = "#e6550d"
BASELINE = "#636363"


def loss_curves(
    history,
    baseline=None,
    baseline_label="baseline",
    ylabel="loss (nats per character)",
    figsize=(6.6, 3.4),
):
    """Training loss (epochs 1..E) and validation loss (epochs 0..E, 0 = before training) per
    epoch, with an optional dashed horizontal line at ``baseline``. Returns the Figure, drawn at
    the course's dpi (``rnn_course.viz.style``); ``figsize`` is in inches."""
    fig, ax = style.new_figure(*figsize)
    train, val = [float(v) for v in history["train"]], [float(v) for v in history["val"]]
    ax.plot(range(1, len(train) + 1), train, marker="o", markersize=3, color=TRAIN, label="train")
    ax.plot(
        range(len(train) + 1 - len(val), len(train) + 1),
        val,
        marker="o",
        markersize=3,
        color=VAL,
        label="validation",
    )
    if baseline is not None:
        ax.axhline(baseline, color=BASELINE, linestyle="--", linewidth=1.0, label=baseline_label)
    ax.set_xlabel("epoch", fontsize=style.LABEL)
    ax.set_ylabel(ylabel, fontsize=style.LABEL)
    ax.legend(fontsize=style.LABEL)
    ax.set_title("learning curves", fontsize=style.TITLE)
    return style.finish(fig)
