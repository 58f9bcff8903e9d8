"""Tests for rnn_course.gradients, with torch (nn.RNN, autograd, clip_grad_norm_) as the oracle."""

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from rnn_course import gradients

DTYPE = torch.float64


def _rnn(nonlinearity="tanh", batch_first=False, seed=0, input_size=3, hidden_size=5):
    torch.manual_seed(seed)
    return nn.RNN(
        input_size, hidden_size, nonlinearity=nonlinearity, batch_first=batch_first, dtype=DTYPE
    )


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unroll_states_match_nn_rnn_output(nonlinearity, batch_first):
    rnn = _rnn(nonlinearity, batch_first)
    x = torch.randn((2, 6, 3) if batch_first else (6, 2, 3), dtype=DTYPE)
    h0 = torch.randn(1, 2, 5, dtype=DTYPE)
    states = gradients.unroll_states(rnn, x, h0)
    output, _ = rnn(x, h0)
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, H)
    torch.testing.assert_close(torch.stack(states), output)


def test_hidden_state_grads_equal_autograd_from_each_restarted_state():
    # Oracle: restart nn.RNN from h_t (a leaf) over the remaining steps; autograd's gradient of the
    # same loss with respect to that leaf is the total derivative dL/dh_t.
    rnn = _rnn()
    x = torch.randn(5, 2, 3, dtype=DTYPE)
    direction = torch.randn(2, 5, dtype=DTYPE)

    def loss_fn(states):  # (L, N, H) -> scalar, depends on the last state only
        return (states[-1] * direction).sum()

    states, grads = gradients.hidden_state_grads(rnn, x, loss_fn=loss_fn)
    assert states.shape == grads.shape == (5, 2, 5)
    for t in range(5):
        h_t = states[t].clone().unsqueeze(0).requires_grad_(True)  # (1, N, H)
        _, h_n = rnn(x[t + 1 :], h_t) if t < 4 else (None, h_t)
        (expected,) = torch.autograd.grad((h_n[0] * direction).sum(), h_t)
        torch.testing.assert_close(grads[t], expected[0])


def test_hidden_state_grads_default_loss_and_loss_at_every_step():
    rnn = _rnn()
    x = torch.randn(4, 3, 3, dtype=DTYPE)
    _, grads = gradients.hidden_state_grads(rnn, x)
    torch.testing.assert_close(grads[-1], torch.ones(3, 5, dtype=DTYPE))
    # a loss on every output: compare with autograd on nn.RNN's output tensor, summed over steps
    _, grads_all = gradients.hidden_state_grads(rnn, x, loss_fn=lambda s: s.pow(2).sum())
    x_leaf = x.clone()
    output, _ = rnn(x_leaf)
    (direct,) = torch.autograd.grad(output.pow(2).sum(), output)
    torch.testing.assert_close(grads_all[-1], direct[-1])  # the last state has only its own term
    assert not torch.allclose(grads_all[0], direct[0])  # earlier ones also gather from later steps


def test_hidden_grad_norms_is_the_norm_of_each_step():
    rnn = _rnn()
    x = torch.randn(6, 2, 3, dtype=DTYPE)
    norms = gradients.hidden_grad_norms(rnn, x)
    _, grads = gradients.hidden_state_grads(rnn, x)
    assert norms.shape == (6,)
    expected = torch.stack([torch.linalg.vector_norm(g) for g in grads])
    torch.testing.assert_close(norms, expected)


def test_unroll_states_rejects_stacked_or_bidirectional():
    with pytest.raises(ValueError):
        gradients.unroll_states(nn.RNN(2, 3, num_layers=2), torch.zeros(3, 1, 2))
    with pytest.raises(ValueError):
        gradients.unroll_states(nn.RNN(2, 3, bidirectional=True), torch.zeros(3, 1, 2))


def test_spectral_radius_and_rescaling():
    torch.manual_seed(1)
    weight = torch.randn(6, 6, dtype=DTYPE)
    expected = max(abs(complex(v)) for v in torch.linalg.eigvals(weight).tolist())
    assert math.isclose(gradients.spectral_radius(weight), expected, rel_tol=1e-12)
    scaled = gradients.with_spectral_radius(weight, 0.7)
    assert math.isclose(gradients.spectral_radius(scaled), 0.7, rel_tol=1e-10)
    torch.testing.assert_close(scaled / weight, torch.full_like(weight, 0.7 / expected))
    assert not scaled.requires_grad


