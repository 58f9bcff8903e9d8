"""Attempts at final_states (lesson 03_output_and_h_n)."""

import torch
from attempts import Attempt


def _time_major(output, batch_first):
    return output.transpose(0, 1) if batch_first else output


def backward_at_last_step(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[-1, :, H:])  # the last step holds both directions
    return torch.stack(finals)


def ignores_batch_first(output, num_directions, batch_first):
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def always_two_halves(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // 2  # output is [forward, backward]
    finals = [output[-1, :, :H], output[0, :, H:]][:num_directions]
    return torch.stack(finals)


def concatenates_directions(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.cat(finals, dim=-1).unsqueeze(0)  # (1, N, D*H)


def backward_first(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.insert(0, output[0, :, H:])
    return torch.stack(finals)


def reshape_for_batch_first(output, num_directions, batch_first):
    if batch_first:
        N, L = output.shape[0], output.shape[1]
        output = output.reshape(L, N, -1)  # (L, N, D*H)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def backward_at_index_one(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[1, :, H:])  # step t = 1
    return torch.stack(finals)


def returns_a_list(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return finals


def no_direction_axis_for_one(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    if num_directions == 1:
        return output[-1]  # h_n[0]
    H = output.shape[-1] // 2
    return torch.stack([output[-1, :, :H], output[0, :, H:]])


def four_axis_view(output, num_directions, batch_first):
    if batch_first:
        output = output.permute(1, 0, 2)  # (L, N, D*H)
    L, N, DH = output.shape
    by_direction = output.view(L, N, num_directions, DH // num_directions)  # (L, N, D, H)
    finals = [by_direction[-1, :, 0]]
    if num_directions == 2:
        finals.append(by_direction[0, :, 1])
    return torch.stack(finals)


def select_and_chunk(output, num_directions, batch_first):
    time_axis = 1 if batch_first else 0
    halves = output.chunk(num_directions, dim=-1)  # D tensors with H features
    last = halves[0].select(time_axis, -1)  # (N, H)
    if num_directions == 1:
        return last.unsqueeze(0)
    first = halves[1].select(time_axis, 0)
    return torch.stack((last, first), dim=0)


ATTEMPTS = [
    Attempt(
        backward_at_last_step,
        False,
        "takes the backward direction's final state at the last step, where it has read only x_L",
        ("first|backward|revers",),
    ),
    Attempt(
        ignores_batch_first,
        False,
        "always indexes time on axis 0, even when batch_first puts it on axis 1",
        ("batch_first|batch first|axis|time",),
    ),
    Attempt(
        always_two_halves,
        False,
        "always splits the features into two halves, even with one direction",
        ("direction|half|split|num_directions",),
    ),
    Attempt(
        concatenates_directions,
        False,
        "concatenates the two directions along the features, (1, N, D*H), instead of stacking them",
        ("shape|stack|cat|concat",),
    ),
    Attempt(
        backward_first,
        False,
        "puts the backward direction before the forward one",
        ("order|swap|forward",),
    ),
    Attempt(
        reshape_for_batch_first,
        False,
        "turns batch-first output time-major with reshape, which scrambles it, instead of transposing",
        ("transpos|reshape|view|permute|batch_first|batch first|axis",),
    ),
    Attempt(
        backward_at_index_one,
        False,
        "reads step t = 1 at index 1, but code counts from 0, so the first step is index 0",
        ("first|index|off",),
    ),
    Attempt(
        returns_a_list,
        False,
        "returns a Python list of the final states instead of one stacked tensor",
        ("tensor|list|stack|type",),
    ),
    Attempt(
        no_direction_axis_for_one,
        False,
        "with one direction returns (N, H), without the leading direction axis",
        ("shape|axis|dim|(1,|leading",),
    ),
    Attempt(four_axis_view, True),
    Attempt(select_and_chunk, True),
]
