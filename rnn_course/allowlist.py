"""What a graded exercise function may reach, and how it is taken out of a notebook.

The promise: a graded function can only call what the allowlist names, and nothing else from your
notebook runs while it is graded.

How: the grader reads the notebook as data and takes out, for each exercise, the exercise's
``def``, the top-level functions it calls (helpers, found by name, recursively), the top-level
constants it reads (``NAME = <literal>``) and, where autograd is allowed, ``torch.autograd.Function``
subclasses. The source of those pieces is parsed and walked; only the grammar below is accepted:

* names resolve to the function's own locals, the extracted pieces, ``BUILTINS`` and ``MODULES``;
  anything else is "a global that is not taken from the notebook";
* ``x.name`` only for a ``name`` in the exercise's allowlist (``allowed_attributes``), never a name
  starting with ``_``; ``x.name = ...`` only for a name that is not a member of torch, F or math;
* no ``import``, ``global``, ``exec``/``eval``/``compile``, ``globals()``/``vars()``,
  ``getattr``/``hasattr`` with a computed name, ``yield``/``async``/``match``; ``raise`` and
  ``assert`` messages are literal strings (a message built from values could carry hidden inputs);
* decorators and default values are expressions under the same rules.

The child compiles exactly this source with a globals dict that holds only ``MODULES`` and
``BUILTINS`` (``compile_program``). The notebook's ``check()`` runs the same walk
(``function_problem``), so a learner sees the same verdict before submitting.

This module imports nothing heavy: torch is imported only where a function needs it.
"""

import ast
import builtins
import functools
from dataclasses import dataclass

# The grader's promise, as the README, docs/security.md and ``rnn-course grade --help`` state it.
PROMISE = (
    "a graded function can only call what the allowlist names, and nothing else from your notebook "
    "runs while it is graded"
)

# ---------------------------------------------------------------------------------------------
# The table (read this to know what a graded function can reach)
# ---------------------------------------------------------------------------------------------

MODULES = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "math": "math"}

# Names a lesson's setup cell imports that its exercise may use ("module" or "module:member").
EXTRA_NAMES = {
    "train_step": {"pack_padded_sequence": "torch.nn.utils.rnn:pack_padded_sequence"},
}

BUILTINS = frozenset(
    "abs all any bool dict enumerate float int isinstance len list max min print range reversed str "
    "round sorted sum tuple zip map filter set frozenset divmod pow slice staticmethod "
    "getattr hasattr True False None "
    "ArithmeticError AssertionError Exception IndexError KeyError NotImplementedError "
    "RuntimeError StopIteration TypeError ValueError ZeroDivisionError".split()
)

# Elementary tensor operations, shapes and containers: every exercise may use these.
ELEMENTARY = frozenset(
    # torch functions and tensor methods
    "tanh sigmoid relu exp log log1p sqrt rsqrt abs neg sign clamp clamp_min clamp_max clip "
    "maximum minimum max min sum mean prod cumsum cumprod std var norm amax amin argmax argmin "
    "softmax log_softmax logsumexp where masked_fill masked_fill_ gather scatter index_select "
    "matmul mm bmm mv dot outer einsum addmm baddbmm linear tensordot kron "
    "add sub mul div pow square reciprocal true_divide floor ceil round remainder fmod "
    "eq ne lt le gt ge isfinite isnan logical_and logical_or logical_not all any equal allclose "
    "zeros ones zeros_like ones_like empty empty_like full full_like eye arange linspace tensor "
    "as_tensor stack cat concat concatenate hstack vstack split chunk unbind flip roll "
    "tril triu diag diagonal diag_embed "
    "T mT t transpose permute reshape view view_as expand expand_as repeat unsqueeze squeeze "
    "flatten unflatten narrow contiguous clone detach new_zeros new_ones new_empty new_tensor "
    "shape size dim ndim numel dtype device is_floating_point item tolist to type_as "
    "float double long int bool float64 float32 int64 int32 int16 int8 uint8 cpu "
    "copy_ fill_ zero_ add_ sub_ mul_ div_ clamp_ apply_ tanh_ sigmoid_ data "
    "vmap select masked_select index_put addcmul addcdiv lerp movedim moveaxis swapaxes argsort "
    "sort topk cosh sinh sin cos atan2 erf linalg vector_norm matrix_norm half float16 bfloat16 "
    "Tensor rand randn randint manual_seed multinomial bernoulli numpy "
    # strings
    "startswith endswith strip lower upper replace split fromkeys "
    # math
    "pi e inf nan isclose fsum "
    # Python containers
    "append extend insert pop items keys values get copy update index count reverse sort "
    "setdefault".split()
)

