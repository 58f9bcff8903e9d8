"""Sizes never collide in a prediction's set-up, so that a swapped axis or a wrong rule cannot pass.

Every lesson is run (``lesson_runner``) and every prediction it asks is recorded. For the shapes of
an ``nn.RNN`` call (``check_shapes``) the sizes the shapes name (L, N, H_in, H, D * num_layers and,
with two directions, D * H) must all differ. For any other shape answer, the numbers of each shape
must differ. A size of 1 is left out: one layer and one direction is a rule, not a coincidence.
"""

import sys
from pathlib import Path

import pytest

from rnn_course import release

sys.path.insert(0, str(Path(__file__).parent))
from lesson_runner import run_lesson  # noqa: E402  (tests/ is not a package)

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


@pytest.mark.parametrize("key", [_waived(k) for k in KEYS])
def test_every_prediction_set_up_names_distinct_sizes(key):
    run = run_lesson(release.learner_path(key))
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


def test_running_a_lesson_leaves_torch_as_it_was():
    """Lesson 14 turns on flush-to-zero; after run_lesson, a subnormal float survives arithmetic
    again (hypothesis refuses to draw floats in this worker otherwise)."""
    import torch

    key = next(k for k in KEYS if k.stem.startswith("14_"))
    run_lesson(release.learner_path(key))
    tiny = torch.tensor(1e-40, dtype=torch.float32)
    assert (tiny * 1.0).item() != 0.0
    assert torch.get_default_dtype() == torch.float32 and torch.is_grad_enabled()
