"""A generated translation task: a string of digits in, the same digits reversed out.

Reversal is the smallest task on which an encoder-decoder must carry the whole input: the first
output digit is the last input digit, so nothing can be written before everything has been read.
Its right alignment is known (output step t reads input step S - t + 1), which makes attention
maps easy to check by eye. Nothing is downloaded; everything random takes a ``torch.Generator``.

Tokens: ``PAD`` 0, ``SOS`` 1, ``EOS`` 2, and the digits 0-9 as 3-12 (``VOCAB_SIZE`` 13).
"""

from dataclasses import dataclass

import torch

PAD, SOS, EOS = 0, 1, 2
DIGIT_OFFSET = 3
VOCAB_SIZE = DIGIT_OFFSET + 10


@dataclass
class Batch:
    """One batch of the reversal task (batch first).

    Attributes:
        src: (N, S) int64 digit tokens, padded with PAD after each row's length.
        src_lengths: (N,) int64, the number of real source tokens of each row.
        tgt: (N, S + 1) int64 the reversed digits, then EOS, then PAD.
    """

    src: torch.Tensor
    src_lengths: torch.Tensor
    tgt: torch.Tensor


def reversal_batch(batch_size, min_len, max_len, generator):
    """A random batch whose source lengths are drawn uniformly from min_len..max_len."""
    lengths = torch.randint(min_len, max_len + 1, (batch_size,), generator=generator)
    width = int(lengths.max())
    digits = torch.randint(10, (batch_size, width), generator=generator) + DIGIT_OFFSET
    positions = torch.arange(width)[None, :]  # (1, S)
    src = digits.masked_fill(positions >= lengths[:, None], PAD)  # (N, S)
    tgt = torch.full((batch_size, width + 1), PAD)  # (N, S + 1)
    for row, n in enumerate(lengths.tolist()):
        tgt[row, :n] = src[row, :n].flip(0)
        tgt[row, n] = EOS
    return Batch(src, lengths, tgt)


def to_text(tokens):
    """'3 1 4' style text of a token row: digits as digits, EOS as '.', PAD and SOS dropped."""
    words = []
    for token in tokens.tolist():
        if token >= DIGIT_OFFSET:
            words.append(str(token - DIGIT_OFFSET))
        elif token == EOS:
            words.append(".")
    return " ".join(words)
