"""Tests for rnn_course.adapters: plain case data in, the learner's objects built, plain answers out."""

import pytest
import torch

from rnn_course import adapters
from rnn_course.models import CharRNN

CONFIG = {
    "cell": "lstm",
    "vocab_size": 6,
    "embed_size": 3,
    "hidden_size": 4,
    "optimizer": "sgd",
    "lr": 0.1,
}


def _state():
    torch.manual_seed(0)
    return CharRNN(6, 3, 4, cell="lstm").double().state_dict()


def test_build_char_model_carries_the_state_and_leaves_the_global_rng_alone():
    state = _state()
    before = torch.random.get_rng_state()
    model = adapters.build_char_model(CONFIG, state)
    assert torch.equal(before, torch.random.get_rng_state())
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())
    assert next(model.parameters()).dtype == torch.float64


def test_build_optimizer_kinds():
    model = adapters.build_char_model(CONFIG, _state())
    assert isinstance(adapters.build_optimizer({**CONFIG, "momentum": 0.9}, model), torch.optim.SGD)
    assert isinstance(
        adapters.build_optimizer({**CONFIG, "optimizer": "adam"}, model), torch.optim.Adam
    )
    with pytest.raises(ValueError, match="adam"):
        adapters.build_optimizer({**CONFIG, "optimizer": "lbfgs"}, model)


def test_train_step_adapter_calls_once_per_batch_and_returns_plain_tensors():
    calls = []

    def fn(model, optimizer, inputs, targets, lengths, max_norm):
        calls.append((inputs.shape, lengths.shape, max_norm))
        return 1.5 if len(calls) == 1 else torch.tensor([2.5])

    inputs = torch.ones(2, 3, 4, dtype=torch.long)
    run = adapters.train_step_adapter(fn)
    answer = run(CONFIG, _state(), inputs, inputs, torch.full((2, 3), 4), 0.7)
    assert calls == [((3, 4), (3,), 0.7)] * 2 and run.learner_fn is fn
    torch.testing.assert_close(answer["loss"], torch.tensor([1.5, 2.5], dtype=torch.float64))
    assert set(answer) == {"loss", *_state()}


@pytest.mark.parametrize(
    "value, words",
    [
        (None, "forget the `return`"),
        ("1.0", "str"),
        (torch.zeros(2), "shape (2,)"),
        (torch.tensor(1), "int64"),
    ],
)
def test_a_loss_that_is_not_a_number_is_named(value, words):
    run = adapters.train_step_adapter(lambda *args: value)
    with pytest.raises(TypeError, match="train_step should return the loss") as info:
        run(
            CONFIG,
            _state(),
            torch.ones(1, 1, 2, dtype=torch.long),
            torch.ones(1, 1, 2, dtype=torch.long),
            torch.full((1, 1), 2),
            1.0,
        )
    assert words in str(info.value)


def test_sample_adapter_seeds_the_generator_and_the_global_rng_and_restores_it():
    def fn(model, prompt, temperature, max_len, end_index, generator):
        return [torch.randint(9, (1,), generator=generator).item(), torch.randint(9, (1,)).item()]

    run = adapters.sample_adapter(fn)
    before = torch.random.get_rng_state()
    first = run(CONFIG, _state(), torch.tensor([1]), 0.5, 5, 2, 42)
    assert torch.equal(before, torch.random.get_rng_state())
    assert torch.equal(first, run(CONFIG, _state(), torch.tensor([1]), 0.5, 5, 2, 42))
    assert first.dtype == torch.long and first.shape == (2,)
    assert run.learner_fn is fn


def test_sample_adapter_flattens_tensors_and_names_other_answers():
    assert adapters.sample_adapter(lambda *a: torch.tensor([[3], [2]]))(
        CONFIG, _state(), torch.tensor([1]), 1.0, 5, 2, 0
    ).shape == (2,)
    with pytest.raises(TypeError, match="token indices"):
        adapters.sample_adapter(lambda *a: "ab")(CONFIG, _state(), torch.tensor([1]), 1.0, 5, 2, 0)
