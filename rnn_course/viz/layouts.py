"""Layout diagrams: where each number of an RNN's tensors lives.

* ``input_layouts``: the same batch of sequences stored time-major (L, N, H_in), batch-first
  (N, L, H_in) and unbatched (L, H_in).
* ``shape_flow``: the shapes going into and out of one ``nn.RNN`` call.
* ``stacked_grid``: a stacked RNN unrolled in time; layer k reads layer k-1's outputs.
* ``h_n_layout``: the first axis of h_n, (D * num_layers), read as a (num_layers, D) grid.
* ``output_h_n_links``: which positions of the last layer's output equal which h_n entries.

Every function draws into a new figure and returns it; nothing is shown or saved. Sizes stay small
(dpi 80) so that notebooks stay light.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle

DPI = 80
FORWARD = "#4c8bd6"  # blue: forward direction
BACKWARD = "#e8893a"  # orange: backward (reverse) direction
NEUTRAL = "#d9d9d9"
HIGHLIGHT = "#2e9e4f"
DIRECTIONS = ("forward", "backward")


# ---------------------------------------------------------------------------------------------
# small drawing helpers
# ---------------------------------------------------------------------------------------------


def _cell(ax, x, y, text, colour=NEUTRAL, width=1.0, height=1.0, fontsize=9, edge="black", lw=1.0):
    """A labelled box whose lower-left corner is (x, y)."""
    ax.add_patch(Rectangle((x, y), width, height, facecolor=colour, edgecolor=edge, linewidth=lw))
    ax.text(x + width / 2, y + height / 2, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, colour="black", style="-|>", lw=1.0, linestyle="-"):
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=10, color=colour, lw=lw, linestyle=linestyle)
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

    Each box is one time step of one sequence, a vector of H_in features (the last axis, not drawn).
    Box (row, column) is what ``x[row, column]`` selects in that layout.

    Args:
        seq_len: L, the number of time steps.
        batch: N, the number of sequences.

    Returns:
        A figure with three axes, titled "(L, N, H_in)", "(N, L, H_in)" and "(L, H_in)".
    """
    fig, axes = plt.subplots(
        1, 3, figsize=(7.5, 3), dpi=DPI, gridspec_kw={"width_ratios": [batch + 1.5, seq_len + 1.5, 2.5]}
    )
    panels = [
        ("time-major (default)\n(L, N, H_in)", seq_len, batch, "time t", "sequence n", False),
        ("batch_first=True\n(N, L, H_in)", batch, seq_len, "sequence n", "time t", True),
        ("unbatched\n(L, H_in)", seq_len, 1, "time t", "", False),
    ]
    for ax, (title, rows, cols, row_name, col_name, swapped) in zip(axes, panels):
        for r in range(rows):
            for c in range(cols):
                t, n = (c, r) if swapped else (r, c)
                label = f"$x_{{{t}}}$" if title.startswith("unbatched") else f"$x_{{{t}}}^{{({n})}}$"
                colour = plt.cm.Blues(0.25 + 0.5 * t / max(seq_len - 1, 1))
                _cell(ax, c, rows - 1 - r, label, colour=colour)
        ax.text(-0.25, rows / 2, f"dim 0: {row_name}", rotation=90, ha="right", va="center", fontsize=8)
        if col_name:
            ax.text(cols / 2, rows + 0.15, f"dim 1: {col_name}", ha="center", va="bottom", fontsize=8)
        ax.set_title(title, fontsize=9)
        _frame(ax, (-1.0, max(cols, 1) + 0.2), (-0.2, max(seq_len, batch) + 0.8))
    fig.suptitle("each box holds one vector of H_in features (the last axis)", fontsize=8, y=0.04)
    fig.tight_layout()
    return fig


