"""The from-scratch guard: notice when a learner's function delegates the work it should do itself.

While the learner's function runs, a ``sys.setprofile`` hook sees every Python call and every call
into C. That is enough to see, whatever name they were imported under:

* torch's recurrent modules (any function defined in ``torch/nn/modules/rnn.py``);
* torch's recurrent kernels (``torch.rnn_tanh``, ``torch._VF.rnn_relu_cell``,
  ``torch.ops.aten.rnn_tanh`` ...), which are C functions whose names start with ``rnn_``
  or contain ``_rnn``;
* the course's own reference implementations (any function defined in ``rnn_course/reference.py``);
* the checkers' own cases and mistake kits (``rnn_course/exercises/*.py``), always;
* autograd (``Tensor.backward``, ``torch.autograd.grad``, ``torch.func``), which all end in the
  C function ``run_backward`` or in ``torch/autograd`` Python code, when an exercise forbids it;
* any function defined in a module an exercise names in ``forbid_modules`` (e.g.
  ``torch.nn.utils.clip_grad``, which holds ``clip_grad_norm_``);
* any torch function whose name contains a part an exercise names in ``forbid_functions`` (e.g.
  ``scaled_dot_product``, for ``F.scaled_dot_product_attention`` however it was imported).

A function that removes or replaces the hook is reported as tampering.

One thing the hook cannot see is C calling C: ``functools.partial(torch.rnn_tanh_cell)`` or
``map(torch.rnn_tanh_cell, ...)`` reach the kernel without a Python-level call. Every torch kernel
binding consults the active ``TorchFunctionMode`` first, so ``Tripwire`` catches those (and every
call of a forbidden torch function); a function that switches torch's function overrides off, takes
the tripwire off torch's mode stack or runs a ``__torch_dispatch__`` handler (a dispatch mode or
subclass, which runs below the tripwire) is reported as tampering, and so is the learner's own code
run by torch inside a torch function (a custom op's Python kernel), where the tripwire is off the
stack.

A function whose code is a copy of one in ``rnn_course/reference.py`` (its source read with
``inspect.getsource`` or ``open`` and run with ``exec``, under any name) counts as calling the
reference.

This watching is what the learner's own ``check()`` uses: it is light, and a learner who wants to
fool it can. The grader does not rely on it: it runs only code that passed its allowlist
(``rnn_course/allowlist.py``), in a child where nothing else from the notebook runs.
"""

import dis
import os
import sys
import types
from dataclasses import dataclass, field

import torch
from torch.overrides import TorchFunctionMode

_SEP = os.sep
_RNN_MODULES = f"torch{_SEP}nn{_SEP}modules{_SEP}rnn.py"
_REFERENCE = f"rnn_course{_SEP}reference.py"
_EXERCISES_DIR = os.path.dirname(os.path.abspath(__file__)) + _SEP
# Frames of the checker's own machinery run while the hook is active (Guard.__exit__, the time-limit
# signal handler, reading the answer as plain data); every other module in this folder holds cases and
# mistake kits a learner must not call.
_MACHINERY = frozenset(
    os.path.join(_EXERCISES_DIR, name) for name in ("guard.py", "core.py", "plain.py")
)
# Where torch's and Python's own code lives: any other code that runs inside a torch function (below the
# tripwire, which is then off torch's mode stack) is the learner's, run by a custom op, a dispatch mode...
_LIBRARY_DIRS = tuple(
    {
        os.path.join(os.path.abspath(p), "")
        for p in (
            sys.prefix,
            sys.base_prefix,
            sys.exec_prefix,
            sys.base_exec_prefix,
            os.path.dirname(os.path.dirname(os.path.abspath(torch.__file__))),
            os.path.dirname(_EXERCISES_DIR[:-1]),
        )
    }
) + ("<frozen ",)
_AUTOGRAD_FILES = (  # torch.autograd.grad / backward, torch.autograd.functional, torch.func
    f"torch{_SEP}autograd{_SEP}__init__.py",
    f"torch{_SEP}autograd{_SEP}functional.py",
    f"torch{_SEP}_functorch{_SEP}",
)
# the engine's entry; forward-mode dual numbers
_AUTOGRAD_C_NAMES = frozenset({"run_backward", "_make_dual"})
_all_disabled = torch._C._is_torch_function_all_disabled  # True while torch's overrides are off

