"""Datasets for the course: text that ships with the package, and sequences generated from a seed.

Nothing here downloads anything. Everything random takes a ``torch.Generator`` (the global RNG is
never touched), so the same seed always gives the same data.

    from rnn_course import data
    gen = torch.Generator().manual_seed(0)
    ds = data.rhyme_dataset(gen)                  # train/validation split of the nursery rhymes
    batches = data.char_batches(ds.train, ds.vocab, batch_size=16, generator=gen)

    corpus = data.verse_corpus(gen)               # generated verses (lesson 11), one text each
    inputs, targets = data.text_streams(corpus.train, corpus.vocab, num_streams=20)  # (N, T)
    chunks = data.stream_chunks(inputs, targets, chunk_length=50)                   # (N, L) pairs

The text files live next to this module (``rnn_course/data/*.txt``); their first line names the
source, starting with ``#``.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources

import torch
from torch.nn.utils.rnn import pad_sequence

from .verses import generate_verses

TEXTS = ("nursery_rhymes",)

PAD, BOS, EOS = "<pad>", "<bos>", "\n"


# ---------------------------------------------------------------------------------------------
# Text that ships with the package
# ---------------------------------------------------------------------------------------------


def _read(name):
    if name not in TEXTS:
        raise ValueError(f"unknown text {name!r}; expected one of: {', '.join(TEXTS)}")
    return resources.files(__name__).joinpath(f"{name}.txt").read_text(encoding="utf-8")


def text_source(name="nursery_rhymes"):
    """The header line that names where the text comes from (without its leading '# ')."""
    header = _read(name).splitlines()[0]
    return header.lstrip("#").strip()


def load_text(name="nursery_rhymes"):
    """The text as one string: header removed, lines joined with '\\n', blank lines between poems."""
    lines = [line for line in _read(name).splitlines() if not line.startswith("#")]
    return "\n".join(lines).strip() + "\n"


def load_poems(name="nursery_rhymes"):
    """The text as a list of poems, each a list of its non-empty lines (str, no '\\n')."""
    poems = [block.strip().splitlines() for block in load_text(name).split("\n\n")]
    return [[line.strip() for line in poem if line.strip()] for poem in poems if poem]


# ---------------------------------------------------------------------------------------------
# Characters <-> integers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CharVocab:
    """A character vocabulary. Index 0 is padding, 1 marks the start of a line, 2 ('\\n') its end.

    ``itos[i]`` is the token with index i; ``size`` is V, the number of tokens (padding included).
    """

    itos: tuple

    pad_index = 0
    bos_index = 1
    eos_index = 2

    @classmethod
    def from_text(cls, text):
        """Every character of ``text`` (except '\\n', which is the end token), sorted."""
        chars = sorted(set(text) - {EOS})
        return cls((PAD, BOS, EOS, *chars))

    @property
    def size(self):
        return len(self.itos)

    def encode(self, line):
        """A line (str) -> its character indices, a LongTensor of shape (len(line),)."""
        stoi = {token: i for i, token in enumerate(self.itos)}
        return torch.tensor([stoi[c] for c in line], dtype=torch.long)

    def decode(self, indices):
        """Indices (a 1-D tensor or list) -> str; padding and start tokens are skipped."""
        skip = (self.pad_index, self.bos_index)
        return "".join(self.itos[int(i)] for i in indices if int(i) not in skip)


# ---------------------------------------------------------------------------------------------
# The nursery-rhyme dataset: one training sequence per line
# ---------------------------------------------------------------------------------------------


@dataclass
class TextDataset:
    """A train/validation split of a text, by whole poems (so no poem is in both).

    Attributes:
        vocab: the CharVocab of the whole text.
        train, val: lists of lines (str without '\\n').
        train_poems, val_poems: indices of the poems (in ``load_poems`` order) in each split.
    """

    vocab: CharVocab
    train: list
    val: list
    train_poems: list
    val_poems: list


def rhyme_dataset(generator, val_fraction=0.2, name="nursery_rhymes"):
    """Split the poems of ``name`` at random (drawn from ``generator``) into train and validation.

    About ``val_fraction`` of the poems go to validation; the split is by poem, then each poem is
    cut into its lines. The vocabulary is built from the whole text so that both splits share it.
    """
    poems = load_poems(name)
    order = torch.randperm(len(poems), generator=generator).tolist()
    n_val = max(1, round(val_fraction * len(poems)))
    val_poems, train_poems = sorted(order[:n_val]), sorted(order[n_val:])
    return TextDataset(
        vocab=CharVocab.from_text(load_text(name)),
        train=[line for i in train_poems for line in poems[i]],
        val=[line for i in val_poems for line in poems[i]],
        train_poems=train_poems,
        val_poems=val_poems,
    )


def char_example(line, vocab):
    """One line -> (inputs, targets), both LongTensors of shape (L,) with L = len(line) + 1.

    inputs is <bos> followed by the line; targets is the line followed by '\\n': at every step
    the target is the next character.
    """
    chars = vocab.encode(line)
    inputs = torch.cat([torch.tensor([vocab.bos_index]), chars])
    targets = torch.cat([chars, torch.tensor([vocab.eos_index])])
    return inputs, targets


@dataclass
class CharBatch:
    """A padded batch of lines.

    Attributes:
        inputs, targets: LongTensors (N, L_max), padded with ``vocab.pad_index``.
        lengths: LongTensor (N,), the real length of each row (on the CPU, as packing wants it).
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    lengths: torch.Tensor


