"""Attempts at last_valid_output, lesson 10 (variable-length batches)."""

import torch
from attempts import Attempt


def _batch_first(output, batch_first):
    return output if batch_first else output.transpose(0, 1)  # (N, L, H)


def takes_last_column(output, lengths, batch_first):
    out = _batch_first(output, batch_first)
    return out[:, -1]


def clamps_lengths_as_index(output, lengths, batch_first):
    out = _batch_first(output, batch_first)
    rows = torch.arange(out.shape[0])
    steps = lengths.clamp(max=out.shape[1] - 1)  # "fixed" the IndexError of output[rows, lengths]
    return out[rows, steps]


def ignores_batch_first(output, lengths, batch_first):
    rows = torch.arange(len(lengths))
    return output[rows, lengths - 1]


def indexes_time_with_all_lengths(output, lengths, batch_first):
    out = _batch_first(output, batch_first)
    return out[:, lengths - 1]  # (N, N, H): every sequence at every length


def returns_longest_first(output, lengths, batch_first):
    out = _batch_first(output, batch_first)
    order = lengths.argsort(descending=True)  # the packed order of lesson 10
    return out[order, lengths[order] - 1]


def sums_real_steps(output, lengths, batch_first):
    out = _batch_first(output, batch_first)
    mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]  # (N, L)
    return (out * mask[..., None]).sum(dim=1)


def zeroes_padding_in_place(output, lengths, batch_first):
    out = _batch_first(output, batch_first)
    mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]  # (N, L)
    out[~mask] = 0  # writes into the caller's tensor (a transpose is a view)
    rows = torch.arange(out.shape[0])
    return out[rows, lengths - 1]


def reshapes_instead_of_transposing(output, lengths, batch_first):
    if not batch_first:
        L, N, H = output.shape
        output = output.reshape(N, L, H)
    rows = torch.arange(output.shape[0])
    return output[rows, lengths - 1]


def argmax_of_mask(output, lengths, batch_first):
    out = _batch_first(output, batch_first)
    mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]  # (N, L)
    last = mask.int().argmax(dim=1)  # meant: the last True of each row
    return out[torch.arange(out.shape[0]), last]


def gathers_along_time(output, lengths, batch_first):
    time_axis = 1 if batch_first else 0
    shape = list(output.shape)
    shape[time_axis] = 1
    index = (lengths - 1).view(-1, 1) if batch_first else (lengths - 1).view(1, -1)
    index = index.unsqueeze(-1).expand(shape)
    return output.gather(time_axis, index).squeeze(time_axis)


def time_major_advanced_index(output, lengths, batch_first):
    steps = lengths - 1
    batch = torch.arange(len(lengths))
    if batch_first:
        return output[batch, steps].clone()
    return output[steps, batch].clone()


def counts_from_the_end(output, lengths, batch_first):
    out = _batch_first(output, batch_first).flip(1)  # step L - 1 - t now sits at index t
    rows = torch.arange(out.shape[0])
    return out[rows, out.shape[1] - lengths]


ATTEMPTS = [
    Attempt(
        takes_last_column,
        False,
        "takes output[:, -1], the last padded step, instead of each sequence's last real step",
        ("length|pad|real",),
    ),
    Attempt(
        clamps_lengths_as_index,
        False,
        "indexes with lengths instead of lengths - 1, clamped to avoid the IndexError, so it lands "
        "one step past the last real step",
        ("- 1|-1|minus one|off|one step|one past",),
    ),
    Attempt(
        ignores_batch_first,
        False,
        "always reads output as batch-first and ignores the batch_first flag",
        ("batch_first|time-major|layout|transpos|axis|axes",),
    ),
    Attempt(
        indexes_time_with_all_lengths,
        False,
        "indexes the time axis with all the lengths at once without pairing each sequence with "
        "its own length, giving (N, N, H)",
        ("pair|own|each|arange|row|shape",),
    ),
    Attempt(
        returns_longest_first,
        False,
        "returns the rows sorted longest first, as packing orders them, not in the batch's order",
        ("order|sort",),
    ),
    Attempt(
        sums_real_steps,
        False,
        "sums the outputs over the real steps instead of picking the output at the last one",
        ("sum|mean|average|aggregat",),
    ),
    Attempt(
        zeroes_padding_in_place,
        False,
        "zeroes the padding of output in place, which changes the caller's tensor",
        ("in place|in-place|inplace|modif|chang|mutat",),
    ),
    Attempt(
        reshapes_instead_of_transposing,
        False,
        "reshapes the time-major output to (N, L, H) instead of transposing it, mixing steps and "
        "sequences",
        ("transpos|reshape|view|permut",),
    ),
    Attempt(
        argmax_of_mask,
        False,
        "finds the last real step with argmax over the mask, which returns the first True, step 0",
        ("first|argmax",),
    ),
    Attempt(gathers_along_time, True),
    Attempt(time_major_advanced_index, True),
    Attempt(counts_from_the_end, True),
]
