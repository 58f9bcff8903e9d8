"""Predict, then run: check a learner's prediction against what torch does, without giving it away.

A lesson asks a question, the learner writes a guess in a variable, and one call compares it::

    my_prediction = ...                     # the learner writes e.g. ((5, 4, 7), (2, 4, 7))
    check_prediction("04.unbatched", my_prediction, actual)

``actual`` is computed by torch in the same cell; the learner never sees it printed. The reason shown
on a miss and the hints live here, in the question's entry, not in the notebook, so nothing on the
learner's screen before they answer contains the answer. For shape questions about an ``nn.RNN``
call, ``check_shapes`` works the actual shapes out itself and names the mistake a wrong guess
matches (``h_n`` laid out batch-first, D forgotten, ...).

Both functions never raise: a missing guess, a guess of the wrong structure or a broken ``actual``
each become a message. Each returns a :class:`PredictionResult`; ``bool(result)`` says whether the
guess was right.

Questions are registered per lesson in ``rnn_course/questions/lessonNN.py`` (a dict ``QUESTIONS`` of
id -> :class:`Question`); ids are ``"NN.name"``. ``hint("NN.name")`` shows their hints.
"""

import importlib
import math
import pkgutil
from dataclasses import dataclass, field

__all__ = [
    "Question",
    "PredictionResult",
    "check_prediction",
    "check_shapes",
    "question",
    "question_hint",
]


@dataclass(frozen=True)
class Question:
    """What the course knows about one prediction question.

    Attributes:
        why: the reason, shown after a wrong guess. It explains the rule the guess broke and must not
            state the answer itself.
        hints: progressive hints, gentlest first; none states the answer.
        options: for a multiple-choice question, the accepted answers (e.g. ``("a", "b", "c")``).
        rel_tol: for a number, the relative tolerance within which a guess counts as right.
    """

    why: str
    hints: tuple = ()
    options: tuple = ()
    rel_tol: float = 0.0


@dataclass
class PredictionResult:
    """The verdict on one prediction: ``status`` is "right", "wrong" or "not answered"."""

    question: str
    status: str
    messages: list = field(default_factory=list)

    def __bool__(self):
        return self.status == "right"

    def __str__(self):
        mark = {"right": "RIGHT", "wrong": "NOT YET", "not answered": "NOT ANSWERED"}[self.status]
        return "\n".join(
            [f"[{mark}] prediction {self.question}"] + [f"  - {m}" for m in self.messages]
        )

    __repr__ = __str__

    def _repr_html_(self):
        from .card import card

        tone = {"right": "good", "not answered": "none"}.get(self.status, "warn")
        return card(tone, f"prediction {self.question}", self.status, self.messages)


# ---------------------------------------------------------------------------------------------
# The registry of questions
# ---------------------------------------------------------------------------------------------

_REGISTRY = None


def _registry():
    """Every question of every lesson module in ``rnn_course.questions``, loaded once."""
    global _REGISTRY
    if _REGISTRY is None:
        from . import questions

        found = {}
        for info in pkgutil.iter_modules(questions.__path__):
            module = importlib.import_module(f"{questions.__name__}.{info.name}")
            found.update(getattr(module, "QUESTIONS", {}))
        _REGISTRY = found
    return _REGISTRY


def question(question_id):
    """The :class:`Question` registered as ``question_id``, or None."""
    return _registry().get(question_id)


def question_hint(question_id, level=1):
    """Hint ``level`` of a prediction question as text; it says so when the level does not exist."""
    entry = question(question_id)
    if entry is None:
        return None
    hints = entry.hints
    if not hints:
        return (
            f"Hint for {question_id}: there are no hints for this question;"
            " reread the question and the cell above it."
        )
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= len(hints):
        return f"Hint for {question_id}: there is no hint number {level!r}; ask for a level from 1 to {len(hints)}."
    more = (
        f" (ask for level={level + 1} for more)"
        if level < len(hints)
        else " (this is the last hint)"
    )
    return f"Hint {level}/{len(hints)} for {question_id}: {hints[level - 1]}{more}"


# ---------------------------------------------------------------------------------------------
# Turning guesses and answers into plain Python values
# ---------------------------------------------------------------------------------------------


def _plain(value):
    """torch.Size, lists, tensors and numpy scalars as tuples, bools, ints and floats."""
    if isinstance(value, (bool, int, float, str)) or value is None or value is Ellipsis:
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", 0) == 0:
        return _plain(item())
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return _plain(tolist())
    return value


