"""The gated cells with every use of a gate at a site (``exercises.gated`` through ``gate_sites``'
``torch_act``) are torch's cells, on every case.

The catalogued mistakes and the diagnosis change one part or one gate at a time in these computations,
so they must agree with torch.lstm_cell and torch.gru_cell when nothing is changed. The wrong
answers that the changes name are in ``wrong_feedback.NAMED``.
"""

import pytest
import torch

from rnn_course.exercises import get_exercise
from rnn_course.exercises.diagnose import _plain_act
from rnn_course.exercises.gate_sites import torch_act

GATED = ("lstm_cell", "gru_cell", "lstm_layer")


def _close(a, b):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("exercise_id", GATED)
def test_gate_by_gate_is_torch_on_every_case(exercise_id):
    exercise = get_exercise(exercise_id)
    solve_with, sites = exercise.gates
    assert sites, exercise_id
    for case in exercise.cases():
        assert _close(solve_with(torch_act)(*case.args), case.expected), case.label


@pytest.mark.parametrize("exercise_id", GATED)
def test_every_site_is_used(exercise_id):
    """A site listed but never reached would name a change that changes nothing."""
    solve_with, sites = get_exercise(exercise_id).gates
    seen = set()

    def act(site, function, a):
        seen.add(site)
        return torch_act(site, function, a)

    solve_with(act)(*get_exercise(exercise_id).cases()[0].args)
    assert seen == set(sites)


@pytest.mark.parametrize("exercise_id", ("cell_backward", "lstm_cell_backward"))
def test_gradients_site_by_site_are_torch_on_every_case(exercise_id):
    """The backward exercises' ``slopes`` computation, with every nonlinearity and product as torch
    computes it, is torch's answer: the wrong slopes and wrong partners are changes of it."""
    exercise = get_exercise(exercise_id)
    solve_with, _ = exercise.slopes
    for case in exercise.cases():
        got = solve_with(lambda site, name, a: _plain_act(name, a))(*case.args)
        assert all(_close(got[k], case.expected[k]) for k in case.expected), case.label
