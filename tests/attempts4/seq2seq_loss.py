"""Round-4 attempts at seq2seq_loss (lesson 15, encoder-decoder)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def _inputs(tgt, sos_index):
    sos = torch.full_like(tgt[:, :1], sos_index)
    return torch.cat([sos, tgt[:, :-1]], dim=1)  # (N, L): targets shifted right


def _run(step, h, inputs):
    logits = []
    for t in range(inputs.shape[1]):
        out, h = step(inputs[:, t], h)
        logits.append(out)
    return torch.stack(logits, dim=1)  # (N, L, C)


def feeds_the_answer(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, tgt)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def counts_padding(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    return F.cross_entropy(logits.transpose(1, 2), tgt)


def mean_of_step_means(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    per_step = []
    for t in range(tgt.shape[1]):
        real = tgt[:, t] != pad_index
        if real.any():
            per_step.append(F.cross_entropy(logits[real, t], tgt[real, t]))
    return torch.stack(per_step).mean()


def feeds_own_guesses(step, h, tgt, sos_index, pad_index):
    y, logits = torch.full_like(tgt[:, 0], sos_index), []
    for _ in range(tgt.shape[1]):
        out, h = step(y, h)
        logits.append(out)
        y = out.argmax(dim=-1)
    return F.cross_entropy(torch.stack(logits, 2), tgt, ignore_index=pad_index)


def context_every_step(step, h, tgt, sos_index, pad_index):
    inputs = _inputs(tgt, sos_index)
    logits = torch.stack([step(inputs[:, t], h)[0] for t in range(tgt.shape[1])], dim=1)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def no_start_token(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, tgt[:, :-1])
    return F.cross_entropy(logits.transpose(1, 2), tgt[:, 1:], ignore_index=pad_index)


def summed_not_averaged(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index, reduction="sum")


def time_major_logits_batch_major_targets(step, h, tgt, sos_index, pad_index):
    inputs = _inputs(tgt, sos_index)
    logits = []
    for t in range(tgt.shape[1]):
        out, h = step(inputs[:, t], h)
        logits.append(out)
    flat = torch.stack(logits).reshape(-1, logits[0].shape[-1])  # (L * N, C), time-major
    return F.cross_entropy(flat, tgt.reshape(-1), ignore_index=pad_index)  # targets batch-major


def drops_eos(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    real = tgt != pad_index
    last = real.sum(1) - 1  # (N,): where each EOS sits
    real[torch.arange(len(tgt)), last] = False
    return F.cross_entropy(logits[real], tgt[real])


def running_masked_sum(step, h, tgt, sos_index, pad_index):
    y = torch.full_like(tgt[:, 0], sos_index)
    total, count = 0.0, 0
    for t in range(tgt.shape[1]):
        logits, h = step(y, h)
        real = tgt[:, t] != pad_index
        per = F.cross_entropy(logits, tgt[:, t], reduction="none")
        total = total + (per * real).sum()
        count += int(real.sum())
        y = tgt[:, t]
    return total / count


def log_softmax_and_gather(step, h, tgt, sos_index, pad_index):
    logits = _run(step, h, _inputs(tgt, sos_index))
    logp = torch.log_softmax(logits, dim=-1)
    picked = logp.gather(2, tgt.unsqueeze(2)).squeeze(2)  # (N, L)
    real = tgt.ne(pad_index)
    return -picked.masked_select(real).mean()


ATTEMPTS = [
    Attempt(
        feeds_the_answer,
        False,
        "fed tgt[:, t] at step t, the very token it must predict, instead of the previous target",
        ("shift|previous|sos|right",),
    ),
    Attempt(
        counts_padding,
        False,
        "averaged over every position, padding included",
        ("padd|pad_index|ignore",),
    ),
    Attempt(
        mean_of_step_means,
        False,
        "averaged each step's loss and then averaged the steps, so late steps with few rows weigh more",
        ("per step|each step|mean of|weigh|one mean",),
    ),
    Attempt(
        feeds_own_guesses,
        False,
        "fed back the decoder's own argmax instead of the true previous target",
        ("teacher|argmax|own|true|previous target",),
    ),
    Attempt(
        context_every_step,
        False,
        "passed the context h to every step instead of carrying the state each step returned",
        ("state|carr|h_next|context",),
    ),
    Attempt(
        no_start_token,
        False,
        "used the first target as the first input instead of SOS, so the first target is never scored",
        ("sos|start|first",),
    ),
    Attempt(
        summed_not_averaged,
        False,
        "summed the cross-entropy instead of averaging it",
        ("sum|mean|averag",),
    ),
    Attempt(
        time_major_logits_batch_major_targets,
        False,
        "stacked the logits time-major but flattened the targets batch-major, so they do not line up",
        ("layout|stack|dim|transpos|order|align",),
    ),
    Attempt(drops_eos, False, "left each row's EOS out of the loss, but the EOS counts", ("eos",)),
    Attempt(running_masked_sum, True),
    Attempt(log_softmax_and_gather, True),
]
