"""Encoder-decoders for lessons 15 and 16: a GRU encoder, a GRU decoder with or without attention,
teacher-forced training, greedy decoding and the measurements the lessons make.

Letters: N batch, S source length, L target length, E embedding size, H hidden size, C vocabulary
size (torch's number of classes). Everything is batch first.

The exercises of the two lessons forbid this module: it holds the course's own ``attention``,
``seq2seq_loss`` and ``greedy_decode``.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .data import reversal

# ---------------------------------------------------------------------------------------------
# The three computations the exercises ask for
# ---------------------------------------------------------------------------------------------


def hide_padding(scores, mask, fill=float("-inf")):
    """scores (N, L, S) with the scores of padded keys set to ``fill``; mask (N, S) or None."""
    return scores if mask is None else scores.masked_fill(~mask[:, None, :], fill)


def attention(query, keys, values, mask=None):
    """Scaled dot-product attention.

    Args:
        query: (N, L, E). keys: (N, S, E). values: (N, S, Ev).
        mask: None, or (N, S) bool, True where a key is real (may be attended to).

    Returns:
        context (N, L, Ev) and weights (N, L, S); each row of weights sums to 1.
    """
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])  # (N, L, S)
    weights = hide_padding(scores, mask).softmax(dim=-1)
    return weights @ values, weights  # (N, L, Ev), (N, L, S)


def teacher_inputs(tgt, sos_index):
    """The decoder's inputs (N, L) under teacher forcing: SOS, then tgt shifted right by one."""
    return torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)


def run_decoder(step, h, inputs):
    """Logits (N, L, C) with ``inputs[:, t]`` (N,) fed at step t and the state carried."""
    logits = []
    for t in range(inputs.shape[1]):
        out, h = step(inputs[:, t], h)
        logits.append(out)
    return torch.stack(logits, dim=1)  # (N, L, C)


def token_loss(logits, tgt, pad_index):
    """Mean cross-entropy of logits (N, L, C) against tgt (N, L), positions holding PAD left out."""
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)  # classes on axis 1


def seq2seq_loss(step, h, tgt, sos_index, pad_index):
    """Mean cross-entropy over the real tokens of tgt (N, L), the decoder fed the true previous token.

    ``step(y, h) -> (logits, h_next)``: y (N,), h (N, H), logits (N, C).
    """
    logits = run_decoder(step, h, teacher_inputs(tgt, sos_index))  # (N, L, C)
    return token_loss(logits, tgt, pad_index)


def greedy_decode(step, h, sos_index, eos_index, pad_index, max_len):
    """Tokens (N, T), T <= max_len: each step's argmax fed back; PAD after a row's EOS; stops when
    every row has produced EOS."""
    y = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)  # (N,)
    done, tokens = torch.zeros_like(y, dtype=torch.bool), []
    for _ in range(max_len):
        logits, h = step(y, h)  # (N, C), (N, H)
        y = logits.argmax(dim=-1).masked_fill(done, pad_index)  # (N,)
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
    """Embedding and a bidirectional GRU over the padded source: src (N, S), lengths (N,) ->
    outputs (N, S, H) (zeros at padding) and h_n (N, H), each the two directions side by side
    (H/2 each). h_n holds the forward state after each row's last real token and the backward
    state after its first."""

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, hidden_size // 2, batch_first=True, bidirectional=True)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(
            self.embedding(src), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        outputs, h_n = self.rnn(packed)  # h_n (2, N, H/2)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=src.shape[1])
        return outputs, torch.cat([h_n[0], h_n[1]], dim=-1)  # (N, S, H), (N, H)


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder.

    The decoder is a GRU started from the encoder's final state. Without attention, that state is all
    it ever sees of the source. With ``use_attention``, each decoder output is also a query: dot-product
    attention over the encoder's outputs gives a context vector, and the output layer reads both.
    """

    def __init__(self, vocab_size, embed_size, hidden_size, use_attention):
        super().__init__()
        self.use_attention = use_attention
        self.encoder = Encoder(vocab_size, embed_size, hidden_size)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size * (2 if use_attention else 1), vocab_size)

    def decode(self, inputs, h, memory, mask):
        """inputs (N, L) tokens fed to the decoder, h (N, H) its initial state, memory (N, S, H) the
        encoder's outputs, mask (N, S) -> logits (N, L, C), h_n (N, H), weights (N, L, S) or None."""
        output, h_n = self.rnn(self.embedding(inputs), h[None])  # (N, L, H), (1, N, H)
        if not self.use_attention:
            return self.out(output), h_n[0], None
        context, weights = attention(output, memory, memory, mask)  # (N, L, H), (N, L, S)
        return self.out(torch.cat([output, context], dim=-1)), h_n[0], weights  # (N, L, C)

    def encode(self, src, lengths):
        """memory (N, S, H), h_n (N, H) and the source mask (N, S), True at real tokens."""
        memory, h_n = self.encoder(src, lengths)
        mask = (
            torch.arange(src.shape[1], device=src.device)[None, :] < lengths.to(src.device)[:, None]
        )
        return memory, h_n, mask

    def forward(self, src, lengths, tgt):
        """Teacher-forced logits (N, L, C) and attention weights (N, L, S) or None, all steps at once."""
        memory, h, mask = self.encode(src, lengths)
        logits, _, weights = self.decode(teacher_inputs(tgt, reversal.SOS), h, memory, mask)
        return logits, weights

    def step_function(self, src, lengths, record=None):
        """(step, h0): ``step(y, h) -> (logits, h_next)`` over this source, one token at a time, and
        the encoder's final state. Each step's weights (N, S) are appended to ``record``."""
        memory, h0, mask = self.encode(src, lengths)

        def step(y, h):
            logits, h_next, weights = self.decode(y[:, None], h, memory, mask)  # (N, 1, C)
            if record is not None and weights is not None:
                record.append(weights[:, 0])
            return logits[:, 0], h_next

        return step, h0

    def loss(self, batch):
        logits, _ = self(batch.src, batch.src_lengths, batch.tgt)
        return token_loss(logits, batch.tgt, reversal.PAD)

    @torch.no_grad()
    def translate(self, src, lengths, max_len, record=None):
        step, h = self.step_function(src, lengths, record)
        return greedy_decode(step, h, reversal.SOS, reversal.EOS, reversal.PAD, max_len)


