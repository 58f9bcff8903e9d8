"""The suite's training memo (``training_memo.py``) puts back exactly what a real training leaves.

Each test compares with the function itself, run without the memo: the value it returns, the model's
parameters and gradients, and torch's global random state, bit for bit.
"""

import functools

import pytest
import torch
import training_memo

from rnn_course import gating, models, seq2seq

SHORT = seq2seq.Setup(steps=4, batch_size=8)


def counted(train):
    """``train``, counting its calls in ``.calls``."""

    @functools.wraps(train)
    def counting(*args, **kwargs):
        counting.calls += 1
        return train(*args, **kwargs)

    counting.calls = 0
    return counting


def classifier(seed, cell="gru"):
    torch.manual_seed(seed)
    return models.SequenceClassifier(input_size=4, hidden_size=5, num_classes=4, cell=cell)


def train_classifier(train, model, seed):
    return train(model, seed, length=6, num_symbols=4, steps=3, batch_size=7, test_size=11)


def outcome(model, result):
    """Everything a training leaves behind that the memo must put back."""
    grads = {name: p.grad for name, p in model.named_parameters()}
    return result, model.state_dict(), grads, torch.get_rng_state()


def assert_same(got, expected):
    (result, state, grads, rng), (result_0, state_0, grads_0, rng_0) = got, expected
    assert result == result_0
    assert state.keys() == state_0.keys() and grads.keys() == grads_0.keys()
    for name in state:
        assert torch.equal(state[name], state_0[name]), name
    for name in grads:
        assert grads_0[name] is not None and torch.equal(grads[name], grads_0[name]), name
    assert torch.equal(rng, rng_0)


@pytest.mark.parametrize("lesson", ["gating", "seq2seq"])
def test_the_second_call_puts_back_what_the_first_trained(tmp_path, lesson):
    if lesson == "gating":
        train, make = gating.train_remember_first, lambda: classifier(3)
        run = functools.partial(train_classifier, seed=3)
    else:
        train, make = seq2seq.train, lambda: seq2seq.make_model(True, 3, SHORT)

        def run(train, model):
            return train(model, 3, SHORT)

    torch.manual_seed(11)
    model = make()
    real = outcome(model, run(train, model))

    spy = counted(train)
    once = training_memo.memoised(spy, tmp_path)
    for calls in (1, 1, 1):  # trained by the first call, put back by the next two
        torch.manual_seed(11)
        model = make()
        assert_same(outcome(model, run(once, model)), real)
        assert spy.calls == calls


def test_other_inputs_train_again(tmp_path):
    spy = counted(gating.train_remember_first)
    once = training_memo.memoised(spy, tmp_path)
    train_classifier(once, classifier(0), seed=0)
    train_classifier(once, classifier(0), seed=1)  # another seed
    assert spy.calls == 2
    train_classifier(once, classifier(1), seed=0)  # other weights
    assert spy.calls == 3
    train_classifier(once, classifier(0, cell="lstm"), seed=0)  # another model
    assert spy.calls == 4
    model = classifier(0)
    model.eval()
    train_classifier(once, model, seed=0)  # the same weights, in eval mode
    assert spy.calls == 5
    with torch.no_grad():
        model = classifier(0)
        model.rnn.weight_hh_l0[0, 0] += 1e-6  # one weight a little off
    train_classifier(once, model, seed=0)
    assert spy.calls == 6
    model = classifier(0)  # with a gradient already there
    model.rnn.weight_hh_l0.grad = torch.zeros_like(model.rnn.weight_hh_l0)
    train_classifier(once, model, seed=0)
    assert spy.calls == 7
    threads = torch.get_num_threads()
    torch.set_num_threads(threads + 1)  # another number of threads
    try:
        train_classifier(once, classifier(0), seed=0)
    finally:
        torch.set_num_threads(threads)
    assert spy.calls == 8
    torch.manual_seed(5)  # another global random state
    train_classifier(once, classifier(0), seed=0)
    assert spy.calls == 8  # classifier(0) seeded it again: the same state, so put back
    model = classifier(0)
    torch.manual_seed(5)
    train_classifier(once, model, seed=0)
    assert spy.calls == 9


def test_denormals_flushed_or_not_are_other_inputs(tmp_path):
    spy = counted(gating.train_remember_first)
    once = training_memo.memoised(spy, tmp_path)
    try:
        for flush in (False, True, False, True):
            torch.set_flush_denormal(flush)
            train_classifier(once, classifier(0), seed=0)
    finally:
        torch.set_flush_denormal(False)
    assert spy.calls == 2


def test_an_argument_it_cannot_compare_always_trains_and_is_not_kept(tmp_path):
    spy = counted(seq2seq.train)
    once = training_memo.memoised(spy, tmp_path)

    class Odd:  # not a number, string, device or dataclass of those
        pass

    for _ in range(2):
        with pytest.raises(AttributeError):  # Odd() is no Setup; what matters is that it ran
            once(seq2seq.make_model(False, 0, SHORT), 0, Odd())
    assert spy.calls == 2
    assert not list(tmp_path.glob("*.pt"))


def test_installed_wraps_both_trainings_for_the_block_only(tmp_path):
    originals = gating.train_remember_first, seq2seq.train
    with training_memo.installed(tmp_path):
        assert gating.train_remember_first.__wrapped__ is originals[0]
        assert seq2seq.train.__wrapped__ is originals[1]
        seq2seq.measure(False, 0, [2], SHORT)  # measure calls train, through the module
    assert (gating.train_remember_first, seq2seq.train) == originals
    assert len(list(tmp_path.glob("*.pt"))) == 1
    with training_memo.installed(None):
        assert (gating.train_remember_first, seq2seq.train) == originals


def test_the_folder_comes_from_the_run_unless_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv(training_memo.FOLDER, str(tmp_path))
    monkeypatch.delenv(training_memo.OFF, raising=False)
    assert training_memo.folder() == tmp_path
    monkeypatch.setenv(training_memo.OFF, "1")
    assert training_memo.folder() is None
    monkeypatch.delenv(training_memo.OFF)
    monkeypatch.delenv(training_memo.FOLDER)
    assert training_memo.folder() is None


def test_a_training_that_draws_from_the_global_generator_leaves_it_as_a_real_one_does(tmp_path):
    def noisy(model, seed):
        """Moves the weights by noise from torch's global generator and returns one number."""
        with torch.no_grad():
            for parameter in model.parameters():
                parameter += torch.randn(parameter.shape)
        loss = sum(p.sum() for p in model.parameters())
        loss.backward()
        return loss.item() + seed

    torch.manual_seed(2)
    model = torch.nn.Linear(3, 2)
    real = outcome(model, noisy(model, 1))
    spy = counted(noisy)
    once = training_memo.memoised(spy, tmp_path)
    for calls in (1, 1):
        torch.manual_seed(2)
        model = torch.nn.Linear(3, 2)
        assert_same(outcome(model, once(model, 1)), real)
        assert spy.calls == calls


def test_keyword_arguments_are_kept_by_name(tmp_path):
    spy = counted(gating.train_remember_first)
    once = training_memo.memoised(spy, tmp_path)
    short = dict(length=6, num_symbols=4, test_size=11)
    once(classifier(0), 0, steps=3, batch_size=7, **short)
    once(classifier(0), 0, batch_size=7, steps=3, **short)  # the same call, keywords reordered
    assert spy.calls == 1
    once(classifier(0), 0, batch_size=3, steps=7, **short)  # the two values swapped between names
    assert spy.calls == 2
