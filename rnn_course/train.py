"""Training for the end-to-end lesson (11): truncated BPTT over a stream of text, and the course's own
training step and sampler (the lesson uses these after its exercises, so that nothing depends on the
learner's attempt)."""

import weakref

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

# ---------------------------------------------------------------------------------------------
# Truncated BPTT over a stream: the state is carried from chunk to chunk, and detached
# ---------------------------------------------------------------------------------------------


def detach_state(state):
    """The same state cut from its history: h.detach(), or (h.detach(), c.detach()) for an LSTM."""
    if isinstance(state, tuple):
        return tuple(part.detach() for part in state)
    return state.detach()


def chunk_loss(model, inputs, targets, state):
    """Mean cross-entropy of one chunk read from ``state``. inputs, targets: (N, L) int64.

    Returns (loss, the state after the chunk). The state still hangs on this chunk's graph.
    """
    logits, state = model.step(inputs, state)  # (N, L, V)
    return F.cross_entropy(logits.transpose(1, 2), targets), state  # cross_entropy wants (N, V, L)


def stream_epoch(model, chunks, optimizer, clip=1.0, on_step=None):
    """One pass over consecutive ``chunks`` (a list of (inputs, targets), each (N, L)), carrying the
    state: each chunk starts where the previous one stopped, and its gradient stops there too
    (the state is detached after every step). ``on_step(loss, model)`` runs after every step.
    Returns the loss of every chunk, before its step (a list of floats)."""
    model.train()
    state, losses = None, []
    for inputs, targets in chunks:
        optimizer.zero_grad()
        loss, state = chunk_loss(model, inputs, targets, state)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        state = detach_state(state)
        losses.append(loss.item())
        if on_step is not None:
            on_step(losses[-1], model)
    return losses


@torch.no_grad()
def stream_loss(model, inputs, targets):
    """Mean cross-entropy over whole streams read from zeros, in eval mode. inputs, targets: (N, T)."""
    was_training = model.training
    model.eval()
    loss, _ = chunk_loss(model, inputs, targets, None)
    model.train(was_training)
    return loss.item()


class HeldForBackward:
    """Counts the bytes autograd keeps for backward, while they are kept.

    Inside ``with meter:``, every tensor that autograd saves for the backward pass is counted until
    the graph that holds it is freed (by backward, or when nothing refers to it). ``meter.held``
    is the number of bytes still held: each storage once, parameters not counted (they exist
    anyway). Works on any device.
    """

    def __init__(self, model):
        self._parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
        self._live = {}  # id(box) -> (storage pointer, bytes)
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)

    @property
    def held(self):
        return sum(dict(self._live.values()).values())

    def _pack(self, tensor):
        box = _Box(tensor)
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in self._parameters:
            self._live[id(box)] = (storage.data_ptr(), storage.nbytes())
            weakref.finalize(box, self._live.pop, id(box), None)
        return box

    @staticmethod
    def _unpack(box):
        return box.tensor

    def __enter__(self):
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        return self._hooks.__exit__(*exc)


class _Box:
    """A saved tensor, wrapped so that its release can be seen (tensors themselves are reused)."""

    def __init__(self, tensor):
        self.tensor = tensor


# ---------------------------------------------------------------------------------------------
# One training step and the sampler, for models with rnn_course.models.CharRNN's interface
# ---------------------------------------------------------------------------------------------


def packed_targets(targets, lengths):
    """The targets of the real positions, (sum(lengths),), in packed order (time step by time step),
    the order of ``model(inputs, lengths)``'s logits."""
    return pack_padded_sequence(targets, lengths.cpu(), batch_first=True, enforce_sorted=False).data


def packed_loss(model, inputs, targets, lengths):
    """The mean cross-entropy over the real positions of a padded batch_first batch."""
    logits = model(inputs, lengths)  # (sum(lengths), V)
    return F.cross_entropy(logits, packed_targets(targets, lengths))


def train_step(model, optimizer, inputs, targets, lengths, max_norm):
    """One step on a padded batch_first batch: forward, the mean cross-entropy over the real
    positions, backward, clip the global gradient norm to ``max_norm``, optimizer step.

    inputs, targets: (N, L) int64; lengths: (N,) int64. ``model(inputs, lengths)`` returns the
    logits of the real positions in packed order, (sum(lengths), V). Returns the loss before the
    step (a 0-dim tensor).
    """
    loss = packed_loss(model, inputs, targets, lengths)
    optimizer.zero_grad()  # backward adds to .grad
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


@torch.no_grad()
def sample(model, prompt, temperature, max_len, end_index, generator):
    """Generate tokens after ``prompt`` ((K,) int64, K >= 1: the start token, or any text).

    Each step divides the last logits by ``temperature``, draws one token with
    ``torch.multinomial(probabilities, 1, generator=generator)``, and feeds it back with the
    carried state. Stops after drawing ``end_index`` (kept as the last token) or after ``max_len``
    tokens; with ``end_index=None`` it always draws ``max_len`` tokens. Returns the drawn tokens,
    (T,) int64 with T <= max_len.
    """
    logits, state = model.step(prompt)  # (K, V): read the whole prompt
    logits, tokens = logits[-1], []  # (V,): after the prompt's last token
    for _ in range(max_len):
        probs = torch.softmax(logits / temperature, dim=-1)  # (V,)
        token = torch.multinomial(probs, 1, generator=generator)  # (1,)
        tokens.append(token)
        if token.item() == end_index:
            break
        logits, state = model.step(token, state)  # (1, V)
        logits = logits[-1]
    return torch.cat(tokens) if tokens else prompt.new_zeros(0)