def test_random_rnn_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = gradients.random_rnn(3, 8, 1.5, nonlinearity="relu", seed=4)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = gradients.random_rnn(3, 8, 1.5, nonlinearity="relu", seed=4)
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert torch.equal(p, q), name
    assert a.nonlinearity == "relu"
    assert math.isclose(gradients.spectral_radius(a.weight_hh_l0), 1.5, rel_tol=1e-10)


def test_last_step_classifier_matches_head_on_h_n():
    torch.manual_seed(0)
    model = gradients.LastStepClassifier(3, 4, 2)
    x = torch.randn(7, 5, 3)
    output, h_n = model.rnn(x)
    torch.testing.assert_close(model(x), F.linear(output[-1], model.head.weight, model.head.bias))
    assert model(x).shape == (5, 2)


def test_total_grad_norm_matches_clip_grad_norm():
    torch.manual_seed(0)
    model = gradients.LastStepClassifier(3, 4, 2)
    F.cross_entropy(model(torch.randn(5, 2, 3)), torch.tensor([0, 1])).backward()
    expected = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
    assert math.isclose(
        gradients.total_grad_norm(model.parameters()), expected.item(), rel_tol=1e-6
    )
    assert gradients.total_grad_norm([nn.Parameter(torch.zeros(2))]) == 0.0


def _task_and_model(seed=0):
    inputs, targets = gradients.first_symbol_task(16, 8, seed=seed)
    torch.manual_seed(seed)
    return inputs, targets, gradients.LastStepClassifier(2, 6, 2)


def test_train_steps_without_clipping_is_plain_sgd():
    inputs, targets, model = _task_and_model()
    twin = gradients.LastStepClassifier(2, 6, 2)
    twin.load_state_dict(model.state_dict())
    history = gradients.train_steps(model, inputs, targets, steps=3, lr=0.1)
    optimizer = torch.optim.SGD(twin.parameters(), lr=0.1)
    for step in range(3):
        optimizer.zero_grad()
        loss = F.cross_entropy(twin(inputs), targets)
        loss.backward()
        assert math.isclose(history["loss"][step], loss.item(), rel_tol=1e-6)
        optimizer.step()
    assert history["grad_norm"] == history["clipped_grad_norm"]
    for p, q in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(p, q)


def test_train_steps_clipping_bounds_every_update():
    inputs, targets, model = _task_and_model()
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(3.0)
    history = gradients.train_steps(model, inputs, targets, steps=5, lr=0.5, max_norm=1e-3)
    assert (
        len(history["loss"]) == len(history["grad_norm"]) == len(history["clipped_grad_norm"]) == 5
    )
    assert all(n <= 1e-3 * (1 + 1e-5) for n in history["clipped_grad_norm"])
    assert all(g > 1e-3 for g in history["grad_norm"])
    for g, u in zip(history["grad_norm"], history["clipped_grad_norm"]):
        assert math.isclose(u, 1e-3 * g / (g + 1e-6), rel_tol=1e-4)  # clip_grad_norm_'s coefficient
    # plain SGD: the step is lr times the clipped gradient, so its length is lr * clipped_grad_norm
    for u, s in zip(history["clipped_grad_norm"], history["step_norm"]):
        assert math.isclose(s, 0.5 * u, rel_tol=1e-3)


