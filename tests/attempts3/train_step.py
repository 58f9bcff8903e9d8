"""Attempts at ``train_step`` (lesson 11, a real task)."""

import torch
import torch.nn.functional as F
from attempts import Attempt
from torch.nn.utils.rnn import pack_padded_sequence


def _packed_targets(targets, lengths):
    return pack_padded_sequence(targets, lengths.cpu(), batch_first=True, enforce_sorted=False).data


def _loss(model, inputs, targets, lengths):
    """The mean cross-entropy over the real positions, in packed order: a 0-dim tensor."""
    return F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))


def gradients_never_cleared(model, optimizer, inputs, targets, lengths, max_norm):
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def clipped_after_the_update(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    optimizer.step()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item()


def targets_in_padded_order(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]  # (N, L)
    loss = F.cross_entropy(model(inputs, lengths), targets[mask])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def clipped_by_value(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def each_parameter_clipped_alone(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    for p in model.parameters():
        torch.nn.utils.clip_grad_norm_(p, max_norm)
    optimizer.step()
    return loss.item()


def loss_after_the_step(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    packed_targets = _packed_targets(targets, lengths)
    loss = F.cross_entropy(model(inputs, lengths), packed_targets)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        return F.cross_entropy(model(inputs, lengths), packed_targets)


def summed_loss(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(
        model(inputs, lengths), _packed_targets(targets, lengths), reduction="sum"
    )
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def update_before_backward(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    optimizer.step()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss.item()


def lesson_clip_value(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # the lesson trains with clip=1.0
    optimizer.step()
    return loss.item()


def stream_form_with_a_mask(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits, _ = model.step(
        inputs
    )  # (N, L, V): padding comes after each line, so real steps are right
    mask = (
        torch.arange(inputs.shape[1], device=inputs.device)[None, :]
        < lengths.to(inputs.device)[:, None]
    )
    loss = F.cross_entropy(logits[mask], targets[mask])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


def clipping_by_hand(model, optimizer, inputs, targets, lengths, max_norm):
    for p in model.parameters():
        p.grad = None
    logits = model(inputs, lengths)  # (sum(lengths), V), packed order
    loss = F.cross_entropy(logits, _packed_targets(targets, lengths))
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.sqrt(sum((g**2).sum() for g in grads))  # the global norm
    factor = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(factor)
    optimizer.step()
    return loss.item()


ATTEMPTS = [
    Attempt(
        gradients_never_cleared,
        False,
        "Never clears the old gradients, so each step adds the new gradients to the previous ones.",
        ("zero_grad|clear|accumul|old gradient",),
    ),
    Attempt(
        clipped_after_the_update,
        False,
        "Clips the gradients after optimizer.step(), when the update has already used them unclipped.",
        ("clip|order|after|before",),
    ),
    Attempt(
        targets_in_padded_order,
        False,
        "Takes the real targets row by row with a mask, while the logits come in packed order, time step by time step.",
        ("order|pack|time step|line up|pair",),
    ),
    Attempt(
        clipped_by_value,
        False,
        "Clips each gradient entry to [-max_norm, max_norm] with clip_grad_value_ instead of limiting the global norm.",
        ("norm|value|global",),
    ),
    Attempt(
        each_parameter_clipped_alone,
        False,
        "Limits each parameter's gradient norm on its own instead of the global norm of all of them together.",
        ("global|each|per|together|all",),
    ),
    Attempt(
        loss_after_the_step,
        False,
        "Returns the loss recomputed after the update instead of the loss before the step.",
        ("before|after|loss",),
    ),
    Attempt(
        summed_loss,
        False,
        "Sums the cross-entropy over the real positions instead of taking its mean.",
        ("mean|sum|averag",),
    ),
    Attempt(
        update_before_backward,
        False,
        "Calls optimizer.step() before loss.backward(), so the update runs without the new gradients.",
        ("order|step|backward|before",),
    ),
    Attempt(
        lesson_clip_value,
        False,
        "Clips to 1.0, the value the lesson trains with, instead of the max_norm argument.",
        ("max_norm|argument|1.0",),
    ),
    Attempt(stream_form_with_a_mask, True),
    Attempt(clipping_by_hand, True),
]
