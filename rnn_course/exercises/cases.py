"""Small helpers for building hidden cases: seeded float64 tensors and torch RNN oracles.

Every case draws its numbers from ``generator(seed)``. In a learner's notebook the seeds are the
fixed ones written in the exercise modules. The grader makes each submission's cases under
``salted(salt)``, a salt taken from the submission's own bytes: the same submission always meets
the same cases, but nobody can compute torch's answers in advance and return them from a table.
"""

import contextvars
import random
import sys
from contextlib import contextmanager

import torch
from torch import nn

DTYPE = torch.float64
_SALT = contextvars.ContextVar("case_salt", default=0)
_SEED_RANGE = 2**63 - 1


@contextmanager
def salted(salt):
    """Within this block, ``generator(seed)`` draws from seeds shifted by ``salt`` (0: unchanged)."""
    token = _SALT.set(int(salt))
    try:
        yield
    finally:
        _SALT.reset(token)


@contextmanager
def global_rng_kept():
    """Within this block, draws from torch's, Python's and numpy's global random state are undone on
    exit: a nn.Module built for a case (its init draws from torch's global generator) or a learner's
    function run by the checker leaves the notebook's later random draws where they were."""
    torch_state = torch.random.get_rng_state()
    python_state = random.getstate()
    numpy = sys.modules.get("numpy")  # only when something has imported it already
    numpy_state = numpy.random.get_state() if numpy is not None else None
    try:
        yield
    finally:
        torch.random.set_rng_state(torch_state)
        random.setstate(python_state)
        if numpy_state is not None:
            numpy.random.set_state(numpy_state)


def generator(seed):
    """A torch.Generator seeded with ``seed``, shifted by the active salt (global RNG state is
    never touched)."""
    return torch.Generator().manual_seed((seed + _SALT.get()) % _SEED_RANGE)


def randn(gen, *shape, scale=1.0):
    """A float64 tensor of standard normal values times ``scale``."""
    return torch.randn(*shape, generator=gen, dtype=DTYPE) * scale


def torch_rnn(params, input_size, hidden_size, **kwargs):
    """A float64 torch.nn.RNN carrying ``params`` (a state_dict), to serve as the oracle."""
    rnn = nn.RNN(input_size, hidden_size, dtype=DTYPE, **kwargs)
    rnn.load_state_dict(params)
    return rnn


def rnn_params(
    gen, input_size, hidden_size, num_layers=1, bidirectional=False, bias=True, scale=0.5
):
    """Random parameters with nn.RNN's names and shapes, e.g. weight_ih_l0 (H, H_in)."""
    params = {}
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size * (2 if bidirectional else 1)
        for suffix in ("", "_reverse") if bidirectional else ("",):
            params[f"weight_ih_l{layer}{suffix}"] = randn(
                gen, hidden_size, layer_input, scale=scale
            )
            params[f"weight_hh_l{layer}{suffix}"] = randn(
                gen, hidden_size, hidden_size, scale=scale
            )
            if bias:
                params[f"bias_ih_l{layer}{suffix}"] = randn(gen, hidden_size, scale=scale)
                params[f"bias_hh_l{layer}{suffix}"] = randn(gen, hidden_size, scale=scale)
    return params


def dims_label(**dims):
    """'N=3, L=5, H_in=2, H=4' from keyword arguments, in the order given."""
    return ", ".join(f"{name}={value}" for name, value in dims.items())


# ---------------------------------------------------------------------------------------------
# Mistakes shared by the exercises that score every position with cross_entropy
# ---------------------------------------------------------------------------------------------

SCORES_RESHAPED = (
    "you bring the scores to (N, C, L) for cross_entropy with reshape or view, which keeps the "
    "order of the numbers in memory, so each position's class scores are mixed with other "
    "positions' and the classes are no longer along their own axis: moving an axis takes transpose "
    "or permute"
)

TARGETS_SHIFTED = (
    "you shift the targets one step against the scores, as if the scores at step t predicted the "
    "target of step t + 1; here they already line up: the scores at step t are scored against the "
    "target at step t, and every real step counts"
)


def reshaped_scores_loss(logits, targets, time_major):
    """Cross-entropy per position, (N, L), with (L, N, C) ``logits`` (time_major) or (N, L, C) read as
    (N, C, L) by reshape; ``targets`` (L, N) or (N, L) in the same layout."""
    if time_major:
        length, n, classes = logits.shape
        targets = targets.T  # (N, L)
    else:
        n, length, classes = logits.shape
    return torch.nn.functional.cross_entropy(
        logits.reshape(n, classes, length), targets, reduction="none"
    )  # (N, L)