def shape_flow(input_shape, output_shape, h_n_shape, h0_shape=None, title=None):
    """Boxes and arrows for one call ``output, h_n = rnn(x, h0)``, labelled with the shapes.

    Args:
        input_shape, output_shape, h_n_shape: shapes (tuples or torch.Size) of x, output, h_n.
        h0_shape: shape of h0, or None when h0 is left out (torch then uses zeros).
        title: an optional title, e.g. the constructor's arguments.

    Returns:
        A figure with one axes holding five boxes (x, h0, nn.RNN, output, h_n).
    """
    fig, ax = plt.subplots(figsize=(6, 2.4), dpi=DPI)
    h0_text = f"h0\n{_shape_text(h0_shape)}" if h0_shape is not None else "h0\n(zeros)"
    _cell(ax, 0.0, 1.6, f"x\n{_shape_text(input_shape)}", colour=plt.cm.Blues(0.3), width=2.2, height=1.0)
    _cell(ax, 0.0, 0.0, h0_text, colour=NEUTRAL, width=2.2, height=1.0)
    _cell(ax, 3.2, 0.5, "nn.RNN", colour="white", width=1.6, height=1.6, fontsize=10)
    _cell(ax, 5.8, 1.6, f"output\n{_shape_text(output_shape)}", colour=plt.cm.Greens(0.35), width=2.4, height=1.0)
    _cell(ax, 5.8, 0.0, f"h_n\n{_shape_text(h_n_shape)}", colour=plt.cm.Oranges(0.35), width=2.4, height=1.0)
    _arrow(ax, (2.2, 2.1), (3.2, 1.6))
    _arrow(ax, (2.2, 0.5), (3.2, 1.0))
    _arrow(ax, (4.8, 1.6), (5.8, 2.1))
    _arrow(ax, (4.8, 1.0), (5.8, 0.5))
    if title:
        ax.set_title(title, fontsize=9)
    _frame(ax, (-0.1, 8.3), (-0.1, 2.7))
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# 05: a stacked RNN unrolled in time
# ---------------------------------------------------------------------------------------------


def stacked_grid(num_layers=2, seq_len=4, dropout=False):
    """A unidirectional stacked RNN unrolled in time.

    Box (layer l, step t) is $h_t^{(l)}$. Horizontal arrows carry the hidden state along time
    inside one layer; vertical arrows carry layer l-1's output at step t into layer l. With
    ``dropout`` the vertical arrows between layers are marked "dropout" (there is none under the
    inputs and none above the last layer). The right-hand column names each layer's h_n entry.

    Returns:
        A figure with one axes.
    """
    width = seq_len * 1.6 + 2.4
    fig, ax = plt.subplots(figsize=(min(7.5, 1.0 + width * 0.75), 1.2 + 0.9 * (num_layers + 2) * 0.75), dpi=DPI)
    for t in range(seq_len):
        x0 = 1.2 + 1.6 * t
        _cell(ax, x0, 0.0, f"$x_{{{t}}}$", colour=plt.cm.Blues(0.3), width=1.0, height=0.7)
        for layer in range(num_layers):
            y0 = 1.3 + 1.3 * layer
            last = layer == num_layers - 1
            _cell(ax, x0, y0, f"$h_{{{t}}}^{{({layer})}}$", colour=plt.cm.Greens(0.5 if last else 0.25), height=0.7)
            below = 0.7 if layer == 0 else y0 - 0.6
            _arrow(ax, (x0 + 0.5, below), (x0 + 0.5, y0))
            if dropout and layer > 0:
                ax.text(x0 + 0.55, (below + y0) / 2, "dropout", fontsize=7, color="crimson", va="center")
            if t < seq_len - 1:
                _arrow(ax, (x0 + 1.0, y0 + 0.35), (x0 + 1.6, y0 + 0.35))
        top = 1.3 + 1.3 * (num_layers - 1) + 0.7
        _arrow(ax, (x0 + 0.5, top), (x0 + 0.5, top + 0.4))
        ax.text(x0 + 0.5, top + 0.45, f"output[{t}]", ha="center", va="bottom", fontsize=8)
    right = 1.2 + 1.6 * seq_len
    for layer in range(num_layers):
        y0 = 1.3 + 1.3 * layer
        ax.text(0.9, y0 + 0.35, f"layer {layer}", ha="right", va="center", fontsize=8)
        _arrow(ax, (right - 0.6, y0 + 0.35), (right, y0 + 0.35), colour=BACKWARD)
        ax.text(right + 0.1, y0 + 0.35, f"h_n[{layer}]", va="center", fontsize=8, color=BACKWARD)
    ax.text(0.9, 0.35, "input", ha="right", va="center", fontsize=8)
    _frame(ax, (-0.6, right + 1.3), (-0.1, 1.3 + 1.3 * num_layers + 0.5))
    fig.tight_layout()
    return fig


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
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(6, 0.9 + 0.75 * max(count, 2)), dpi=DPI, gridspec_kw={"width_ratios": [1.3, 1 + 1.6 * d]}
    )
    for k in range(count):
        layer, direction = divmod(k, d)
        colour = FORWARD if direction == 0 else BACKWARD
        _cell(left, 0, count - 1 - k, f"h_n[{k}]", colour=colour, width=1.6, height=0.9)
    left.set_title(f"h_n: ({count}, N, H)", fontsize=9)
    _frame(left, (-0.1, 1.8), (-0.2, count + 0.1))

    for layer in range(num_layers):
        for direction in range(d):
            k = h_n_index(layer, direction, bidirectional)
            colour = FORWARD if direction == 0 else BACKWARD
            y = num_layers - 1 - layer
            _cell(right, 1.6 * direction, y * 1.1, f"h_n[{k}]\n= {layer}*{d} + {direction}", colour=colour,
                  width=1.5, height=1.0, fontsize=8)
        right.text(-0.15, (num_layers - 1 - layer) * 1.1 + 0.5, f"layer {layer}", ha="right", va="center", fontsize=8)
    for direction in range(d):
        right.text(1.6 * direction + 0.75, num_layers * 1.1 + 0.05, DIRECTIONS[direction], ha="center",
                   va="bottom", fontsize=8)
    right.set_title(f"h_n.view({num_layers}, {d}, N, H)", fontsize=9)
    _frame(right, (-1.3, 1.6 * d + 0.1), (-0.2, num_layers * 1.1 + 0.5))
    fig.tight_layout()
    return fig


