"""Plots for the training lessons (07 predictions and loss, 08 BPTT, 09 vanishing/exploding).

* ``class_probabilities``: a bar chart of one softmax output, the target class highlighted.
* ``norms_over_time``: one line per setting of a norm against the time step t (e.g. ||dL/dh_t||),
  on a log scale by default.
* ``training_curves``: loss curves, and the gradient norm at every step with the clipping threshold,
  for several training runs side by side.

Every function draws into a new figure and returns it; nothing is shown or saved. Sizes, dpi and
fonts come from :mod:`rnn_course.viz.style`.
"""

import math

from . import style

TARGET = "#2e9e4f"  # green: the target class
OTHER = "#b0b0b0"
THRESHOLD = "#cf222e"  # red: the clipping threshold


def _values(sequence):
    """A list of Python floats from a tensor, an array or a list."""
    if hasattr(sequence, "detach"):
        sequence = sequence.detach().cpu().flatten().tolist()
    return [float(v) for v in sequence]


def class_probabilities(probs, target=None, class_names=None, title="softmax output"):
    """Bars for the probabilities of the C classes of one prediction.

    Args:
        probs: (C,) probabilities (a tensor or a list).
        target: index of the target class, drawn in green with its -log p in the title; or None.
        class_names: C labels for the x axis; default 0..C-1.
    """
    values = _values(probs)
    names = class_names or [str(i) for i in range(len(values))]
    colours = [TARGET if i == target else OTHER for i in range(len(values))]
    fig, ax = style.new_figure(6.4, 3.0)
    ax.bar(names, values, color=colours, edgecolor="black", linewidth=0.5)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability", fontsize=style.LABEL)
    ax.set_xlabel("class", fontsize=style.LABEL)
    if target is not None:
        title = f"{title}: target {names[target]}, -log p = {-math.log(max(values[target], 1e-300)):.3f}"
    ax.set_title(title, fontsize=style.TITLE)
    return style.finish(fig)


def norms_over_time(
    curves, ylabel="gradient norm", title=None, log=True, start=1, xlabel="time step t"
):
    """One line per setting: a norm against the time step.

    Args:
        curves: dict label -> L values (a tensor (L,) or a list), the value at steps start..start+L-1.
        ylabel, title, xlabel: axis labels and title.
        log: a logarithmic y axis (vanishing and exploding gradients span many orders of magnitude).
        start: the number of the first time step (1 for h_1).
    """
    fig, ax = style.new_figure(6.6, 3.2)
    for label, values in curves.items():
        values = _values(values)
        steps = range(start, start + len(values))
        ax.plot(steps, values, marker="o", markersize=2.5, linewidth=1.2, label=str(label))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel, fontsize=style.LABEL)
    ax.set_ylabel(ylabel, fontsize=style.LABEL)
    if title:
        ax.set_title(title, fontsize=style.TITLE)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=style.LABEL, loc="best")
    return style.finish(fig)


def training_curves(histories, max_norm=None, log_loss=False):
    """Two panels for several training runs: the loss, and the gradient norm before clipping.

    Args:
        histories: dict label -> history with lists "loss" and "grad_norm" (one entry per step),
            as returned by ``rnn_course.gradients.train_steps``.
        max_norm: the clipping threshold, drawn as a dashed line on the right panel; or None.
        log_loss: a logarithmic y axis for the loss.
    """
    fig, (left, right) = style.new_figure(8.8, 3.4, ncols=2)
    for label, history in histories.items():
        steps = range(1, len(history["loss"]) + 1)
        left.plot(steps, _values(history["loss"]), linewidth=1.2, label=str(label))
        right.plot(steps, _values(history["grad_norm"]), linewidth=1.0, label=str(label))
    if max_norm is not None:
        right.axhline(
            max_norm,
            color=THRESHOLD,
            linestyle="--",
            linewidth=1.0,
            label=f"max_norm = {max_norm:g}",
        )
    if log_loss:
        left.set_yscale("log")
    right.set_yscale("log")
    left.set_title("loss", fontsize=style.TITLE)
    right.set_title("gradient norm before clipping", fontsize=style.TITLE)
    for ax in (left, right):
        ax.set_xlabel("update step", fontsize=style.LABEL)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=style.MIN_FONT)
    return style.finish(fig)