# Autograd, for the exercises that do not forbid it (a custom torch.autograd.Function included).
AUTOGRAD = frozenset(
    "autograd Function apply backward grad requires_grad requires_grad_ no_grad enable_grad "
    "save_for_backward saved_tensors needs_input_grad mark_non_differentiable "
    "set_materialize_grads retain_grad is_leaf grad_fn func vjp jvp jacrev jacfwd".split()
)
AUTOGRAD_FORBIDDEN = frozenset(
    {"cell_backward", "rnn_backward", "lstm_cell_backward"}
)  # torch's own list: forbid_autograd

_LOSS = frozenset("nn functional cross_entropy nll_loss one_hot".split())
_TRAINING = frozenset(
    "nn functional utils cross_entropy nll_loss clip_grad_norm_ parameters named_parameters "
    "zero_grad step train eval multinomial manual_seed Generator generator param_groups lr "
    "rnn head embed embedding weight bias hidden_size num_layers join".split()
)

# Each exercise's extras beyond ELEMENTARY (and AUTOGRAD where it is allowed). An exercise added
# later gets DEFAULT_EXTRAS until it is given a row here.
EXTRAS = {
    "rnn_cell": frozenset(),
    "rnn_layer": frozenset(),
    "final_states": frozenset(),
    "stacked_rnn": frozenset(),
    "bidirectional_rnn": frozenset(),
    "rnn_forward": frozenset(),
    "rnn_loss": _LOSS,  # the RNN's loop is the learner's own (lesson 7's spec)
    "cell_backward": frozenset(),
    "rnn_backward": frozenset(),
    "clip_grad_norm": frozenset(),  # torch.nn.utils.clip_grad is what the exercise rebuilds
    "last_valid_output": frozenset(),
    "masked_loss": _LOSS,
    "train_step": _TRAINING,
    "sample": _TRAINING,
    "lstm_cell": frozenset(),
    "gru_cell": frozenset(),
    "lstm_layer": frozenset(),
    "lstm_cell_backward": frozenset(),
    "seq2seq_loss": _LOSS,
    "greedy_decode": frozenset(),
    "attention": frozenset(),  # F.scaled_dot_product_attention is what the exercise rebuilds
}
DEFAULT_EXTRAS = frozenset()


def allowed_attributes(exercise_id):
    """Every attribute name a graded function of this exercise may read or call."""
    names = ELEMENTARY | EXTRAS.get(exercise_id, DEFAULT_EXTRAS)
    return names if exercise_id in AUTOGRAD_FORBIDDEN else names | AUTOGRAD


# ---------------------------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------------------------

_STATEMENTS = (
    ast.FunctionDef, ast.Return, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.While,
    ast.If, ast.With, ast.Raise, ast.Try, ast.Assert, ast.Pass, ast.Break, ast.Continue,
    ast.Expr, ast.Delete, ast.Nonlocal,
)  # fmt: skip
_EXPRESSIONS = (
    ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Dict, ast.Set, ast.List, ast.Tuple,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Compare, ast.Call,
    ast.Constant, ast.Attribute, ast.Subscript, ast.Slice, ast.Starred, ast.Name, ast.Lambda,
    ast.NamedExpr, ast.JoinedStr, ast.FormattedValue,
)  # fmt: skip
_PARTS = (
    ast.arguments, ast.arg, ast.keyword, ast.comprehension, ast.withitem, ast.ExceptHandler,
    ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop,
)  # fmt: skip
_REFUSED = {
    ast.Import: "import (torch, F and math are already there; other modules cannot be used)",
    ast.ImportFrom: "import (torch, F and math are already there; other modules cannot be used)",
    ast.Global: "a global statement (a graded function keeps its state in its own locals)",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.Await: "await",
    ast.AsyncFunctionDef: "async def",
    ast.AsyncFor: "async for",
    ast.AsyncWith: "async with",
    ast.ClassDef: "a class (only a torch.autograd.Function subclass, where autograd is allowed)",
}
_CODE_FROM_TEXT = {"exec", "eval", "compile", "__import__", "breakpoint"}
_NAMESPACES = {"globals", "locals", "vars", "dir"}
_NAMED_ONLY = {"getattr", "hasattr"}  # only called directly, with a literal attribute name


