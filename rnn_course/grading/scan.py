"""Static checks on a submission's code (ast only; nothing runs), done in the grader's own process.

Three levels of finding:

* ``"zero"``: tampering with the grader or the checker, or reaching around it. The whole submission
  scores 0 (status ``tampering``) and is not run. These have no use in a lesson notebook:
  profiling/tracing hooks, frame and garbage-collector introspection, ctypes/cffi, the grader's own
  modules, the checker's internals (hidden cases, the guard, ``get_exercise``), patching any
  ``rnn_course`` module, signalling or re-grouping processes, raw file descriptors and sockets,
  ``/proc`` paths, and torch's internal RNN kernels (``torch._VF``, ``rnn_tanh``...).
* ``"exercise"``: an exercise function that refers to torch's RNN modules (``nn.RNN``,
  ``nn.RNNCell``) or to ``rnn_course.reference``. That exercise scores 0; the others are graded.
  (The from-scratch guard also catches this at run time, under any name.)
* ``"flag"``: worth an instructor's look but not proof of anything (fork, subprocess, threads,
  ``signal``, ``eval``/``exec``, ``__import__``, ``setattr`` with a computed name, dunder introspection...).
  Listed in the gradebook's reason; scores are unchanged.

A static scan can be evaded by obfuscation; the run-time defences (separate process, privileges,
limits, the guard, judging in the grader) do not depend on it. See ``rnn_course/grading/__init__.py``.
"""

import ast
from dataclasses import dataclass

_ZERO_NAMES = {
    "sys.setprofile": "replaces the profiling hook the checker relies on (sys.setprofile)",
    "sys.settrace": "installs a tracing hook (sys.settrace)",
    "threading.setprofile": "installs a profiling hook (threading.setprofile)",
    "threading.settrace": "installs a tracing hook (threading.settrace)",
    "sys._getframe": "inspects the caller's stack frames (sys._getframe)",
    "sys._current_frames": "inspects stack frames (sys._current_frames)",
    "inspect.currentframe": "inspects stack frames (inspect.currentframe)",
    "inspect.stack": "inspects stack frames (inspect.stack)",
    "inspect.getouterframes": "inspects stack frames (inspect.getouterframes)",
    "inspect.trace": "inspects stack frames (inspect.trace)",
    "gc.get_referrers": "searches the grader's objects (gc.get_referrers)",
    "gc.get_referents": "searches the grader's objects (gc.get_referents)",
    "gc.get_objects": "searches the grader's objects (gc.get_objects)",
    "ctypes": "uses ctypes",
    "cffi": "uses cffi",
    "rnn_course.grading": "imports the grader (rnn_course.grading)",
    "os.kill": "sends signals to other processes (os.kill)",
    "os.killpg": "sends signals to process groups (os.killpg)",
    "signal.pthread_kill": "sends signals (signal.pthread_kill)",
    "os.setsid": "leaves its process group (os.setsid)",
    "os.setpgid": "leaves its process group (os.setpgid)",
    "os.setpgrp": "leaves its process group (os.setpgrp)",
    "os.write": "writes to raw file descriptors (os.write)",
    "os.fdopen": "opens raw file descriptors (os.fdopen)",
    "os.dup": "duplicates file descriptors (os.dup)",
    "os.dup2": "duplicates file descriptors (os.dup2)",
    "os.sendfile": "writes to raw file descriptors (os.sendfile)",
    "socket": "uses sockets",
    "_socket": "uses sockets",
    "torch._VF": "calls torch's internal RNN kernels (torch._VF)",
    "torch._C._VariableFunctions": "calls torch's internal kernels (torch._C._VariableFunctions)",
}
# rnn_course.exercises: learners need check and hint; everything else is the checker's inside.
_LEARNER_API = {"check", "hint", "CheckResult", "exercise_ids"}
_ZERO_ATTRIBUTES = {
    "f_back": "inspects stack frames (f_back)",
    "f_locals": "inspects stack frames (f_locals)",
    "f_globals": "inspects stack frames (f_globals)",
    "f_builtins": "inspects stack frames (f_builtins)",
    "tb_frame": "inspects stack frames (tb_frame)",
    "gi_frame": "inspects stack frames (gi_frame)",
    "cr_frame": "inspects stack frames (cr_frame)",
    "ag_frame": "inspects stack frames (ag_frame)",
    "_REGISTRY": "reads the checker's registry (_REGISTRY)",
    "make_cases": "reads the hidden cases (make_cases)",
    "_cases": "reads the hidden cases (_cases)",
    "DisableTorchFunction": "switches off torch's function overrides (DisableTorchFunction)",
    "DisableTorchFunctionSubclass": "switches off torch's function overrides (DisableTorchFunctionSubclass)",
    "_pop_mode": "switches off torch's function modes (_pop_mode)",
    "_pop_torch_function_stack": "switches off torch's function modes (_pop_torch_function_stack)",
}
_KERNEL_WORDS = ("rnn_tanh", "rnn_relu")
_EXERCISE_NAMES = {
    "torch.nn.RNN": "torch.nn.RNN",
    "torch.nn.RNNCell": "torch.nn.RNNCell",
    "torch.nn.RNNBase": "torch.nn.RNNBase",
    "torch.nn.modules.rnn": "torch.nn.modules.rnn",
    "rnn_course.reference": "rnn_course.reference",
}
_FLAG_NAMES = {
    "os.fork": "os.fork",
    "os.forkpty": "os.forkpty",
    "os.system": "os.system",
    "os.popen": "os.popen",
    "os._exit": "os._exit",
    "os.execv": "os.exec*",
    "os.execve": "os.exec*",
    "os.execl": "os.exec*",
    "os.execvp": "os.exec*",
    "os.spawnv": "os.spawn*",
    "os.remove": "os.remove",
    "os.unlink": "os.unlink",
    "os.chmod": "os.chmod",
    "shutil.rmtree": "shutil.rmtree",
    "subprocess": "subprocess",
    "multiprocessing": "multiprocessing",
    "threading": "threading",
    "_thread": "_thread",
    "concurrent": "concurrent",
    "signal": "signal",
    "resource": "resource",
    "importlib": "importlib",
    "builtins": "builtins",
    "sys.exit": "sys.exit",
    "sys.modules": "sys.modules",
    "gc": "gc",
    "inspect": "inspect",
}
_FLAG_BUILTINS = {"__import__", "eval", "exec", "compile", "exit", "quit", "breakpoint"}
_FLAG_DUNDERS = {
    "__subclasses__",
    "__globals__",
    "__code__",
    "__builtins__",
    "__closure__",
    "__bases__",
    "__mro__",
}


