"""Figures for the capstone (lesson 11): learning curves against the n-gram baselines.

    fig = learning_curves(history, baselines={"unigram": 3.08, "bigram": 2.41, "trigram": 2.09},
                          best_epoch=12)

``history`` is what ``rnn_course.train.fit`` returns with ``train_eval_batches``: "train" (the
running mean of each epoch, epochs 1..E), "train_end" and "val" (epochs 0..E, 0 = before training).
The Figure is returned, not shown. Drawn at 100 dpi, 720 x 360 px, no text under 9 pt.
"""

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

TRAIN = "#3182bd"
VAL = "#e6550d"
BASELINES = ("#636363", "#969696", "#31a354", "#756bb1", "#8c6d31")


def learning_curves(
    history,
    baselines=None,
    best_epoch=None,
    ylabel="loss (nats per character)",
    figsize=(7.2, 3.6),
    dpi=100,
):
    """Validation loss and training loss (measured at the end of each epoch, and the running mean
    during it) per epoch; a dashed line per baseline; a dotted vertical line at ``best_epoch``."""
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    val = [float(v) for v in history["val"]]
    epochs = range(len(val))
    ax.plot(epochs, val, marker="o", markersize=3, color=VAL, label="validation")
    if "train_end" in history:
        ax.plot(
            epochs,
            [float(v) for v in history["train_end"]],
            marker="o",
            markersize=3,
            color=TRAIN,
            label="train (end of epoch)",
        )
    running = [float(v) for v in history["train"]]
    ax.plot(
        range(1, len(running) + 1),
        running,
        color=TRAIN,
        linestyle=":",
        linewidth=1.5,
        label="train (running mean)",
    )
    for colour, (name, value) in zip(BASELINES, (baselines or {}).items()):
        ax.axhline(value, color=colour, linestyle="--", linewidth=1.0, label=name)
    if best_epoch is not None:
        ax.axvline(
            best_epoch, color=VAL, linestyle=":", linewidth=1.0, label=f"best epoch ({best_epoch})"
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch", fontsize=10)
    ax.set_ylabel(ylabel, fontsize=10)
    ax.tick_params(labelsize=9)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("learning curves and n-gram baselines", fontsize=11)
    fig.tight_layout()
    return fig
