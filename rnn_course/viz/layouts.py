"""Layout diagrams: where each number of an RNN's tensors lives.

* ``input_layouts``: the same batch of sequences stored time-major (L, N, H_in), batch-first
  (N, L, H_in) and unbatched (L, H_in).
* ``shape_flow``: the shapes going into and out of one ``nn.RNN`` call.
* ``stacked_grid``: a stacked RNN unrolled in time; layer k reads layer k-1's outputs.
* ``h_n_layout``: the first axis of h_n, (D * num_layers), read as a (num_layers, D) grid.
* ``output_h_n_links``: which positions of the last layer's output equal which h_n entries.

Time follows the course's notation: inputs x_1..x_L, states h_1..h_L, h_0 the initial state; code
indices (``output[t - 1]`` holds h_t) are written as code. Every function draws into a new figure
and returns it; nothing is shown or saved. Sizes, dpi and fonts come from :mod:`rnn_course.viz.style`.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle

from . import style

FORWARD = "#4c8bd6"  # blue: forward direction
BACKWARD = "#e8893a"  # orange: backward (reverse) direction
NEUTRAL = "#d9d9d9"
HIGHLIGHT = "#2e9e4f"
DIRECTIONS = ("forward", "backward")


# ---------------------------------------------------------------------------------------------
# small drawing helpers
# ---------------------------------------------------------------------------------------------


def _cell(
    ax,
    x,
    y,
    text,
    colour=NEUTRAL,
    width=1.0,
    height=1.0,
    fontsize=style.LABEL,
    edge="black",
    lw=1.0,
):
    """A labelled box whose lower-left corner is (x, y)."""
    ax.add_patch(Rectangle((x, y), width, height, facecolor=colour, edgecolor=edge, linewidth=lw))
    ax.text(x + width / 2, y + height / 2, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, colour="black", style="-|>", lw=1.0, linestyle="-"):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=10,
            color=colour,
            lw=lw,
            linestyle=linestyle,
        )
    )


def _frame(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def _shape_text(shape):
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


# ---------------------------------------------------------------------------------------------
# 04: layouts of the input
# ---------------------------------------------------------------------------------------------


def input_layouts(seq_len=4, batch=3):
    """Three panels: one batch of sequences stored time-major, batch-first, and one sequence unbatched.

    Each box is one time step of one sequence, a vector of H_in features (the last axis, not drawn),
    labelled $x_t$ (t = 1..L) and, in a batch, the sequence's index n. Box (row, column) is what
    ``x[row, column]`` selects in that layout: time-major ``x[t - 1, n]`` holds $x_t$ of sequence n.

    Args:
        seq_len: L, the number of time steps.
        batch: N, the number of sequences.

    Returns:
        A figure with three axes, titled "(L, N, H_in)", "(N, L, H_in)" and "(L, H_in)".
    """
    fig, axes = style.new_figure(
        8.4, 3.9, ncols=3, gridspec_kw={"width_ratios": [batch + 1.5, seq_len + 1.5, 2.5]}
    )
    panels = [
        (
            "time-major (default)\n(L, N, H_in)",
            seq_len,
            batch,
            "dim 0: time",
            "dim 1: sequence n",
            False,
        ),
        (
            "batch_first=True\n(N, L, H_in)",
            batch,
            seq_len,
            "dim 0: sequence n",
            "dim 1: time",
            True,
        ),
        ("unbatched\n(L, H_in)", seq_len, 1, "dim 0: time", "", False),
    ]
    for ax, (title, rows, cols, row_name, col_name, swapped) in zip(axes, panels):
        for r in range(rows):
            for c in range(cols):
                t, n = (
                    (c, r) if swapped else (r, c)
                )  # code indices: x[t, n] holds x_{t+1} of sequence n
                label = (
                    f"$x_{{{t + 1}}}$"
                    if title.startswith("unbatched")
                    else f"$x_{{{t + 1}}}$\nn={n}"
                )
                colour = plt.cm.Blues(0.2 + 0.45 * t / max(seq_len - 1, 1))
                _cell(ax, c, rows - 1 - r, label, colour=colour, fontsize=style.MIN_FONT)
        ax.text(
            -0.2, rows / 2, row_name, rotation=90, ha="right", va="center", fontsize=style.MIN_FONT
        )
        if col_name:
            ax.text(
                cols / 2, rows + 0.15, col_name, ha="center", va="bottom", fontsize=style.MIN_FONT
            )
        ax.set_title(title, fontsize=style.LABEL)
        _frame(ax, (-1.0, max(cols, 1) + 0.2), (-0.2, max(seq_len, batch) + 0.8))
    fig.suptitle(
        "each box holds one vector of H_in features (the last axis)", fontsize=style.LABEL, y=0.04
    )
    return style.finish(fig)


def shape_flow(input_shape, output_shape, h_n_shape, h0_shape=None, title=None):
    """Boxes and arrows for one call ``output, h_n = rnn(x, h0)``, labelled with the shapes.

    Args:
        input_shape, output_shape, h_n_shape: shapes (tuples or torch.Size) of x, output, h_n.
        h0_shape: shape of h0, or None when h0 is left out (torch then uses zeros).
        title: an optional title, e.g. the constructor's arguments.

    Returns:
        A figure with one axes holding five boxes (x, h0, nn.RNN, output, h_n).
    """
    fig, ax = style.new_figure(7.0, 2.8)
    h0_text = f"h0\n{_shape_text(h0_shape)}" if h0_shape is not None else "h0\n(zeros)"
    _cell(
        ax,
        0.0,
        1.6,
        f"x\n{_shape_text(input_shape)}",
        colour=plt.cm.Blues(0.3),
        width=2.2,
        height=1.0,
    )
    _cell(ax, 0.0, 0.0, h0_text, colour=NEUTRAL, width=2.2, height=1.0)
    _cell(ax, 3.2, 0.5, "nn.RNN", colour="white", width=1.6, height=1.6, fontsize=style.TITLE)
    _cell(
        ax,
        5.8,
        1.6,
        f"output\n{_shape_text(output_shape)}",
        colour=plt.cm.Greens(0.35),
        width=2.4,
        height=1.0,
    )
    _cell(
        ax,
        5.8,
        0.0,
        f"h_n\n{_shape_text(h_n_shape)}",
        colour=plt.cm.Oranges(0.35),
        width=2.4,
        height=1.0,
    )
    _arrow(ax, (2.2, 2.1), (3.2, 1.6))
    _arrow(ax, (2.2, 0.5), (3.2, 1.0))
    _arrow(ax, (4.8, 1.6), (5.8, 2.1))
    _arrow(ax, (4.8, 1.0), (5.8, 0.5))
    if title:
        ax.set_title(title, fontsize=style.TITLE)
    _frame(ax, (-0.1, 8.3), (-0.1, 2.7))
    return style.finish(fig)


# ---------------------------------------------------------------------------------------------
# 05: a stacked RNN unrolled in time
# ---------------------------------------------------------------------------------------------


def stacked_grid(num_layers=2, seq_len=4, dropout=False):
    """A unidirectional stacked RNN unrolled in time, in the course's notation.

    The bottom row holds the inputs $x_1 .. x_L$. Box (layer k, step t) is $h_t^{(k)}$, t = 1..L;
    on the left of each layer its initial state $h_0^{(k)}$ = ``h0[k]``. Horizontal arrows carry the
    hidden state along time inside one layer; vertical arrows carry layer k-1's state at step t into
    layer k as its input. With ``dropout`` the vertical arrows between layers are marked "dropout"
    (there is none under the inputs and none above the last layer). Above the last layer,
    ``output[t - 1]`` is $h_t$ of that layer; the right-hand column names each layer's h_n entry.

    Returns:
        A figure with one axes: L input boxes, L * num_layers state boxes and num_layers h_0 boxes.
    """
    width = 2.6 + 1.6 * seq_len + 1.4
    height = 1.3 + 1.3 * num_layers + 0.9
    fig, ax = style.new_figure(max(6.4, 0.8 * width), 0.75 * height + 0.4)
    for layer in range(num_layers):
        y0 = 1.3 + 1.3 * layer
        last = layer == num_layers - 1
        _cell(ax, 0.6, y0, f"$h_0^{{({layer})}}$", colour="white", height=0.7)
        ax.text(0.45, y0 + 0.35, f"layer {layer}", ha="right", va="center", fontsize=style.LABEL)
        for t in range(1, seq_len + 1):
            x0 = 0.6 + 1.6 * t
            _cell(
                ax,
                x0,
                y0,
                f"$h_{{{t}}}^{{({layer})}}$",
                colour=plt.cm.Greens(0.5 if last else 0.25),
                height=0.7,
            )
            _arrow(ax, (x0 - 0.6, y0 + 0.35), (x0, y0 + 0.35))  # from h_{t-1} of the same layer
            below = 0.7 if layer == 0 else y0 - 0.6
            _arrow(ax, (x0 + 0.5, below), (x0 + 0.5, y0))  # from x_t, or from the layer below
            if dropout and layer > 0:
                ax.text(
                    x0 + 0.58,
                    (below + y0) / 2,
                    "dropout",
                    fontsize=style.MIN_FONT,
                    color="crimson",
                    va="center",
                )
    top = 1.3 + 1.3 * (num_layers - 1) + 0.7
    for t in range(1, seq_len + 1):
        x0 = 0.6 + 1.6 * t
        _cell(ax, x0, 0.0, f"$x_{{{t}}}$", colour=plt.cm.Blues(0.3), width=1.0, height=0.7)
        _arrow(ax, (x0 + 0.5, top), (x0 + 0.5, top + 0.4))
        ax.text(
            x0 + 0.5,
            top + 0.45,
            f"output[{t - 1}]",
            ha="center",
            va="bottom",
            fontsize=style.MIN_FONT,
        )
    right = 0.6 + 1.6 * seq_len + 1.0
    for layer in range(num_layers):
        y0 = 1.3 + 1.3 * layer
        _arrow(ax, (right, y0 + 0.35), (right + 0.5, y0 + 0.35), colour=BACKWARD)
        ax.text(
            right + 0.6,
            y0 + 0.35,
            f"h_n[{layer}]",
            va="center",
            fontsize=style.LABEL,
            color=BACKWARD,
        )
    ax.text(0.45, 0.35, "input", ha="right", va="center", fontsize=style.LABEL)
    _frame(ax, (-1.0, right + 1.5), (-0.1, top + 0.9))
    return style.finish(fig)


# ---------------------------------------------------------------------------------------------
# 06: the layout of h_n, and which outputs equal which h_n entries
# ---------------------------------------------------------------------------------------------


def h_n_index(layer, direction, bidirectional=True):
    """The index into h_n's first axis of (layer, direction): layer * D + direction."""
    return layer * (2 if bidirectional else 1) + direction


