"""No lesson solves an exercise before the learner is asked to write it.

The paste test does what a learner in a hurry would do. It runs a learner notebook's code cells in
order, in one namespace (as a kernel would), and at each exercise it pastes into the exercise's
function, one at a time:

- the code of every code cell above the exercise, without the lines a learner would drop (asserts,
  prints, plots, and assignments to the function's own arguments), returning any name the cell
  assigns (or a pair of them, for an exercise that returns two tensors);
- the code in every hint but the last (the spans in backticks that parse as Python).

The checker must fail every one of those functions. A demonstration may use ``nn.RNN`` and the
reference twins as black boxes, or compute something the exercise does not ask for; it may not
compute what the exercise asks for.
"""

import ast
import contextlib
import copy
import functools
import io
import itertools
import re
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from rnn_course import release
from rnn_course.exercises import check, get_exercise

sys.path.insert(0, str(Path(__file__).parent))
from lesson_runner import exercises, run_lesson  # noqa: E402  (tests/ is not a package)

KEYS = release.answer_keys(release.default_notebooks_dir())
CODE_SPAN = re.compile(r"`([^`]+)`")

# Known exceptions still to fix, each with its reason (an xfail, not a pass); keep it empty.
NOT_YET_FIXED = {}


class _DropLearnerNoise(ast.NodeTransformer):
    """Remove what a learner would not paste: asserts, prints, plots and figure lines."""

    NOISE = re.compile(r"^(print|plt\.|fig\b|display|torch\.testing\.|graphs\.|layouts\.|viz\.)")

    def visit_Assert(self, node):
        return None

    def visit_Expr(self, node):
        return None if self.NOISE.match(ast.unparse(node)) else node

    def visit_Assign(self, node):
        return None if self.NOISE.match(ast.unparse(node.value)) else node

    def generic_visit(self, node):
        """A loop, ``if`` or ``with`` whose body was all noise keeps a ``pass``: an empty body is not
        Python, and the probe and the pasted function would fail to compile."""
        node = super().generic_visit(node)
        if not isinstance(node, ast.Module) and getattr(node, "body", None) == []:
            node.body = [ast.Pass()]
        return node


