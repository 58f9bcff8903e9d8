"""Tests for rnn_course.train: its step, sampler and stream training do what hand-written torch does."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_
from torch.nn.utils.rnn import pack_padded_sequence

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


def test_train_step_is_one_hand_written_torch_step():
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

    twin_opt.zero_grad()
    order = pack_padded_sequence(targets, lengths, batch_first=True, enforce_sorted=False)
    expected = F.cross_entropy(twin(inputs, lengths), order.data)
    expected.backward()
    clip_grad_norm_(twin.parameters(), 0.5)
    twin_opt.step()
    assert loss.dim() == 0 and loss.item() == pytest.approx(expected.item())
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


# --- truncated BPTT over a stream ----------------------------------------------------------------

from rnn_course.train import HeldForBackward, chunk_loss, detach_state, stream_epoch, stream_loss  # noqa: E402


def _stream(vocab_size=9, n=3, t=12, seed=5):
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(vocab_size, (n, t + 1), generator=gen)
    return ids[:, :-1], ids[:, 1:]  # (N, T) inputs, targets


def _chunks(inputs, targets, length):
    return [
        (inputs[:, s : s + length], targets[:, s : s + length])
        for s in range(0, inputs.shape[1], length)
    ]


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_stream_epoch_carries_the_state_from_chunk_to_chunk(cell):
    """With lr = 0 the weights stay put, so each chunk's loss must be that of the same positions in
    one forward pass over the whole stream: the state crosses every chunk boundary."""
    torch.manual_seed(6)
    model = CharRNN(9, embed_size=4, hidden_size=7, cell=cell).double()
    inputs, targets = _stream()
    losses = stream_epoch(
        model, _chunks(inputs, targets, 4), torch.optim.SGD(model.parameters(), 0.0)
    )
    whole, _ = model.rnn(model.embed(inputs))  # (N, T, H), from zeros, never cut
    logits = model.head(whole)  # (N, T, V)
    expected = [
        F.cross_entropy(logits[:, s : s + 4].reshape(-1, 9), targets[:, s : s + 4].reshape(-1))
        for s in (0, 4, 8)
    ]
    assert losses == pytest.approx([e.item() for e in expected], rel=1e-10)


def test_stream_epoch_cuts_the_gradient_at_the_chunk_boundary():
    """The second chunk's gradient is the one of a model started from the boundary state as a
    constant h0 (nn.RNN's own argument), not of the two chunks together."""
    torch.manual_seed(7)
    model = CharRNN(9, embed_size=4, hidden_size=7).double()
    inputs, targets = _stream()
    grads = []
    stream_epoch(
        model,
        _chunks(inputs, targets, 6),
        torch.optim.SGD(model.parameters(), 0.0),
        clip=float("inf"),
        on_step=lambda loss, m: grads.append([p.grad.clone() for p in m.parameters()]),
    )
    twin = copy.deepcopy(model)
    with torch.no_grad():
        _, h0 = twin.rnn(twin.embed(inputs[:, :6]))  # (1, N, H): where chunk 1 stops
    out, _ = twin.rnn(twin.embed(inputs[:, 6:]), h0)
    loss = F.cross_entropy(twin.head(out).reshape(-1, 9), targets[:, 6:].reshape(-1))
    expected = torch.autograd.grad(loss, list(twin.parameters()))
    for got, want in zip(grads[1], expected):
        torch.testing.assert_close(got, want)
    whole, _ = twin.rnn(twin.embed(inputs))  # the uncut gradient differs: the cut is real
    uncut = F.cross_entropy(twin.head(whole[:, 6:]).reshape(-1, 9), targets[:, 6:].reshape(-1))
    uncut_grad = torch.autograd.grad(uncut, twin.rnn.weight_hh_l0)[0]
    assert not torch.allclose(uncut_grad, expected[2])


def test_detach_state_keeps_the_numbers_and_drops_the_history():
    h = torch.randn(1, 2, 3, requires_grad=True) * 2
    pair = (h, h + 1)
    for state, cut in ((h, detach_state(h)), (pair, detach_state(pair))):
        for before, after in zip(
            state if isinstance(state, tuple) else [state], cut if isinstance(cut, tuple) else [cut]
        ):
            assert torch.equal(before, after) and before.requires_grad and not after.requires_grad
    assert isinstance(detach_state(pair), tuple)


def test_stream_loss_is_the_mean_cross_entropy_from_zeros_in_eval_mode():
    torch.manual_seed(8)
    model = CharRNN(9, embed_size=4, hidden_size=7, cell="gru").double()
    inputs, targets = _stream()
    logits, _ = model.step(inputs)  # (N, T, V)
    expected = F.cross_entropy(logits.reshape(-1, 9), targets.reshape(-1)).item()
    assert stream_loss(model, inputs, targets) == pytest.approx(expected, rel=1e-12)
    assert model.training


def test_held_for_backward_counts_saved_tensors_until_they_are_freed():
    x = torch.randn(1000, dtype=torch.float64, requires_grad=True)
    layer = torch.nn.Linear(1000, 3).double()
    with HeldForBackward(layer) as meter:
        y = x.exp()  # exp saves its result: 8000 bytes
        assert meter.held == 8000
        z = layer(
            y
        )  # the linear layer saves its input y (already counted) and its weight (a parameter)
        assert meter.held == 8000
        z.sum().backward()
        assert meter.held == 0  # backward freed the graph


def test_held_for_backward_grows_when_a_carried_state_is_not_detached():
    torch.manual_seed(9)
    model = CharRNN(9, embed_size=4, hidden_size=7).double()
    inputs, targets = _stream(t=20)
    held = {True: [], False: []}
    for detach in (True, False):
        state = None
        with HeldForBackward(model) as meter:
            for chunk_inputs, chunk_targets in _chunks(inputs.clone(), targets.clone(), 5):
                loss, state = chunk_loss(model, chunk_inputs.clone(), chunk_targets.clone(), state)
                held[detach].append(meter.held)
                loss.backward(retain_graph=not detach)
                state = detach_state(state) if detach else state
    assert len(set(held[True])) == 1
    steps = [b - a for a, b in zip(held[False], held[False][1:])]
    assert len(set(steps)) == 1 and steps[0] > 0.9 * held[True][0]