def _steps_of_twin(model, make_optimizer, inputs, targets, steps, max_norm):
    """The update lengths of ``make_optimizer`` on ``model``, measured here with torch alone."""
    optimizer, lengths = make_optimizer(model.parameters()), []
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(inputs), targets).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        before = [p.detach().clone() for p in model.parameters()]
        optimizer.step()
        moved = torch.cat([(p.detach() - b).flatten() for p, b in zip(model.parameters(), before)])
        lengths.append(moved.norm().item())
    return lengths


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda params: torch.optim.Adam(params, lr=0.01),
        lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
    ],
)
def test_step_norm_is_the_applied_update_and_clipping_does_not_bound_it_for_adam_or_momentum(
    make_optimizer,
):
    inputs, targets, model = _task_and_model()
    twin = gradients.LastStepClassifier(2, 6, 2)
    twin.load_state_dict(model.state_dict())
    history = gradients.train_steps(
        model, inputs, targets, steps=20, max_norm=1.0, optimizer=make_optimizer
    )
    expected = _steps_of_twin(twin, make_optimizer, inputs, targets, 20, 1.0)
    assert history["step_norm"] == pytest.approx(expected, rel=1e-4)
    assert all(n <= 1.0 * (1 + 1e-5) for n in history["clipped_grad_norm"])
    lr = make_optimizer([nn.Parameter(torch.zeros(1))]).param_groups[0]["lr"]
    assert max(history["step_norm"]) > lr * 1.0  # longer than lr * max_norm: that cap is SGD's only


def test_train_steps_prints_one_line_per_reported_step(capsys):
    inputs, targets, model = _task_and_model()
    gradients.train_steps(model, inputs, targets, steps=4, print_every=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["step    1", "step    2", "step    4"]


def test_first_symbol_task_layout_and_determinism():
    inputs, targets = gradients.first_symbol_task(10, 7, num_classes=3, seed=5)
    assert inputs.shape == (7, 10, 3) and inputs.dtype == torch.float32
    assert targets.shape == (10,) and targets.dtype == torch.int64
    torch.testing.assert_close(inputs[0], F.one_hot(targets, 3).float())
    again, again_targets = gradients.first_symbol_task(10, 7, num_classes=3, seed=5)
    assert torch.equal(inputs, again) and torch.equal(targets, again_targets)


def test_central_differences_match_autograd_through_nn_rnn_in_float64():
    rnn = _rnn(input_size=3, hidden_size=5)
    inputs = [torch.randn(4, 2, 3, dtype=DTYPE), torch.randn(2, 5, dtype=DTYPE)]
    inputs += [p.detach().clone() for p in rnn.parameters()]
    direction = torch.randn(4, 2, 5, dtype=DTYPE)

    def objective(x, h0, *params):
        with torch.no_grad():
            for p, value in zip(rnn.parameters(), params):
                p.copy_(value)
        output, _ = rnn(x, h0[None])  # (L, N, H)
        return (output * direction).sum()

    estimates = gradients.central_differences(objective, inputs)
    leaves = [inputs[0].clone().requires_grad_(True), inputs[1].clone().requires_grad_(True)]
    with torch.no_grad():
        for p, value in zip(rnn.parameters(), inputs[2:]):
            p.copy_(value)
    output, _ = rnn(leaves[0], leaves[1][None])
    exact = torch.autograd.grad((output * direction).sum(), leaves + list(rnn.parameters()))
    assert [e.shape for e in estimates] == [t.shape for t in inputs]
    for estimate, expected in zip(estimates, exact):
        torch.testing.assert_close(estimate, expected, rtol=1e-6, atol=1e-7)


def test_central_differences_leave_the_inputs_unchanged_and_see_a_wrong_gradient():
    inputs = [torch.randn(3, 4, dtype=DTYPE), torch.randn(4, dtype=DTYPE)]
    kept = [t.clone() for t in inputs]

    def f(a, b):
        return torch.tanh(a @ b).pow(2).sum()

    estimates = gradients.central_differences(f, inputs)
    for before, after in zip(kept, inputs):
        assert torch.equal(before, after)
    leaves = [t.clone().requires_grad_(True) for t in inputs]
    exact = torch.autograd.grad(f(*leaves), leaves)
    torch.testing.assert_close(estimates[0], exact[0], rtol=1e-6, atol=1e-7)
    wrong = exact[0] * 1.01  # a gradient off by 1 %: the estimate tells it apart
    assert not torch.allclose(estimates[0], wrong, rtol=1e-4, atol=1e-7)


def test_central_differences_in_float32_are_far_off():
    # the rounding of float32 is magnified by 1 / (2 eps): the reason the lessons check in float64
    a = torch.randn(3, 4, dtype=torch.float32)

    def f(a):
        return torch.sin(a).sum() * 100

    (estimate,) = gradients.central_differences(f, [a])
    assert (estimate - 100 * torch.cos(a)).abs().max() > 1e-2
