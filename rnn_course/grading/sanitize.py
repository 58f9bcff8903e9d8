"""One sanitiser for every string a learner controls, at the boundary where it enters a row.

Messages, type names, quoted source lines and file names all pass through ``clean`` before they
reach the gradebook, a feedback file or the terminal: lone surrogates, control characters (CR and
LF included) and ANSI escape sequences go, and the length is capped. ``without_numbers`` blanks
every number that is not one of the case's sizes, so that no message can echo a hidden input.
"""

import re
import unicodedata

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# Any run of digits, in any base or notation Python or torch would print (1e-3, 0x1f, 1_000, ٣),
# with its minus sign when it has one (a sign is one bit of a hidden value; "t-1" keeps its minus).
_NUMBER = re.compile(
    r"(?:(?<![\w)\]])-)?"
    r"(?:0[xXoObB][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
)


def clean(text, limit=300):
    """``text`` as one safe line: printable characters only, at most ``limit`` of them."""
    text = "".join("?" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in str(text))
    text = _ANSI.sub("", text)
    text = "".join(
        " " if ch in "\r\n\t\v\f" else ch
        for ch in text
        if ch in "\r\n\t\v\f" or not unicodedata.category(ch).startswith(("C", "Z")) or ch == " "
    )
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def without_numbers(text, sizes=()):
    """``text`` with each number that is not in ``sizes`` (the case's shape letters' values)
    replaced by <number>: a learner's message cannot carry hidden values out in any format."""
    keep = {str(s) for s in sizes}

    def blank(match):
        return match.group(0) if match.group(0) in keep else "<number>"

    text = "".join(
        "#" if unicodedata.category(ch) == "Nd" and not ch.isascii() else ch for ch in text
    )
    return _NUMBER.sub(blank, text)


def sizes_of(label):
    """The sizes a case's label names ("L=4, N=3, H_in=2, H=5" -> {4, 3, 2, 5})."""
    return {int(v) for v in re.findall(r"=(\d+)", str(label))}
