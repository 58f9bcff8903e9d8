"""Attempts at final_states (lesson 03, output and h_n)."""

import torch
from attempts import Attempt


def backward_at_last_step(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    H = output.shape[-1] // num_directions
    last = output[-1]  # (N, D*H)
    return torch.stack([last[:, d * H : (d + 1) * H] for d in range(num_directions)])


def ignores_batch_first(output, num_directions, batch_first):
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def always_half_the_features(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    H = output.shape[-1] // 2  # forward | backward
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def concatenated_like_the_head(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.cat(finals, dim=-1)  # (N, D*H)


def backward_half_first(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    H = output.shape[-1] // num_directions
    if num_directions == 1:
        return output[-1:]
    forward_final = output[-1, :, H:]
    backward_final = output[0, :, :H]
    return torch.stack([forward_final, backward_final])


def reshape_to_time_major(output, num_directions, batch_first):
    if batch_first:
        N, L = output.shape[0], output.shape[1]
        output = output.reshape(L, N, -1)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def drops_direction_axis(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    H = output.shape[-1] // num_directions
    if num_directions == 1:
        return output[-1]  # (N, H)
    return torch.stack([output[-1, :, :H], output[0, :, H:]])


def backward_at_index_one(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[1, :, H:])  # step t = 1
    return torch.stack(finals)


def through_a_direction_view(output, num_directions, batch_first):
    time_major = output.transpose(0, 1) if batch_first else output
    L, N, _ = time_major.shape
    grid = time_major.reshape(L, N, num_directions, -1)  # (L, N, D, H)
    ends = [L - 1, 0]  # where each direction finishes
    return torch.stack([grid[ends[d], :, d] for d in range(num_directions)])


def slices_keeping_time_axis(output, num_directions, batch_first):
    time_major = torch.movedim(output, 1, 0) if batch_first else output
    H = time_major.shape[-1] // num_directions
    parts = [time_major[-1:, :, :H]]  # (1, N, H)
    if num_directions == 2:
        parts.append(time_major[:1, :, H:])  # (1, N, H)
    return torch.cat(parts, dim=0)


ATTEMPTS = [
    Attempt(
        backward_at_last_step,
        False,
        "The backward direction's state is taken at the last step, but the backward pass finishes at the first step.",
        ("first|finish|begin|start|step 1|t = 1",),
    ),
    Attempt(
        ignores_batch_first,
        False,
        "batch_first is ignored: with batch_first=True time is axis 1, yet the code indexes axis 0.",
        ("batch_first|batch-first|batch first|axis|time",),
    ),
    Attempt(
        always_half_the_features,
        False,
        "H is always taken as half the last dimension, even with one direction, where it is the whole D*H.",
        ("half|hidden size|num_directions|divid|feature|d*h|d * h",),
    ),
    Attempt(
        concatenated_like_the_head,
        False,
        "The directions are concatenated along the features into (N, D*H), as for the classifier head, "
        "instead of stacked into (D, N, H).",
        ("stack|cat|concaten|shape",),
    ),
    Attempt(
        backward_half_first,
        False,
        "The two halves of the features are swapped: the forward direction is the first H features, the "
        "backward one the last H.",
        ("swap|half|order|feature|first h",),
    ),
    Attempt(
        reshape_to_time_major,
        False,
        "The batch-first output is reshaped to (L, N, D*H), which scrambles the data, instead of transposing "
        "its first two axes.",
        ("reshape|view|transpos|scrambl|permut",),
    ),
    Attempt(
        drops_direction_axis,
        False,
        "With one direction the result is (N, H), without the leading direction axis of size 1.",
        ("shape|axis|dim|leading|unsqueeze",),
    ),
    Attempt(
        backward_at_index_one,
        False,
        "The backward state is read at index 1, which is step t = 2; step t = 1 is index 0.",
        ("index|off by one|off-by-one|first|t - 1|second",),
    ),
    Attempt(through_a_direction_view, True),
    Attempt(slices_keeping_time_axis, True),
]
