"""Figures for variable-length batches: a padded batch with its mask, and a packed batch's layout.

    fig = plot_padded_batch([5, 3, 6, 2], tokens=["hello", "cat", "spider", "hi"])
    fig = plot_packed_batch([5, 3, 6, 2])

Both return the Figure without showing it; call ``plt.show()`` in the notebook.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

REAL = "#9ecae1"
PAD = "#eeeeee"
EDGE = "#555555"


def _lengths(lengths):
    return [int(n) for n in lengths]


def _grid(ax, rows, columns):
    ax.set_xlim(0, columns)
    ax.set_ylim(rows, 0)
    ax.set_aspect("equal")
    ax.set_xticks([c + 0.5 for c in range(columns)], [str(c) for c in range(columns)])
    ax.set_yticks([r + 0.5 for r in range(rows)], [str(r) for r in range(rows)])
    ax.tick_params(length=0, labelsize=8)
    for side in ax.spines.values():
        side.set_visible(False)


def _cell(ax, row, column, colour, text, fontsize=9):
    ax.add_patch(Rectangle((column, row), 1, 1, facecolor=colour, edgecolor=EDGE, linewidth=0.8))
    if text:
        ax.text(column + 0.5, row + 0.5, text, ha="center", va="center", fontsize=fontsize)


def mask_from_lengths(lengths):
    """The mask of a batch_first padded batch, as nested lists of 0/1: row n has lengths[n] ones,
    then zeros up to max(lengths). Shape (N, L_max)."""
    lengths = _lengths(lengths)
    width = max(lengths)
    return [[1 if t < n else 0 for t in range(width)] for n in lengths]


def plot_padded_batch(lengths, tokens=None, figsize=(7, 2.6), dpi=72):
    """Two grids side by side, rows = sequences (n), columns = time steps (t), batch_first layout.

    Left: the padded batch, real steps coloured (showing ``tokens[n][t]`` when given, else x),
    padding grey. Right: the mask, 1 on real steps and 0 on padding. Returns the Figure.
    """
    lengths = _lengths(lengths)
    mask = mask_from_lengths(lengths)
    rows, columns = len(lengths), max(lengths)
    fig, (left, right) = plt.subplots(1, 2, figsize=figsize, dpi=dpi)
    for n in range(rows):
        for t in range(columns):
            real = mask[n][t] == 1
            label = (str(tokens[n][t]) if tokens is not None else "x") if real else "pad"
            _cell(left, n, t, REAL if real else PAD, label, fontsize=9 if real else 7)
            _cell(right, n, t, REAL if real else PAD, str(mask[n][t]))
    for ax, title in ((left, "padded batch (N, L_max)"), (right, "mask: 1 = real step")):
        _grid(ax, rows, columns)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("time step t", fontsize=9)
    left.set_ylabel("sequence n", fontsize=9)
    for n, length in enumerate(lengths):
        right.text(columns + 0.2, n + 0.5, f"length {length}", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def packed_layout(lengths):
    """Where each real step of each sequence lands in a PackedSequence's ``data``.

    Returns (order, batch_sizes, position): ``order`` lists the sequences longest first (ties keep
    their order), ``batch_sizes[t]`` counts the sequences still running at step t, and
    ``position[(n, t)]`` is the row of ``data`` that holds step t of sequence n.
    """
    lengths = _lengths(lengths)
    order = sorted(range(len(lengths)), key=lambda n: -lengths[n])
    batch_sizes, position, row = [], {}, 0
    for t in range(max(lengths)):
        running = [n for n in order if lengths[n] > t]
        batch_sizes.append(len(running))
        for n in running:
            position[(n, t)] = row
            row += 1
    return order, batch_sizes, position


def plot_packed_batch(lengths, figsize=(6, 3), dpi=72):
    """The packed layout: sequences sorted longest first (rows), time steps (columns).

    Each real step shows the row of ``data`` it is stored in; ``data`` is read column by column,
    so the numbers run down each time step. Below each column: its ``batch_sizes`` entry.
    Returns the Figure.
    """
    lengths = _lengths(lengths)
    order, batch_sizes, position = packed_layout(lengths)
    rows, columns = len(lengths), max(lengths)
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    for r, n in enumerate(order):
        for t in range(columns):
            if t < lengths[n]:
                _cell(ax, r, t, REAL, str(position[(n, t)]))
            else:
                _cell(ax, r, t, "white", "")
    for t, size in enumerate(batch_sizes):
        ax.text(t + 0.5, rows + 0.45, str(size), ha="center", va="center", fontsize=10, fontweight="bold")
    ax.text(-0.15, rows + 0.45, "batch_sizes", ha="right", va="center", fontsize=9, fontweight="bold")
    _grid(ax, rows + 1, columns)
    ax.set_yticks([r + 0.5 for r in range(rows)], [f"seq {n} (len {lengths[n]})" for n in order])
    ax.set_xlabel("time step t  (numbers: row of packed.data)", fontsize=9)
    ax.set_title("packed batch: sorted longest first, stored step by step", fontsize=10)
    fig.tight_layout()
    return fig