MESSAGES = {
    "torch_rnn": "it calls torch's RNN modules (nn.RNN / nn.RNNCell); write the computation yourself "
    "from matrix products, additions and tanh",
    "rnn_kernel": "it calls torch's built-in RNN kernel ({name}); write the computation yourself "
    "from matrix products, additions and tanh",
    "reference": "it calls rnn_course.reference; the point of the exercise is to write it yourself",
    "autograd": "it uses autograd ({name}); this exercise asks for the gradients worked out by hand",
    "delegate": "it hands the work to {name}, torch's ready-made version; the point of the exercise is to "
    "write it yourself",
    "forbidden": "it calls torch's {name}, which is off-limits here; write the computation yourself",
    "checker": "it calls the checker's own code ({name}); write the computation yourself",
    "tamper": "it changed Python's profiling hook, which the checker uses to watch for delegation",
    "nested": "it runs its own code ({name}) inside a torch operation (a custom op, a dispatch mode or a tensor "
    "subclass), where the checker cannot watch for delegation",
    "overrides": "it switched off or changed torch's function overrides ({name}), which the checker uses to "
    "watch for delegation",
}

# torch's recurrent kernels: every aten operator that computes an RNN, LSTM or GRU layer or cell.
RECURRENT_KERNELS = tuple(
    "rnn_tanh rnn_relu rnn_tanh_cell rnn_relu_cell lstm gru lstm_cell gru_cell "
    "_thnn_fused_lstm_cell _thnn_fused_gru_cell".split()
)


@dataclass
class GuardReport:
    """What the guard saw: a list of (kind, name) pairs, most important first."""

    violations: list = field(default_factory=list)


def _is_rnn_kernel(name):
    return name.startswith("rnn_") or "_rnn" in name or name in RECURRENT_KERNELS


def _learners_code(frame):
    """True for code outside torch, Python and this package (code that ``exec`` made counts as the
    module's whose globals it runs in: namedtuple's generated methods are the library's). In the
    grader no longer needs this: it runs only code the allowlist accepted (allowlist.py)."""
    filename = frame.f_code.co_filename
    if filename.startswith(_LIBRARY_DIRS):
        return False
    return not filename.startswith("<") or frame.f_globals.get("__name__", "__main__") == "__main__"


def _fingerprint(code):
    """What a code object does, whatever file it was compiled from: a copy run with ``exec`` matches."""
    consts = tuple(
        _fingerprint(c) if isinstance(c, types.CodeType) else (type(c).__name__, repr(c))
        for c in code.co_consts
    )
    return (_instructions(code), _outline(code), consts)


def _outline(code):
    """The names, local names and number of arguments of ``code``: a first, cheap comparison."""
    return code.co_names, code.co_varnames, code.co_argcount


# Python compiles `F.linear(...)` to LOAD_METHOD, or to LOAD_ATTR when `F` is imported in the same
# source (as in reference.py, and not in a function copied on its own): both are one instruction here.
_SAME_INSTRUCTION = {"LOAD_METHOD": "LOAD_ATTR"}


def _instructions(code):
    """(name, argument) of each instruction, but PUSH_NULL, which Python 3.13 adds to the LOAD_ATTR
    form. A jump's argument is its target's place in the list, as the two forms differ in length;
    a nested function's code is compared in ``consts``."""
    kept, place = [], {}
    for instruction in dis.get_instructions(code):
        place[instruction.offset] = len(kept)
        if instruction.opname != "PUSH_NULL":
            kept.append(instruction)
    return tuple((_SAME_INSTRUCTION.get(i.opname, i.opname), _argument(i, place)) for i in kept)


def _argument(instruction, place):
    if instruction.opcode in _JUMPS:
        return place.get(instruction.argval)
    if isinstance(instruction.argval, types.CodeType):
        return "code"
    return repr(instruction.argval)


_JUMPS = frozenset(dis.hasjrel + dis.hasjabs)