def h_n_layout(num_layers=2, bidirectional=True):
    """h_n's first axis, of length D * num_layers, and the same entries as a (num_layers, D) grid.

    Left: the flat list h_n[0], h_n[1], ... as torch stores it. Right: the grid that
    ``h_n.view(num_layers, D, N, H)`` reads, one row per layer, one column per direction, each box
    labelled with its flat index layer * D + direction.

    Returns:
        A figure with two axes.
    """
    d = 2 if bidirectional else 1
    count = d * num_layers
    fig, (left, right) = style.new_figure(
        6.6, 1.1 + 0.8 * max(count, 2), ncols=2, gridspec_kw={"width_ratios": [1.3, 1 + 1.6 * d]}
    )
    for k in range(count):
        layer, direction = divmod(k, d)
        colour = FORWARD if direction == 0 else BACKWARD
        _cell(left, 0, count - 1 - k, f"h_n[{k}]", colour=colour, width=1.6, height=0.9)
    left.set_title(f"h_n: ({count}, N, H)", fontsize=style.LABEL)
    _frame(left, (-0.1, 1.8), (-0.2, count + 0.1))

    for layer in range(num_layers):
        for direction in range(d):
            k = h_n_index(layer, direction, bidirectional)
            colour = FORWARD if direction == 0 else BACKWARD
            y = num_layers - 1 - layer
            _cell(
                right,
                1.6 * direction,
                y * 1.1,
                f"h_n[{k}]\n= {layer}*{d} + {direction}",
                colour=colour,
                width=1.5,
                height=1.0,
                fontsize=style.MIN_FONT,
            )
        right.text(
            -0.15,
            (num_layers - 1 - layer) * 1.1 + 0.5,
            f"layer {layer}",
            ha="right",
            va="center",
            fontsize=style.LABEL,
        )
    for direction in range(d):
        right.text(
            1.6 * direction + 0.75,
            num_layers * 1.1 + 0.05,
            DIRECTIONS[direction],
            ha="center",
            va="bottom",
            fontsize=style.LABEL,
        )
    right.set_title(f"h_n.view({num_layers}, {d}, N, H)", fontsize=style.LABEL)
    _frame(right, (-1.3, 1.6 * d + 0.1), (-0.2, num_layers * 1.1 + 0.5))
    return style.finish(fig)


