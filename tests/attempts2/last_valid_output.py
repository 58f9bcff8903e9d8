"""Attempts at last_valid_output, lesson 10 (variable-length batches)."""

import torch
from attempts import Attempt


def last_padded_step(output, lengths, batch_first):
    return output[:, -1] if batch_first else output[-1]


def index_by_length(output, lengths, batch_first):
    batch_major = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    rows = torch.arange(batch_major.shape[0])
    return batch_major[rows, lengths]


def always_time_major(output, lengths, batch_first):
    rows = torch.arange(output.shape[1])
    return output[lengths - 1, rows]


def all_lengths_for_every_row(output, lengths, batch_first):
    batch_major = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    return batch_major[:, lengths - 1]  # (N, N, H)


def zero_padding_in_place(output, lengths, batch_first):
    batch_major = output if batch_first else output.transpose(0, 1)  # (N, L, H), a view
    mask = torch.arange(batch_major.shape[1])[None, :] < lengths[:, None]  # (N, L)
    batch_major *= mask[:, :, None]  # clean the padding first
    return batch_major[torch.arange(batch_major.shape[0]), lengths - 1]


def mean_of_real_steps(output, lengths, batch_first):
    batch_major = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    mask = torch.arange(batch_major.shape[1])[None, :] < lengths[:, None]  # (N, L)
    summed = torch.where(mask[:, :, None], batch_major, torch.zeros_like(batch_major)).sum(dim=1)
    return summed / lengths[:, None]


def longest_first(output, lengths, batch_first):
    batch_major = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    order = lengths.argsort(descending=True)  # like pack_padded_sequence
    return batch_major[order, lengths[order] - 1]


def preallocated_default_dtype(output, lengths, batch_first):
    N, H = len(lengths), output.shape[-1]
    last = torch.zeros(N, H)
    for n in range(N):
        t = lengths[n] - 1
        last[n] = output[n, t] if batch_first else output[t, n]
    return last


def gather_time_axis(output, lengths, batch_first):
    time_axis = 1 if batch_first else 0
    steps = (lengths - 1).view(1, -1, 1) if time_axis == 0 else (lengths - 1).view(-1, 1, 1)
    index = steps.expand(-1, -1, output.shape[-1])  # one step per sequence, every feature
    return output.gather(time_axis, index).squeeze(time_axis)  # (N, H)


def loop_with_select(output, lengths, batch_first):
    last = output.new_empty(len(lengths), output.shape[-1])
    for n, length in enumerate(lengths.tolist()):
        sequence = output.select(0 if batch_first else 1, n)  # (L, H)
        last[n] = sequence[length - 1]
    return last


ATTEMPTS = [
    Attempt(
        last_padded_step,
        False,
        "takes the output at the last padded step for every sequence, not at each sequence's own length",
        ("padd|real step|own length|its length",),
    ),
    Attempt(
        index_by_length,
        False,
        "indexes step lengths[n] instead of lengths[n] - 1: steps count from 1 but code indices from 0",
        ("- 1|-1|off by|off-by|minus|one step|0-based|zero-based|from 0",),
    ),
    Attempt(
        always_time_major,
        False,
        "ignores batch_first and always reads output as (L, N, H)",
        ("batch_first|batch-first|layout|time-major|axis|axes|transpos",),
    ),
    Attempt(
        all_lengths_for_every_row,
        False,
        "indexes the time axis with the whole lengths tensor, so every sequence gets every length and the"
        " result is (N, N, H) instead of pairing sequence n with its own length",
        ("shape|pair|own|each sequence|every sequence",),
    ),
    Attempt(
        zero_padding_in_place,
        False,
        "zeroes the padding with *=, which changes the caller's output in place",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        mean_of_real_steps,
        False,
        "averages the outputs over the real steps instead of picking the last real one",
        ("mean|averag|pool|sum",),
    ),
    Attempt(
        longest_first,
        False,
        "sorts the sequences longest first, as packing does, and returns the rows in that order instead of"
        " the batch's order",
        ("order|sort",),
    ),
    Attempt(
        preallocated_default_dtype,
        False,
        "preallocates the result with torch.zeros(N, H), whose default dtype float32 drops the float64 of"
        " output",
        ("dtype|float32|float64|precision|type",),
    ),
    Attempt(gather_time_axis, True),
    Attempt(loop_with_select, True),
]
