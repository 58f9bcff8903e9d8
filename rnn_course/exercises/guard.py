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
  ``torch.nn.utils.clip_grad``, which holds ``clip_grad_norm_``).

A function that removes or replaces the hook is reported as tampering.

One thing the hook cannot see is C calling C: ``functools.partial(torch.rnn_tanh_cell)`` or
``map(torch.rnn_tanh_cell, ...)`` reach the kernel without a Python-level call. Every torch kernel
binding consults the active ``TorchFunctionMode`` first, so ``KernelTripwire`` catches those; a
function that switches torch's function overrides off, takes the tripwire off torch's mode stack or
runs a ``__torch_dispatch__`` handler (a dispatch mode or subclass, which runs below the tripwire) is
reported as tampering, and so is the learner's own code run by torch inside a torch function (a custom
op's Python kernel), where the tripwire is off the stack.

A function whose code is a byte-for-byte copy of one in ``rnn_course/reference.py`` (its source
read with ``inspect.getsource`` or ``open`` and run with ``exec``) counts as calling the reference.

This watching is what the learner's own ``check()`` uses: it is light, and a learner who wants to
fool it can. The grader adds walls that do not depend on watching (``worker.py`` installs them in
each submission's process, after its cells ran and before its functions meet the hidden cases):

* ``KernelDenial``: raising kernels registered with torch's dispatcher for every operator in
  ``DENIED_KERNELS`` (all overloads): TorchScript, ``torch.ops``, ``functools.partial``, a tensor
  subclass or any other route to the kernel reaches the same wall. An exercise about LSTM or GRU
  names its own list in ``DENIED_KERNELS`` (or the grader's default, ``RECURRENT_KERNELS``).
* ``block_torchscript``: calling compiled TorchScript (``ScriptFunction``/``ScriptMethod``) raises.
* ``set_event_sink``: every violation the guard or a wall notes is also written at once to a
  write-only channel to the grader, so nothing the function does afterwards can erase it.
* ``trust_loaded_code``: code objects that existed before any learner's code ran are the library's;
  any other code run inside a torch function is the learner's, whatever file name it carries.
"""

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
_AUTOGRAD_C_NAMES = frozenset(
    {"run_backward", "_make_dual"}
)  # the engine's entry; forward-mode dual numbers

MESSAGES = {
    "torch_rnn": "it calls torch's RNN modules (nn.RNN / nn.RNNCell); write the computation yourself "
    "from matrix products, additions and tanh",
    "rnn_kernel": "it calls torch's built-in RNN kernel ({name}); write the computation yourself "
    "from matrix products, additions and tanh",
    "reference": "it calls rnn_course.reference; the point of the exercise is to write it yourself",
    "autograd": "it uses autograd ({name}); this exercise asks for the gradients worked out by hand",
    "delegate": "it hands the work to {name}, torch's ready-made version; the point of the exercise is to "
    "write it yourself",
    "checker": "it calls the checker's own code ({name}); write the computation yourself",
    "tamper": "it changed Python's profiling hook, which the checker uses to watch for delegation",
    "nested": "it runs its own code ({name}) inside a torch operation (a custom op, a dispatch mode or a tensor "
    "subclass), where the checker cannot watch for delegation",
    "overrides": "it switched off or changed torch's function overrides ({name}), which the checker uses to "
    "watch for delegation",
    "jit": "it runs compiled TorchScript code ({name}), which the checker cannot watch; write the computation "
    "in plain Python",
}

# torch's recurrent kernels: every aten operator that computes an RNN, LSTM or GRU layer or cell.
RECURRENT_KERNELS = (
    "rnn_tanh",
    "rnn_relu",
    "rnn_tanh_cell",
    "rnn_relu_cell",
    "lstm",
    "gru",
    "lstm_cell",
    "gru_cell",
    "_thnn_fused_lstm_cell",
    "_thnn_fused_gru_cell",
)
# exercise id -> the operators denied while it runs in the grader; RECURRENT_KERNELS when absent.
# An exercise module may add its own entry (e.g. one that allows the LSTM kernel for a head-only task).
DENIED_KERNELS = {}


def denied_kernels(exercise):
    """The aten operators denied while ``exercise`` runs in the grader (none unless forbid_rnn)."""
    if not getattr(exercise, "forbid_rnn", False):
        return ()
    return tuple(DENIED_KERNELS.get(getattr(exercise, "id", None), RECURRENT_KERNELS))


@dataclass
class GuardReport:
    """What the guard saw: a list of (kind, name) pairs, most important first."""

    violations: list = field(default_factory=list)

    def messages(self):
        return [MESSAGES[kind].format(name=name) for kind, name in self.violations]


def _is_rnn_kernel(name):
    return name.startswith("rnn_") or "_rnn" in name or name in RECURRENT_KERNELS


_TRUSTED_CODE = None  # id(code) -> code, for every code object loaded before any learner's code
_TRUSTED_MODULES = frozenset()  # the modules imported by then
_EVENT_SINK = None  # callable(kind, name): sends a violation to the grader the moment it is noted


def trust_loaded_code():
    """Take every code object that exists now (functions, methods, their nested code) as the
    library's. Called by the grader's zygote before any learner's code exists."""
    import gc

    global _TRUSTED_CODE, _TRUSTED_MODULES
    _TRUSTED_MODULES = frozenset(sys.modules)
    codes = {}
    todo = [o.__code__ for o in gc.get_objects() if type(o) is types.FunctionType]
    while todo:
        code = todo.pop()
        if isinstance(code, types.CodeType) and id(code) not in codes:
            codes[id(code)] = code
            todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    _TRUSTED_CODE = types.MappingProxyType(codes)


def set_event_sink(sink):
    """Send every violation also to ``sink(kind, name)`` (the grader's write-only channel)."""
    global _EVENT_SINK
    _EVENT_SINK = sink


def _emit(kind, name):
    sink = _EVENT_SINK
    if sink is not None:
        try:
            sink(kind, name)
        except (
            BaseException
        ):  # the channel's end is checked by the grader: a broken one is tampering
            pass


def _lazily_imported(frame):
    """True for code of a library module imported from disk after the snapshot (torch imports some
    of its modules on first use): the frame runs in that module's own namespace, from its own file."""
    name = frame.f_globals.get("__name__")
    if type(name) is not str or name in _TRUSTED_MODULES:
        return False
    module = sys.modules.get(name)
    if type(module) is not types.ModuleType or module.__dict__ is not frame.f_globals:
        return False
    filename = module.__dict__.get("__file__")
    return (
        type(filename) is str
        and filename == frame.f_code.co_filename
        and filename.startswith(_LIBRARY_DIRS)
    )


def _learners_code(frame):
    """True for code outside torch, Python and this package (code that ``exec`` made counts as the
    module's whose globals it runs in: namedtuple's generated methods are the library's). In the
    grader, where the code loaded before any learner's code is known, that decides instead."""
    trusted = _TRUSTED_CODE
    if trusted is not None:
        return trusted.get(id(frame.f_code)) is not frame.f_code and not _lazily_imported(frame)
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
    return (code.co_code, code.co_names, code.co_varnames, code.co_argcount, consts)


# Read-only, like the other tables here: a learner's cell could change a mutable one in place, and the
# grader's child restores the module's names, not what they hold.
_REFERENCE_PRINTS = None  # fingerprint -> function name, for every function in rnn_course.reference


def _reference_prints():
    """Made once, by Guard.__enter__ (never inside the hook, where an error would remove it)."""
    global _REFERENCE_PRINTS
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
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        _REFERENCE_PRINTS = types.MappingProxyType(prints)
    return _REFERENCE_PRINTS


class KernelTripwire(TorchFunctionMode):
    """A TorchFunctionMode that notes the names of torch's RNN kernels however they are reached."""

    def __init__(self):
        super().__init__()
        self.seen = []
        self.depth = 0  # > 0 while a torch function runs below it (where it is off the stack)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if _is_rnn_kernel(name) and name not in self.seen:
            self.seen.append(name)
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
    """

    def __init__(self, forbid_rnn=True, forbid_autograd=False, forbid_modules=()):
        self.forbid_rnn = forbid_rnn
        self.forbid_autograd = forbid_autograd
        self._forbidden_files = {_SEP.join(m.split(".")) + ".py": m for m in forbid_modules}
        self.report = GuardReport()
        self._seen = set()
        self._previous = None
        self._installed = self._hook  # one bound method, so that `is` can recognise it later
        self._verdicts = {}  # id(code) -> (code, the reference function it copies or None)

    def _flag(self, kind, name):
        if (kind, name) not in self._seen:
            self._seen.add((kind, name))
            self.report.violations.append((kind, name))
            _emit(kind, name)

    def _hook(self, frame, event, arg):
        if event == "call":
            if self._tripwire and self._tripwire.depth and _learners_code(frame):
                self._flag("nested", frame.f_code.co_name)  # run by torch inside a torch function
            self._on_python_call(frame.f_code.co_filename, frame.f_code.co_name, frame.f_code)
        elif event == "c_call":
            self._on_c_call(getattr(arg, "__name__", ""))
        if self.forbid_rnn and torch._C._is_torch_function_all_disabled():
            self._flag("overrides", "DisableTorchFunction")
        for cls, name, blocker in _BLOCKED:
            if cls.__dict__.get(name) is not blocker:
                self._flag("overrides", "TorchScript")

    def _on_python_call(self, filename, name, code=None):
        if (
            self.forbid_rnn and name == "__torch_dispatch__"
        ):  # runs below the tripwire, where it cannot see
            self._flag("overrides", "TorchDispatchMode")
        elif filename.startswith(_EXERCISES_DIR) and filename not in _MACHINERY:
            self._flag("checker", f"rnn_course.exercises.{os.path.basename(filename)[:-3]}")
        elif self.forbid_rnn and filename.endswith(_RNN_MODULES):
            self._flag("torch_rnn", "nn.RNN")
        elif self.forbid_rnn and filename.endswith(_REFERENCE):
            self._flag("reference", name)
        elif self.forbid_rnn and code is not None and self._copied_reference(code):
            self._flag("reference", self._copied_reference(code))
        elif self.forbid_autograd and any(part in filename for part in _AUTOGRAD_FILES):
            self._flag("autograd", name)
        else:
            self._on_forbidden_module(filename)

    def _copied_reference(self, code):
        """The reference function that ``code`` is a copy of, or None."""
        verdict = self._verdicts.get(id(code))
        if verdict is None or verdict[0] is not code:
            verdict = self._verdicts[id(code)] = (code, _reference_prints().get(_fingerprint(code)))
        return verdict[1]

    def _on_forbidden_module(self, filename):
        for path, module in self._forbidden_files.items():
            if filename.endswith(path):
                self._flag("delegate", module)

    def _on_c_call(self, name):
        if type(name) is not str:
            name = "?"
        if self.forbid_rnn and _is_rnn_kernel(name):
            self._flag("rnn_kernel", name)
        elif self.forbid_autograd and name in _AUTOGRAD_C_NAMES:
            self._flag("autograd", name)

    def __enter__(self):
        self._tripwire = KernelTripwire() if self.forbid_rnn else None
        if self._tripwire:
            _reference_prints()
            if torch._C._is_torch_function_all_disabled():
                self._flag("overrides", "DisableTorchFunction")
            self._depth = torch._C._len_torch_function_stack()
            self._tripwire.__enter__()
        self._previous = sys.getprofile()
        sys.setprofile(self._installed)
        return self

    def __exit__(self, exc_type=None, exc=None, tb=None):
        if (
            sys.getprofile() is not self._installed
            and not (
                sys.getprofile() is None
                and isinstance(exc_type, type)
                and issubclass(exc_type, (RecursionError, MemoryError))
            )
        ):  # Python itself removes a profiling hook that hits the recursion limit or runs out of memory
            self._flag("tamper", "sys.setprofile")
        sys.setprofile(self._previous)
        if self._tripwire:
            depth = torch._C._len_torch_function_stack()
            if (
                depth != self._depth + 1
                or torch._C._get_function_stack_at(self._depth) is not self._tripwire
            ):
                self._flag("overrides", "TorchFunctionMode")
            if torch._C._is_torch_function_all_disabled():
                self._flag("overrides", "DisableTorchFunction")
            for _ in range(
                depth - self._depth
            ):  # its own tripwire and whatever the function left on top
                torch._C._pop_torch_function_stack()
            for name in self._tripwire.seen:
                self._flag("rnn_kernel", name)
        return False


# ---------------------------------------------------------------------------------------------
# The grader's walls (installed by worker.py in a submission's process; never by check())
# ---------------------------------------------------------------------------------------------

_DISPATCH_KEYS = (
    "CompositeImplicitAutograd",
    "CompositeExplicitAutograd",
    "CompositeExplicitAutogradNonFunctional",
    "Autograd",
    "CPU",
    "CUDA",
    "Meta",
)
_BLOCKED = ()  # (class, attribute, blocker) for the TorchScript entry points, once blocked


class KernelDenial:
    """Raising kernels for ``ops`` (aten operator names, every overload), registered with torch's
    dispatcher under every key that has a kernel for them, so that each route to the kernel raises.
    ``on_hit(name)`` runs first (it reports to the grader). There is no way to lift it short of
    reaching this object, which only the grader's code holds; ``intact`` says whether it still stands.
    """

    def __init__(self, ops, on_hit, marker):
        import warnings

        self.marker = (
            marker  # a random file name: how our registrations show in the dispatcher's dump
        )
        self.counts = {}
        self.library = torch._C._dispatch_library("IMPL", "aten", "", marker, 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Overriding a previously registered kernel"
            for op in ops:
                packet = getattr(torch.ops.aten, op, None)
                if packet is None:
                    continue
                for overload in packet.overloads():
                    qualname = f"aten::{op}" + ("" if overload == "default" else f".{overload}")
                    for key in _DISPATCH_KEYS:
                        if torch._C._dispatch_has_kernel_for_dispatch_key(qualname, key):
                            self.library.impl(qualname[6:], key, _denied_kernel(op, on_hit), False)
                    self.counts[qualname] = torch._C._dispatch_dump(qualname).count(marker)

    def intact(self):
        """True while every registration made is still in the dispatcher's table."""
        try:
            return all(
                torch._C._dispatch_dump(q).count(self.marker) == n for q, n in self.counts.items()
            )
        except Exception:
            return False


def _denied_kernel(op, on_hit):
    def denied(*args, **kwargs):
        on_hit(op)
        raise RuntimeError(
            f"torch's {op} kernel is not available inside this exercise: write the computation yourself"
        )

    return denied


def torchscript_blockers(on_hit):
    """(class, attribute, blocker) triples that make calling compiled TorchScript functions and
    methods raise (after ``on_hit(type name)``); ``block_torchscript`` puts them in place."""
    blocked = []
    for cls in (torch._C.ScriptFunction, torch._C.ScriptMethod):

        def blocker(self, *args, _name=cls.__name__, **kwargs):
            on_hit(_name)
            raise RuntimeError("compiled TorchScript cannot run inside this exercise")

        blocked.append((cls, "__call__", blocker))
    return tuple(blocked)


def block_torchscript(blockers):
    """Put ``torchscript_blockers``' blockers in place (again), and have the guard check they stay."""
    global _BLOCKED
    for cls, name, blocker in blockers:
        setattr(cls, name, blocker)
    _BLOCKED = tuple(blockers)
