"""Attempts at train_step, lesson 11 (a real task, end to end)."""

import torch
import torch.nn.functional as F
from attempts import Attempt
from torch.nn.utils.rnn import pack_padded_sequence


def _packed_targets(targets, lengths):
    packed = pack_padded_sequence(targets, lengths.cpu(), batch_first=True, enforce_sorted=False)
    return packed.data  # (sum(lengths),), in packed order


def never_clears_gradients(model, optimizer, inputs, targets, lengths, max_norm):
    logits = model(inputs, lengths)
    loss = F.cross_entropy(logits, _packed_targets(targets, lengths))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def clips_before_backward(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    logits = model(inputs, lengths)
    loss = F.cross_entropy(logits, _packed_targets(targets, lengths))
    loss.backward()
    optimizer.step()
    return loss.item()


def clears_between_backward_and_step(model, optimizer, inputs, targets, lengths, max_norm):
    logits = model(inputs, lengths)
    loss = F.cross_entropy(logits, _packed_targets(targets, lengths))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def targets_in_batch_order(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits = model(inputs, lengths)
    mask = torch.arange(targets.shape[1], device=targets.device)[None, :] < lengths[:, None]
    loss = F.cross_entropy(logits, targets[mask])  # real targets, read row by row
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def clips_each_value(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    loss.backward()
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def returns_loss_after_step(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():  # report the improved loss
        return F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths)).item()


def clips_each_parameter(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    loss.backward()
    for p in model.parameters():
        torch.nn.utils.clip_grad_norm_(p, max_norm)
    optimizer.step()
    return loss.item()


def sums_the_losses(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits = model(inputs, lengths)
    loss = F.cross_entropy(logits, _packed_targets(targets, lengths), reduction="sum")
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def packs_targets_time_major(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits = model(inputs, lengths)
    packed = pack_padded_sequence(targets, lengths.cpu(), enforce_sorted=False)
    loss = F.cross_entropy(logits, packed.data)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def textbook_order(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits = model(inputs, lengths)  # (sum(lengths), V)
    loss = F.cross_entropy(logits, _packed_targets(targets, lengths))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


def clips_by_hand(model, optimizer, inputs, targets, lengths, max_norm):
    for p in model.parameters():
        p.grad = None
    log_probs = model(inputs, lengths).log_softmax(dim=-1)  # (sum(lengths), V)
    loss = F.nll_loss(log_probs, _packed_targets(targets, lengths))
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale)
    optimizer.step()
    return float(loss)


ATTEMPTS = [
    Attempt(
        never_clears_gradients,
        False,
        "never clears the old gradients, so each step adds the new gradients to the previous ones",
        ("zero|clear|accumul",),
    ),
    Attempt(
        clips_before_backward,
        False,
        "clips the gradients before backward has computed the new ones, so the new ones are never "
        "clipped",
        ("clip",),
    ),
    Attempt(
        clears_between_backward_and_step,
        False,
        "clears the gradients after backward and before the update, so the optimizer steps on "
        "zero gradients",
        ("zero|clear",),
    ),
    Attempt(
        targets_in_batch_order,
        False,
        "picks the real targets row by row with the mask, but the model's logits come in packed "
        "order, time step by time step and longest first",
        ("order|pack",),
    ),
    Attempt(
        clips_each_value,
        False,
        "clips each gradient entry with clip_grad_value_ instead of limiting the global norm",
        ("norm",),
    ),
    Attempt(
        returns_loss_after_step,
        False,
        "returns the loss recomputed after the update instead of the loss before the step",
        ("before|after",),
    ),
    Attempt(
        clips_each_parameter,
        False,
        "clips every parameter's gradient on its own instead of the global norm of all of them",
        ("global|all|each|separate|total|together",),
    ),
    Attempt(
        sums_the_losses,
        False,
        "sums the cross-entropy over the real positions instead of taking their mean",
        ("sum|mean",),
    ),
    Attempt(
        packs_targets_time_major,
        False,
        "packs the batch-first targets without batch_first=True, so they are read as time-major",
        ("batch_first|time-major|layout|axis|axes",),
    ),
    Attempt(textbook_order, True),
    Attempt(clips_by_hand, True),
]
