"""Trusted adapters for the encoder-decoder exercises of lesson 15.

``seq2seq_loss`` and ``greedy_decode`` take a decoder ``step`` function, which cannot travel to the
grader's sandbox as plain data. Their hidden cases carry the decoder's weights instead (a dict named
like a state_dict); the adapters here build ``step`` from them and call the learner's function.

This module lives outside ``rnn_course/exercises/`` on purpose: the guard flags any call into that
folder as a call into the checker, and an adapter runs while the guard watches. It is also not
``rnn_course.seq2seq``, which the exercises forbid (it holds the lessons' own versions).
"""

import torch
import torch.nn.functional as F


def gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch's GRU cell: x (N, H_in), h (N, H) -> (N, H), weights with torch's names and r|z|n rows."""
    x_r, x_z, x_n = F.linear(x, weight_ih, bias_ih).chunk(3, dim=-1)  # 3 x (N, H)
    h_r, h_z, h_n = F.linear(h, weight_hh, bias_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def decoder_step(params):
    """One step of a GRU decoder built from ``params``: ``step(y, h) -> (logits, h_next)``.

    ``params`` holds "embedding.weight" (C, E), "cell.weight_ih" (3*H, E), "cell.weight_hh" (3*H, H),
    "cell.bias_ih" and "cell.bias_hh" (3*H,), "out.weight" (C, H) and "out.bias" (C,).

    ``step`` takes y (N,) int64 token indices (the previous token of each row) and h (N, H); it returns
    logits (N, C) for the next token and h_next (N, H). C is the vocabulary size.
    """

    def step(y, h):
        x = F.embedding(y, params["embedding.weight"])  # (N, E)
        h_next = gru_cell(
            x,
            h,
            params["cell.weight_ih"],
            params["cell.weight_hh"],
            params["cell.bias_ih"],
            params["cell.bias_hh"],
        )  # (N, H)
        return F.linear(h_next, params["out.weight"], params["out.bias"]), h_next  # (N, C)

    return step


def seq2seq_loss_adapter(fn):
    """Wrap ``fn(step, h, tgt, sos_index, pad_index)`` to take the decoder's weights instead of ``step``."""

    def run(params, h, tgt, sos_index, pad_index):
        return fn(decoder_step(params), h, tgt, sos_index, pad_index)

    run.learner_fn = fn
    return run


def greedy_decode_adapter(fn):
    """Wrap ``fn(step, h, sos_index, eos_index, pad_index, max_len)`` to take the decoder's weights."""

    def run(params, h, sos_index, eos_index, pad_index, max_len):
        return fn(decoder_step(params), h, sos_index, eos_index, pad_index, max_len)

    run.learner_fn = fn
    return run
