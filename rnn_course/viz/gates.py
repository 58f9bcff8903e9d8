"""The gated cells drawn as data-flow diagrams (lessons 12 and 13).

* ``lstm_cell_diagram``: one LSTM step: gates i, f, g, o from [x_t, h_{t-1}], the cell state line
  c_{t-1} -> c_t along the top, h_t read from tanh(c_t) through o.
* ``gru_cell_diagram``: one GRU step: gates r and z, the candidate n with r inside it, and the mix
  (1 - z) * n + z * h_{t-1}.

Every function draws into a new figure and returns it; nothing is shown, saved or set globally.
Figures follow ``viz.style``: 100 dpi, at least 550 px wide, no text under 9 pt.
"""

from . import style

STATE = "#2e9e4f"  # green: the states h and c
GATE = "#4c8bd6"  # blue: sigmoid gates
CANDIDATE = "#e8893a"  # orange: tanh candidates
OPERATION = "#f2f2f2"
FONT = style.LABEL


def _box(ax, xy, text, colour, width=0.9, height=0.55):
    """A labelled rounded box centred at ``xy``."""
    ax.text(
        *xy,
        text,
        ha="center",
        va="center",
        fontsize=FONT,
        bbox={"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": colour, "lw": 1.5},
    )


def _op(ax, xy, text):
    """An element-wise operation (a small circle)."""
    ax.text(
        *xy,
        text,
        ha="center",
        va="center",
        fontsize=FONT,
        bbox={"boxstyle": "circle,pad=0.2", "facecolor": OPERATION, "edgecolor": "black"},
    )


def _arrow(ax, start, end, colour="black", label="", offset=(0.0, 0.18)):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.3, "shrinkA": 11, "shrinkB": 11},
    )
    if label:
        ax.text(
            (start[0] + end[0]) / 2 + offset[0],
            (start[1] + end[1]) / 2 + offset[1],
            label,
            ha="center",
            va="center",
            fontsize=9,
            color=colour,
        )


