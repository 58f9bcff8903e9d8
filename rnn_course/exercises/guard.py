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
binding consults the active ``TorchFunctionMode`` first, so ``KernelTripwire`` catches those.
"""

import os
import sys
from dataclasses import dataclass, field

from torch.overrides import TorchFunctionMode

_SEP = os.sep
_RNN_MODULES = f"torch{_SEP}nn{_SEP}modules{_SEP}rnn.py"
_REFERENCE = f"rnn_course{_SEP}reference.py"
_EXERCISES_DIR = os.path.dirname(os.path.abspath(__file__)) + _SEP
# Frames of the checker's own machinery run while the hook is active (Guard.__exit__, the time-limit
# signal handler); every other module in this folder holds cases and mistake kits a learner must not call.
_MACHINERY = {os.path.join(_EXERCISES_DIR, name) for name in ("guard.py", "core.py")}
_AUTOGRAD_FILES = (  # torch.autograd.grad / backward, torch.autograd.functional, torch.func
    f"torch{_SEP}autograd{_SEP}__init__.py",
    f"torch{_SEP}autograd{_SEP}functional.py",
    f"torch{_SEP}_functorch{_SEP}",
)
_AUTOGRAD_C_NAMES = {"run_backward", "_make_dual"}  # the engine's entry; forward-mode dual numbers

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
}


@dataclass
class GuardReport:
    """What the guard saw: a list of (kind, name) pairs, most important first."""

    violations: list = field(default_factory=list)

    def messages(self):
        return [MESSAGES[kind].format(name=name) for kind, name in self.violations]


def _is_rnn_kernel(name):
    return name.startswith("rnn_") or "_rnn" in name


class KernelTripwire(TorchFunctionMode):
    """A TorchFunctionMode that notes the names of torch's RNN kernels however they are reached."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if _is_rnn_kernel(name) and name not in self.seen:
            self.seen.append(name)
        return func(*args, **(kwargs or {}))


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

    def _flag(self, kind, name):
        if (kind, name) not in self._seen:
            self._seen.add((kind, name))
            self.report.violations.append((kind, name))

    def _hook(self, frame, event, arg):
        if event == "call":
            self._on_python_call(frame.f_code.co_filename, frame.f_code.co_name)
        elif event == "c_call":
            self._on_c_call(getattr(arg, "__name__", ""))

    def _on_python_call(self, filename, name):
        if filename.startswith(_EXERCISES_DIR) and filename not in _MACHINERY:
            self._flag("checker", f"rnn_course.exercises.{os.path.basename(filename)[:-3]}")
        elif self.forbid_rnn and filename.endswith(_RNN_MODULES):
            self._flag("torch_rnn", "nn.RNN")
        elif self.forbid_rnn and filename.endswith(_REFERENCE):
            self._flag("reference", name)
        elif self.forbid_autograd and any(part in filename for part in _AUTOGRAD_FILES):
            self._flag("autograd", name)
        else:
            self._on_forbidden_module(filename)

    def _on_forbidden_module(self, filename):
        for path, module in self._forbidden_files.items():
            if filename.endswith(path):
                self._flag("delegate", module)

    def _on_c_call(self, name):
        if self.forbid_rnn and _is_rnn_kernel(name):
            self._flag("rnn_kernel", name)
        elif self.forbid_autograd and name in _AUTOGRAD_C_NAMES:
            self._flag("autograd", name)

    def __enter__(self):
        self._tripwire = KernelTripwire() if self.forbid_rnn else None
        if self._tripwire:
            self._tripwire.__enter__()
        self._previous = sys.getprofile()
        sys.setprofile(self._installed)
        return self

    def __exit__(self, *exc):
        if sys.getprofile() is not self._installed:
            self._flag("tamper", "sys.setprofile")
        sys.setprofile(self._previous)
        if self._tripwire:
            self._tripwire.__exit__(None, None, None)
            for name in self._tripwire.seen:
                self._flag("rnn_kernel", name)
        return False
