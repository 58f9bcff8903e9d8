"""Tests for rnn_course.gating: the memory task, the classifier on any of the three cells, the gate bias,
and gradient norms through h_t and c_t, with torch (autograd, nn.RNN/GRU/LSTM) as the oracle."""

import pytest
import torch
from torch import nn

from rnn_course.gating import (
    initial_grad_norms,
    open_memory_gate,
    remember_first_batch,
    state_grad_norms,
    train_remember_first,
)
from rnn_course.gradients import hidden_grad_norms
from rnn_course.models import SequenceClassifier


def test_the_task_is_one_hot_symbols_whose_target_is_the_first():
    x, y = remember_first_batch(torch.Generator().manual_seed(0), 8, 12, 5)
    assert (
        x.shape == (8, 12, 5)
        and x.dtype == torch.float32
        and y.shape == (8,)
        and y.dtype == torch.int64
    )
    assert torch.equal(x.sum(dim=2), torch.ones(8, 12))
    assert torch.equal(x[:, 0].argmax(dim=1), y)
    again, _ = remember_first_batch(torch.Generator().manual_seed(0), 8, 12, 5)
    assert torch.equal(x, again)


@pytest.mark.parametrize(
    "kind, gate", [("LSTM", 1), ("GRU", 1)]
)  # block 1: LSTM's f in i|f|g|o, GRU's z in r|z|n
def test_open_memory_gate_shifts_exactly_the_keep_gate(kind, gate):
    torch.manual_seed(0)
    module = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True)
    before = {n: p.detach().clone() for n, p in module.named_parameters()}
    open_memory_gate(module, 3.0)
    for name, parameter in module.named_parameters():
        change = parameter.detach() - before[name]
        if name.startswith("bias_ih"):
            blocks = change.chunk(4 if kind == "LSTM" else 3)
            for k, block in enumerate(blocks):
                torch.testing.assert_close(block, torch.full_like(block, 3.0 if k == gate else 0.0))
        else:
            assert torch.equal(change, torch.zeros_like(change)), name


def test_open_memory_gate_makes_an_lstm_keep_its_cell_state():
    """With f near 1, and the input gate closed by a large negative bias, c_next stays close to c."""
    torch.manual_seed(0)
    cell = nn.LSTM(3, 4, batch_first=True)
    with torch.no_grad():
        cell.bias_ih_l0[:4] -= 20.0  # input gate i = sigmoid(-20 + ...) ~ 0
    open_memory_gate(cell, 20.0)
    c0 = torch.randn(1, 2, 4)
    _, (_, c_n) = cell(torch.randn(2, 1, 3), (torch.zeros(1, 2, 4), c0))
    torch.testing.assert_close(c_n, c0, atol=1e-6, rtol=1e-6)


def test_open_memory_gate_refuses_a_plain_rnn():
    with pytest.raises(ValueError, match="only an LSTM or a GRU"):
        open_memory_gate(nn.RNN(3, 4), 1.0)


def test_state_grad_norms_of_an_rnn_agree_with_lesson_09s_tool():
    torch.manual_seed(0)
    rnn = nn.RNN(3, 5, batch_first=True, dtype=torch.float64)
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    torch.testing.assert_close(state_grad_norms(rnn, x)["h"], hidden_grad_norms(rnn, x))


def _grad_from_step(module, x, t, which):
    """||dL/dh_t|| or ||dL/dc_t|| (t 0-based) by autograd: restart the LSTM at step t with that state a leaf."""
    with torch.no_grad():
        _, (h, c) = module(x[:, : t + 1])  # (1, N, H) each: the states after step t
    if t + 1 == x.shape[1]:  # the loss is h_L.sum(): dL/dh_L is all ones, and nothing reads c_L
        return torch.ones_like(h).norm() if which == "h" else torch.zeros((), dtype=h.dtype)
    h, c = h.clone().requires_grad_(which == "h"), c.clone().requires_grad_(which == "c")
    _, (h_last, _) = module(x[:, t + 1 :], (h, c))
    (grad,) = torch.autograd.grad(h_last.sum(), h if which == "h" else c)
    return grad.norm()


def test_state_grad_norms_of_an_lstm_match_autograd_restarted_at_every_step():
    torch.manual_seed(1)
    lstm = nn.LSTM(3, 5, batch_first=True, dtype=torch.float64)
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    norms = state_grad_norms(lstm, x)
    for t in range(6):
        torch.testing.assert_close(
            norms["h"][t], _grad_from_step(lstm, x, t, "h").to(norms["h"].dtype)
        )
        torch.testing.assert_close(
            norms["c"][t], _grad_from_step(lstm, x, t, "c").to(norms["c"].dtype)
        )
    assert norms["c"][-1] == 0, "nothing reads the last cell state when the loss is the sum of h_L"


def test_state_grad_norms_refuse_stacked_or_time_major_modules():
    with pytest.raises(ValueError, match="num_layers=1"):
        state_grad_norms(nn.GRU(3, 4, num_layers=2, batch_first=True), torch.randn(2, 3, 3))
    with pytest.raises(ValueError, match="batch_first=True"):
        state_grad_norms(nn.GRU(3, 4), torch.randn(3, 2, 3))


@pytest.mark.parametrize("seed", range(20))
def test_an_open_keep_gate_carries_the_gradient_back_where_default_gates_lose_it(seed):
    """At initialisation, over L = 50 steps, the gradient that reaches step 1 relative to step L - 1."""

    def ratio(kind, bias, state="h"):
        norms = initial_grad_norms(kind.lower(), seed, bias)[state]
        return (norms[0] / norms[-2]).item()

    for kind, state in [("RNN", "h"), ("GRU", "h"), ("LSTM", "h"), ("LSTM", "c")]:
        assert ratio(kind, 0, state) < 1e-6, (kind, state)
    for kind, state in [("GRU", "h"), ("LSTM", "h"), ("LSTM", "c")]:
        assert ratio(kind, 3.0, state) > 1e-2, (kind, state)


def test_initial_grad_norms_is_the_seeded_model_on_the_seeded_batch():
    torch.manual_seed(3)
    model = SequenceClassifier(4, 32, 4, cell="lstm")
    open_memory_gate(model.rnn, 3.0)
    x, _ = remember_first_batch(torch.Generator().manual_seed(3), 64, 50, 4)
    expected = state_grad_norms(model.rnn, x)
    got = initial_grad_norms("lstm", 3, 3.0)
    assert got.keys() == expected.keys()
    for key in expected:
        torch.testing.assert_close(got[key], expected[key])


def test_training_returns_a_held_out_accuracy_and_is_reproducible():
    def run():
        torch.manual_seed(0)
        return train_remember_first(
            SequenceClassifier(3, 8, 3, cell="gru"), seed=0, length=3, num_symbols=3, steps=60
        )

    accuracy = run()
    assert 0.0 <= accuracy <= 1.0 and accuracy == run()
    assert accuracy > 0.9, "three steps are easy: a GRU learns them in 60 steps"
