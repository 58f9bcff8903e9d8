"""What an exercise is: its hidden cases, its catalogue of named mistakes, and the registry of all of them.

An exercise module builds an ``Exercise`` and calls ``register`` when it is imported. Each catalogued
mistake is a ``Mistake(name, message, fn)``: a stable snake_case identifier (the grader records it),
the message the learner reads, and a small wrong implementation with the learner's signature. A
mistake usually differs from the correct computation in one part; ``variant(correct, part=...)``
builds it and refuses a part the correct computation does not have, so a misspelt part is an error.

Uses ``cases`` (for the salted cases of the grader) and nothing else of this package.
"""

import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from .cases import global_rng_kept, salted

_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def check_identifier(name, what="mistake"):
    """``name`` if it is a snake_case identifier such as ``transposed_w_hh``; a ValueError otherwise."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"a {what} needs a snake_case identifier such as 'no_tanh', not {name!r}")
    return name


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: ``name`` (snake_case, stable), ``message`` in the learner's terms (e.g.
    "your h_next ignores b_hh") and ``fn``, a wrong implementation with the learner's signature."""

    name: str
    message: str
    fn: Callable

    def __post_init__(self):
        check_identifier(self.name)
        if not isinstance(self.message, str) or not callable(self.fn):
            raise TypeError(f"mistake {self.name!r}: expected Mistake(name, message, fn)")


def variant(correct, **parts):
    """``correct`` with some of its keyword parts replaced: a catalogued mistake that differs from the
    correct computation in the parts named. A part ``correct`` does not take is a ValueError at once
    (not when the mistake first runs), so a misspelt part cannot pass for the correct computation."""
    known = inspect.signature(correct).parameters
    unknown = [
        p for p in parts if p not in known or known[p].kind is not inspect.Parameter.KEYWORD_ONLY
    ]
    if unknown or not parts:
        raise ValueError(f"{correct.__name__} has no part {unknown or '(none given)'}")

    def mistake(*args):
        return correct(*args, **parts)

    mistake.__name__ = "_".join(parts)
    return mistake


@dataclass
class Case:
    """One hidden test input and torch's answer for it.

    Attributes:
        args: positional arguments, in the order of the learner's signature.
        expected: torch's answer: a tensor, a tuple of tensors or a dict of tensors.
        label: the shapes and flags of this case, never its values, e.g. "N=1, L=4, H_in=3, H=5".
        shapes: for each output, its shape in torch's letters, e.g. ("(L, N, H)", "(N, H)").
        named_sizes: sizes a message may name besides the label's and the shapes' axes, such as
            "4*H" (an LSTM's stacked gates); filled in from ``Exercise.named_sizes``.
        alterations, known_answers: kept by ``diagnose`` (trusted code only, never passed in):
            the altered inputs that fit this case's arguments, and what each mistake returned on
            this case. A mistake and a case are both fixed, so the next diagnosis looks it up.
    """

    args: tuple
    expected: Any
    label: str
    shapes: tuple = ()
    named_sizes: tuple = ()
    alterations: tuple = field(default=None, init=False, repr=False, compare=False)
    known_answers: dict = field(default_factory=dict, init=False, repr=False, compare=False)


@dataclass
class Exercise:
    """An exercise: the learner's signature, how to make its cases, its mistakes and hints.

    ``solve`` (optional): torch's answer for any arguments, e.g. through nn.RNN or autograd. With it, a
    wrong answer that equals torch's answer on altered inputs is named without a catalogue entry: an
    argument (or a dict entry of one) that is left out (as if zero), a square weight used transposed,
    or an incoming gradient not multiplied in (``grad_*`` as if all ones). ``number_note``: why a 0-dim
    output must stay a tensor (shown when a Python number is returned). ``named_sizes``: sizes its
    messages may name besides the cases' letters and axes, e.g. ("4*H",). ``adapter``:
    "module:function" (trusted, outside this folder); adapter(fn) takes the case's args. The
    ``forbid_*`` settings are the guard's (``guard.Guard``). ``slopes`` (optional, for a backward
    exercise): (solve_with, sites), where solve_with(act) is torch's answer through autograd with every
    nonlinearity computed as act(site, function, a), and sites maps each site ("g", "c_next") to its
    function ("tanh" or "sigmoid"); the diagnosis swaps in nonlinearities whose slope is written wrong.
    ``gates`` (optional, for a gated cell or layer): (solve_with, sites). solve_with(act) is
    ``gated.py``'s cell with every use of a gate computed as act(site, function, a), torch's answer
    under ``gate_sites.torch_act``; sites is one of ``gate_sites``'s tables. The diagnosis swaps in a
    gate's complement, the gate left out, or the other squashing function.
    """

    id: str
    title: str
    signature: str
    arg_names: tuple
    output_names: tuple
    make_cases: Callable[[], list]
    mistakes: tuple = ()
    hints: tuple = ()
    lesson: str = ""
    points: int = 10
    rtol: float = 1e-7
    atol: float = 1e-9
    forbid_rnn: bool = True
    forbid_autograd: bool = False
    forbid_modules: tuple = ()
    forbid_functions: tuple = ()
    timeout: float = 10.0
    adapter: str = ""
    number_note: str = ""
    solve: Callable = None
    named_sizes: tuple = ()
    slopes: tuple = None
    gates: tuple = None
    _cases: list = field(default=None, init=False, repr=False, compare=False)  # made by cases()

    def __post_init__(self):
        self.mistakes = tuple(self.mistakes)
        names = [m.name for m in self.mistakes]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"exercise {self.id!r} names more than one mistake {twice}")

    def mistake(self, name):
        """The catalogued Mistake called ``name``; a ValueError (listing the names) for any other."""
        for mistake in self.mistakes:
            if mistake.name == name:
                return mistake
        known = ", ".join(m.name for m in self.mistakes)
        raise ValueError(f"{self.id} has no mistake {name!r}; its mistakes are: {known}")

    def cases(self, salt=0):
        """The hidden cases. Never hand them out uncopied.

        ``salt`` 0 gives the fixed cases of a learner's ``check`` (made once and cached); any other
        salt gives cases with the same shapes and flags but other numbers (see ``cases.salted``).
        """
        if salt:
            with salted(salt):
                return self._made()
        if self._cases is None:
            self._cases = self._made()
        return self._cases

    def _made(self):
        """New cases, leaving the global random state as it was; torch's answers may use autograd,
        so gradients are on even inside the notebook's no_grad block."""
        with global_rng_kept(), torch.enable_grad():
            cases = list(self.make_cases())
        for case in cases:
            case.named_sizes = tuple(self.named_sizes)
        return cases


_REGISTRY = {}


def register(exercise):
    """Add an exercise to the catalogue (called by the exercise modules when imported)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise {exercise.id!r} is registered twice")
    _REGISTRY[exercise.id] = exercise
    return exercise


def exercise_ids():
    """Every exercise id, in the order the lessons meet them: by lesson (slugs start with the lesson's
    number), and within a lesson in the order its exercises were registered."""
    return [e.id for e in sorted(_REGISTRY.values(), key=lambda e: e.lesson)]


def get_exercise(exercise_id):
    """The Exercise with this id; a ValueError that lists the known ids otherwise."""
    try:
        return _REGISTRY[exercise_id]
    except (KeyError, TypeError):
        known = ", ".join(_REGISTRY)
        raise ValueError(f"unknown exercise id {exercise_id!r}; expected one of: {known}") from None