class Refused(Exception):
    """A construct outside the allowlist: ``message`` names it and the rule, at ``line``."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message, self.line = message, line


@functools.cache
def _module_members():
    """Names of torch's, F's and math's members: a graded function may not assign them."""
    import importlib

    return frozenset(n for m in MODULES.values() for n in dir(importlib.import_module(m)))


def _assignable(name):
    return name not in _module_members() or name in ("grad", "data", "requires_grad")


class _Walker:
    """Checks one piece (a def, a class) against the grammar; collects the globals it reads."""

    def __init__(self, exercise_id, ctx=None):
        self.exercise_id = exercise_id
        self.attributes = allowed_attributes(exercise_id)
        self.ctx = ctx  # an autograd.Function method's first parameter: its own fields are free
        self.bound = set()
        self.direct = set()  # ids of the getattr/hasattr names that are called directly
        self.free = []  # (name, line): read, never bound here

    def piece(self, node):
        self.bound = _bound_names(node)
        self.visit(node)
        return self.free

    def visit(self, node):
        line = getattr(node, "lineno", None)
        kind = type(node)
        if kind in _REFUSED:
            raise Refused(f"{_REFUSED[kind]} is not allowed in a graded function", line)
        if not isinstance(node, _STATEMENTS + _EXPRESSIONS + _PARTS):
            raise Refused(f"`{kind.__name__}` syntax is not allowed in a graded function", line)
        handler = getattr(self, f"visit_{kind.__name__}", None)
        if kind is ast.Attribute:  # innermost first: torch._VF.x is refused for `._VF`
            self.visit(node.value)
            handler(node)
            return
        if handler is not None:
            handler(node)
        for child in ast.iter_child_nodes(node):
            self.visit(child)

    def visit_Name(self, node):
        name = node.id
        _refuse_dunder(name, node.lineno)
        if name in _CODE_FROM_TEXT:
            raise Refused(
                f"`{name}` runs code from text, which a graded function may not do", node.lineno
            )
        if name in _NAMESPACES:
            raise Refused(
                f"`{name}()` reads a namespace, which a graded function may not do", node.lineno
            )
        if name in _NAMED_ONLY and name not in self.bound and id(node) not in self.direct:
            raise Refused(f"`{name}` may only be called directly, with a literal name", node.lineno)
        if isinstance(node.ctx, ast.Load) and name not in self.bound:
            self.free.append((name, node.lineno))

    def visit_Attribute(self, node):
        name = node.attr
        if name.startswith("_"):
            raise Refused(
                f"the attribute `.{name}`: names starting with _ are private to torch and Python",
                node.lineno,
            )
        on_ctx = isinstance(node.value, ast.Name) and node.value.id == self.ctx
        if name not in self.attributes and not on_ctx:
            raise Refused(
                f"the attribute `.{name}` is not in the allowlist for {self.exercise_id}"
                " (elementary tensor operations, math and the exercise's own extras)",
                node.lineno,
            )
        if isinstance(node.ctx, (ast.Store, ast.Del)) and not on_ctx and not _assignable(name):
            raise Refused(f"assigning `.{name}` would change torch or math itself", node.lineno)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in _NAMED_ONLY and func.id not in self.bound:
            self.direct.add(id(func))
            if len(node.args) < 2 or not _literal_name(node.args[1]):
                raise Refused(f"`{func.id}` with a computed name is not allowed", node.lineno)
            probe = ast.Attribute(
                ast.Constant(None), node.args[1].value, ast.Load(), lineno=node.lineno
            )
            self.visit_Attribute(probe)

    def visit_Raise(self, node):
        exc = node.exc
        if isinstance(exc, ast.Call):
            if (
                node.cause is not None
                or not all(_literal_text(a) for a in exc.args)
                or exc.keywords
            ):
                raise Refused(_MESSAGE_RULE.format(what="a raise"), node.lineno)
        elif exc is not None and not isinstance(exc, ast.Name):
            raise Refused(_MESSAGE_RULE.format(what="a raise"), node.lineno)

    def visit_Assert(self, node):
        if node.msg is not None and not _literal_text(node.msg):
            raise Refused(_MESSAGE_RULE.format(what="an assert"), node.lineno)

    def visit_FunctionDef(self, node):
        _refuse_dunder(node.name, node.lineno)


