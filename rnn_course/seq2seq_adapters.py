"""Trusted adapters for the encoder-decoder exercises (lessons 15 and 16).

``seq2seq_loss`` and ``greedy_decode`` take a decoder ``step`` function, which cannot travel to the
grader's sandbox as plain data. Their hidden cases carry the decoder's weights instead (a dict named
like a state_dict); the adapters here build ``step`` from them and call the learner's function.

``attention`` needs no objects, but it may not hand its work to torch's attention: its adapter runs
the learner's function under ``AttentionTripwire``, which notices ``F.scaled_dot_product_attention``,
``F.multi_head_attention_forward`` and ``nn.MultiheadAttention`` however they were imported.

This module lives outside ``rnn_course/exercises/`` on purpose: the guard flags any call into that
folder as a call into the checker, and an adapter runs while the guard watches. It is also not
``rnn_course.seq2seq``, which the exercises forbid (it holds the lessons' own versions).
"""

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode


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


def _is_torch_attention(name):
    return "scaled_dot_product" in name or "multi_head_attention" in name


class AttentionDelegated(RuntimeError):
    """Raised when an attention exercise's answer used torch's own attention."""


class AttentionTripwire(TorchFunctionMode):
    """Notes every torch attention function called while it is active (``seen``, by name)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if _is_torch_attention(name) and name not in self.seen:
            self.seen.append(name)
        return func(*args, **(kwargs or {}))


def attention_adapter(fn):
    """Wrap ``fn(query, keys, values, mask)`` so that it fails when it used torch's attention.

    The failure is raised after ``fn`` returns, so a learner's ``try`` cannot swallow it.
    """

    def run(query, keys, values, mask):
        with AttentionTripwire() as tripwire:
            answer = fn(query, keys, values, mask)
        if tripwire.seen:
            raise AttentionDelegated(
                f"your attention calls torch's {tripwire.seen[0]}; write it yourself from a matrix "
                "product, a softmax and a weighted sum (F.scaled_dot_product_attention and "
                "nn.MultiheadAttention are off-limits here)"
            )
        return answer

    run.learner_fn = fn
    return run
