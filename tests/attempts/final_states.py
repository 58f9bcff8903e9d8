"""Attempts at lesson 03's `final_states(output, num_directions, batch_first)`."""

import torch

from attempts import Attempt


def _time_major(output, batch_first):
    return output.transpose(0, 1) if batch_first else output


def h_is_whole_last_dim(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1]
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def backward_from_last_step(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[-1, :, H:])
    return torch.stack(finals)


def both_ends_swapped(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    finals = [output[0, :, :H]]
    if num_directions == 2:
        finals.append(output[-1, :, H:])
    return torch.stack(finals)


def batch_first_ignored(output, num_directions, batch_first):
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def halves_swapped(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    if num_directions == 1:
        return output[-1:, :, :]
    return torch.stack([output[-1, :, H:], output[0, :, :H]])


def no_direction_axis(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // num_directions
    if num_directions == 1:
        return output[-1]
    return torch.cat([output[-1, :, :H], output[0, :, H:]], dim=-1)


def reshape_for_batch_first(output, num_directions, batch_first):
    if batch_first:
        N, L, DH = output.shape
        output = output.reshape(L, N, DH)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def always_two_directions(output, num_directions, batch_first):
    output = _time_major(output, batch_first)
    H = output.shape[-1] // 2
    return torch.stack([output[-1, :, :H], output[0, :, H:]])


def batch_first_inverted(output, num_directions, batch_first):
    output = _time_major(output, not batch_first)
    H = output.shape[-1] // num_directions
    finals = [output[-1, :, :H]]
    if num_directions == 2:
        finals.append(output[0, :, H:])
    return torch.stack(finals)


def unflatten_directions(output, num_directions, batch_first):
    split = _time_major(output, batch_first).unflatten(-1, (num_directions, -1))  # (L, N, D, H)
    ends = [split[-1, :, 0]] + ([split[0, :, 1]] if num_directions == 2 else [])
    return torch.stack(ends)


def flip_backward_half(output, num_directions, batch_first):
    time_axis = 1 if batch_first else 0
    halves = output.chunk(num_directions, dim=-1)
    finals = [halves[0].select(time_axis, -1)]
    if num_directions == 2:
        finals.append(halves[1].flip(time_axis).select(time_axis, -1))
    return torch.stack(finals, dim=0)


def index_tensor(output, num_directions, batch_first):
    tm = output.permute(1, 0, 2) if batch_first else output
    L = tm.shape[0]
    steps = torch.tensor([L - 1, 0][:num_directions])
    return torch.stack(
        [
            tm[steps[d], :, d * (tm.shape[2] // num_directions) :][
                :, : tm.shape[2] // num_directions
            ]
            for d in range(num_directions)
        ]
    )


ATTEMPTS = [
    Attempt(
        h_is_whole_last_dim,
        False,
        "H is taken as output's whole last dimension, which holds D*H, so with two directions the halves are wrong.",
        ("d*h|d·h|d * h|d⋅h|divid|two directions|both directions",),
    ),
    Attempt(
        backward_from_last_step,
        False,
        "The backward direction's final state is read at the last step; it finishes at the first step.",
        ("backward", "first|x_1"),
    ),
    Attempt(
        both_ends_swapped,
        False,
        "The forward half is read at the first step and the backward half at the last: both ends swapped.",
        ("first|x_1", "last|x_l"),
    ),
    Attempt(
        batch_first_ignored,
        False,
        "batch_first is ignored: time is axis 1 when it is True.",
        ("batch_first|batch-first",),
    ),
    Attempt(
        halves_swapped,
        False,
        "The forward and backward halves of the feature axis are swapped.",
        ("half|halves",),
    ),
    Attempt(
        no_direction_axis,
        False,
        "The directions are concatenated along the features instead of stacked on a new leading D axis.",
        ("stack|axis|(d, n, h)",),
    ),
    Attempt(
        reshape_for_batch_first,
        False,
        "reshape does not swap time and batch; batch-first output needs a transpose.",
        ("transpos|permute|swap",),
    ),
    Attempt(
        always_two_directions,
        False,
        "Two directions are assumed whatever num_directions says.",
        ("direction",),
    ),
    Attempt(
        batch_first_inverted,
        False,
        "The batch_first test is inverted.",
        ("batch_first|batch-first",),
    ),
    Attempt(unflatten_directions, True),
    Attempt(flip_backward_half, True),
    Attempt(index_tensor, True),
]