def _refuse_dunder(name, line):
    if name.startswith("__"):
        raise Refused(f"the name `{name}`: names starting with __ are Python's internals", line)


_MESSAGE_RULE = (
    '{what} whose message is built from values (only a literal text, e.g. raise ValueError("x must be 2-D"),'
    " so that no message can carry hidden inputs out)"
)


def _literal_name(node):
    return isinstance(node, ast.Constant) and type(node.value) is str


def _literal_text(node):
    return isinstance(node, ast.Constant) and type(node.value) in (str, int, float)


def _bound_names(piece):
    """Every name the piece binds anywhere (parameters, assignments, loops, defs, except ... as)."""
    bound = set()
    for node in ast.walk(piece):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node is not piece:
            bound.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Nonlocal):
            bound.update(node.names)
    return bound


# ---------------------------------------------------------------------------------------------
# Taking the pieces out of a notebook
# ---------------------------------------------------------------------------------------------


@dataclass
class Piece:
    """A top-level def, class or constant of the notebook: its source and where it came from."""

    name: str
    kind: str  # "def", "class" or "constant"
    source: str
    cell: int
    line: int
    node: object = None


@dataclass
class Program:
    """What the child runs for one exercise: the source of its pieces, constants first."""

    exercise_id: str
    source: str
    pieces: list  # the Pieces, for flags (cell and line)


def top_level_pieces(cells):
    """name -> the last Piece that binds it at the top level, in notebook order (as Run All would
    leave it). A name bound last by anything else (an assignment of a non-literal, an import) maps
    to None: it cannot be taken out."""
    pieces = {}
    for number, source in cells:
        for name, kind, text, line, node in cell_bindings(source):
            pieces[name] = Piece(name, kind, text, number, line, node) if kind else None
    return pieces


_CACHED_CELL_CHARS = 20_000  # the course's own cells repeat in every submission: parsed once


def cell_bindings(source):
    """(name, kind, source text, line, node) for each top-level name the cell binds, in order;
    empty when the cell does not parse. The nodes are shared: read them, never change them."""
    if len(source) <= _CACHED_CELL_CHARS:
        return _cached_bindings(source)
    return _bindings(source)


def _bindings(source):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    found = []
    for node in tree.body:
        for name, kind in _binds(node):
            text = None
            if kind:
                text = ast.get_source_segment(source, node, padded=False) or ""
                if getattr(node, "decorator_list", None):
                    start = node.decorator_list[0].lineno
                    text = "\n".join(source.splitlines()[start - 1 : node.end_lineno])
            found.append((name, kind, text, node.lineno, node))
    return tuple(found)


_cached_bindings = functools.lru_cache(maxsize=1024)(_bindings)


