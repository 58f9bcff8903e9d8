"""Computation graphs of a plain RNN, and pictures of what it computes.

* ``cell_diagram``: one step, $h_t = \\tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})$, as a graph.
* ``unrolled_graph``: the same cell repeated over L time steps, with the shared weights coloured alike.
* ``hidden_state_heatmap``: hidden states of shape (L, H) as a heatmap, time along the x axis.
* ``activation_curves``: tanh, relu (or any torch activation) on one axes.

Every function draws into a new figure and returns it; nothing is shown, saved or set globally.
Sizes, dpi and fonts come from :mod:`rnn_course.viz.style` (readable at 100 % zoom).
"""

import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

from . import style

INPUT = "#4c8bd6"  # blue: x_t and W_ih
RECURRENT = "#2e9e4f"  # green: h_{t-1} -> h_t and W_hh
OUTPUT = "#e8893a"  # orange: the output layer V, c
NODE = "#f2f2f2"
FILL = {INPUT: "#d2e2f5", RECURRENT: "#cdebd6", OUTPUT: "#f9dcc4", NODE: NODE}  # light node fills


def _node(ax, xy, text, colour=NODE, fontsize=style.LABEL):
    """A round node with a label (a Text artist with a circular box)."""
    return ax.text(
        *xy,
        text,
        ha="center",
        va="center",
        fontsize=fontsize,
        bbox={
            "boxstyle": "circle,pad=0.3",
            "facecolor": FILL[colour],
            "edgecolor": colour if colour != NODE else "black",
        },
    )


def _edge(ax, start, end, label="", colour="black", label_offset=(0.0, 0.0), shrink=15):
    """An arrow between two nodes (an Annotation), with an optional label at its middle."""
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": colour,
            "shrinkA": shrink,
            "shrinkB": shrink,
            "lw": 1.3,
        },
    )
    if label:
        middle = (
            (start[0] + end[0]) / 2 + label_offset[0],
            (start[1] + end[1]) / 2 + label_offset[1],
        )
        ax.text(*middle, label, ha="center", va="center", fontsize=style.LABEL, color=colour)