def _frame(ax, title, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axis("off")
    ax.set_title(title, fontsize=style.TITLE)


def lstm_cell_diagram():
    """One LSTM step as a diagram.

    Bottom: x_t and h_{t-1} feed four gates, i, f, o (sigmoids) and g (tanh), whose blocks are the
    rows i|f|g|o of ``weight_ih`` and ``weight_hh``. Top: the cell state runs from c_{t-1} to c_t,
    multiplied by f and increased by i * g. Right: h_t = o * tanh(c_t).

    Returns:
        A figure of 7.5 x 3.6 inches at 100 dpi.
    """
    fig, ax = style.new_figure(7.5, 3.6)
    _box(ax, (0.3, 3.0), "$c_{t-1}$", STATE)
    _box(ax, (0.3, 0.3), "$h_{t-1}$", STATE)
    _box(ax, (1.6, -0.6), "$x_t$", GATE)
    gates = {"f": (1.8, 1.2), "i": (3.0, 1.2), "g": (4.2, 1.2), "o": (5.4, 1.2)}
    for name, xy in gates.items():
        colour = CANDIDATE if name == "g" else GATE
        _box(ax, xy, f"${name}$ " + ("tanh" if name == "g" else r"$\sigma$"), colour)
        _arrow(ax, (xy[0], 0.3), xy, "black")
    ax.plot([0.75, 5.4], [0.3, 0.3], color="black", lw=1.0)
    _arrow(ax, (1.6, -0.6), (1.6, 0.3), GATE)
    _op(ax, (1.8, 3.0), r"$\times$")
    _op(ax, (3.6, 3.0), "$+$")
    _op(ax, (3.6, 2.1), r"$\times$")
    _arrow(ax, (0.3, 3.0), (1.8, 3.0), STATE)
    _arrow(ax, gates["f"], (1.8, 3.0), GATE)
    _arrow(ax, (1.8, 3.0), (3.6, 3.0), STATE)
    _arrow(ax, gates["i"], (3.6, 2.1), GATE)
    _arrow(ax, gates["g"], (3.6, 2.1), CANDIDATE)
    _arrow(ax, (3.6, 2.1), (3.6, 3.0))
    _box(ax, (7.0, 3.0), "$c_t$", STATE)
    _arrow(ax, (3.6, 3.0), (7.0, 3.0), STATE)
    _op(ax, (6.3, 2.1), "tanh")
    _arrow(ax, (6.3, 3.0), (6.3, 2.1), STATE)
    _op(ax, (6.3, 1.2), r"$\times$")
    _arrow(ax, (6.3, 2.1), (6.3, 1.2))
    _arrow(ax, gates["o"], (6.3, 1.2), GATE)
    _box(ax, (7.0, 0.3), "$h_t$", STATE)
    _arrow(ax, (6.3, 1.2), (7.0, 0.3), STATE)
    ax.text(
        2.3,
        -0.6,
        "every gate reads $x_t$ and $h_{t-1}$; torch stacks their rows as i | f | g | o",
        ha="left",
        va="center",
        fontsize=9,
    )
    _frame(
        ax,
        r"one LSTM step: $c_t = f \odot c_{t-1} + i \odot g$,  $h_t = o \odot \tanh(c_t)$",
        (-0.3, 7.6),
        (-1.0, 3.5),
    )
    return style.finish(fig)


def gru_cell_diagram():
    """One GRU step as a diagram.

    x_t and h_{t-1} feed the reset gate r and the update gate z (sigmoids). The candidate n adds the
    input part to r times the whole hidden part (bias b_hn included), then tanh. The new state mixes:
    h_t = (1 - z) * n + z * h_{t-1}.

    Returns:
        A figure of 7.5 x 3.8 inches at 100 dpi.
    """
    fig, ax = style.new_figure(7.5, 3.8)
    _box(ax, (0.3, 2.8), "$h_{t-1}$", STATE)
    _box(ax, (0.3, -0.4), "$x_t$", GATE)
    ax.plot([0.75, 6.6], [2.8, 2.8], color=STATE, lw=1.3)  # the old state runs along the top
    ax.plot([0.65, 5.9], [-0.4, -0.4], color=GATE, lw=1.3)  # the input runs along the bottom
    r, times, n, z, mix = (1.6, 1.2), (3.3, 1.2), (4.8, 1.2), (5.9, 0.6), (6.6, 2.0)
    _box(ax, r, r"$r$ $\sigma$", GATE)
    _box(ax, z, r"$z$ $\sigma$", GATE)
    _box(ax, (3.3, 2.1), r"$W_{hn} h_{t-1} + b_{hn}$", STATE)
    _op(ax, times, r"$\times$")
    _box(ax, n, r"$n$ tanh", CANDIDATE)
    _op(ax, mix, "mix")
    _box(ax, (7.5, 2.0), "$h_t$", STATE)
    for gate in (r, z):
        _arrow(ax, (gate[0], 2.8), gate, STATE)
        _arrow(ax, (gate[0], -0.4), gate, GATE)
    _arrow(ax, (3.3, 2.8), (3.3, 2.1), STATE)
    _arrow(ax, (3.3, 2.1), times, STATE)
    _arrow(ax, r, times, GATE)
    _arrow(ax, times, n)
    _arrow(ax, (4.8, -0.4), n, GATE, label=r"$W_{in} x_t + b_{in}$", offset=(-0.75, 0.0))
    _arrow(ax, n, mix, CANDIDATE, label="$(1 - z)$", offset=(-0.35, 0.25))
    _arrow(ax, z, mix, GATE, label="$z$", offset=(0.3, -0.1))
    _arrow(ax, (6.6, 2.8), mix, STATE, label=r"$z \odot h_{t-1}$", offset=(0.55, 0.1))
    _arrow(ax, mix, (7.5, 2.0), STATE)
    _frame(ax, r"one GRU step: $h_t = (1 - z) \odot n + z \odot h_{t-1}$", (-0.3, 8.0), (-0.8, 3.2))
    return style.finish(fig)


def accuracy_by_seed(results, chance=None, title="held-out accuracy, one dot per seed"):
    """One column per model, one dot per seed: how reliably each model learned a task.

    Args:
        results: dict label -> list of accuracies (one per seed), in [0, 1].
        chance: draw a dashed line at this accuracy (e.g. 1 / K for K equally likely classes).
    """
    fig, ax = style.new_figure(6.5, 3.2)
    for column, (label, accuracies) in enumerate(results.items()):
        offsets = [(k - (len(accuracies) - 1) / 2) * 0.06 for k in range(len(accuracies))]
        ax.scatter([column + o for o in offsets], accuracies, s=30, zorder=3)
        mean = sum(accuracies) / len(accuracies)
        ax.plot([column - 0.25, column + 0.25], [mean, mean], color="black", lw=1.2)
    if chance is not None:
        ax.axhline(chance, color="grey", linestyle="--", lw=1.0)
        ax.text(
            len(results) - 0.5,
            chance + 0.02,
            "chance",
            ha="right",
            va="bottom",
            fontsize=9,
            color="grey",
        )
    ax.set_xticks(range(len(results)))
    ax.set_xticklabels(list(results), fontsize=style.LABEL)
    ax.set_ylim(0, 1.05)
    ax.set_xlim(-0.5, len(results) - 0.5)
    ax.set_ylabel("accuracy", fontsize=style.LABEL)
    ax.set_title(title + " (bar: mean)", fontsize=style.TITLE)
    ax.grid(True, axis="y", alpha=0.3)
    return style.finish(fig)