# Read-only, like the other tables here: a learner's cell could change a mutable one in place, and the
# grader's child restores the module's names, not what they hold.
_REFERENCE_PRINTS = None  # fingerprint -> function name, for every function in rnn_course.reference
_REFERENCE_OUTLINES = frozenset()  # their _outline: a code whose outline is not here copies none


def _reference_prints():
    """Made once, by Guard.__enter__ (never inside the hook, where an error would remove it)."""
    global _REFERENCE_PRINTS, _REFERENCE_OUTLINES
    if _REFERENCE_PRINTS is None:
        try:
            from .. import reference
        except Exception:  # a course without its reference cannot be copied from
            _REFERENCE_PRINTS = types.MappingProxyType({})
            return _REFERENCE_PRINTS
        prints, todo = {}, [v for v in vars(reference).values()]
        todo += [
            m
            for v in vars(reference).values()
            if isinstance(v, type) and v.__module__ == reference.__name__
            for m in vars(v).values()
        ]
        codes = [getattr(getattr(v, "__func__", v), "__code__", None) for v in todo]
        codes = [
            c for c in codes if isinstance(c, types.CodeType) and c.co_filename.endswith(_REFERENCE)
        ]
        while codes:
            code = codes.pop()
            prints[_fingerprint(code)] = code.co_name
            # a nested function too, but not a comprehension or a lambda: honest code has the same
            codes += [
                c
                for c in code.co_consts
                if isinstance(c, types.CodeType) and not c.co_name.startswith("<")
            ]
        _REFERENCE_PRINTS = types.MappingProxyType(prints)
        _REFERENCE_OUTLINES = frozenset(outline for _, outline, _ in prints)
    return _REFERENCE_PRINTS


def _copied_reference(code):
    """The name of the reference function that ``code`` is a copy of, or None."""
    if _outline(code) not in _REFERENCE_OUTLINES:  # most code: no fingerprint needed
        return None
    return _reference_prints().get(_fingerprint(code))


class Tripwire(TorchFunctionMode):
    """A TorchFunctionMode that notes, however they are reached, the names of torch's RNN kernels
    (``kernels``, in ``seen``) and of the torch functions whose names contain a part of ``forbidden``
    (in ``forbidden_seen``)."""

    def __init__(self, kernels=True, forbidden=()):
        super().__init__()
        self.kernels, self.forbidden = kernels, tuple(forbidden)
        self.seen, self.forbidden_seen, self._checked = [], [], set()
        self.depth = 0  # > 0 while a torch function runs below it (where it is off the stack)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if type(name) is not str:
            name = "?"
        if name not in self._checked:  # the same name, the same verdict: each is looked at once
            self._checked.add(name)
            if self.kernels and _is_rnn_kernel(name):
                self.seen.append(name)
            if any(part in name for part in self.forbidden):
                self.forbidden_seen.append(name)
        self.depth += 1
        try:
            return func(*args, **(kwargs or {}))
        finally:
            self.depth -= 1


