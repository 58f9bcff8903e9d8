"""Attempts at final_states (lesson 03, output and h_n)."""

import torch
from attempts import Attempt


def _time_major(output, batch_first):
    return output.transpose(0, 1) if batch_first else output


def ignores_batch_first(output, num_directions, batch_first):
    H = output.shape[-1] // num_directions
    halves = [output[-1, :, :H]]
    if num_directions == 2:
        halves.append(output[0, :, H:])
    return torch.stack(halves)


def both_at_last_step(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    return out[-1].unflatten(-1, (num_directions, -1)).transpose(0, 1)


def halves_swapped(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    H = out.shape[-1] // num_directions
    halves = [out[-1, :, :H]]
    if num_directions == 2:
        halves = [out[0, :, :H], out[-1, :, H:]]
    return torch.stack(halves)


def interleaved_halves(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    L, N, DH = out.shape
    split = out.view(L, N, DH // num_directions, num_directions)  # (L, N, H, D)
    halves = [split[-1, :, :, 0]]
    if num_directions == 2:
        halves.append(split[0, :, :, 1])
    return torch.stack(halves)


def stacked_on_batch_axis(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    H = out.shape[-1] // num_directions
    halves = [out[-1, :, :H]]
    if num_directions == 2:
        halves.append(out[0, :, H:])
    return torch.stack(halves, dim=1)


def backward_at_index_one(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    H = out.shape[-1] // num_directions
    halves = [out[-1, :, :H]]
    if num_directions == 2:
        halves.append(out[1, :, H:])
    return torch.stack(halves)


def sliced_like_h_n(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    H = out.shape[-1] // num_directions
    return out[-num_directions:, :, :H]


def batch_first_condition_inverted(output, num_directions, batch_first):
    out = output if batch_first else output.transpose(0, 1)
    H = out.shape[-1] // num_directions
    halves = [out[-1, :, :H]]
    if num_directions == 2:
        halves.append(out[0, :, H:])
    return torch.stack(halves)


def unflatten_and_index(output, num_directions, batch_first):
    out = _time_major(output, batch_first).unflatten(-1, (num_directions, -1))  # (L, N, D, H)
    last_index = [-1, 0][:num_directions]
    return torch.stack([out[t, :, d] for d, t in enumerate(last_index)])


def by_narrow(output, num_directions, batch_first):
    time_dim = 1 if batch_first else 0
    H = output.shape[-1] // num_directions
    steps = output.shape[time_dim]
    forward = output.narrow(time_dim, steps - 1, 1).narrow(-1, 0, H).squeeze(time_dim)
    if num_directions == 1:
        return forward.unsqueeze(0)
    backward = output.narrow(time_dim, 0, 1).narrow(-1, H, H).squeeze(time_dim)
    return torch.stack((forward, backward))


ATTEMPTS = [
    Attempt(
        ignores_batch_first,
        False,
        "batch_first is ignored, so a batch-first output is indexed as if time came first.",
        ("batch_first|batch-first|axis|time|layout",),
    ),
    Attempt(
        both_at_last_step,
        False,
        "Both directions are read at the last step; the backward direction ends at the first step.",
        ("backward|revers|first",),
    ),
    Attempt(
        halves_swapped,
        False,
        "The forward half is read at the first step and the backward half at the last, the wrong way round.",
        ("backward|forward|revers|first|last",),
    ),
    Attempt(
        interleaved_halves,
        False,
        "The last axis is split as (H, D), interleaved, instead of the forward block then the backward block (D, H).",
        ("half|halves|split|block|interleav|layout",),
    ),
    Attempt(
        stacked_on_batch_axis,
        False,
        "The directions are stacked along dim 1, giving (N, D, H) instead of (D, N, H).",
        ("dim|axis|shape|stack",),
    ),
    Attempt(
        backward_at_index_one,
        False,
        "The backward half is read at index 1, taking 'step t = 1' for a Python index; the first step is index 0.",
        ("index|first|off|step",),
    ),
    Attempt(
        sliced_like_h_n,
        False,
        "output is sliced like h_n, output[-D:], which takes the last D time steps, not the D directions.",
        ("time|step|direction|h_n",),
    ),
    Attempt(
        batch_first_condition_inverted,
        False,
        "The transpose is applied when batch_first is False instead of when it is True.",
        ("batch_first|batch-first|transpos|axis|layout",),
    ),
    Attempt(unflatten_and_index, True),
    Attempt(by_narrow, True),
]
