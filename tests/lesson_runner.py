"""Run a learner notebook's code cells in this process, as a kernel would, and record what it asks.

Used by the paste test (``test_exercise_leaks.py``: the namespace a learner has at each exercise)
and the size-collision test (``test_question_sizes.py``: every prediction's set-up). One run per
lesson per pytest process, shared by both. The run stops after the last cell that either test reads
(an exercise's check, a ``check_shapes``, or a ``check_prediction`` whose answer is not a letter):
later cells cannot change what is recorded, and some of them train (lessons 09, 13, 15, 16). A
multiple-choice answer is a letter, which neither test reads, so a cell that only asks one does not
keep the run going. ``test_learner_notebooks.py`` runs every cell of every learner notebook in a
kernel. A training that this run's kernels have done already (lesson 15's) is put back from the
run's training memo instead of done again (``training_memo.py``).
"""

import ast
import contextlib
import functools
import io
import re
from dataclasses import dataclass, field

import training_memo  # beside this file (tests/ is on sys.path)

CHECK = re.compile(r"^\s*check\(\s*[\"'](\w+)[\"']\s*,\s*(\w+)\s*\)\s*$")
RECORDED = re.compile(r"\b(check|check_shapes|check_prediction)\s*\(")  # a call the run records


@dataclass
class LessonRun:
    """What running a learner notebook saw.

    namespaces: {index of an exercise cell: (exercise id, function name, the namespace just before it)}
    shape_calls: (question id, module, input) of every check_shapes call
    predictions: (question id, actual) of every check_prediction call
    """

    namespaces: dict = field(default_factory=dict)
    shape_calls: list = field(default_factory=list)
    predictions: list = field(default_factory=list)
    running: bool = True


def exercises(notebook):
    """(index of the exercise cell, exercise id, function name) for every one-line check cell."""
    found = []
    for i, cell in enumerate(notebook.cells):
        match = CHECK.match(cell.source) if cell.cell_type == "code" else None
        if match:
            exercise_id, name = match.groups()
            where = max(
                j
                for j in range(i)
                if notebook.cells[j].cell_type == "code"
                and re.search(rf"^def {name}\(", notebook.cells[j].source, re.M)
            )
            found.append((where, exercise_id, name))
    return found


@contextlib.contextmanager
def _recording(run):
    from rnn_course import predict

    real_shapes, real_prediction = predict.check_shapes, predict.check_prediction

    def check_shapes(question_id, guess, module, input, hx=None):
        if run.running:  # not the calls of code pasted into an exercise afterwards
            run.shape_calls.append((question_id, module, input))
        return real_shapes(question_id, guess, module, input, hx)

    def check_prediction(question_id, guess, actual):
        if run.running:
            run.predictions.append((question_id, predict._plain(actual)))
        return real_prediction(question_id, guess, actual)

    predict.check_shapes, predict.check_prediction = check_shapes, check_prediction
    try:
        yield
    finally:
        predict.check_shapes, predict.check_prediction = real_shapes, real_prediction


@contextlib.contextmanager
def _torch_state_kept():
    """Put back the process-wide torch settings a lesson may change, so later tests in this worker
    see torch as it started: lesson 14 turns on flush-to-zero, which makes hypothesis refuse to
    draw floats in any test that runs after it."""
    import torch

    dtype, grad, threads = (
        torch.get_default_dtype(),
        torch.is_grad_enabled(),
        torch.get_num_threads(),
    )
    rng = torch.random.get_rng_state()
    try:
        yield
    finally:
        torch.set_flush_denormal(False)  # torch has no getter; a fresh process starts with it off
        torch.set_default_dtype(dtype)
        torch.set_grad_enabled(grad)
        torch.set_num_threads(threads)
        torch.random.set_rng_state(rng)


def last_recorded_cell(notebook):
    """The index of the last code cell whose record either test reads (-1 if none): one that calls
    ``check`` or ``check_shapes``, or ``check_prediction`` for a question that is not multiple
    choice. The cells after it cannot change what a ``LessonRun`` records and the tests read."""
    return max(
        (
            i
            for i, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and RECORDED.search(cell.source) and not _letters_only(cell)
        ),
        default=-1,
    )


def questions_named(source):
    """{question id: Question} for every registered question id the code ``source`` names as a
    string (raises SyntaxError for code that is not Python)."""
    from rnn_course import predict

    named = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            entry = predict.question(node.value)
            if entry is not None:
                named[node.value] = entry
    return named


def _letters_only(cell):
    """Whether the cell's only recorded calls are ``check_prediction`` of multiple-choice questions
    (by the question ids it names, ``questions_named``)."""
    if {match.group(1) for match in RECORDED.finditer(cell.source)} != {"check_prediction"}:
        return False
    try:
        asked = questions_named(cell.source).values()
    except SyntaxError:
        return False
    return bool(asked) and all(entry.options for entry in asked)


@functools.lru_cache(maxsize=None)
def run_lesson(learner_path):
    """Execute the learner notebook at ``learner_path`` from the top to its last recorded cell
    (``last_recorded_cell``); a cell that raises is skipped."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnn_course import release

    notebook = release.read_notebook(learner_path)
    wanted = {where: (eid, name) for where, eid, name in exercises(notebook)}
    run, namespace = LessonRun(), {"__name__": "__lesson__"}
    last = last_recorded_cell(notebook)
    with _recording(run), _torch_state_kept(), training_memo.installed(training_memo.folder()):
        for index, cell in enumerate(notebook.cells[: last + 1]):
            if cell.cell_type != "code":
                continue
            if index in wanted:
                run.namespaces[index] = (*wanted[index], dict(namespace))
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(Exception):
                exec(compile(cell.source, f"<{learner_path.name} cell {index}>", "exec"), namespace)
            plt.close("all")
    run.running = False
    return run
