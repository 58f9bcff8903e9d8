"""When gating helps (lessons 12-14): a memory task, gate biases, and gradients through the cell state.

    x, y = remember_first_batch(gen, num_sequences=64, length=40, num_symbols=4)   # (N, L, K), (N,)
    model = SequenceClassifier(input_size=4, hidden_size=32, num_classes=4, cell="lstm")  # rnn_course.models
    open_memory_gate(model.rnn, 3.0)               # forget gate (LSTM) or update gate (GRU) starts near 1
    accuracy = train_remember_first(model, seed=0, length=40)
    norms = state_grad_norms(model.rnn, x)         # ||dL/dh_t|| (and ||dL/dc_t|| for an LSTM), t = 1..L

Shapes use torch's letters: N batch, L sequence length, K symbols (= H_in), H hidden size.
"""

import torch
from torch import nn
from torch.nn import functional as F

from .models import SequenceClassifier

# ---------------------------------------------------------------------------------------------
# The task: remember the first symbol through L - 1 distractors
# ---------------------------------------------------------------------------------------------


def remember_first_batch(gen, num_sequences, length, num_symbols=4):
    """A batch of the "remember the first symbol" task.

    Every sequence is ``length`` symbols drawn uniformly from ``num_symbols``, one-hot encoded; the
    target is the first symbol. Everything after it is a distractor that looks exactly like it, so a
    model must keep what it read at step 1 for L - 1 steps while new inputs keep arriving.

    Returns:
        x: (N, L, K) float32, batch-first one-hot symbols.
        y: (N,) int64, the symbol at step 1.
    """
    symbols = torch.randint(0, num_symbols, (num_sequences, length), generator=gen)  # (N, L)
    return F.one_hot(symbols, num_symbols).float(), symbols[:, 0]


def open_memory_gate(module, bias):
    """Add ``bias`` to the gate that keeps the old state, in place: LSTM's forget gate f, GRU's update gate z.

    torch stacks LSTM's gates as i|f|g|o and GRU's as r|z|n, so the gate is the second block of H
    rows of every ``bias_ih_l*``. A bias of 3 starts the gate at about sigmoid(3) = 0.95.
    """
    if module.mode not in ("LSTM", "GRU"):
        raise ValueError(
            f"only an LSTM or a GRU has a gate that keeps the state, got {module.mode}"
        )
    H = module.hidden_size
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            if name.startswith("bias_ih"):
                parameter[H : 2 * H] += bias
    return module


def train_remember_first(
    model,
    seed,
    length=30,
    num_symbols=4,
    steps=300,
    batch_size=32,
    lr=0.01,
    max_norm=1.0,
    test_size=1000,
):
    """Train ``model`` on the task with Adam and gradient clipping; return its held-out accuracy.

    Training batches come from ``seed``; the held-out batch from a generator no training seed uses.
    """
    gen = torch.Generator().manual_seed(10_000 + seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        x, y = remember_first_batch(gen, batch_size, length, num_symbols)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
    x, y = remember_first_batch(
        torch.Generator().manual_seed(-1 % 2**63), test_size, length, num_symbols
    )
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


# ---------------------------------------------------------------------------------------------
# Gradients through h_t and c_t
# ---------------------------------------------------------------------------------------------


def _step(module, x_t, state):
    """One step of a one-layer ``nn.RNN``/``nn.GRU``/``nn.LSTM``: x_t (N, 1, H_in) -> its new state."""
    _, state = module(x_t, state)  # (1, N, H), or a pair of them for an LSTM
    return state


def unroll_gated_states(module, x):
    """Run a one-layer, one-direction batch-first module step by step, keeping every state.

    Returns a list of L states: for an RNN or a GRU the tensor h_t, for an LSTM the pair (h_t, c_t),
    each tensor (1, N, H) and the very node the next step reads, so its ``.grad`` after ``backward``
    is the total gradient dL/dh_t (or dL/dc_t).
    """
    if module.num_layers != 1 or module.bidirectional or not module.batch_first:
        raise ValueError(
            "unroll_gated_states needs num_layers=1, bidirectional=False and batch_first=True"
        )
    state, states = None, []
    for x_t in x.split(1, dim=1):  # L tensors of (N, 1, H_in)
        state = _step(module, x_t, state)
        for tensor in state if isinstance(state, tuple) else (state,):
            tensor.retain_grad()
        states.append(state)
    return states


def state_grad_norms(module, x):
    """||dL/dh_t|| for t = 1..L, with L the sum of the last hidden state; for an LSTM also ||dL/dc_t||.

    Returns {"h": (L,) tensor} or, for an LSTM, {"h": (L,), "c": (L,)}; each norm is over the batch
    and the hidden units together.
    """
    states = unroll_gated_states(module, x)
    lstm = module.mode == "LSTM"
    (states[-1][0] if lstm else states[-1]).sum().backward()
    if not lstm:
        return {"h": torch.stack([_grad_norm(h) for h in states])}
    return {
        "h": torch.stack([_grad_norm(h) for h, _ in states]),
        "c": torch.stack([_grad_norm(c) for _, c in states]),
    }


def initial_grad_norms(
    cell, seed, gate_bias=0.0, length=50, hidden_size=32, num_symbols=4, batch_size=64
):
    """``state_grad_norms`` of a freshly initialised classifier on one batch of the task (lessons 12-13).

    The model is ``SequenceClassifier(num_symbols, hidden_size, num_symbols, cell=cell)`` made after
    ``torch.manual_seed(seed)``, with its keep gate opened by ``gate_bias`` when that is not 0; the
    batch is drawn from ``seed`` too. Returns {"h": (L,)} or, for an LSTM, {"h": (L,), "c": (L,)}.
    """
    torch.manual_seed(seed)
    model = SequenceClassifier(num_symbols, hidden_size, num_symbols, cell=cell)
    if gate_bias:
        open_memory_gate(model.rnn, gate_bias)
    x, _ = remember_first_batch(
        torch.Generator().manual_seed(seed), batch_size, length, num_symbols
    )
    return state_grad_norms(model.rnn, x)


def _grad_norm(tensor):
    """The norm of a retained gradient; 0 where no path reached the tensor."""
    return tensor.grad.norm() if tensor.grad is not None else torch.zeros(())
