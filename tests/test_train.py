"""Tests for rnn_course.train: the loop does what a hand-written torch loop does."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn


from rnn_course.train import evaluate, fit, train_epoch


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(2, 4, batch_first=True)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


def loss_fn(model, batch):
    x, y = batch
    return F.cross_entropy(model(x), y)


def make_data(seed, batches=3):
    gen = torch.Generator().manual_seed(seed)
    return [(torch.randn(5, 6, 2, generator=gen), torch.randint(3, (5,), generator=gen)) for _ in range(batches)]


def test_train_epoch_matches_a_hand_written_loop():
    torch.manual_seed(0)
    model = Tiny()
    twin = copy.deepcopy(model)
    batches = make_data(1)
    opt, twin_opt = torch.optim.Adam(model.parameters(), 0.05), torch.optim.Adam(twin.parameters(), 0.05)
    mean = train_epoch(model, loss_fn, batches, opt, clip=0.5)
    losses = []
    for x, y in batches:
        twin_opt.zero_grad()
        loss = F.cross_entropy(twin(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(twin.parameters(), 0.5)
        twin_opt.step()
        losses.append(loss.item())
    assert mean == pytest.approx(sum(losses) / len(losses))
    for p, q in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(p, q)


def test_evaluate_is_gradient_free_and_restores_the_mode():
    model = Tiny()
    batches = make_data(2)
    model.train()
    value = evaluate(model, loss_fn, batches)
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    with torch.no_grad():
        expected = sum(loss_fn(model, b).item() for b in batches) / len(batches)
    assert value == pytest.approx(expected)


def test_fit_history_printing_and_learning(capsys):
    torch.manual_seed(0)
    model = Tiny()
    train, val = make_data(3), make_data(3)[:1]  # validation = a training batch: the loss must fall
    history = fit(model, loss_fn, lambda: train, val, epochs=4, lr=0.05)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch   1  train ")
    assert len(history["train"]) == 4 and len(history["val"]) == 5
    assert history["val"][-1] < history["val"][0]


def test_fit_quiet():
    fit(Tiny(), loss_fn, lambda: make_data(4), make_data(5), epochs=1, verbose=False)
