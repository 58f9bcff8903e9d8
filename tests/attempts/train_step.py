"""Attempts at lesson 11's `train_step(model, optimizer, inputs, targets, lengths, max_norm)`."""

import torch
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_, clip_grad_value_
from torch.nn.utils.rnn import pack_padded_sequence

from attempts import Attempt


def _loss(model, inputs, targets, lengths):
    packed = pack_padded_sequence(targets, lengths, batch_first=True, enforce_sorted=False)
    return F.cross_entropy(model(inputs, lengths), packed.data)


def loss_recomputed_after_step(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        return _loss(model, inputs, targets, lengths)


def no_zero_grad(model, optimizer, inputs, targets, lengths, max_norm):
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


def clip_before_backward(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    clip_grad_norm_(model.parameters(), max_norm)
    loss.backward()
    optimizer.step()
    return loss.detach()


def clip_after_step(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    optimizer.step()
    clip_grad_norm_(model.parameters(), max_norm)
    return loss.detach()


def zero_grad_after_backward(model, optimizer, inputs, targets, lengths, max_norm):
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    optimizer.zero_grad()
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


def targets_flattened_row_by_row(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    mask = torch.arange(targets.shape[1])[None, :] < lengths[:, None]
    loss = F.cross_entropy(model(inputs, lengths), targets[mask])  # row by row, not packed order
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


def padding_in_the_loss(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits, _ = model.step(inputs)  # (N, L, V), padding included
    loss = F.cross_entropy(logits.transpose(1, 2), targets)
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


def clipped_by_value(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


def never_clips(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    optimizer.step()
    return loss.detach()


def backward_twice(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward(retain_graph=True)
    total = clip_grad_norm_(model.parameters(), max_norm)
    if total > max_norm:  # "clip, then recompute the gradients to be safe"
        loss.backward()
    optimizer.step()
    return loss.detach()


def masked_padded_loss(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits, _ = model.step(inputs)  # (N, L, V)
    per = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (N, L)
    real = torch.arange(inputs.shape[1])[None, :] < lengths[:, None]
    loss = per[real].mean()
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def zero_grad_set_to_zero(model, optimizer, inputs, targets, lengths, max_norm):
    for p in model.parameters():
        p.grad = None
    logits = model(inputs, lengths)
    packed = pack_padded_sequence(targets, lengths.cpu(), batch_first=True, enforce_sorted=False)
    loss = F.cross_entropy(logits, packed.data)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    clip_grad_norm_(params, max_norm=max_norm)
    optimizer.step()
    return loss.detach().clone()


def model_zero_grad_and_item(model, optimizer, inputs, targets, lengths, max_norm):
    model.zero_grad()
    order = torch.argsort(lengths, descending=True)  # sorted batch: same packed rows, same loss
    inputs, targets, lengths = inputs[order], targets[order], lengths[order]
    packed = pack_padded_sequence(targets, lengths, batch_first=True)
    loss = F.cross_entropy(model(inputs, lengths), packed.data)
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


ATTEMPTS = [
    Attempt(
        loss_recomputed_after_step,
        False,
        "It returns the loss recomputed after the step; the loss before the step is asked for.",
        ("before|after",),
    ),
    Attempt(
        no_zero_grad,
        False,
        "The gradients are never cleared, so each step adds to the last one's.",
        ("zero|clear|accumul|pile",),
    ),
    Attempt(
        clip_before_backward,
        False,
        "Clipping runs before backward, on the gradients of the previous step.",
        ("clip", "before|after|order"),
    ),
    Attempt(
        clip_after_step,
        False,
        "Clipping runs after the optimizer step, which has already used the unclipped gradients.",
        ("clip", "before|after|order"),
    ),
    Attempt(
        zero_grad_after_backward,
        False,
        "zero_grad runs after backward, wiping the gradients the step needs.",
        ("zero|clear",),
    ),
    Attempt(
        targets_flattened_row_by_row,
        False,
        "The targets are taken row by row, but the logits come in packed (time-step) order: wrong pairs.",
        ("pack|order",),
    ),
    Attempt(
        padding_in_the_loss,
        False,
        "The loss averages over the padded positions too.",
        ("pad|real|mask",),
    ),
    Attempt(
        clipped_by_value,
        False,
        "clip_grad_value_ clips each entry, not the global norm.",
        ("value|norm",),
    ),
    Attempt(never_clips, False, "The gradients are never clipped.", ("clip",)),
    Attempt(
        backward_twice,
        False,
        "After clipping, backward runs again and adds fresh unclipped gradients on top of the clipped ones.",
        ("backward|twice|again",),
    ),
    Attempt(masked_padded_loss, True),
    Attempt(zero_grad_set_to_zero, True),
    Attempt(model_zero_grad_and_item, True),
]
