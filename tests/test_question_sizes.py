"""Sizes never collide in a prediction's set-up, so that a swapped axis or a wrong rule cannot pass.

Every lesson that may ask a shape is run (``lesson_runner``) and every prediction it asks is
recorded. For the shapes of an ``nn.RNN`` call (``check_shapes``) the sizes the shapes name (L, N,
H_in, H, D * num_layers and, with two directions, D * H) must all differ. For any other shape
answer, the numbers of each shape must differ. A size of 1 is left out: one layer and one direction
is a rule, not a coincidence.

A lesson whose questions are all multiple choice (a letter) or numbers (``rel_tol``) asks no shape,
which the question registry says without running it (``asks_for_a_shape``); such a lesson is not
run here (lesson 14 trains for a minute). Any other question kind makes the lesson run.
"""

import importlib
import numbers
import sys
from pathlib import Path

import pytest

from rnn_course import predict, release

sys.path.insert(0, str(Path(__file__).parent))
from lesson_runner import questions_named, run_lesson  # noqa: E402  (tests/ is not a package)

KEYS = release.answer_keys(release.default_notebooks_dir())

# Answers whose shape names one size twice by its nature, not by a choice of sizes, and answers
# that are tuples of numbers but not shapes.
SQUARE_BY_DESIGN = {
    "05.parameter_tensors": "weight_ih_l2 of a stack is (H, H)",
    "08.grad_shapes": "the gradient of weight_hh is (H, H)",
    "10.batch_sizes": "a list of batch sizes, not a shape",
}

# Known exceptions still to fix, each with its reason (an xfail, not a pass); keep it empty.
NOT_YET_FIXED = {}


def _waived(key):
    reason = NOT_YET_FIXED.get(key.stem)
    marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
    return pytest.param(key, id=key.stem, marks=marks)


def named_sizes(module, input):
    """{letter: size} for ``module(input)``, with torch's letters."""
    D = 2 if module.bidirectional else 1
    shape = tuple(input.shape)
    sizes = {
        "H_in": module.input_size,
        "H": module.hidden_size,
        "D*num_layers": D * module.num_layers,
    }
    if D == 2:
        sizes["D*H"] = D * module.hidden_size
    if len(shape) == 3:
        sizes["N"], sizes["L"] = (
            (shape[0], shape[1]) if module.batch_first else (shape[1], shape[0])
        )
    else:
        sizes["L"] = shape[0]
    return sizes


def collisions(sizes):
    """Pairs of letters with the same size (sizes of 1 are left out)."""
    letters = sorted(sizes)
    return [
        f"{a} = {b} = {sizes[a]}"
        for i, a in enumerate(letters)
        for b in letters[i + 1 :]
        if sizes[a] == sizes[b] != 1
    ]


def _shapes(value):
    if isinstance(value, tuple) and value and all(type(v) is int for v in value):
        return [value]
    if isinstance(value, tuple):
        return [s for v in value for s in _shapes(v)]
    return []


def repeated_sizes(actual):
    """The shapes in an answer whose numbers (other than 1) repeat."""
    return [
        s for s in _shapes(actual) if len([v for v in s if v != 1]) != len({v for v in s if v != 1})
    ]


def asked_questions(key):
    """{question id: Question} a lesson can ask: those registered for its number
    (``rnn_course/questions/lessonNN.py``) and any registered id its learner notebook names."""
    module = importlib.import_module(f"rnn_course.questions.lesson{key.stem[:2]}")
    asked = dict(module.QUESTIONS)
    for cell in release.read_notebook(release.learner_path(key)).cells:
        if cell.cell_type == "code":
            asked.update(questions_named(cell.source))
    return asked


def is_letter_or_number(entry):
    """A multiple-choice question (answered by a letter) or a number (``rel_tol``): no shape."""
    return bool(entry.options) or entry.rel_tol > 0


def asks_for_a_shape(key):
    """Whether a lesson may ask a question whose answer is a shape (and so must be run here)."""
    return not all(is_letter_or_number(e) for e in asked_questions(key).values())