@dataclass(frozen=True)
class Setup:
    """How the lessons and the benchmark train on the reversal task (sources of min_len..max_len
    digits, fresh random batches every step, Adam, gradients clipped to norm 1)."""

    embed_size: int = 16
    hidden_size: int = 48
    steps: int = 100
    batch_size: int = 128
    min_len: int = 2
    max_len: int = 10
    lr: float = 1e-2


def make_model(use_attention, seed, setup=Setup(), device="cpu"):
    """A Seq2Seq for the reversal task, initialised from ``seed`` (the global RNG is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Seq2Seq(reversal.VOCAB_SIZE, setup.embed_size, setup.hidden_size, use_attention)
    return model.to(device)


def to_device(batch, device):
    """The batch's tensors on ``device``."""
    return reversal.Batch(batch.src.to(device), batch.src_lengths.to(device), batch.tgt.to(device))


def train(model, seed, setup=Setup(), device="cpu"):
    """Adam on fresh random batches drawn from ``seed`` (teacher forcing); the loss of every step."""
    gen = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=setup.lr)
    losses = []
    for _ in range(setup.steps):
        batch = reversal.reversal_batch(setup.batch_size, setup.min_len, setup.max_len, gen)
        loss = model.loss(to_device(batch, device))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_batch(length, seed, n=200, device="cpu"):
    """n random sources of exactly ``length`` digits (a generator apart from training's)."""
    gen = torch.Generator().manual_seed(10_000 + seed)
    return to_device(reversal.reversal_batch(n, length, length, gen), device)


def exact_match(model, batch):
    """The fraction of the batch's sources that come back perfectly reversed (every digit right, and
    EOS in its place), decoding greedily."""
    model.eval()
    width = batch.tgt.shape[1]
    tokens = model.translate(batch.src, batch.src_lengths, max_len=width)
    model.train()
    tokens = F.pad(tokens, (0, width - tokens.shape[1]), value=reversal.PAD)  # (N, S + 1)
    return (tokens == batch.tgt).all(dim=1).float().mean().item()


def token_accuracy(model, batch, free_running):
    """The fraction of real target tokens predicted right, feeding the true previous token
    (teacher forcing) or the model's own previous prediction (free running)."""
    model.eval()
    with torch.no_grad():
        step, h = model.step_function(batch.src, batch.src_lengths)
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


def alignment_hits(model, batch):
    """The fraction of output steps whose largest attention weight sits on the source digit that
    step must write (output step t reads source position S - t, counting from 1); EOS steps left out."""
    record = []
    model.eval()
    model.translate(batch.src, batch.src_lengths, max_len=batch.tgt.shape[1], record=record)
    model.train()
    length = int(batch.src_lengths[0])  # the batch's sources all have this length
    peaks = torch.stack(record[:length], dim=1).argmax(dim=-1)  # (N, length)
    mirror = torch.arange(length - 1, -1, -1, device=peaks.device)  # (length,)
    return (peaks == mirror).float().mean().item()


def measure(use_attention, seed, lengths, setup=Setup(), device="cpu"):
    """Train one model from ``seed`` and measure it: exact match at each length, token accuracy with
    teacher forcing and free running at the longest, and (with attention) the alignment hit rate."""
    model = make_model(use_attention, seed, setup, device)
    losses = train(model, seed, setup, device)
    longest = test_batch(max(lengths), seed, device=device)
    result = {
        "final_loss": sum(losses[-10:]) / 10,
        "exact": [exact_match(model, test_batch(n, seed, device=device)) for n in lengths],
        "teacher": token_accuracy(model, longest, free_running=False),
        "free": token_accuracy(model, longest, free_running=True),
    }
    if use_attention:
        result["alignment"] = alignment_hits(model, longest)
    return model, result
