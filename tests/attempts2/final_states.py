"""Attempts at final_states (lesson 03, output and h_n)."""

import torch
from attempts import Attempt


def backward_at_last_step(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, D*H)
    H = output.shape[-1] // num_directions
    last = output[-1]  # (N, D*H)
    return torch.stack([last[:, d * H : (d + 1) * H] for d in range(num_directions)])


def ignores_batch_first(output, num_directions, batch_first):
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def always_halves(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, D*H)
    H = output.shape[-1] // 2  # half of the features for each direction
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def halves_swapped(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, D*H)
    H = output.shape[-1] // num_directions
    if num_directions == 1:
        return output[-1][None]
    backward, forward = output[..., :H], output[..., H:]
    return torch.stack([forward[-1], backward[0]])


def concatenated_directions(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, D*H)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.cat(finals, dim=-1)  # (N, D*H)


def stacked_on_axis_1(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, D*H)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals, dim=1)  # (N, D, H)


def reshaped_concatenation(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, D*H)
    N, H = output.shape[1], output.shape[-1] // num_directions
    joined = output[-1, :, :H]
    if num_directions == 2:
        joined = torch.cat([joined, output[0, :, H:]], dim=-1)  # (N, 2H)
    return joined.reshape(num_directions, N, H)


def backward_at_index_1(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, D*H)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[1, :, H:])  # step 1
    return torch.stack(finals)


def tuple_of_directions(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)  # (L, N, D*H)
    H = output.shape[-1] // num_directions
    if num_directions == 1:
        return (output[-1],)
    return output[-1, :, :H], output[0, :, H:]


def unflatten_directions(output, num_directions, batch_first):
    time_major = output.movedim(1, 0) if batch_first else output  # (L, N, D*H)
    per_direction = time_major.unflatten(-1, (num_directions, -1))  # (L, N, D, H)
    steps = [-1, 0][:num_directions]
    return torch.stack([per_direction[step, :, d] for d, step in enumerate(steps)])


def select_and_narrow(output, num_directions, batch_first):
    time_axis = 1 if batch_first else 0
    length = output.shape[time_axis]
    hidden = output.shape[-1] // num_directions
    result = output.new_empty(num_directions, output.shape[1 - time_axis], hidden)
    for d in range(num_directions):
        step = length - 1 if d == 0 else 0
        result[d] = output.select(time_axis, step).narrow(-1, d * hidden, hidden)
    return result


ATTEMPTS = [
    Attempt(
        backward_at_last_step,
        False,
        "both directions are read at the last step, but the backward direction ends at the first step.",
        ("backward|revers", "first|where it stops"),
    ),
    Attempt(
        ignores_batch_first,
        False,
        "batch_first is ignored, so with batch_first=True the batch axis is indexed as if it were time.",
        ("batch_first|batch-first|axis 1|time axis",),
    ),
    Attempt(
        always_halves,
        False,
        "H is always taken as half the last dimension, which is wrong for one direction, where H = D*H.",
        ("half|hidden size|d*h|divid",),
    ),
    Attempt(
        halves_swapped,
        False,
        "the two halves of the features are swapped: the backward direction is the second half, not the first.",
        ("half|halves|swap|forward|order",),
    ),
    Attempt(
        concatenated_directions,
        False,
        "the directions are concatenated along the features, (N, D*H), instead of stacked into (D, N, H).",
        ("stack|shape|concat|cat|(d, n, h)",),
    ),
    Attempt(
        stacked_on_axis_1,
        False,
        "the directions are stacked along axis 1, giving (N, D, H) instead of (D, N, H).",
        ("axis|dim|shape|(d, n, h)|order",),
    ),
    Attempt(
        reshaped_concatenation,
        False,
        "the (N, 2H) concatenation is reshaped to (2, N, H), which mixes sequences and features instead of "
        "separating the directions.",
        ("reshap|view|mix|stack|split",),
    ),
    Attempt(
        backward_at_index_1,
        False,
        "step 1 is read at index 1 instead of index 0, so the backward state is the one after two steps.",
        ("index|first|off by one",),
    ),
    Attempt(
        tuple_of_directions,
        False,
        "a tuple of (N, H) tensors is returned instead of one stacked (D, N, H) tensor.",
        ("tuple|tensor|stack|type",),
    ),
    Attempt(unflatten_directions, True),
    Attempt(select_and_narrow, True),
]
