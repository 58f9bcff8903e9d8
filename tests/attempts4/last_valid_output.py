"""Round-4 attempts at last_valid_output (lesson 10, variable-length batches)."""

import torch
from attempts import Attempt


def last_step_of_tensor(output, lengths, batch_first):
    return output[:, -1] if batch_first else output[-1]


def ignores_batch_first(output, lengths, batch_first):
    rows = torch.arange(output.shape[1])
    return output[lengths - 1, rows]


def time_index_without_rows(output, lengths, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    return output[lengths - 1]


def gather_on_batch_axis(output, lengths, batch_first):
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.shape[-1])
    if batch_first:
        return output.gather(0, index).squeeze(0)
    return output.transpose(0, 1).gather(0, index).squeeze(0)


def inverted_layout_flag(output, lengths, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    rows = torch.arange(len(lengths))
    return output[rows, lengths - 1]


def rows_in_sorted_order(output, lengths, batch_first):
    if not batch_first:
        output = output.transpose(0, 1)
    order = lengths.argsort(descending=True)
    return output[order, lengths[order] - 1]


def transposes_in_place(output, lengths, batch_first):
    if not batch_first:
        output.transpose_(0, 1)
    rows = torch.arange(len(lengths))
    return output[rows, lengths - 1]


def mean_over_real_steps(output, lengths, batch_first):
    if not batch_first:
        output = output.transpose(0, 1)
    mask = torch.arange(output.shape[1])[None, :] < lengths[:, None]
    summed = torch.where(mask[..., None], output, torch.zeros_like(output)).sum(1)
    return summed / lengths[:, None].to(output.dtype)


def index_is_length(output, lengths, batch_first):
    if not batch_first:
        output = output.transpose(0, 1)
    rows = torch.arange(len(lengths))
    return output[rows, lengths.clamp(max=output.shape[1] - 1)]


def gather_expanded(output, lengths, batch_first):
    time_axis = 1 if batch_first else 0
    shape = [1, 1, output.shape[-1]]
    shape[1 - time_axis] = len(lengths)
    index = (lengths - 1).view(*([1, -1, 1] if time_axis == 0 else [-1, 1, 1])).expand(*shape)
    return output.gather(time_axis, index).squeeze(time_axis)


def loop_and_stack(output, lengths, batch_first):
    rows = []
    for n, length in enumerate(lengths.tolist()):
        rows.append(output[n, length - 1] if batch_first else output[length - 1, n])
    return torch.stack(rows)


ATTEMPTS = [
    Attempt(
        last_step_of_tensor,
        False,
        "took the last step of the padded tensor for every sequence instead of each one's last real step",
        ("length|last real|padd",),
    ),
    Attempt(
        ignores_batch_first,
        False,
        "always indexed as if time came first, ignoring batch_first",
        ("batch_first|layout|axis|time-major",),
    ),
    Attempt(
        time_index_without_rows,
        False,
        "indexed the time axis with lengths - 1 but not the batch axis with each row, so got every end of every row",
        ("row|batch|arange|shape",),
    ),
    Attempt(
        gather_on_batch_axis,
        False,
        "gathered along the batch axis instead of the time axis",
        ("axis|dim|time|batch",),
    ),
    Attempt(
        inverted_layout_flag,
        False,
        "transposed when batch_first was True instead of when it was False",
        ("batch_first|layout|transpos|axis",),
    ),
    Attempt(
        rows_in_sorted_order,
        False,
        "returned the rows sorted by length, as in a packed batch, not in the batch's order",
        ("order|sort",),
    ),
    Attempt(
        transposes_in_place,
        False,
        "used transpose_ which changes the caller's output tensor in place",
        ("in place|in-place|transpose_|chang",),
    ),
    Attempt(
        mean_over_real_steps,
        False,
        "averaged over the real steps instead of taking the last real one",
        ("mean|average|last",),
    ),
    Attempt(
        index_is_length,
        False,
        "used lengths[n] as the index instead of lengths[n] - 1 (off by one)",
        ("off by one|off-by-one|- 1|-1|index",),
    ),
    Attempt(gather_expanded, True),
    Attempt(loop_and_stack, True),
]
