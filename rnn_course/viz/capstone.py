"""Figures for the capstone (lesson 11): training over a stream, against the n-gram baselines.

    fig = stream_curves(chunk_losses, val_losses={0: 3.5, 110: 0.47, 220: 0.33},
                        baselines={"3-gram": 0.91, "5-gram": 0.41})

``chunk_losses`` holds the loss of every training chunk, before the step it was used for (what
``rnn_course.train.stream_epoch`` returns, epochs concatenated); ``val_losses`` maps a step count
to the validation loss measured after that many steps. The Figure is returned, not shown, drawn
through ``rnn_course.viz.style``.
"""

from matplotlib.ticker import FormatStrFormatter, MaxNLocator, NullFormatter

from . import style

TRAIN = "#3182bd"
VAL = "#e6550d"
LOG_TICKS = (0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10)
BASELINES = ("#636363", "#31a354", "#756bb1", "#8c6d31", "#969696")


def stream_curves(
    chunk_losses, val_losses, baselines=None, ylabel="loss (nats per character)", log=True
):
    """The loss of each training chunk against the step, the validation loss as points at the steps
    it was measured, and a dashed line per baseline. With ``log``, the loss axis is logarithmic, so
    that the first steps and the last ones are both readable."""
    fig, ax = style.new_figure(7.2, 3.6)
    ax.plot(
        range(1, len(chunk_losses) + 1),
        chunk_losses,
        color=TRAIN,
        linewidth=1.0,
        label="training chunk",
    )
    steps = sorted(val_losses)
    ax.plot(
        steps,
        [val_losses[s] for s in steps],
        marker="o",
        markersize=5,
        color=VAL,
        label="validation",
    )
    for colour, (name, value) in zip(BASELINES, (baselines or {}).items()):
        ax.axhline(value, color=colour, linestyle="--", linewidth=1.0, label=name)
    if log:
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        ax.set_yticks([t for t in LOG_TICKS if low <= t <= high])
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("training step (one chunk each)", fontsize=style.LABEL)
    ax.set_ylabel(ylabel, fontsize=style.LABEL)
    ax.legend(fontsize=style.LABEL, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("training over the stream, and n-gram baselines", fontsize=style.TITLE)
    return style.finish(fig)
