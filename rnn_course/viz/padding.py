"""Figures for variable-length batches: a padded batch with its mask, and a packed batch's layout.

    fig = plot_padded_batch([5, 3, 6, 2], tokens=["hello", "cat", "spider", "hi"])
    fig = plot_packed_batch([5, 3, 6, 2])

Both return the Figure without showing it; call ``plt.show()`` in the notebook. Time steps are
numbered t = 1..L as in the course's notation (column t holds ``x[n, t - 1]`` in code); sequences
keep their batch index n = 0..N-1. Sizes, dpi and fonts come from :mod:`rnn_course.viz.style`.
"""

from matplotlib.patches import Rectangle

from . import style

REAL = "#9ecae1"
PAD = "#eeeeee"
EDGE = "#555555"


def _lengths(lengths):
    return [int(n) for n in lengths]


def _grid(ax, rows, columns):
    ax.set_xlim(0, columns)
    ax.set_ylim(rows, 0)
    ax.set_aspect("equal")
    ax.set_xticks(
        [c + 0.5 for c in range(columns)], [str(c + 1) for c in range(columns)]
    )  # t = 1..L
    ax.set_yticks([r + 0.5 for r in range(rows)], [str(r) for r in range(rows)])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)


def _cell(ax, row, column, colour, text, fontsize=style.LABEL):
    ax.add_patch(Rectangle((column, row), 1, 1, facecolor=colour, edgecolor=EDGE, linewidth=0.8))
    if text:
        ax.text(column + 0.5, row + 0.5, text, ha="center", va="center", fontsize=fontsize)


def mask_from_lengths(lengths):
    """The mask of a batch_first padded batch, as nested lists of 0/1: row n has lengths[n] ones,
    then zeros up to max(lengths). Shape (N, L_max)."""
    lengths = _lengths(lengths)
    width = max(lengths)
    return [[1 if t < n else 0 for t in range(width)] for n in lengths]


def plot_padded_batch(lengths, tokens=None, figsize=(8.0, 3.0)):
    """Two grids side by side, rows = sequences (n), columns = time steps (t = 1..L), batch_first layout.

    Left: the padded batch, real steps coloured (showing ``tokens[n][t - 1]`` when given, else x),
    padding grey. Right: the mask, 1 on real steps and 0 on padding. ``figsize`` is in inches (the
    width is at least ``style.MIN_WIDTH_IN``). Returns the Figure.
    """
    lengths = _lengths(lengths)
    mask = mask_from_lengths(lengths)
    rows, columns = len(lengths), max(lengths)
    fig, (left, right) = style.new_figure(*figsize, ncols=2)
    for n in range(rows):
        for i in range(columns):  # code index i: time step t = i + 1
            real = mask[n][i] == 1
            label = (str(tokens[n][i]) if tokens is not None else "x") if real else "pad"
            _cell(
                left,
                n,
                i,
                REAL if real else PAD,
                label,
                fontsize=style.LABEL if real else style.MIN_FONT,
            )
            _cell(right, n, i, REAL if real else PAD, str(mask[n][i]))
    for ax, title in ((left, "padded batch (N, L_max)"), (right, "mask: 1 = real step")):
        _grid(ax, rows, columns)
        ax.set_title(title, fontsize=style.TITLE)
        ax.set_xlabel("time step t", fontsize=style.LABEL)
    left.set_ylabel("sequence n", fontsize=style.LABEL)
    for n, length in enumerate(lengths):
        right.text(columns + 0.2, n + 0.5, f"length {length}", va="center", fontsize=style.LABEL)
    return style.finish(fig)


def packed_layout(lengths):
    """Where each real step of each sequence lands in a PackedSequence's ``data``.

    Returns (order, batch_sizes, position): ``order`` lists the sequences longest first (ties keep
    their order), ``batch_sizes[i]`` counts the sequences still running at code index i (time
    step t = i + 1), and ``position[(n, i)]`` is the row of ``data`` that holds ``x[n, i]``.
    """
    lengths = _lengths(lengths)
    order = sorted(range(len(lengths)), key=lambda n: -lengths[n])
    batch_sizes, position, row = [], {}, 0
    for i in range(max(lengths)):
        running = [n for n in order if lengths[n] > i]
        batch_sizes.append(len(running))
        for n in running:
            position[(n, i)] = row
            row += 1
    return order, batch_sizes, position


def plot_packed_batch(lengths, figsize=None):
    """The packed layout: sequences sorted longest first (rows), time steps t = 1..L (columns).

    Each real step shows the row of ``data`` it is stored in; ``data`` is read column by column,
    so the numbers run down each time step. Below each column: its ``batch_sizes`` entry.
    ``figsize`` is in inches; by default the cells are large enough for the grid to be at least
    ``style.MIN_WIDTH_PX`` wide. Returns the Figure.
    """
    lengths = _lengths(lengths)
    order, batch_sizes, position = packed_layout(lengths)
    rows, columns = len(lengths), max(lengths)
    if figsize is None:
        cell = max(0.45, 4.4 / columns)  # inches per cell: square cells, the grid about 4.4 in wide
        figsize = (columns * cell + 2.2, (rows + 1) * cell + 1.2)
    fig, ax = style.new_figure(*figsize)
    for r, n in enumerate(order):
        for i in range(columns):
            if i < lengths[n]:
                _cell(ax, r, i, REAL, str(position[(n, i)]))
            else:
                _cell(ax, r, i, "white", "")
    for i, size in enumerate(batch_sizes):
        ax.text(
            i + 0.5,
            rows + 0.45,
            str(size),
            ha="center",
            va="center",
            fontsize=style.LABEL,
            fontweight="bold",
        )
    ax.text(
        -0.15,
        rows + 0.45,
        "batch_sizes",
        ha="right",
        va="center",
        fontsize=style.LABEL,
        fontweight="bold",
    )
    _grid(ax, rows + 1, columns)
    ax.set_yticks([r + 0.5 for r in range(rows)], [f"seq {n} (len {lengths[n]})" for n in order])
    ax.set_xlabel("time step t  (numbers: row of packed.data)", fontsize=style.LABEL)
    ax.set_title("packed batch: sorted longest first, stored step by step", fontsize=style.TITLE)
    return style.finish(fig)