def output_h_n_links(seq_len=4, num_layers=1, bidirectional=True):
    """The last layer's output, split into its forward and backward halves, with the two positions
    that equal an h_n entry highlighted.

    For the forward half that is the last step, ``output[L-1, :, :H]``; for the backward half it is
    the first step, ``output[0, :, H:]``, because the reverse pass ends at t = 0.

    Returns:
        A figure with one axes.
    """
    d = 2 if bidirectional else 1
    last = num_layers - 1
    fig, ax = plt.subplots(figsize=(6, 1.2 + 1.1 * d), dpi=DPI)
    halves = [(":H", FORWARD, seq_len - 1, h_n_index(last, 0, bidirectional))]
    if bidirectional:
        halves.append(("H:", BACKWARD, 0, h_n_index(last, 1, bidirectional)))
    for row, (features, colour, step, k) in enumerate(halves):
        y = (d - 1 - row) * 1.3
        for t in range(seq_len):
            match = t == step
            _cell(ax, 1.2 * t, y, f"output[{t}]\n[..., {features}]", colour=colour if match else NEUTRAL,
                  width=1.1, height=0.9, fontsize=7, edge=HIGHLIGHT if match else "black", lw=2.5 if match else 1.0)
        ax.text(-0.15, y + 0.45, DIRECTIONS[row], ha="right", va="center", fontsize=8)
        target_x = 1.2 * seq_len + 0.6
        _cell(ax, target_x, y, f"h_n[{k}]", colour=colour, width=1.1, height=0.9, fontsize=8)
        start = (1.2 * step + 0.55, y + 0.9)
        _arrow(ax, start, (target_x + 0.55, y + 0.9), colour=HIGHLIGHT, style="<|-|>", lw=1.5,
               linestyle="--")
        ax.text(1.2 * step + 0.55, y + 1.0, "equal", ha="center", va="bottom", fontsize=7, color=HIGHLIGHT)
        for t in range(seq_len - 1):
            a, b = (1.2 * t + 1.1, 1.2 * t + 1.2) if row == 0 else (1.2 * t + 1.2, 1.2 * t + 1.1)
            _arrow(ax, (a, y + 0.45), (b, y + 0.45), colour=colour)
    ax.set_title(f"last layer ({last}) of a {'bi' if bidirectional else 'uni'}directional RNN", fontsize=9)
    _frame(ax, (-1.3, 1.2 * seq_len + 1.8), (-0.2, (d - 1) * 1.3 + 1.5))
    fig.tight_layout()
    return fig
