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
    return [
        (torch.randn(5, 6, 2, generator=gen), torch.randint(3, (5,), generator=gen))
        for _ in range(batches)
    ]


def test_train_epoch_matches_a_hand_written_loop():
    torch.manual_seed(0)
    model = Tiny()
    twin = copy.deepcopy(model)
    batches = make_data(1)
    opt, twin_opt = (
        torch.optim.Adam(model.parameters(), 0.05),
        torch.optim.Adam(twin.parameters(), 0.05),
    )
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


def test_fit_quiet_prints_nothing_and_trains_as_the_verbose_fit(capsys):
    torch.manual_seed(0)
    model = Tiny()
    twin = copy.deepcopy(model)
    quiet = fit(model, loss_fn, lambda: make_data(4), make_data(5), epochs=2, verbose=False)
    assert capsys.readouterr().out == ""
    loud = fit(twin, loss_fn, lambda: make_data(4), make_data(5), epochs=2)
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert quiet == loud and len(quiet["train"]) == 2 and len(quiet["val"]) == 3
    for p, q in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(p, q)


# --- the step and the sampler the lesson uses after its exercises --------------------------------

from rnn_course.adapters import build_char_model  # noqa: E402
from rnn_course.exercises import get_exercise  # noqa: E402
from rnn_course.models import CharRNN  # noqa: E402
from rnn_course.train import sample, train_step  # noqa: E402


def test_train_step_and_sample_match_the_checkers_torch_answers():
    """The checker computes its answers by another route (a masked mean over the padded batch, the
    layers called one by one); the course's versions agree on every hidden case."""
    from rnn_course.exercises.core import judge, run_learner

    for exercise_id, fn in (("train_step", train_step), ("sample", sample)):
        exercise = get_exercise(exercise_id)
        cases = exercise.cases()
        assert judge(exercise, cases, run_learner(exercise, fn, cases, use_guard=False)).passed


def test_train_step_is_one_step_of_train_epoch():
    torch.manual_seed(3)
    model = CharRNN(8, embed_size=4, hidden_size=5).double()
    twin = copy.deepcopy(model)
    inputs = torch.tensor([[1, 3, 4, 0], [1, 5, 6, 7]])
    targets = torch.tensor([[3, 4, 2, 0], [5, 6, 7, 2]])
    lengths = torch.tensor([3, 4])
    opt, twin_opt = (
        torch.optim.Adam(model.parameters(), 0.1),
        torch.optim.Adam(twin.parameters(), 0.1),
    )
    loss = train_step(model, opt, inputs, targets, lengths, max_norm=0.5)

    def packed_loss(m, batch):
        logits = m(batch[0], batch[2])
        order = torch.nn.utils.rnn.pack_padded_sequence(
            batch[1], batch[2], batch_first=True, enforce_sorted=False
        )
        return F.cross_entropy(logits, order.data)

    mean = train_epoch(twin, packed_loss, [(inputs, targets, lengths)], twin_opt, clip=0.5)
    assert loss.dim() == 0 and loss.item() == pytest.approx(mean)
    for p, q in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(p, q)


def test_sample_is_reproducible_and_stops():
    config = {"cell": "gru", "vocab_size": 7, "embed_size": 3, "hidden_size": 4}
    torch.manual_seed(4)
    model = build_char_model(config, CharRNN(7, 3, 4, cell="gru").double().state_dict())
    prompt = torch.tensor([1, 3])
    draws = [sample(model, prompt, 0.8, 30, 2, torch.Generator().manual_seed(9)) for _ in range(2)]
    assert torch.equal(draws[0], draws[1]) and draws[0].dtype == torch.long
    assert len(draws[0]) <= 30 and (draws[0][:-1] != 2).all()
    assert len(sample(model, prompt, 0.8, 0, 2, torch.Generator())) == 0


def test_fit_measures_the_training_loss_at_the_end_of_each_epoch(capsys):
    torch.manual_seed(0)
    model = Tiny()
    train = make_data(3)
    seen = []
    history = fit(
        model,
        loss_fn,
        lambda: train,
        train[:1],
        epochs=3,
        lr=0.05,
        train_eval_batches=train,
        on_epoch=lambda epoch, m, h: seen.append((epoch, len(h["val"]))),
    )
    assert seen == [(1, 2), (2, 3), (3, 4)]  # called after the epoch's losses are in the history
    assert len(history["train_end"]) == len(history["val"]) == 4 and len(history["train"]) == 3
    assert history["train_end"][-1] == pytest.approx(evaluate(model, loss_fn, train))
    line = capsys.readouterr().out.splitlines()[0]
    assert "train (running)" in line and "train (end)" in line and "s total)" in line