def char_batches(lines, vocab, batch_size, generator=None):
    """Cut ``lines`` into padded CharBatches of up to ``batch_size`` lines (batch_first layout).

    With a ``generator`` the lines are shuffled first (a fresh order on every call); without one
    they keep their order. Rows are not sorted by length: pack with ``enforce_sorted=False``.
    """
    order = list(range(len(lines)))
    if generator is not None:
        order = torch.randperm(len(lines), generator=generator).tolist()
    batches = []
    for start in range(0, len(order), batch_size):
        pairs = [char_example(lines[i], vocab) for i in order[start : start + batch_size]]
        inputs, targets = zip(*pairs)
        batches.append(
            CharBatch(
                inputs=pad_sequence(inputs, batch_first=True, padding_value=vocab.pad_index),
                targets=pad_sequence(targets, batch_first=True, padding_value=vocab.pad_index),
                lengths=torch.tensor([len(x) for x in inputs]),
            )
        )
    return batches


def unigram_loss(train_lines, val_lines, vocab):
    """The baseline: cross-entropy (nats per character) on ``val_lines`` of a model that ignores
    context and always predicts the character frequencies of ``train_lines``.

    Counts include the end-of-line token and are add-one smoothed, so no character has probability 0.
    """
    log_p = _unigram_log_probs(train_lines, vocab)
    targets = torch.cat([char_example(line, vocab)[1] for line in val_lines])
    return -log_p[targets].mean().item()


def ngram_loss(train_lines, val_lines, vocab, order):
    """Cross-entropy (nats per character) on ``val_lines`` of an n-gram model fitted on ``train_lines``.

    The model predicts each target (every character of a line, then the end token) from the
    ``order - 1`` characters before it, with ``<bos>`` filling in before the start of a line: the
    same pairs an RNN is trained on, with its memory cut to ``order - 1`` characters.

    Order 1 is ``unigram_loss``. Higher orders use Witten-Bell interpolation, which needs no tuning
    (so nothing is fitted on the validation lines): a context seen ``n`` times, followed by ``t``
    different characters, mixes its own counts with the next lower order's probabilities, as
    p(c | ctx) = (count(ctx, c) + t * p_lower(c)) / (n + t); an unseen context uses p_lower alone.
    """
    if int(order) != order or order < 1:
        raise ValueError(f"order must be a positive integer, not {order!r}")
    tables = [_context_counts(train_lines, vocab, k) for k in range(1, order)]
    unigram = _unigram_log_probs(train_lines, vocab).exp().tolist()  # V floats
    total, count = 0.0, 0
    for line in val_lines:
        inputs, targets = char_example(line, vocab)
        history = [vocab.bos_index] * (order - 2) + inputs.tolist()
        for t, target in enumerate(targets.tolist()):
            p = unigram[target]
            for k, table in enumerate(tables, start=1):  # contexts of 1, 2, ... characters
                context = tuple(history[t + order - 1 - k : t + order - 1])
                p = _witten_bell(table.get(context), target, p)
            total -= math.log(p)
            count += 1
    return total / count