class Guard:
    """Context manager that records forbidden calls made while it is active.

    Args:
        forbid_rnn: flag torch's RNN modules and kernels and rnn_course.reference.
        forbid_autograd: flag any use of autograd.
        forbid_modules: dotted names of modules none of whose functions may be called,
            e.g. ("torch.nn.utils.clip_grad",).
        forbid_functions: parts of torch function names none of which may be called, e.g.
            ("scaled_dot_product",) for F.scaled_dot_product_attention and its kernels.
    """

    def __init__(
        self, forbid_rnn=True, forbid_autograd=False, forbid_modules=(), forbid_functions=()
    ):
        self.forbid_rnn = forbid_rnn
        self.forbid_autograd = forbid_autograd
        self.forbid_functions = tuple(forbid_functions)
        self._watch_torch = forbid_rnn or bool(self.forbid_functions)  # through the Tripwire
        self._forbidden_files = {_SEP.join(m.split(".")) + ".py": m for m in forbid_modules}
        self.report = GuardReport()
        self._seen = set()
        self._previous = None
        self._installed = self._hook  # one bound method, so that `is` can recognise it later
        self._verdicts = {}  # id(code) -> (code, what a call of it is flagged with)
        self._c_names_seen = set()

    def _flag(self, kind, name):
        if (kind, name) not in self._seen:
            self._seen.add((kind, name))
            self.report.violations.append((kind, name))

    def _hook(self, frame, event, arg):
        if event == "call":
            if self._tripwire and self._tripwire.depth and _learners_code(frame):
                self._flag("nested", frame.f_code.co_name)  # run by torch inside a torch function
            for kind, name in self._code_verdict(frame.f_code):
                self._flag(kind, name)
        elif event == "c_call":
            self._on_c_call(getattr(arg, "__name__", ""))
        # at every event, returns included: C can switch the overrides off and on again unseen
        if self._watch_torch and _all_disabled():
            self._flag("overrides", "DisableTorchFunction")

    def _code_verdict(self, code):
        """The (kind, name) pairs a call of ``code`` is flagged with, worked out once per code object
        (kept with it, so that its id cannot be reused while the guard runs)."""
        kept = self._verdicts.get(id(code))
        if kept is None or kept[0] is not code:
            kept = self._verdicts[id(code)] = (code, tuple(self._call_flags(code)))
        return kept[1]

    def _call_flags(self, code):
        filename, name = code.co_filename, code.co_name
        if self._watch_torch and name == "__torch_dispatch__":  # runs below the tripwire
            yield "overrides", "TorchDispatchMode"
        elif filename.startswith(_EXERCISES_DIR) and filename not in _MACHINERY:
            yield "checker", f"rnn_course.exercises.{os.path.basename(filename)[:-3]}"
        elif self.forbid_rnn and filename.endswith(_RNN_MODULES):
            yield "torch_rnn", "nn.RNN"
        elif self.forbid_rnn and filename.endswith(_REFERENCE):
            yield "reference", name
        elif self.forbid_rnn and (copied := _copied_reference(code)):  # a copy, run with exec
            yield "reference", copied
        elif self.forbid_autograd and any(part in filename for part in _AUTOGRAD_FILES):
            yield "autograd", name
        else:
            for path, module in self._forbidden_files.items():
                if filename.endswith(path):
                    yield "delegate", module

    def _on_c_call(self, name):
        if type(name) is not str:
            name = "?"
        # the same name, the same verdict: each is looked at once
        if name in self._c_names_seen:
            return
        self._c_names_seen.add(name)
        if self.forbid_rnn and _is_rnn_kernel(name):
            self._flag("rnn_kernel", name)
        elif self.forbid_autograd and name in _AUTOGRAD_C_NAMES:
            self._flag("autograd", name)

    def __enter__(self):
        self._tripwire = None
        if self._watch_torch:
            self._tripwire = Tripwire(self.forbid_rnn, self.forbid_functions)
            _reference_prints()
            if _all_disabled():
                self._flag("overrides", "DisableTorchFunction")
            self._depth = torch._C._len_torch_function_stack()
            self._tripwire.__enter__()
        self._previous = sys.getprofile()
        sys.setprofile(self._installed)
        return self

    def __exit__(self, exc_type=None, exc=None, tb=None):
        # Python itself removes a profiling hook that hits the recursion limit or runs out of memory
        dropped = isinstance(exc_type, type) and issubclass(exc_type, (RecursionError, MemoryError))
        if sys.getprofile() is not self._installed and not (sys.getprofile() is None and dropped):
            self._flag("tamper", "sys.setprofile")
        sys.setprofile(self._previous)
        if self._tripwire:
            depth = torch._C._len_torch_function_stack()
            ours = depth > self._depth and (
                torch._C._get_function_stack_at(self._depth) is self._tripwire
            )  # (a function that popped the tripwire off leaves the stack too short to look at)
            if depth != self._depth + 1 or not ours:
                self._flag("overrides", "TorchFunctionMode")
            if _all_disabled():
                self._flag("overrides", "DisableTorchFunction")
            for _ in range(depth - self._depth):  # its tripwire and what the function left on top
                torch._C._pop_torch_function_stack()
            for name in self._tripwire.seen:
                self._flag("rnn_kernel", name)
            for name in self._tripwire.forbidden_seen:
                self._flag("forbidden", name)
        return False