STEP = 1.6  # the distance between two time steps in output_h_n_links


def output_h_n_links(seq_len=4, num_layers=1, bidirectional=True):
    """The last layer's output, split into its forward and backward halves, with the two positions
    that equal an h_n entry highlighted.

    Columns are the time steps t = 1..L (``output[t - 1]`` in code). The forward half equals its
    h_n entry at the last step, ``output[L - 1, :, :H]``; the backward half at the first step,
    ``output[0, :, H:]``, because the reverse pass reads x_L first and ends at t = 1.

    Returns:
        A figure with one axes.
    """
    d = 2 if bidirectional else 1
    last = num_layers - 1
    fig, ax = style.new_figure(max(6.6, 1.25 * seq_len + 2.6), 1.7 + 1.2 * d)
    halves = [(":H", FORWARD, seq_len - 1, h_n_index(last, 0, bidirectional))]
    if bidirectional:
        halves.append(("H:", BACKWARD, 0, h_n_index(last, 1, bidirectional)))
    for row, (features, colour, step, k) in enumerate(halves):
        y = (d - 1 - row) * 1.4
        for t in range(seq_len):
            match = t == step
            _cell(
                ax,
                STEP * t,
                y,
                f"output[{t}]\n[..., {features}]",
                colour=colour if match else NEUTRAL,
                width=1.45,
                height=0.9,
                fontsize=style.MIN_FONT,
                edge=HIGHLIGHT if match else "black",
                lw=2.5 if match else 1.0,
            )
        ax.text(-0.15, y + 0.45, DIRECTIONS[row], ha="right", va="center", fontsize=style.LABEL)
        target_x = STEP * seq_len + 0.4
        _cell(ax, target_x, y, f"h_n[{k}]", colour=colour, width=1.2, height=0.9)
        start = (STEP * step + 0.72, y + 0.9)
        _arrow(
            ax,
            start,
            (target_x + 0.6, y + 0.9),
            colour=HIGHLIGHT,
            style="<|-|>",
            lw=1.5,
            linestyle="--",
        )
        ax.text(
            STEP * step + 0.72,
            y + 1.0,
            "equal",
            ha="center",
            va="bottom",
            fontsize=style.MIN_FONT,
            color=HIGHLIGHT,
        )
        for t in range(seq_len - 1):
            a, b = (
                (STEP * t + 1.45, STEP * t + STEP)
                if row == 0
                else (STEP * t + STEP, STEP * t + 1.45)
            )
            _arrow(ax, (a, y + 0.45), (b, y + 0.45), colour=colour)
    for t in range(seq_len):
        ax.text(
            STEP * t + 0.72, -0.15, f"$t = {t + 1}$", ha="center", va="top", fontsize=style.LABEL
        )
    ax.set_title(
        f"last layer ({last}) of a {'bi' if bidirectional else 'uni'}directional RNN",
        fontsize=style.TITLE,
    )
    _frame(ax, (-1.3, STEP * seq_len + 1.8), (-0.6, (d - 1) * 1.4 + 1.5))
    return style.finish(fig)