def _blank(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axis("off")


def cell_diagram():
    """One step of an RNN cell drawn as a graph: x_t and h_{t-1} in, h_t out.

    The input term (blue) and the recurrent term (green) are added with both biases, then tanh gives
    h_t, which is both this step's output and the next step's h_{t-1}.

    Returns:
        A figure with one axes holding 5 nodes: x_t, h_{t-1}, the sum, tanh and h_t.
    """
    fig, ax = style.new_figure(6.6, 3.4)
    x, h_prev, total, act, h = (2.2, 0.0), (0.0, 1.5), (2.2, 1.5), (3.9, 1.5), (5.6, 1.5)
    _node(ax, x, "$x_t$", INPUT)
    _node(ax, h_prev, "$h_{t-1}$", RECURRENT)
    _node(ax, total, "$+$")
    _node(ax, act, "tanh")
    _node(ax, h, "$h_t$", RECURRENT)
    _edge(ax, x, total, "$x_t W_{ih}^T + b_{ih}$", INPUT, label_offset=(0.95, 0.0), shrink=18)
    _edge(
        ax,
        h_prev,
        total,
        "$h_{t-1} W_{hh}^T + b_{hh}$",
        RECURRENT,
        label_offset=(0.0, 0.4),
        shrink=18,
    )
    _edge(ax, total, act, shrink=18)
    _edge(ax, act, h, shrink=18)
    _edge(ax, h, (h[0], 2.9), "to step $t+1$", RECURRENT, label_offset=(0.85, 0.0), shrink=18)
    _blank(ax, (-0.6, 6.6), (-0.5, 3.0))
    ax.set_title("one step of an RNN cell", fontsize=style.TITLE)
    return style.finish(fig)


def _loss_rows(ax, col, t, first, top):
    """Above o_t: the softmax probabilities y_hat_t and the loss L_t of step t; returns L_t's place."""
    y_hat, loss = (col, top + 1.1), (col, top + 2.2)
    _node(ax, y_hat, f"$\\hat y_{{{t}}}$", OUTPUT)
    _node(ax, loss, f"$\\mathcal{{L}}_{{{t}}}$")
    _edge(ax, (col, top), y_hat, "softmax" if first else "", OUTPUT, label_offset=(0.5, 0.0))
    _edge(ax, y_hat, loss, "$-\\log \\hat y_{t, y_t}$" if first else "", label_offset=(0.62, 0.0))
    return loss


def unrolled_graph(steps=4, outputs=True, loss=False):
    """The RNN unrolled over ``steps`` time steps: one column per step, the same weights in each.

    Bottom row x_1..x_L, then h_0..h_L (h_0 on the left: the initial state, zeros when it is not
    given), then o_t = h_t V^T + c when ``outputs`` is true. With ``loss`` (which needs ``outputs``)
    two more rows, y_hat_t = softmax(o_t) and the loss L_t = -log y_hat_t[y_t] of each step, and
    one node L above them, their mean. Every x_t -> h_t arrow is W_ih (blue), every
    h_{t-1} -> h_t arrow W_hh (green), every h_t -> o_t arrow V (orange).

    Args:
        steps: L, the number of time steps drawn (1 to 8).
        outputs: draw the output layer.
        loss: draw softmax, the per-step losses and their mean.

    Returns:
        A figure with one axes holding 2L + 1 nodes (3L + 1 with outputs, 5L + 2 with the loss) and
        one arrow per edge: 2L, 3L with outputs, 6L with the loss.
    """
    if not 1 <= steps <= 8:
        raise ValueError(f"steps should be between 1 and 8, got {steps}")
    if loss and not outputs:
        raise ValueError("loss=True needs outputs=True: the loss is computed from the outputs o_t")
    rows = 2 + outputs + 3 * loss
    fig, ax = style.new_figure(max(6.4, 1.1 * steps + 1.4), 1.0 + 0.95 * rows)
    gap = 1.4
    _node(ax, (0.0, 1.2), "$h_0$", RECURRENT)
    ax.text(
        0.0,
        0.55,
        "initial\nstate",
        ha="center",
        va="center",
        fontsize=style.MIN_FONT,
        color=RECURRENT,
    )
    total = (gap * (steps + 1) / 2, 2.4 + 3.3) if loss else None  # the mean loss, above the middle
    for t in range(1, steps + 1):
        col = gap * t
        _node(ax, (col, 0.0), f"$x_{{{t}}}$", INPUT)
        _node(ax, (col, 1.2), f"$h_{{{t}}}$", RECURRENT)
        first = t == 1  # label the weights once; the colours say they repeat
        _edge(
            ax, (col, 0.0), (col, 1.2), "$W_{ih}$" if first else "", INPUT, label_offset=(0.32, 0.0)
        )
        _edge(
            ax,
            (col - gap, 1.2),
            (col, 1.2),
            "$W_{hh}$" if first else "",
            RECURRENT,
            label_offset=(0.0, 0.28),
        )
        if outputs:
            _node(ax, (col, 2.4), f"$o_{{{t}}}$", OUTPUT)
            _edge(
                ax, (col, 1.2), (col, 2.4), "$V$" if first else "", OUTPUT, label_offset=(0.25, 0.0)
            )
        if loss:
            step_loss = _loss_rows(ax, col, t, first, 2.4)
            _edge(ax, step_loss, total, colour="grey")
    if loss:
        _node(ax, total, "$\\mathcal{L}$", fontsize=style.TITLE)
        ax.text(
            total[0] + 0.35,
            total[1],
            "mean of the $\\mathcal{L}_t$",
            ha="left",
            va="center",
            fontsize=style.LABEL,
            color="grey",
        )
    _blank(ax, (-0.6, gap * steps + 0.6), (-0.5, 1.2 * (rows - 1) + 0.6))
    ax.set_title(
        f"unrolled over L = {steps} steps: the same weights at every step", fontsize=style.TITLE
    )
    return style.finish(fig)


def _as_array(values):
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().to(torch.float64).numpy()
    return np.asarray(values, dtype=float)


def hidden_state_heatmap(states, title="hidden state over time", value_range=(-1.0, 1.0)):
    """Hidden states of one sequence as a heatmap: column t is h_t (t = 1..L), row j is hidden unit j.

    Args:
        states: (L, H) tensor or array, e.g. ``output[:, 0]`` of a time-major ``nn.RNN`` call;
            ``states[t - 1]`` is h_t.
        title: the axes title.
        value_range: (low, high), the ends of the colour scale: the activation's range, so that a
            colour says where a value sits in what the activation can produce. The default
            (-1, 1) is tanh's; use (0, 1) for a sigmoid. None scales to the data instead, from
            -m to m with m the largest |value|.

    Returns:
        A figure with two axes: the heatmap and its colour bar.
    """
    values = _as_array(states)
    if values.ndim != 2:
        raise ValueError(f"states should have shape (L, H), got {tuple(values.shape)}")
    if value_range is None:
        largest = float(np.abs(values).max()) or 1.0
        value_range = (-largest, largest)
    low, high = (float(v) for v in value_range)
    if not low < high:
        raise ValueError(f"value_range should be (low, high) with low < high, got {value_range}")
    length, hidden = values.shape
    fig, ax = style.new_figure(6.6, 1.6 + 0.18 * min(hidden, 16), layout="constrained")
    image = ax.imshow(
        values.T,
        aspect="auto",
        cmap="RdBu_r",
        interpolation="nearest",
        vmin=low,
        vmax=high,
        extent=(0.5, length + 0.5, hidden - 0.5, -0.5),
    )  # column t centred on t = 1..L
    ax.set_xlabel("time step t", fontsize=style.LABEL)
    ax.set_ylabel("hidden unit j", fontsize=style.LABEL)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=style.TITLE)
    bar = fig.colorbar(image, ax=ax, fraction=0.05)
    bar.set_label("value", fontsize=style.LABEL)
    return style.finish(fig)


def activation_curves(names=("tanh", "relu"), low=-3.0, high=3.0):
    """The activations an RNN can use, plotted on [low, high].

    Args:
        names: names of functions in ``torch`` (``"tanh"``, ``"relu"``, ``"sigmoid"``).

    Returns:
        A figure with one axes and one line per name.
    """
    z = torch.linspace(low, high, 121)
    fig, ax = style.new_figure(6.4, 3.2, layout="constrained")
    for name in names:
        ax.plot(z.numpy(), getattr(torch, name)(z).numpy(), label=name)
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("pre-activation $z$", fontsize=style.LABEL)
    ax.set_ylabel("activation", fontsize=style.LABEL)
    ax.legend(fontsize=style.LABEL)
    return style.finish(fig)
