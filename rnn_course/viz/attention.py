"""Figures for lessons 15 and 16: alignment heatmaps, accuracy against input length, and the gap
between teacher forcing and free running."""

import numpy as np
from matplotlib.patches import Rectangle

from . import style

_COLOURS = {"without attention": "#cf222e", "with attention": "#0969da"}


def alignment(weights, source_labels, output_labels, titles=None, expected=None):
    """Attention weights as heatmaps, one panel per example: rows are output steps, columns source
    tokens, and each row (one step's weights) sums to 1.

    Args:
        weights: a list of (T, S) arrays or tensors, one per example (padding already cut off).
        source_labels, output_labels: for each example, the S source and T output tokens as text.
        titles: optional panel titles.
        expected: optional, for each example, the source column each output row should read (None
            for a row with no right answer); those cells are outlined.
    """
    count = len(weights)
    grids = [np.asarray(w, dtype=float) for w in weights]
    top = max(float(g.max()) for g in grids)
    fig, axes = style.new_figure(3.1 * count, 3.4, 1, count, squeeze=False)
    for k, ax in enumerate(axes[0]):
        image = ax.imshow(grids[k], cmap="magma", vmin=0.0, vmax=top, aspect="equal")
        ax.set_xticks(range(grids[k].shape[1]), source_labels[k])
        ax.set_yticks(range(grids[k].shape[0]), output_labels[k])
        for row, column in enumerate(expected[k] if expected else ()):
            if column is not None:
                box = Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#57d9a3")
                ax.add_patch(box)
        if titles:
            ax.set_title(titles[k], fontsize=style.TITLE)
    axes[0][0].set_ylabel("output step (written)", fontsize=style.LABEL)
    axes[0][count // 2].set_xlabel("source digit (read by the encoder)", fontsize=style.LABEL)
    colourbar = fig.colorbar(image, ax=list(axes[0]), shrink=0.8)
    colourbar.set_label("attention weight", fontsize=style.LABEL)
    return style.finish(fig, tight=False)


def accuracy_by_length(lengths, results, chance_note=None):
    """Exact-match accuracy against source length: one thin line per seed, a thick line for the mean.

    Args:
        lengths: the source lengths measured (x axis).
        results: {model name: (seeds, len(lengths)) array of accuracies}.
    """
    fig, ax = style.new_figure(6.4, 3.4)
    for name, table in results.items():
        table = np.asarray(table, dtype=float)
        colour = _COLOURS.get(name)
        for row in table:
            ax.plot(lengths, row, color=colour, alpha=0.3, linewidth=1)
        ax.plot(lengths, table.mean(axis=0), color=colour, linewidth=2.5, marker="o", label=name)
    ax.set_xlabel("source length (digits)", fontsize=style.LABEL)
    ax.set_ylabel("sequences reversed exactly", fontsize=style.LABEL)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xticks(list(lengths))
    ax.legend(
        fontsize=style.LABEL, title="thin: one seed each; thick: mean", title_fontsize=style.LABEL
    )
    if chance_note:
        ax.set_title(chance_note, fontsize=style.TITLE)
    return style.finish(fig)


def forcing_gap(seeds, teacher, free):
    """Token accuracy with the true previous token fed (teacher forcing) and with the model's own
    (free running), one pair of dots per seed joined by a line."""
    fig, ax = style.new_figure(6.4, 3.2)
    for k, (a, b) in enumerate(zip(teacher, free)):
        ax.plot([0, 1], [a, b], color="#6e7781", linewidth=1)
    ax.scatter(np.zeros(len(teacher)), teacher, color="#1a7f37", zorder=3, label="teacher forcing")
    ax.scatter(np.ones(len(free)), free, color="#cf222e", zorder=3, label="free running")
    ax.set_xticks([0, 1], ["fed the true previous token", "fed its own previous guess"])
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylabel("target tokens right", fontsize=style.LABEL)
    ax.set_title(f"the same trained models, {len(seeds)} seeds", fontsize=style.TITLE)
    ax.legend(fontsize=style.LABEL, loc="lower left")
    return style.finish(fig)
