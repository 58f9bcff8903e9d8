"""Encoder-decoders for lessons 15 and 16: a GRU encoder, a GRU decoder with or without attention,
teacher-forced training, greedy decoding and the measurements the lessons make.

Letters: N batch, S source length, L target length, E embedding size, H hidden size, C vocabulary
size (torch's number of classes). Everything is batch first.

The exercises of the two lessons forbid this module: it holds the course's own ``attention``,
``seq2seq_loss`` and ``greedy_decode``.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .data import reversal

# ---------------------------------------------------------------------------------------------
# The three computations the exercises ask for
# ---------------------------------------------------------------------------------------------


def attention(query, keys, values, mask=None):
    """Scaled dot-product attention.

    Args:
        query: (N, L, E). keys: (N, S, E). values: (N, S, Ev).
        mask: None, or (N, S) bool, True where a key is real (may be attended to).

    Returns:
        context (N, L, Ev) and weights (N, L, S); each row of weights sums to 1.
    """
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])  # (N, L, S)
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ values, weights  # (N, L, Ev), (N, L, S)


def teacher_inputs(tgt, sos_index):
    """The decoder's inputs (N, L) under teacher forcing: SOS, then tgt shifted right by one."""
    return torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)


def seq2seq_loss(step, h, tgt, sos_index, pad_index):
    """Mean cross-entropy over the real tokens of tgt (N, L), the decoder fed the true previous token.

    ``step(y, h) -> (logits, h_next)``: y (N,), h (N, H), logits (N, C).
    """
    inputs = teacher_inputs(tgt, sos_index)
    logits = []
    for t in range(tgt.shape[1]):
        out, h = step(inputs[:, t], h)
        logits.append(out)
    logits = torch.stack(logits, dim=1)  # (N, L, C)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def greedy_decode(step, h, sos_index, eos_index, pad_index, max_len):
    """Tokens (N, T), T <= max_len: each step's argmax fed back; PAD after a row's EOS; stops when
    every row has produced EOS."""
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    done = torch.zeros(h.shape[0], dtype=torch.bool, device=h.device)
    tokens = []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)
        tokens.append(y)
        done = done | (y == eos_index)
        if done.all():
            break
    return torch.stack(tokens, dim=1)  # (N, T)


def additive_scores(query, keys, weight_query, weight_keys, v):
    """Bahdanau's additive scores v . tanh(W_q q + W_k k): query (N, L, H_q), keys (N, S, H_k),
    weight_query (A, H_q), weight_keys (A, H_k), v (A,) -> scores (N, L, S)."""
    q = (query @ weight_query.T)[:, :, None, :]  # (N, L, 1, A)
    k = (keys @ weight_keys.T)[:, None, :, :]  # (N, 1, S, A)
    return torch.tanh(q + k) @ v  # (N, L, S)


# ---------------------------------------------------------------------------------------------
# The models
# ---------------------------------------------------------------------------------------------


class Encoder(nn.Module):
    """Embedding and a GRU over the padded source: src (N, S), lengths (N,) ->
    outputs (N, S, H) (zeros at padding) and h_n (N, H), the state after each row's last real token."""

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, hidden_size, batch_first=True)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(
            self.embedding(src), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        outputs, h_n = self.rnn(packed)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=src.shape[1])
        return outputs, h_n[0]  # (N, S, H), (N, H)


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder. With ``use_attention`` the decoder reads, at every step, a context
    vector: dot-product attention of its state over the encoder's outputs; without it, the encoder's
    final state is all the decoder ever sees of the source."""

    def __init__(self, vocab_size, embed_size, hidden_size, use_attention):
        super().__init__()
        self.use_attention = use_attention
        self.encoder = Encoder(vocab_size, embed_size, hidden_size)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        extra = hidden_size if use_attention else 0
        self.cell = nn.GRUCell(embed_size + extra, hidden_size)
        self.out = nn.Linear(hidden_size + extra, vocab_size)

    def decoder_step(self, memory, mask, record=None):
        """``step(y, h) -> (logits, h_next)`` over this source; appends (N, S) weights to ``record``."""

        def step(y, h):
            x = self.embedding(y)  # (N, E)
            if not self.use_attention:
                h = self.cell(x, h)
                return self.out(h), h
            context, weights = attention(h[:, None, :], memory, memory, mask)  # (N, 1, H)
            if record is not None:
                record.append(weights[:, 0])
            h = self.cell(torch.cat([x, context[:, 0]], dim=-1), h)  # (N, H)
            return self.out(torch.cat([h, context[:, 0]], dim=-1)), h  # (N, C)

        return step

    def encode(self, src, lengths, record=None):
        """(step, h0) for a batch of sources: the decoder's step function and initial state."""
        memory, h_n = self.encoder(src, lengths)
        mask = (
            torch.arange(src.shape[1], device=src.device)[None, :] < lengths.to(src.device)[:, None]
        )
        return self.decoder_step(memory, mask, record), h_n

    def loss(self, batch):
        step, h = self.encode(batch.src, batch.src_lengths)
        return seq2seq_loss(step, h, batch.tgt, reversal.SOS, reversal.PAD)

    @torch.no_grad()
    def translate(self, src, lengths, max_len, record=None):
        step, h = self.encode(src, lengths, record)
        return greedy_decode(step, h, reversal.SOS, reversal.EOS, reversal.PAD, max_len)


def make_model(use_attention, seed, embed_size=16, hidden_size=48, device="cpu"):
    """A Seq2Seq for the reversal task, initialised from ``seed`` (the global RNG is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Seq2Seq(reversal.VOCAB_SIZE, embed_size, hidden_size, use_attention)
    return model.to(device)


def to_device(batch, device):
    return reversal.Batch(batch.src.to(device), batch.src_lengths.to(device), batch.tgt.to(device))


def train(model, seed, steps=300, batch_size=64, min_len=2, max_len=10, lr=1e-2, device="cpu"):
    """Adam on fresh random batches (teacher forcing); returns the loss of every step."""
    gen = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        batch = to_device(reversal.reversal_batch(batch_size, min_len, max_len, gen), device)
        loss = model.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    return losses


def exact_match(model, length, seed, n=200, device="cpu"):
    """The fraction of n random sources of exactly ``length`` digits that come back perfectly
    reversed (every digit right, and EOS in its place), decoding greedily."""
    gen = torch.Generator().manual_seed(seed)
    batch = to_device(reversal.reversal_batch(n, length, length, gen), device)
    model.eval()
    tokens = model.translate(batch.src, batch.src_lengths, max_len=length + 1)
    model.train()
    if tokens.shape[1] < length + 1:
        tokens = F.pad(tokens, (0, length + 1 - tokens.shape[1]), value=reversal.PAD)
    return (tokens == batch.tgt).all(dim=1).float().mean().item()


def token_accuracy(model, batch, free_running):
    """The fraction of real target tokens predicted right, feeding the true previous token
    (teacher forcing) or the model's own previous prediction (free running)."""
    model.eval()
    with torch.no_grad():
        step, h = model.encode(batch.src, batch.src_lengths)
        y = torch.full_like(batch.tgt[:, 0], reversal.SOS)
        right = []
        for t in range(batch.tgt.shape[1]):
            logits, h = step(y, h)
            guess = logits.argmax(dim=-1)
            right.append(guess == batch.tgt[:, t])
            y = guess if free_running else batch.tgt[:, t]
    model.train()
    real = batch.tgt != reversal.PAD
    return (torch.stack(right, dim=1) & real).sum().item() / real.sum().item()