def _describe(value, count_axes=True):
    """What kind of answer ``value`` is, in words: "a shape of 3 numbers", "True or False", ...

    With ``count_axes=False`` a shape is "a shape (a tuple of whole numbers)": used to describe the
    *answer*, whose number of axes can be the point of the question (an unbatched input drops one).
    """
    if isinstance(value, bool):
        return "True or False"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a text answer"
    if isinstance(value, tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        if not count_axes:
            return "a shape (a tuple of whole numbers)"
        return f"a shape of {len(value)} number{'s' if len(value) != 1 else ''}"
    if isinstance(value, tuple):
        return (
            f"a tuple of {len(value)}: (" + ", ".join(_describe(v, count_axes) for v in value) + ")"
        )
    return f"a {type(value).__name__}"


def _same_structure(guess, actual):
    """Whether ``guess`` has the form the answer has (a shape of 3 numbers, two shapes, True/False...)."""
    if isinstance(actual, bool):
        return isinstance(guess, bool)
    if isinstance(actual, (int, float)):
        return isinstance(guess, (int, float)) and not isinstance(guess, bool)
    if isinstance(actual, str):
        return isinstance(guess, str)
    if _is_shape(actual):
        return _is_shape(guess)  # a shape of the wrong length is a wrong answer, not a wrong form
    if isinstance(actual, tuple):
        return (
            isinstance(guess, tuple)
            and len(guess) == len(actual)
            and all(map(_same_structure, guess, actual))
        )
    return type(guess) is type(actual)


def _is_shape(value):
    return isinstance(value, tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    )


def _equal(guess, actual, rel_tol):
    if isinstance(actual, float) or isinstance(guess, float):
        return (
            math.isclose(guess, actual, rel_tol=rel_tol, abs_tol=0.0)
            if rel_tol
            else guess == actual
        )
    if isinstance(actual, tuple):
        return len(guess) == len(actual) and all(
            _equal(g, a, rel_tol) for g, a in zip(guess, actual)
        )
    if isinstance(actual, str):
        return guess.strip().lower() == actual.strip().lower()
    return guess == actual


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def _where_wrong(guess, actual):
    """Which parts of a shape guess are off, without saying what they should be.

    Only for shapes and tuples of shapes: for any other answer (True/False parts, numbers, options)
    saying which part is right would give the rest away.
    """
    if _is_shape(actual):
        if len(guess) != len(actual):
            return ["Your shape has the wrong number of axes."]
        wrong = [
            _ORDINALS[i]
            for i, (g, a) in enumerate(zip(guess, actual))
            if g != a and i < len(_ORDINALS)
        ]
        if wrong and len(wrong) < len(actual):
            return [
                f"The {' and '.join(wrong)} number{' is' if len(wrong) == 1 else 's are'} off; the rest are right."
            ]
        return []
    if isinstance(actual, tuple) and len(actual) > 1 and all(_is_shape(a) for a in actual):
        right = [
            _ORDINALS[i]
            for i, (g, a) in enumerate(zip(guess, actual))
            if g == a and i < len(_ORDINALS)
        ]
        return (
            [f"Your {' and '.join(right)} shape {'is' if len(right) == 1 else 'are'} right."]
            if right
            else []
        )
    return []


# ---------------------------------------------------------------------------------------------
# The learner-facing checks
# ---------------------------------------------------------------------------------------------


def _not_answered(question_id, actual):
    return PredictionResult(
        question_id,
        "not answered",
        [
            f"Replace the `...` with your prediction ({_describe(actual, count_axes=False)}) and run this cell again.",
        ],
    )


def _verdict(question_id, guess, actual, entry, diagnosis=None):
    """Compare a plain guess with a plain answer and explain a miss with the question's reason."""
    if guess is Ellipsis or guess is None:
        return _not_answered(question_id, actual)
    if entry.options and not (
        isinstance(guess, str) and guess.strip().lower() in [o.lower() for o in entry.options]
    ):
        return PredictionResult(
            question_id,
            "wrong",
            [
                f"Answer with one of {', '.join(repr(o) for o in entry.options)}; you wrote {_short(guess)}.",
            ],
        )
    if not _same_structure(guess, actual):
        return PredictionResult(
            question_id,
            "wrong",
            [
                f"This question wants {_describe(actual, count_axes=False)};"
                f" your prediction is {_describe(guess)}: {_short(guess)}.",
            ],
        )
    if _equal(guess, actual, entry.rel_tol):
        return PredictionResult(question_id, "right", ["Right. Read on for why."])
    messages = (
        ["Not quite."] + ([f"Likely mistake: {diagnosis}"] if diagnosis else []) + [entry.why]
    )
    messages += _where_wrong(guess, actual)
    if entry.hints:
        messages.append(f'Try again, or ask `hint("{question_id}")`.')
    return PredictionResult(question_id, "wrong", messages)


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unknown(question_id):
    return PredictionResult(
        str(question_id),
        "wrong",
        [
            f"the course has no prediction question named {question_id!r};"
            " this is a bug in the lesson, please report it.",
        ],
    )


def check_prediction(question_id, guess, actual):
    """Compare the learner's ``guess`` with ``actual`` (what torch did) for a registered question.

    ``guess`` and ``actual`` may be shapes (tuples or torch.Size), nested tuples of shapes, True or
    False, numbers or option letters. Never raises; returns a :class:`PredictionResult`.
    """
    try:
        entry = question(question_id)
        if entry is None:
            return _unknown(question_id)
        return _verdict(question_id, _plain(guess), _plain(actual), entry)
    except Exception as exc:  # a broken guess object must not stop Run All
        return PredictionResult(
            str(question_id), "wrong", [f"could not compare your prediction: {type(exc).__name__}"]
        )


def check_shapes(question_id, guess, module, input, hx=None):
    """Check a guess ``(output shape, h_n shape)`` for ``module(input, hx)``, naming the mistake.

    ``module`` is an ``nn.RNN``/``nn.GRU`` (or a twin). The shapes are computed by calling it; a
    wrong guess that matches a known shape mistake (``h_n`` batch-first, D or num_layers forgotten,
    the batch axis kept for an unbatched input, ...) is named. Never raises.
    """
    try:
        entry = question(question_id)
        if entry is None:
            return _unknown(question_id)
        output, h_n = module(input) if hx is None else module(input, hx)
        actual = (tuple(output.shape), tuple(h_n.shape))
        guess = _plain(guess)
        diagnosis = None
        if _same_structure(guess, actual) and guess != actual:
            diagnosis = _shape_mistake(guess, module, tuple(input.shape))
        return _verdict(question_id, guess, actual, entry, diagnosis)
    except Exception as exc:
        return PredictionResult(
            str(question_id), "wrong", [f"could not compare your prediction: {type(exc).__name__}"]
        )


# ---------------------------------------------------------------------------------------------
# Shape mistakes: the shapes each wrong rule would give, and its name
# ---------------------------------------------------------------------------------------------


def _shape_rule(sizes, mistake=None):
    """(output shape, h_n shape) by torch's rule, or by the wrong rule named ``mistake``.

    ``sizes`` holds L, N, H_in, H, D, num_layers, batch_first and batched.
    """
    L, N, H_in, H, D, layers, batch_first, batched = sizes
    out_last = {"output without D": H, "output last axis H_in": H_in}.get(mistake, D * H)
    stack = {"h_n without D": layers, "h_n without num_layers": D, "h_n per step": L}.get(
        mistake, D * layers
    )
    if not batched and mistake != "batch axis kept":
        return (L, out_last), (stack, H)
    first = batch_first != (mistake == "batch_first ignored")
    output = (N, L, out_last) if first else (L, N, out_last)
    h_n = (N, stack, H) if mistake == "h_n batch-first" else (stack, N, H)
    return output, h_n


_SHAPE_MISTAKES = {
    "h_n batch-first": "you laid out h_n batch-first; batch_first never changes h_n (or h0).",
    "output without D": "your output's last axis forgets the two directions of a bidirectional RNN.",
    "output last axis H_in": "your output's last axis is the input's feature size; it is the hidden size (times D).",
    "h_n without D": "your h_n counts the layers but not the directions.",
    "h_n without num_layers": "your h_n counts the directions but not the layers.",
    "h_n per step": "your h_n has one entry per time step; it holds one final state per layer and direction.",
    "batch_first ignored": "your output ignores batch_first: with batch_first=True a batched output is (N, L, ...).",
    "batch axis kept": "you kept a batch axis for an unbatched input; the batch axis disappears from both results.",
}


def _sizes(module, input_shape):
    """L, N, H_in, H, D, num_layers, batch_first and batched for ``module(input)``."""
    batched = len(input_shape) == 3
    batch_first = bool(getattr(module, "batch_first", False))
    if batched:
        N, L = (input_shape[0], input_shape[1]) if batch_first else (input_shape[1], input_shape[0])
    else:
        L, N = input_shape[0], 1
    D = 2 if module.bidirectional else 1
    return L, N, module.input_size, module.hidden_size, D, module.num_layers, batch_first, batched


def _shape_mistake(guess, module, input_shape):
    """The message of the known shape mistake that explains every wrong part of ``guess``, or None.

    A mistake explains the guess when each part of the guess is either torch's shape or the shape
    that mistake gives, and at least one part is the mistaken one.
    """
    sizes = _sizes(module, input_shape)
    right = _shape_rule(sizes)
    for mistake, message in _SHAPE_MISTAKES.items():
        wrong = _shape_rule(sizes, mistake)
        parts = list(zip(guess, right, wrong))
        if all(g in (r, w) for g, r, w in parts) and any(g == w != r for g, r, w in parts):
            return message
    return None