def _binds(node):
    """(name, kind) for each top-level name the statement binds; kind None when it cannot be taken."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [(node.name, "def")]
    if isinstance(node, ast.ClassDef):
        return [(node.name, "class")]
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        literal = node.value is not None and _is_literal(node.value)
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            return [(targets[0].id, "constant" if literal else None)]
        return [(n.id, None) for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [((a.asname or a.name).split(".")[0], None) for a in node.names]
    if isinstance(node, (ast.For, ast.With, ast.AugAssign)):
        return [
            (n.id, None)
            for n in ast.walk(node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        ]
    return []


def _is_literal(node):
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def extract(cells, exercise_id, pieces=None):
    """The Program for ``exercise_id`` from ``cells`` [(cell number, source)] (or their
    ``top_level_pieces``, when already taken); raises Refused with a message in the learner's terms
    (what was found, where, and the rule) when it cannot be graded. Raises KeyError when the
    notebook defines no such function."""
    pieces = top_level_pieces(cells) if pieces is None else pieces
    return _program(exercise_id, pieces)


def _program(exercise_id, pieces):
    root = pieces[exercise_id]  # KeyError when it is not there
    if root is None or root.kind != "def":
        raise Refused(f"{exercise_id} is not defined with `def` at the top level of a cell")
    taken, queue = {}, [exercise_id]
    while queue:
        name = queue.pop()
        if name in taken:
            continue
        piece = taken[name] = pieces[name]
        for free, line in _check_piece(piece, exercise_id):
            if free in taken or free in queue or free in _provided(exercise_id):
                continue
            found = pieces.get(free)
            if found is None:
                raise Refused(_where(piece, line) + _not_taken(free))
            queue.append(free)
    order = {"constant": 0, "class": 1, "def": 2}
    chosen = sorted(taken.values(), key=lambda p: (order[p.kind], p.cell, p.line))
    source = "\n\n".join(p.source for p in chosen) + "\n"
    return Program(exercise_id, source, chosen)


def _provided(exercise_id):
    """The names a graded function finds without taking them from the notebook."""
    return BUILTINS | set(MODULES) | set(EXTRA_NAMES.get(exercise_id, {}))


def _not_taken(name):
    return (
        f"`{name}` is a global that is not taken from your notebook: a graded function can use its "
        "own locals, functions and literal constants defined at the top of a cell, torch, F and math"
    )


def _where(piece, line=None):
    line = piece.line if line is None else piece.line + line - 1
    return f"cell {piece.cell}, line {line}: " if piece.cell is not None else f"{piece.name}: "


def _check_piece(piece, exercise_id):
    """The globals the piece reads; raises Refused (with its cell and line) for a refused construct."""
    try:
        return _free_names(piece.source, piece.kind, exercise_id)
    except SyntaxError as exc:  # a decorator spanning lines oddly...
        raise Refused(_where(piece) + f"{piece.name} could not be read ({exc.msg})") from None
    except Refused as exc:
        raise Refused(_where(piece, exc.line) + exc.message, exc.line) from None
    except RecursionError:
        raise Refused(_where(piece) + f"{piece.name} is nested too deeply to be read") from None


@functools.lru_cache(maxsize=1024)
def _free_names(source, kind, exercise_id):
    """(name, line) for each global a piece's source reads (a tuple: the same source, the same walk,
    whichever notebook it comes from); raises Refused for a refused construct."""
    node = ast.parse(source).body[0]
    if kind == "constant":
        return ()
    if kind == "class":
        return tuple(_check_class(node, exercise_id))
    return tuple(_Walker(exercise_id).piece(node))


def _check_class(node, exercise_id):
    """A torch.autograd.Function subclass with static methods only, where autograd is allowed."""
    base = node.bases[0] if len(node.bases) == 1 and not node.keywords else None
    dotted = ast.unparse(base) if base is not None else ""
    if exercise_id in AUTOGRAD_FORBIDDEN or dotted not in ("torch.autograd.Function",):
        raise Refused(_REFUSED[ast.ClassDef] + " is not allowed in a graded function", node.lineno)
    free = []
    for item in node.body:
        if isinstance(item, ast.Expr) and _literal_name(item.value):
            continue  # the docstring
        staticmethod_only = [ast.unparse(d) for d in getattr(item, "decorator_list", [])] == [
            "staticmethod"
        ]
        if not isinstance(item, ast.FunctionDef) or not staticmethod_only:
            raise Refused(
                "an autograd.Function may hold only @staticmethod functions (forward, backward...)",
                item.lineno,
            )
        params = item.args.posonlyargs + item.args.args
        ctx = params[0].arg if params else None
        rebound = any(
            isinstance(n, ast.Name) and n.id == ctx and not isinstance(n.ctx, ast.Load)
            for n in ast.walk(item)
        )
        free += _Walker(exercise_id, None if rebound else ctx).piece(item)
    return [(name, line) for name, line in free if name != "torch"]


# ---------------------------------------------------------------------------------------------
# Compiling (in the child) and the notebook's own check()
# ---------------------------------------------------------------------------------------------


def _without_annotations(tree):
    """Annotations are not run: they are dropped (so a type hint needs no allowlist entry)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            for arg in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
                arg.annotation = None
            for arg in (node.args.vararg, node.args.kwarg):
                if arg is not None:
                    arg.annotation = None
            if isinstance(node, ast.FunctionDef):
                node.returns = None
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            node.annotation = ast.Constant(None)
        elif isinstance(node, ast.AnnAssign):
            node.annotation, node.value = ast.Constant(None), None
    return tree


