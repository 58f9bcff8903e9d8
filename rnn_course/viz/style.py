"""One look for every figure of the course, so that each reads well at 100 % zoom in JupyterLab.

JupyterLab shows a figure as a PNG drawn at the figure's own dpi, cropped to what is drawn
(``bbox_inches="tight"``), one image pixel per screen pixel. So a figure is readable when

* it is drawn at about 100 dpi (``DPI``),
* it is at least ``MIN_WIDTH_PX`` pixels wide once cropped, and
* no text is smaller than ``MIN_FONT`` points (9 pt at 100 dpi is about 12 pixels).

Every function in ``rnn_course.viz`` makes its figure with :func:`new_figure` and hands it back
through :func:`finish`. Nothing here changes matplotlib's global settings.

    fig, ax = style.new_figure(6.4, 3.0)
    ax.text(0, 0, "x_1", fontsize=style.LABEL)
    return style.finish(fig)
"""

import io
import struct

import matplotlib.pyplot as plt
from matplotlib.text import Text

DPI = 100
MIN_WIDTH_PX = 550
MIN_WIDTH_IN = 6.0  # 600 px before cropping: room for the margins that bbox_inches="tight" removes
MIN_FONT = 9  # points: the smallest text any figure may carry
LABEL = 10  # box labels, axis labels, legends
TITLE = 11  # axes titles


def new_figure(width, height, nrows=1, ncols=1, **kwargs):
    """``plt.subplots`` at the course's dpi, never narrower than ``MIN_WIDTH_IN`` inches.

    Args:
        width, height: the size wanted, in inches (the width is raised to ``MIN_WIDTH_IN``).
        nrows, ncols, kwargs: passed to ``plt.subplots`` (e.g. ``gridspec_kw``, ``layout``).

    Returns:
        (fig, axes) as ``plt.subplots`` returns them.
    """
    return plt.subplots(
        nrows, ncols, figsize=(max(float(width), MIN_WIDTH_IN), height), dpi=DPI, **kwargs
    )


def finish(fig, tight=True):
    """Make ``fig`` readable and return it: no text below ``MIN_FONT``, tick labels included.

    Text drawn smaller than ``MIN_FONT`` points is raised to it (a safety net: the viz functions
    ask for ``LABEL`` or ``TITLE``). With ``tight``, the subplots are laid out with
    ``tight_layout`` unless the figure already has a layout engine.
    """
    for ax in fig.axes:
        ax.tick_params(labelsize=LABEL)
    for text in fig.findobj(Text):
        if text.get_fontsize() < MIN_FONT:
            text.set_fontsize(MIN_FONT)
    if tight and fig.get_layout_engine() is None:
        fig.tight_layout()
    return fig


def png_size(fig):
    """(width, height) in pixels of ``fig`` as JupyterLab shows it: a PNG at the figure's dpi,
    cropped with ``bbox_inches="tight"``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    header = buffer.getvalue()[16:24]  # the IHDR chunk: width and height, big-endian
    return struct.unpack(">II", header)


def smallest_font(fig, draw=True):
    """The smallest font size, in points, of any visible, non-empty text of ``fig`` (ticks included).

    ``draw`` first draws the figure, which creates the tick labels that will be shown; pass False
    when it was just drawn (e.g. by :func:`png_size`)."""
    if draw:
        fig.canvas.draw()
    sizes = [
        t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
    ]
    return min(sizes) if sizes else None