@pytest.mark.parametrize("key", [_waived(k) for k in KEYS if asks_for_a_shape(k)])
def test_every_prediction_set_up_names_distinct_sizes(key):
    """(The other lessons: test_the_lessons_not_run_ask_letters_and_numbers.)"""
    asked = asked_questions(key)
    run = run_lesson(release.learner_path(key))
    seen = {qid for qid, _, _ in run.shape_calls} | {qid for qid, _ in run.predictions}
    assert seen <= set(asked), f"{key.stem} asks {seen - set(asked)}, unseen by asked_questions"
    assert all(
        isinstance(actual, numbers.Real) and not isinstance(actual, bool)
        for qid, actual in run.predictions
        if asked[qid].rel_tol and not asked[qid].options
    ), f"{key.stem}: a question with rel_tol has an answer that is not a number"
    found = [
        f"{qid}: {', '.join(collisions(named_sizes(module, x)))}"
        for qid, module, x in run.shape_calls
        if collisions(named_sizes(module, x))
    ]
    found += [
        f"{qid}: the shape {shape} repeats a size"
        for qid, actual in run.predictions
        if qid not in SQUARE_BY_DESIGN
        for shape in repeated_sizes(actual)
    ]
    assert not found, f"{key.stem}: sizes collide in " + "; ".join(found)


def test_the_collision_check_names_the_puzzle_it_was_written_for():
    import torch
    from torch import nn

    puzzle_c = nn.RNN(input_size=3, hidden_size=7, num_layers=3, bidirectional=True)
    assert collisions(named_sizes(puzzle_c, torch.zeros(6, 3))) == ["D*num_layers = L = 6"]
    assert collisions(named_sizes(puzzle_c, torch.zeros(9, 3))) == []
    assert repeated_sizes(((4, 4, 8), (4, 3))) == [(4, 4, 8)]
    assert repeated_sizes(((4, 6, 8), (6, 3))) == []


def test_the_lessons_not_run_ask_letters_and_numbers():
    """The registry decides which lessons run: lesson 14 asks a number and letters; a question
    with neither options nor rel_tol (a shape, a tuple, True/False) makes a lesson run."""
    not_run = {key.stem[:2] for key in KEYS if not asks_for_a_shape(key)}
    assert "14" in not_run and "01" not in not_run and "04" not in not_run
    assert not is_letter_or_number(predict.Question(why="?"))
    assert is_letter_or_number(predict.Question(why="?", options=("a", "b")))
    assert is_letter_or_number(predict.Question(why="?", rel_tol=0.1))


def test_running_a_lesson_leaves_torch_as_it_was(tmp_path):
    """A lesson that turns on flush-to-zero (lesson 14 does) and changes torch's defaults: after
    run_lesson, a subnormal float survives arithmetic again (hypothesis refuses to draw floats in
    this worker otherwise)."""
    import nbformat
    import torch

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import torch\ntorch.set_flush_denormal(True)\n"
            "torch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)"
        ),
        nbformat.v4.new_code_cell(
            "from rnn_course.predict import check_prediction\n"
            "tiny = torch.tensor(1e-40, dtype=torch.float32)\n"
            "check_prediction('14.chance', 0.25, float(tiny * 1.0))"
        ),
    ]
    path = tmp_path / "14_flush.ipynb"
    nbformat.write(notebook, str(path))
    assert run_lesson(path).predictions == [("14.chance", 0.0)]  # flush-to-zero was on in the run
    tiny = torch.tensor(1e-40, dtype=torch.float32)
    assert (tiny * 1.0).item() != 0.0
    assert torch.get_default_dtype() == torch.float32 and torch.is_grad_enabled()


def test_the_run_stops_after_the_last_answer_that_is_not_a_letter(tmp_path):
    """A multiple-choice answer is a letter, which no test reads: the run does not go on for it
    (lessons 15 and 16 train before their last letter question), but a letter question before a
    number question still runs."""
    import nbformat

    asks = "from rnn_course.predict import check_prediction\n"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(asks + "check_prediction('14.default_init', 'd', 'd')"),
        nbformat.v4.new_code_cell(asks + "check_prediction('14.chance', 0.25, 0.25)"),
        nbformat.v4.new_code_cell(asks + "check_prediction('14.which_learn', 'c', 'c')"),
    ]
    path = tmp_path / "14_letters.ipynb"
    nbformat.write(notebook, str(path))
    assert run_lesson(path).predictions == [("14.default_init", "d"), ("14.chance", 0.25)]