def compile_program(source, filename):
    """The code object of a Program's source, annotations dropped (nothing else changes)."""
    tree = ast.fix_missing_locations(_without_annotations(ast.parse(source, filename)))
    return compile(tree, filename, "exec")


def program_globals(exercise_id):
    """The only globals a graded function sees: MODULES, the exercise's EXTRA_NAMES and BUILTINS."""
    import importlib

    allowed = {name: getattr(builtins, name) for name in BUILTINS if hasattr(builtins, name)}
    namespace = {name: importlib.import_module(module) for name, module in MODULES.items()}
    for name, where in EXTRA_NAMES.get(exercise_id, {}).items():
        module, _, member = where.partition(":")
        value = importlib.import_module(module)
        namespace[name] = getattr(value, member) if member else value
    allowed["__build_class__"] = builtins.__build_class__  # for an autograd.Function subclass
    namespace["__builtins__"] = allowed
    namespace["__name__"] = "graded"
    return namespace


def load_program(source, filename, exercise_id):
    """Run a Program's source (defs and constants only) in fresh globals; return the function."""
    namespace = program_globals(exercise_id)
    exec(compile_program(source, filename), namespace)
    return namespace[exercise_id]


def function_problem(exercise_id, fn):
    """The notebook's check(): None when ``fn`` and what it reads pass the same walk the grader
    runs, else the message that says what was refused. Reads the source (``inspect``) and, for the
    globals it reads, the function's own globals: a function defined there is walked too.

    Only a function defined in a notebook (module ``__main__``) is walked, as only those are
    graded; a library's or a test module's function goes straight to the checker."""
    if getattr(fn, "__module__", None) != "__main__":
        return None
    try:
        _program(exercise_id, _pieces_from_globals(exercise_id, fn))
    except Refused as exc:
        return exc.message
    except (OSError, TypeError, SyntaxError):
        pass  # no source to read (a function made in an odd way): the grader will say
    return None


def _pieces_from_globals(exercise_id, fn):
    import inspect
    import textwrap

    names = dict(getattr(fn, "__globals__", {}))
    try:
        names.update(inspect.getclosurevars(fn).nonlocals)
    except (TypeError, ValueError):
        pass
    names[exercise_id] = fn
    pieces = {}
    pending = [exercise_id]
    while pending:
        name = pending.pop()
        if name in pieces:
            continue
        value = names.get(name)
        if inspect.isfunction(value) or inspect.isclass(value):
            source = textwrap.dedent(inspect.getsource(value))
            kind = "def" if inspect.isfunction(value) else "class"
            pieces[name] = Piece(name, kind, source, None, 1)
            tree = ast.parse(source)
            pending += [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]
        elif value is not None and _plain_constant(value):
            pieces[name] = Piece(name, "constant", f"{name} = {value!r}", None, 1)
        elif name in names and name not in _provided(exercise_id):
            pieces[name] = None
    return pieces


def _plain_constant(value):
    if type(value) in (int, float, complex, str, bytes, bool):
        return True
    if type(value) in (tuple, list, set, frozenset):
        return all(_plain_constant(v) for v in value)
    if type(value) is dict:
        return all(_plain_constant(k) and _plain_constant(v) for k, v in value.items())
    return False