def _context_counts(lines, vocab, k):
    """{context (k indices): Counter of the next token} over ``lines``."""
    table = defaultdict(Counter)  # a Counter made only for a context not seen before
    for line in lines:
        inputs, targets = char_example(line, vocab)
        history = [vocab.bos_index] * (k - 1) + inputs.tolist()
        for t, target in enumerate(targets.tolist()):
            table[tuple(history[t : t + k])][target] += 1
    return dict(table)


def _witten_bell(counts, target, lower):
    """p(target | context): the context's next-token ``counts`` (a Counter, or None for an unseen
    context) interpolated with ``lower``, the next lower order's p(target)."""
    if counts is None:
        return lower
    seen, types = counts.total(), len(counts)
    return (counts[target] + types * lower) / (seen + types)


def _unigram_log_probs(train_lines, vocab):
    """Add-one smoothed log-frequencies of the targets of ``train_lines`` (pad and bos never occur): (V,)."""
    counts = torch.ones(vocab.size)
    counts[vocab.pad_index] = counts[vocab.bos_index] = 0
    for line in train_lines:
        counts += torch.bincount(char_example(line, vocab)[1], minlength=vocab.size)
    return torch.log(counts / counts.sum())


# ---------------------------------------------------------------------------------------------
# Generated verses, read as one stream (truncated BPTT with a carried state)
# ---------------------------------------------------------------------------------------------


@dataclass
class VerseCorpus:
    """Generated verses: a training text and a validation text drawn after it from the same generator.

    Attributes:
        vocab: the CharVocab of both texts ('\n' is a character of the stream, index 2).
        train, val: str, whole verses, each followed by a blank line.
    """

    vocab: CharVocab
    train: str
    val: str


def verse_corpus(generator, num_train=800, num_val=100):
    """``num_train`` verses for training, then ``num_val`` more for validation (see ``verses``)."""
    train = generate_verses(generator, num_train)
    val = generate_verses(generator, num_val)
    return VerseCorpus(vocab=CharVocab.from_text(train + val), train=train, val=val)


def text_streams(text, vocab, num_streams):
    """Cut ``text`` into ``num_streams`` equal rows read side by side: inputs and targets (N, T).

    Row n holds the n-th stretch of T characters; targets are the inputs shifted by one character
    along the text. The last few characters (fewer than N + 1) are dropped.
    """
    ids = vocab.encode(text)  # (len(text),)
    width = (len(ids) - 1) // num_streams
    inputs = ids[: num_streams * width].view(num_streams, width)  # (N, T)
    targets = ids[1 : num_streams * width + 1].view(num_streams, width)  # (N, T)
    return inputs, targets


def stream_chunks(inputs, targets, chunk_length):
    """Consecutive chunks of ``chunk_length`` steps of (N, T) streams: a list of (inputs, targets),
    each (N, L) and a copy of its own. Chunk k + 1 continues chunk k in every row; a last, shorter
    remainder is dropped."""
    starts = range(0, inputs.shape[1] - chunk_length + 1, chunk_length)
    return [
        (inputs[:, s : s + chunk_length].clone(), targets[:, s : s + chunk_length].clone())
        for s in starts
    ]


# ---------------------------------------------------------------------------------------------
# Generated sequences
# ---------------------------------------------------------------------------------------------


def random_sequences(lengths, input_size, generator):
    """One float tensor per length, of shape (L_i, H_in), standard normal values from ``generator``."""
    return [torch.randn(int(length), input_size, generator=generator) for length in lengths]
