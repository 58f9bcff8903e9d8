"""Computation graphs of a plain RNN, and pictures of what it computes.

* ``cell_diagram``: one step, $h_t = \\tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})$, as a graph.
* ``unrolled_graph``: the same cell repeated over L time steps, with the shared weights coloured alike.
* ``hidden_state_heatmap``: hidden states of shape (L, H) as a heatmap, time along the x axis.
* ``activation_curves``: tanh, relu (or any torch activation) on one axes.

Every function draws into a new figure and returns it; nothing is shown, saved or set globally.
Figures stay small (dpi 80).
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

DPI = 80
INPUT = "#4c8bd6"  # blue: x_t and W_ih
RECURRENT = "#2e9e4f"  # green: h_{t-1} -> h_t and W_hh
OUTPUT = "#e8893a"  # orange: the output layer V, c
NODE = "#f2f2f2"
FILL = {INPUT: "#d2e2f5", RECURRENT: "#cdebd6", OUTPUT: "#f9dcc4", NODE: NODE}  # light node fills


def _node(ax, xy, text, colour=NODE, fontsize=10):
    """A round node with a label (a Text artist with a circular box)."""
    return ax.text(*xy, text, ha="center", va="center", fontsize=fontsize,
                   bbox={"boxstyle": "circle,pad=0.3", "facecolor": FILL[colour], "edgecolor": colour if colour != NODE else "black"})


def _edge(ax, start, end, label="", colour="black", label_offset=(0.0, 0.0)):
    """An arrow between two nodes (an Annotation), with an optional label at its middle."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": colour, "shrinkA": 14, "shrinkB": 14, "lw": 1.3})
    if label:
        middle = ((start[0] + end[0]) / 2 + label_offset[0], (start[1] + end[1]) / 2 + label_offset[1])
        ax.text(*middle, label, ha="center", va="center", fontsize=9, color=colour)


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
    fig, ax = plt.subplots(figsize=(6, 3), dpi=DPI)
    x, h_prev, total, act, h = (2.0, 0.0), (0.0, 1.5), (2.0, 1.5), (3.6, 1.5), (5.2, 1.5)
    _node(ax, x, "$x_t$", INPUT)
    _node(ax, h_prev, "$h_{t-1}$", RECURRENT, fontsize=9)
    _node(ax, total, "$+$")
    _node(ax, act, "tanh", fontsize=8)
    _node(ax, h, "$h_t$", RECURRENT)
    _edge(ax, x, total, "$x_t W_{ih}^T + b_{ih}$", INPUT, label_offset=(0.75, 0.0))
    _edge(ax, h_prev, total, "$h_{t-1} W_{hh}^T + b_{hh}$", RECURRENT, label_offset=(0.0, 0.35))
    _edge(ax, total, act)
    _edge(ax, act, h)
    _edge(ax, h, (h[0], 2.9), "to step $t+1$", RECURRENT, label_offset=(0.75, 0.0))
    _blank(ax, (-0.6, 6.2), (-0.5, 3.0))
    ax.set_title("one step of an RNN cell", fontsize=10)
    return fig


def unrolled_graph(steps=4, outputs=True):
    """The RNN unrolled over ``steps`` time steps: one column per step, the same weights in each.

    Bottom row x_1..x_L, middle row h_0..h_L (h_0 on the left: the initial state, zeros when it is
    not given), top row o_t = h_t V^T + c when ``outputs`` is true. Every x_t -> h_t arrow is W_ih
    (blue), every h_{t-1} -> h_t arrow W_hh (green), every h_t -> o_t arrow V (orange).

    Args:
        steps: L, the number of time steps drawn (1 to 8).
        outputs: draw the output layer on top.

    Returns:
        A figure with one axes holding 2L + 1 nodes (3L + 1 with outputs) and as many arrows as edges:
        L from inputs, L recurrent, and L more with outputs.
    """
    if not 1 <= steps <= 8:
        raise ValueError(f"steps should be between 1 and 8, got {steps}")
    fig, ax = plt.subplots(figsize=(6, 3.2 if outputs else 2.4), dpi=DPI)
    gap = 1.4
    _node(ax, (0.0, 1.2), "$h_0$", RECURRENT)
    for t in range(1, steps + 1):
        col = gap * t
        _node(ax, (col, 0.0), f"$x_{{{t}}}$", INPUT)
        _node(ax, (col, 1.2), f"$h_{{{t}}}$", RECURRENT)
        first = t == 1  # label the weights once; the colours say they repeat
        _edge(ax, (col, 0.0), (col, 1.2), "$W_{ih}$" if first else "", INPUT, label_offset=(0.3, 0.0))
        _edge(ax, (col - gap, 1.2), (col, 1.2), "$W_{hh}$" if first else "", RECURRENT, label_offset=(0.0, 0.25))
        if outputs:
            _node(ax, (col, 2.4), f"$o_{{{t}}}$", OUTPUT)
            _edge(ax, (col, 1.2), (col, 2.4), "$V$" if first else "", OUTPUT, label_offset=(0.25, 0.0))
    top = 3.0 if outputs else 1.8
    _blank(ax, (-0.6, gap * steps + 0.6), (-0.5, top))
    ax.set_title(f"unrolled over L = {steps} steps: the same weights at every step", fontsize=10)
    return fig


def _as_array(values):
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().to(torch.float64).numpy()
    return np.asarray(values, dtype=float)


def hidden_state_heatmap(states, title="hidden state over time", symmetric=True):
    """Hidden states of one sequence as a heatmap: column t is h_t, row j is hidden unit j.

    Args:
        states: (L, H) tensor or array, e.g. ``output[:, 0]`` of a time-major ``nn.RNN`` call.
        title: the axes title.
        symmetric: colour scale centred on 0 (from -m to m with m the largest |value|); tanh states
            lie in (-1, 1).

    Returns:
        A figure with two axes: the heatmap and its colour bar.
    """
    values = _as_array(states)
    if values.ndim != 2:
        raise ValueError(f"states should have shape (L, H), got {tuple(values.shape)}")
    fig, ax = plt.subplots(figsize=(6, 2.6), dpi=DPI, layout="constrained")
    largest = float(np.abs(values).max()) or 1.0
    limits = {"vmin": -largest, "vmax": largest} if symmetric else {}
    image = ax.imshow(values.T, aspect="auto", cmap="RdBu_r", interpolation="nearest", **limits)
    ax.set_xlabel("time step t")
    ax.set_ylabel("hidden unit j")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.05)
    return fig


def activation_curves(names=("tanh", "relu"), low=-3.0, high=3.0):
    """The activations an RNN can use, plotted on [low, high].

    Args:
        names: names of functions in ``torch`` (``"tanh"``, ``"relu"``, ``"sigmoid"``).

    Returns:
        A figure with one axes and one line per name.
    """
    z = torch.linspace(low, high, 121)
    fig, ax = plt.subplots(figsize=(6, 3), dpi=DPI, layout="constrained")
    for name in names:
        ax.plot(z.numpy(), getattr(torch, name)(z).numpy(), label=name)
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("pre-activation $z$")
    ax.set_ylabel("activation")
    ax.legend()
    return fig