def _assigned(statements):
    names = []
    for node in ast.walk(ast.Module(body=statements, type_ignores=[])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
            names.append(node.id)
    return names


def _keeps_arguments(statement, arguments):
    """False for a statement that overwrites one of the function's arguments at the top level."""
    if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        stored = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        return not stored & set(arguments)
    return True


def pasted_bodies(source, arguments):
    """The statements a learner would paste from ``source``, or None if it is not Python."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    tree = ast.fix_missing_locations(_DropLearnerNoise().visit(tree))
    body = [s for s in tree.body if _keeps_arguments(s, arguments)]
    return body or None


def _names(node, ctx):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}


def sliced(body, results):
    """The statements of ``body`` that the names in ``results`` depend on: what a learner copies."""
    needed, kept = set(results), []
    for statement in reversed(body):
        if _names(statement, ast.Store) & needed or isinstance(
            statement, (ast.FunctionDef, ast.Import, ast.ImportFrom)
        ):
            kept.insert(0, statement)
            needed |= _names(statement, ast.Load)
    return kept


LAST = "__last__"


def candidate_results(body, arguments, returns_pair):
    """What a pasted body might return: each name it assigns, each pair of them for an exercise that
    returns two tensors, and its last expression (as ``__last__``)."""
    names = [n for n in _assigned(body) if n not in arguments]
    results = [(n,) for n in names]
    if returns_pair:
        results += list(itertools.permutations(names, 2))
    if isinstance(body[-1], ast.Expr):
        results.append((LAST,))
    return results


def candidate_function(name, arguments, body, result):
    """The source of ``def name(arguments)`` pasted from ``body`` and returning ``result``.

    The body is cut down to the statements the returned names depend on, as a learner would copy
    only the lines that compute them.
    """
    if result == (LAST,):
        kept, value = body[:-1], ast.unparse(body[-1].value)
    else:
        kept = sliced(body, result)
        value = result[0] if len(result) == 1 else f"({', '.join(result)})"
    code = ast.unparse(ast.Module(body=kept, type_ignores=[])) if kept else "pass"
    inner = "\n".join("    " + line for line in code.splitlines())
    return f"def {name}({', '.join(arguments)}):\n{inner}\n    return {value}\n"


def _probe(namespace, arguments, body, args):
    """Every value ``body`` computes from ``args``, each statement tried on its own (a filter only)."""
    lines = []
    for statement in body:
        if isinstance(statement, ast.Expr) and statement is body[-1]:
            statement = ast.parse(f"{LAST} = {ast.unparse(statement.value)}").body[0]
        code = ast.unparse(statement)
        lines += [
            "try:",
            *("    " + line for line in code.splitlines()),
            "except Exception:",
            "    pass",
        ]
    inner = "\n".join("    " + line for line in lines) or "    pass"
    text = f"def __probe__({', '.join(arguments)}):\n{inner}\n    return locals()\n"
    scope = dict(namespace)
    try:
        exec(compile(text, "<probe>", "exec"), scope)
        with contextlib.redirect_stdout(io.StringIO()):
            return scope["__probe__"](*copy.deepcopy(args))
    except Exception:
        return {}


def _close(value, expected):
    import torch

    if isinstance(expected, torch.Tensor):
        return (
            isinstance(value, torch.Tensor)
            and value.shape == expected.shape
            and torch.allclose(value.double(), expected.double(), rtol=1e-5, atol=1e-6)
        )
    if isinstance(expected, dict):
        return (
            isinstance(value, dict)
            and value.keys() == expected.keys()
            and all(_close(value[k], expected[k]) for k in expected)
        )
    if isinstance(expected, tuple):
        return (
            isinstance(value, tuple)
            and len(value) == len(expected)
            and all(map(_close, value, expected))
        )
    return True  # another kind of answer: let the checker decide


def _plausible(results, values, expected):
    """The results whose values match the checker's first case (all of them if nothing could run)."""
    if not values:
        return results
    kept = []
    for result in results:
        if all(r in values for r in result):
            value = values[result[0]] if len(result) == 1 else tuple(values[r] for r in result)
            if _close(value, expected):
                kept.append(result)
    return kept


def _returns_pair(exercise_id):
    """Whether the exercise returns a tuple, "-> (output, h_n)"."""
    return get_exercise(exercise_id).signature.split("->")[-1].strip().startswith("(")


def _leaks(namespace, exercise_id, name, arguments, body):
    """The candidate functions built from ``body`` that pass the checker."""
    first = get_exercise(exercise_id).cases()[0]
    results = candidate_results(body, arguments, _returns_pair(exercise_id))
    values = _probe(namespace, arguments, body, first.args)
    passed = []
    for result in _plausible(results, values, first.expected):
        text = candidate_function(name, arguments, body, result)
        scope = dict(namespace)
        try:
            exec(compile(text, f"<pasted into {name}>", "exec"), scope)
        except Exception:
            continue
        if _passes(exercise_id, scope[name]):
            passed.append(text)
    return passed


def _passes(exercise_id, fn):
    """Whether ``fn`` passes the checker. The search for the likely mistake is switched off
    (``verdict_only``): it runs only after a failure and never changes the verdict, and a pasted
    cell that fails (a central-difference loop, say) would otherwise run again on every altered
    input."""
    with contextlib.redirect_stdout(io.StringIO()):
        return check(exercise_id, fn, verdict_only=True).passed


def _function_arguments(source, name):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return [a.arg for a in node.args.args]
    raise AssertionError(f"no def {name} in the exercise cell")


def _hint_code(exercise_id):
    """The backticked spans of every hint but the last that parse as Python statements."""
    hints = get_exercise(exercise_id).hints
    spans = []
    for hint in hints[:-1]:
        for span in CODE_SPAN.findall(hint):
            with contextlib.suppress(SyntaxError):
                spans.append(ast.parse(span).body)
    return spans


@functools.cache
def _answers_differ(exercise_id):
    """Whether two of the exercise's cases expect different answers, so that a function that never
    reads its arguments (and so answers every case alike) cannot pass."""
    expected = [case.expected for case in get_exercise(exercise_id).cases()]
    return any(not _close(a, b) for a, b in itertools.combinations(expected, 2))


def _could_pass(body, arguments, exercise_id):
    """False for a pasted body that reads none of the function's arguments when the cases expect
    different answers: it cannot pass, and running it (lesson 15's training cell) costs seconds."""
    reads = set().union(*(_names(statement, ast.Load) for statement in body))
    return bool(reads & set(arguments)) or not _answers_differ(exercise_id)


def paste_report(key):
    """Every (exercise, where, pasted function) of a lesson that passes its checker."""
    learner = release.learner_path(key)
    notebook = release.read_notebook(learner)
    leaks = []
    for index, (exercise_id, name, namespace) in run_lesson(learner).namespaces.items():
        arguments = _function_arguments(notebook.cells[index].source, name)
        for above, earlier in enumerate(notebook.cells[:index]):
            body = pasted_bodies(earlier.source, arguments) if earlier.cell_type == "code" else None
            if body and _could_pass(body, arguments, exercise_id):
                leaks += [
                    (exercise_id, f"cell {above}", text)
                    for text in _leaks(namespace, exercise_id, name, arguments, body)
                ]
        for level, body in enumerate(_hint_code(exercise_id), start=1):
            leaks += [
                (exercise_id, f"a hint's code {level}", text)
                for text in _leaks(namespace, exercise_id, name, arguments, body)
            ]
    return leaks


def _lessons_with_exercises():
    return [k for k in KEYS if exercises(release.read_notebook(k))]


CLAUSE = re.compile(r"[.;:,]\s+|\s+(?:and|is|are|then|or|gives|to)\s+")


def _code_spans(text):
    """The pieces of ``text`` that parse as Python: backticked spans, and clauses of plain prose
    (a hint may write code without backticks)."""
    spans = []
    for span in CODE_SPAN.findall(text) + [c.strip() for c in CLAUSE.split(text.replace("`", ""))]:
        with contextlib.suppress(SyntaxError, ValueError):
            spans.append((span, ast.parse(span)))
    return spans


def pasteable(span_tree, arguments):
    """Whether a span is code a learner could paste: it computes (an operator or a call) with two or
    more of the exercise's arguments."""
    computes = any(isinstance(n, (ast.BinOp, ast.Call, ast.MatMult)) for n in ast.walk(span_tree))
    used = {n.id for n in ast.walk(span_tree) if isinstance(n, ast.Name)} & set(arguments)
    return computes and len(used) >= 2


def _hint_params():
    from rnn_course.exercises import exercise_ids

    params = []
    for exercise_id in exercise_ids():
        reason = NOT_YET_FIXED.get(exercise_id)
        marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
        params.append(pytest.param(exercise_id, id=exercise_id, marks=marks))
    return params


@pytest.mark.parametrize("exercise_id", _hint_params())
def test_no_hint_but_the_last_shows_code_that_computes_with_the_arguments(exercise_id):
    exercise = get_exercise(exercise_id)
    for level, text in enumerate(exercise.hints[:-1], start=1):
        for span, tree in _code_spans(text):
            assert not pasteable(tree, exercise.arg_names), (
                f"hint {level} of {exercise_id} shows code to paste: `{span}`"
            )


def test_the_hint_check_catches_the_gate_code_it_was_written_for():
    arguments = ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
    gates = ast.parse("x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh")
    assert pasteable(gates, arguments)
    assert not pasteable(ast.parse("x[t - 1]"), arguments)
    assert not pasteable(ast.parse(".T".lstrip(".")), arguments)
    hint = (
        "Compute them at once: x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh is (N, 4*H)."
    )
    assert any(pasteable(tree, arguments) for _, tree in _code_spans(hint))


@pytest.mark.parametrize("key", _lessons_with_exercises(), ids=lambda k: k.stem)
def test_no_cell_above_an_exercise_and_no_hint_but_the_last_solves_it(key):
    leaks = paste_report(key)
    assert not leaks, "\n\n".join(
        f"{key.stem}: {where}, pasted into {eid}, passes its checker:\n{text}"
        for eid, where, text in leaks
    )


def test_the_paste_test_catches_a_demonstration_that_computes_the_exercise():
    demo = (
        "cell = nn.RNNCell(3, 4)\n"
        "weight_ih, weight_hh = cell.weight_ih.detach(), cell.weight_hh.detach()\n"
        "x = torch.randn(2, 3)\n"
        "h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)\n"
        "assert h_next.shape == (2, 4)\n"
        "print(h_next)\n"
    )
    arguments = ["x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    import torch
    from torch import nn

    namespace = {"torch": torch, "nn": nn}
    body = pasted_bodies(demo, arguments)
    assert _leaks(namespace, "rnn_cell", "rnn_cell", arguments, body)
    printed = demo + "for row in h_next:\n    print(row)\n"  # a loop left empty once prints go
    body = pasted_bodies(printed, arguments)
    assert "h_next" in _probe(namespace, arguments, body, get_exercise("rnn_cell").cases()[0].args)
    assert _leaks(namespace, "rnn_cell", "rnn_cell", arguments, body)
    assert _could_pass(body, arguments, "rnn_cell")
    ignores = pasted_bodies("w = torch.randn(4, 3)\nh_next = torch.tanh(w.sum(0))\n", arguments)
    assert _answers_differ("rnn_cell") and not _could_pass(ignores, arguments, "rnn_cell")
    black_box = "cell = nn.RNNCell(3, 4)\nh_next = cell(x, h)\n"
    body = pasted_bodies(black_box, arguments)
    assert not _leaks(namespace, "rnn_cell", "rnn_cell", arguments, body)


# --- the verdict without the mistake search, which the paste test relies on ------------------


def _cell_right(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def _cell_right_linear(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))


def _cell_weight_hh_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh + bias_hh)


def _cell_without_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh


def _cell_raises(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih + bias_ih + h @ weight_hh.T + bias_hh)  # (N, H_in) @ (H, H_in)


def _cell_axes_swapped(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return _cell_right(x, h, weight_ih, weight_hh, bias_ih, bias_hh).T  # (H, N)


@pytest.mark.parametrize(
    "fn, mistake",
    [
        (_cell_right, None),
        (_cell_right_linear, None),
        (_cell_weight_hh_transposed, "transposed_weight_hh"),  # the values stage
        (_cell_without_tanh, "without_tanh"),
        (_cell_raises, "error_as_cause"),  # the error stage
        (_cell_axes_swapped, "relation_to_torch"),  # the structure stage
        ("not a function", "unnamed"),
    ],
    ids=[
        "right",
        "right_linear",
        "transposed",
        "no_tanh",
        "raises",
        "axes_swapped",
        "not_callable",
    ],
)
def test_verdict_only_gives_the_same_verdict_without_searching_for_the_mistake(fn, mistake):
    full = check("rnn_cell", fn)
    quick = check("rnn_cell", fn, verdict_only=True)
    assert (quick.passed, quick.status, quick.points) == (full.passed, full.status, full.points)
    assert full.passed == (mistake is None)
    assert full.mistake == mistake and quick.mistake is None
    assert not any(line.startswith("likely mistake") for line in quick.feedback)
    named = full.feedback[0].startswith("likely mistake: ")
    assert named == (mistake not in (None, "unnamed"))
    assert quick.feedback == full.feedback[named:]  # the stage's own lines, the search's left out