@dataclass(frozen=True)
class Finding:
    """One thing the scan noticed: level ("zero", "exercise" or "flag"), what, and where."""

    level: str
    message: str
    cell: int
    line: int
    exercise: str = None

    def where(self):
        return f"cell {self.cell}, line {self.line}"

    def __str__(self):
        return f"{self.message} ({self.where()})"


def scan(cells, exercise_ids, from_scratch=None):
    """Findings for the notebook's code cells ((number, source) pairs), de-duplicated, in order.

    ``from_scratch``: the exercises that may not use torch's RNN modules or rnn_course.reference
    (default: all of ``exercise_ids``).
    """
    visitor = _Visitor(
        set(exercise_ids), set(exercise_ids if from_scratch is None else from_scratch)
    )
    for number, source in cells:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # it fails the same way when it runs
        visitor.cell = number
        try:
            visitor.visit(tree)
        except RecursionError:
            visitor.add("flag", "code nested too deeply to scan", 1)
    return visitor.findings


class _Visitor(ast.NodeVisitor):
    def __init__(self, exercise_ids, from_scratch):
        self.exercise_ids = exercise_ids
        self.from_scratch = from_scratch
        self.aliases = {}  # local name -> dotted module path, shared across cells like a kernel
        self.findings = []
        self._seen = set()
        self.cell = 0
        self.function = None  # the exercise function being visited, if any

    def add(self, level, message, line, exercise=None):
        key = (level, message, exercise)
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(Finding(level, message, self.cell, line, exercise))

    # --- names --------------------------------------------------------------------------------

    def _dotted(self, node):
        """'torch.nn.RNNCell' for nn.RNNCell after `from torch import nn`; None if not a name chain."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def _check_name(self, dotted, line):
        for prefix in _prefixes(dotted):
            if prefix in _ZERO_NAMES:
                self.add("zero", _ZERO_NAMES[prefix], line)
            if prefix in _FLAG_NAMES:
                self.add("flag", _FLAG_NAMES[prefix], line)
            if self.function in self.from_scratch and prefix in _EXERCISE_NAMES:
                self.add(
                    "exercise",
                    f"{self.function} uses {_EXERCISE_NAMES[prefix]}",
                    line,
                    self.function,
                )
        if dotted.startswith("rnn_course.exercises."):
            rest = dotted.split(".")[2]
            if rest not in _LEARNER_API:
                self.add(
                    "zero",
                    f"reaches into the checker's internals (rnn_course.exercises.{rest})",
                    line,
                )
        last = dotted.rsplit(".", 1)[-1]
        if any(word in last for word in _KERNEL_WORDS):
            self.add("zero", f"calls torch's internal RNN kernel ({last})", line)

    def _is_course(self, node):
        dotted = self._dotted(node)
        return dotted is not None and (dotted == "rnn_course" or dotted.startswith("rnn_course."))

    # --- visitors -----------------------------------------------------------------------------

    def visit_Import(self, node):
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else alias.name.split(".")[0]
            self._check_name(alias.name, node.lineno)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            full = f"{module}.{alias.name}" if alias.name != "*" else module
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = full
            self._check_name(full, node.lineno)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        outer = self.function
        if outer is None and node.name in self.exercise_ids:
            self.function = node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Name(self, node):
        if node.id in self.aliases:
            self._check_name(self.aliases[node.id], node.lineno)
        elif node.id in _FLAG_BUILTINS:
            self.add("flag", f"{node.id}()", node.lineno)
        elif node.id in _FLAG_DUNDERS:
            self.add("flag", node.id, node.lineno)
        if any(word in node.id for word in _KERNEL_WORDS):
            self.add("zero", f"calls torch's internal RNN kernel ({node.id})", node.lineno)

    def visit_Attribute(self, node):
        if node.attr in _ZERO_ATTRIBUTES:
            self.add("zero", _ZERO_ATTRIBUTES[node.attr], node.lineno)
        if node.attr in _FLAG_DUNDERS:
            self.add("flag", node.attr, node.lineno)
        dotted = self._dotted(node)
        if dotted is not None:
            self._check_name(dotted, node.lineno)
            if isinstance(node.ctx, (ast.Store, ast.Del)) and self._is_course(node.value):
                self.add("zero", f"changes the checker ({dotted})", node.lineno)
            return  # the chain's root Name is covered by _dotted
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and node.args:
            if self._is_course(node.args[0]):
                self.add(
                    "zero",
                    f"changes the checker ({func.id} on {self._dotted(node.args[0])})",
                    node.lineno,
                )
        if isinstance(func, ast.Name) and func.id in ("getattr", "setattr", "delattr", "hasattr"):
            if (
                len(node.args) >= 2
                and not isinstance(node.args[1], ast.Constant)
                and func.id != "getattr"
            ):
                self.add(
                    "flag", f"{func.id} with a computed name", node.lineno
                )  # getattr(p, f"w_l{i}") is common
            elif (
                len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                attr = node.args[1].value
                if attr in _ZERO_ATTRIBUTES:
                    self.add("zero", _ZERO_ATTRIBUTES[attr], node.lineno)
                base = self._dotted(node.args[0])
                if base is not None:
                    self._check_name(f"{base}.{attr}", node.lineno)
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            if "/proc/" in node.value or node.value.startswith("/proc"):
                self.add("zero", "reads process internals (/proc)", node.lineno)
            elif any(word in node.value for word in _KERNEL_WORDS) and self.function:
                self.add("flag", "a string naming torch's RNN kernels", node.lineno)


def _prefixes(dotted):
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]
