"""The result card a check or a prediction shows in Jupyter: one HTML snippet, one place.

Used by ``exercises.render`` (exercise checks) and ``predict`` (predictions). Imports nothing from
the course.
"""

import html
import re

_CARD_COLOURS = {"good": "#1a7f37", "none": "#6e7781", "bad": "#cf222e", "warn": "#9a6700"}
_CARD_MARKS = {"good": "&#10004;", "none": "&#9675;", "bad": "&#10008;", "warn": "&#10008;"}


def inline_html(text):
    """Escaped HTML for a line of feedback, with `inline code` shown as code instead of backticks."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(text)))


def card(tone, title, status, lines):
    """A result card: a coloured bar, a mark and ``title`` in bold, ``status``, then ``lines`` as a list.

    ``tone`` is "good" (passed, right), "none" (not attempted), "bad" (failed) or "warn" (a wrong
    prediction). ``title`` and ``lines`` are escaped; ``status`` is HTML the caller wrote.
    """
    colour, mark = _CARD_COLOURS[tone], _CARD_MARKS[tone]
    items = "".join(f"<li>{inline_html(line)}</li>" for line in lines)
    return (
        f'<div style="border-left:4px solid {colour};padding:2px 8px">'
        f'<b style="color:{colour}">{mark} {html.escape(title)}</b> {status}'
        f'<ul style="margin:2px 0">{items}</ul></div>'
    )
