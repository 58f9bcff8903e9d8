"""Each of the lessons' trainings runs once per test run, however many times the suite runs its lesson.

Lessons 14, 15 and 16 train models: ``gating.train_remember_first`` (lesson 14) and ``seq2seq.train``
(lessons 15 and 16), several seeds each, about 2 s a model on one thread. The suite runs each of
those lessons more than once: the answer key under nbval, the learner copy (``executed_notebooks.py``)
and, for lesson 15, the paste test in the pytest process (``lesson_runner.py``). Each run trains the
same models from the same seeds, and gets the same numbers.

So in the suite's notebook kernels (``kernel_zygote.py``) and in ``lesson_runner.run_lesson``, these
two functions are wrapped. The first call with given inputs trains and keeps what the training left
behind, in a folder that all the run's processes share; a later call with the same inputs puts that
back instead of training again:

- the value it returned;
- the model's parameters and buffers, and the gradient each parameter holds;
- torch's global random state.

"The same inputs" means the same function, the same model (its class, its printed structure, whether
it is in training mode, and every parameter, buffer and gradient, bit for bit) and the same other
arguments. It also means the same torch: version, global random state, default dtype, number of
threads, whether gradients are on and denormals are flushed. Any argument other than a number, a
string, None, a device or a dataclass of those (``seq2seq.Setup``) is never kept: such a call trains.
Models on a GPU always train.

What makes this safe to rely on: the answer keys still run under nbval in strict mode, and every
training's numbers reach their outputs. Whichever run comes second shows what the memo put back, so
a memo that put back anything else would fail that run. ``tests/test_training_memo.py`` checks the
memo against a real training directly. ``RNN_COURSE_TRAIN_EVERY_TIME=1`` turns the memo off.
"""

import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import importlib
import os
from pathlib import Path

import torch

FOLDER = "RNN_COURSE_TRAINING_MEMO"  # the run's folder, set by the root conftest.py
OFF = "RNN_COURSE_TRAIN_EVERY_TIME"
MEMOISED = [("rnn_course.gating", "train_remember_first"), ("rnn_course.seq2seq", "train")]
PLAIN = (bool, int, float, str, type(None), torch.device)


def folder():
    """The run's memo folder, or None when this run has none (or ``RNN_COURSE_TRAIN_EVERY_TIME``)."""
    if os.environ.get(OFF):
        return None
    path = os.environ.get(FOLDER)
    return Path(path) if path else None


def install(memo_folder):
    """Wrap the functions of ``MEMOISED`` in their modules; returns what undoes it."""
    originals = []
    for module_name, name in MEMOISED:
        module = importlib.import_module(module_name)
        originals.append((module, name, getattr(module, name)))
        setattr(module, name, memoised(getattr(module, name), memo_folder))

    def uninstall():
        for module, name, original in originals:
            setattr(module, name, original)

    return uninstall


@contextlib.contextmanager
def installed(memo_folder):
    """``install`` for as long as the block runs; nothing is wrapped if ``memo_folder`` is None."""
    uninstall = install(memo_folder) if memo_folder is not None else None
    try:
        yield
    finally:
        if uninstall:
            uninstall()


def memoised(train, memo_folder):
    """``train(model, *args, **kwargs)``, trained once per set of inputs (the module's docstring)."""

    @functools.wraps(train)
    def once(model, *args, **kwargs):
        key = _key(train, model, args, kwargs)
        if key is None:
            return train(model, *args, **kwargs)
        kept = Path(memo_folder) / f"{key}.pt"
        with open(Path(memo_folder) / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a process training these inputs now finishes first
            if kept.is_file():
                return _put_back(model, torch.load(kept, weights_only=True))
            result = train(model, *args, **kwargs)
            _keep(kept, model, result)
            return result

    return once


def _keep(path, model, result):
    state = {
        "result": result,
        "state": {name: t.detach().clone() for name, t in model.state_dict().items()},
        "grads": {
            name: None if p.grad is None else p.grad.detach().clone()
            for name, p in model.named_parameters()
        },
        "rng": torch.get_rng_state(),
    }
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(state, temp)
    os.replace(temp, path)  # a reader sees the whole file or none


def _put_back(model, kept):
    model.load_state_dict(kept["state"])  # copied into the same tensors, in place
    for name, parameter in model.named_parameters():
        grad = kept["grads"][name]
        parameter.grad = None if grad is None else grad.clone()
    torch.set_rng_state(kept["rng"])
    return kept["result"]


def _key(train, model, args, kwargs):
    """A hex digest of everything the training's outcome depends on, or None for inputs never kept."""
    if not isinstance(model, torch.nn.Module):
        return None
    state = model.state_dict()
    if any(t.device.type != "cpu" for t in state.values()):
        return None
    # each argument with its position or its keyword, so that keywords in any order are one call
    words = {str(key): _plain(value) for key, value in (*enumerate(args), *kwargs.items())}
    if None in words.values():
        return None
    digest = hashlib.sha256()
    for part in (
        f"{train.__module__}.{train.__qualname__}",
        *(f"{key}={word}" for key, word in sorted(words.items())),
        type(model).__qualname__,
        repr(model),
        repr(model.training),
        *_torch_settings(),
    ):
        digest.update(part.encode() + b"\0")
    for name, tensor in state.items():
        _add_tensor(digest, name, tensor)
    for name, parameter in model.named_parameters():
        digest.update(f"{name} requires_grad={parameter.requires_grad}".encode())
        _add_tensor(digest, f"{name}.grad", parameter.grad)
    _add_tensor(digest, "rng", torch.get_rng_state())
    return digest.hexdigest()


def _plain(value):
    """``repr(value)`` for a plain value or a dataclass of plain values; None for anything else."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [getattr(value, f.name) for f in dataclasses.fields(value)]
        return repr(value) if all(isinstance(v, PLAIN) for v in fields) else None
    return repr(value) if isinstance(value, PLAIN) else None


def _torch_settings():
    flushes = torch.tensor([1e-39]).mul(1.0).item() == 0.0  # torch.set_flush_denormal has no getter
    return [
        torch.__version__,
        str(torch.get_default_dtype()),
        str(torch.get_num_threads()),
        str(torch.is_grad_enabled()),
        str(torch.are_deterministic_algorithms_enabled()),
        str(torch.backends.mkldnn.enabled),
        torch.get_float32_matmul_precision(),
        f"flush_denormal={flushes}",
    ]


def _add_tensor(digest, name, tensor):
    if tensor is None:
        digest.update(f"{name}=None".encode())
        return
    tensor = tensor.detach().cpu().contiguous()
    digest.update(f"{name} {tensor.dtype} {tuple(tensor.shape)}".encode())
    digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
