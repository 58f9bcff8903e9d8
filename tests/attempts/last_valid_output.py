"""Attempts at lesson 10's `last_valid_output(output, lengths, batch_first)`."""

import torch
import torch.nn.functional as F

from attempts import Attempt


def batch_first_indexing_on_time_major(output, lengths, batch_first):
    return output[torch.arange(len(lengths)), lengths - 1]


def gather_on_axis_1_always(output, lengths, batch_first):
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.shape[-1])
    return output.gather(1, index).squeeze(1)


def lengths_without_minus_one(output, lengths, batch_first):
    out = output if batch_first else output.transpose(0, 1)
    return out[torch.arange(out.shape[0]), lengths.clamp(max=out.shape[1] - 1)]


def last_step_for_all(output, lengths, batch_first):
    return output[:, -1] if batch_first else output[-1]


def no_arange(output, lengths, batch_first):
    out = output if batch_first else output.transpose(0, 1)
    return out[:, lengths - 1]


def batch_first_inverted(output, lengths, batch_first):
    out = output.transpose(0, 1) if batch_first else output
    return out[torch.arange(out.shape[0]), lengths - 1]


def sorted_and_not_unsorted(output, lengths, batch_first):
    out = output if batch_first else output.transpose(0, 1)
    sorted_lengths, order = lengths.sort(descending=True)
    return out[order, sorted_lengths - 1]


def gather_index_not_expanded(output, lengths, batch_first):
    out = output if batch_first else output.transpose(0, 1)
    return out.gather(1, (lengths - 1).view(-1, 1, 1)).squeeze(1)


def padding_zeroed_in_place(output, lengths, batch_first):
    out = output if batch_first else output.transpose(0, 1)
    for n, length in enumerate(lengths.tolist()):
        out[n, length:] = 0
    return out[torch.arange(out.shape[0]), lengths - 1]


def mean_over_real_steps(output, lengths, batch_first):
    out = output if batch_first else output.transpose(0, 1)
    mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]  # (N, L)
    return (out * mask[..., None]).sum(1) / lengths[:, None]


def gather_time_major(output, lengths, batch_first):
    time_axis = 1 if batch_first else 0
    shape = [1, 1, output.shape[-1]]
    shape[1 - time_axis] = len(lengths)
    index = (lengths - 1).view(*([1, -1, 1] if time_axis == 0 else [-1, 1, 1])).expand(*shape)
    return output.gather(time_axis, index).squeeze(time_axis)


def loop_over_sequences(output, lengths, batch_first):
    rows = []
    for n in range(lengths.shape[0]):
        t = int(lengths[n]) - 1
        rows.append(output[n, t] if batch_first else output[t, n])
    return torch.stack(rows)


def one_hot_weights(output, lengths, batch_first):
    out = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    pick = F.one_hot(lengths - 1, out.shape[1]).to(out.dtype)  # (N, L)
    return torch.einsum("nl,nlh->nh", pick, out.nan_to_num(0.0, 0.0, 0.0))


ATTEMPTS = [
    Attempt(
        batch_first_indexing_on_time_major,
        False,
        "[arange(N), lengths - 1] is batch-first indexing, used on a time-major tensor: the layout is ignored.",
        ("batch_first|batch-first|layout|time-major|axis",),
    ),
    Attempt(
        gather_on_axis_1_always,
        False,
        "gather runs on axis 1 whatever the layout; time is axis 0 when batch_first is False.",
        ("batch_first|batch-first|layout|time-major|axis",),
    ),
    Attempt(
        lengths_without_minus_one,
        False,
        "lengths is used as the index without - 1, so each row is one step past the last real one.",
        ("- 1|-1|one step|off by one|past",),
    ),
    Attempt(
        last_step_for_all,
        False,
        "Every sequence's row is taken at the last padded step, ignoring lengths.",
        ("length|pad",),
    ),
    Attempt(
        no_arange,
        False,
        "out[:, lengths - 1] takes every listed step for every sequence; each needs its own (pair with arange(N)).",
        ("arange|pair|its own|each|every",),
    ),
    Attempt(
        batch_first_inverted,
        False,
        "The batch_first test is inverted.",
        ("batch_first|batch-first",),
    ),
    Attempt(
        sorted_and_not_unsorted,
        False,
        "The rows come out in sorted-by-length order, not the batch's order.",
        ("order|sort",),
    ),
    Attempt(
        gather_index_not_expanded,
        False,
        "The gather index is not expanded over H, so only the first feature is kept.",
        ("expand|index|gather",),
    ),
    Attempt(
        padding_zeroed_in_place,
        False,
        "The padding of output is zeroed in place, changing the caller's tensor.",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        mean_over_real_steps,
        False,
        "It averages the real steps instead of taking the last one.",
        ("mean|average",),
    ),
    Attempt(gather_time_major, True),
    Attempt(loop_over_sequences, True),
    Attempt(one_hot_weights, True),
]
