"""Trusted adapters for exercises whose learner's function takes objects (a model, an optimizer, a
torch.Generator) that cannot travel to the grader's sandbox as plain data.

A hidden case carries only plain data: a ``config`` dict of numbers and strings, a model's
``state_dict``, tensors and numbers. An adapter wraps the learner's function so that it can be called
with those: it builds the objects, calls the learner's function, and turns what happens into tensors
the checker compares with torch's answer. The exercise names its adapter (``Exercise.adapter``,
"rnn_course.adapters:train_step_adapter"), and ``exercises.core.run_learner`` applies it, under the
from-scratch guard, in the learner's process or the grader's sandbox alike.

This module lives outside ``rnn_course/exercises/`` on purpose: the guard flags any call into that
folder as a call into the checker, and an adapter runs while the guard watches.
"""

import torch

from .models import CharRNN

DTYPE = torch.float64


def build_char_model(config, state):
    """A float64 CharRNN with ``config``'s sizes and cell, carrying ``state`` (a state_dict)."""
    with torch.random.fork_rng(
        devices=[]
    ):  # initialising draws from the global RNG: leave it as it was
        model = CharRNN(
            config["vocab_size"], config["embed_size"], config["hidden_size"], cell=config["cell"]
        )
    model = model.to(DTYPE)
    model.load_state_dict(state)
    return model


def build_optimizer(config, model):
    """torch.optim.Adam or SGD (with ``config["momentum"]``) over ``model``'s parameters."""
    if config["optimizer"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=config["lr"])
    if config["optimizer"] == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=config["lr"], momentum=config.get("momentum", 0.0)
        )
    raise ValueError(f"unknown optimizer {config['optimizer']!r}; expected 'adam' or 'sgd'")


def train_step_adapter(fn):
    """Wrap ``fn(model, optimizer, inputs, targets, lengths, max_norm) -> loss`` for plain cases.

    The wrapped function takes (config, state, inputs, targets, lengths, max_norm), where inputs and
    targets are (S, N, L) and lengths (S, N): S batches. It builds the model and the optimizer once,
    calls ``fn`` on each batch in turn (so that mistakes that only show on a second step, such as
    gradients left to accumulate, show), and returns
    ``{"loss": (S,) the returned losses, **the model's state_dict after the last step}``.
    """

    def run(config, state, inputs, targets, lengths, max_norm):
        model = build_char_model(config, state)
        optimizer = build_optimizer(config, model)
        losses = []
        for step in range(inputs.shape[0]):
            loss = fn(model, optimizer, inputs[step], targets[step], lengths[step], max_norm)
            losses.append(_as_loss(loss))
        after = {name: value.detach().clone() for name, value in model.state_dict().items()}
        return {"loss": torch.stack(losses), **after}

    run.learner_fn = fn
    return run


def _as_loss(value):
    """The loss a train_step returned, as a 0-dim float64 tensor; a TypeError names anything else."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.is_floating_point():
        return value.detach().reshape(()).to(DTYPE)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=DTYPE)
    what = (
        "None (did you forget the `return` statement?)" if value is None else type(value).__name__
    )
    if isinstance(value, torch.Tensor):
        what = f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    raise TypeError(
        f"train_step should return the loss before the step (a 0-dim tensor or a float), "
        f"but it returned {what}"
    )


def sample_adapter(fn):
    """Wrap ``fn(model, prompt, temperature, max_len, end_index, generator) -> tokens`` for plain cases.

    The wrapped function takes (config, state, prompt, temperature, max_len, end_index, seed): it
    builds the model (in eval mode) and ``torch.Generator().manual_seed(seed)``, and returns the
    tokens as a 1-D int64 tensor. While ``fn`` runs, torch's global CPU generator is seeded from
    ``seed`` as well (and put back afterwards), so that a function that forgets the generator draws
    the same wrong tokens every time, and the checker can recognise that mistake.
    """

    def run(config, state, prompt, temperature, max_len, end_index, seed):
        model = build_char_model(config, state).eval()
        generator = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng(devices=[]):  # the CPU generator is kept and put back
            # The CPU generator alone: torch.manual_seed would queue the seed for CUDA as well, with a
            # copy of the call's stack, which costs more than the rest of a short check.
            torch.default_generator.manual_seed(seed + 1)
            tokens = fn(model, prompt, temperature, max_len, end_index, generator)
        return _as_tokens(tokens)

    run.learner_fn = fn
    return run


def _as_tokens(value):
    """The tokens a sampler returned, as a 1-D tensor; a TypeError names anything unusable."""
    if isinstance(value, torch.Tensor):
        return value.detach().reshape(-1)
    if isinstance(value, (list, tuple)) and all(_is_index(v) for v in value):
        return torch.tensor([int(v) for v in value], dtype=torch.long)
    what = (
        "None (did you forget the `return` statement?)" if value is None else type(value).__name__
    )
    raise TypeError(
        f"the sampler should return the drawn token indices (a 1-D int64 tensor or a list of "
        f"ints), but it returned {what}"
    )


def _is_index(value):
    if isinstance(value, torch.Tensor):
        return value.numel() == 1 and not value.is_floating_point()
    return isinstance(value, int) and not isinstance(value, bool)
