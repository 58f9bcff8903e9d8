"""Attempts at train_step, lesson 11 (a real task, end to end)."""

import torch
import torch.nn.functional as F
from attempts import Attempt
from torch.nn.utils.rnn import pack_padded_sequence


def _packed_targets(targets, lengths):
    return pack_padded_sequence(targets, lengths.cpu(), batch_first=True, enforce_sorted=False).data


def never_clears_gradients(model, optimizer, inputs, targets, lengths, max_norm):
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def clips_before_backward(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss.backward()
    optimizer.step()
    return loss


def clips_after_the_update(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    loss.backward()
    optimizer.step()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss


def steps_before_backward(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    optimizer.step()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss


def targets_row_by_row(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    real = (
        torch.arange(targets.shape[1], device=targets.device)[None, :]
        < lengths.to(targets.device)[:, None]
    )
    loss = F.cross_entropy(model(inputs, lengths), targets[real])  # (sum(lengths),) in batch order
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def loss_measured_after_the_step(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    packed = _packed_targets(targets, lengths)
    F.cross_entropy(model(inputs, lengths), packed).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        return F.cross_entropy(model(inputs, lengths), packed)


def clips_each_value(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    loss.backward()
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def clips_each_parameter_alone(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    loss.backward()
    for parameter in model.parameters():
        torch.nn.utils.clip_grad_norm_(parameter, max_norm)
    optimizer.step()
    return loss


def summed_loss(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(
        model(inputs, lengths), _packed_targets(targets, lengths), reduction="sum"
    )
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def never_clips(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))
    loss.backward()
    optimizer.step()
    return loss


def clears_after_the_forward(model, optimizer, inputs, targets, lengths, max_norm):
    logits = model(inputs, lengths)  # (sum(lengths), V), packed order
    packed = pack_padded_sequence(targets, lengths.cpu(), batch_first=True, enforce_sorted=False)
    loss = F.cross_entropy(logits, packed.data, reduction="sum") / lengths.sum()
    model.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(
        [p for group in optimizer.param_groups for p in group["params"]], max_norm
    )
    optimizer.step()
    return loss.item()


def packed_order_by_hand(model, optimizer, inputs, targets, lengths, max_norm):
    for parameter in model.parameters():
        parameter.grad = None
    _, sorted_rows = torch.sort(
        lengths.cpu(), descending=True
    )  # the sort pack_padded_sequence does
    in_order = targets[sorted_rows.to(targets.device)]  # (N, L), rows longest first
    steps = torch.arange(targets.shape[1])[:, None]  # (L, 1)
    real = (steps < lengths.cpu()[sorted_rows][None, :]).to(targets.device)  # (L, N)
    time_major = in_order.T[real]  # step by step, longest rows first: the packed order
    loss = F.cross_entropy(model(inputs, lengths), time_major)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm=max_norm)
    optimizer.step()
    return loss.detach()


ATTEMPTS = [
    Attempt(
        never_clears_gradients,
        False,
        "never clears the old gradients, so each backward adds to the previous batch's",
        ("zero|clear|accumul",),
    ),
    Attempt(
        clips_before_backward,
        False,
        "clips before backward, when the new gradients do not exist yet, so the step uses unclipped"
        " gradients",
        ("clip", "before|after|order|backward"),
    ),
    Attempt(
        clips_after_the_update,
        False,
        "clips after optimizer.step(), when the update has already used the unclipped gradients",
        ("clip", "before|after|order|step"),
    ),
    Attempt(
        steps_before_backward,
        False,
        "calls optimizer.step() before loss.backward(), so the step runs on gradients that were just cleared",
        ("backward", "before|after|order"),
    ),
    Attempt(
        targets_row_by_row,
        False,
        "selects the real targets row by row with a mask, but the model's logits come in packed order, time"
        " step by time step",
        ("pack|order",),
    ),
    Attempt(
        loss_measured_after_the_step,
        False,
        "returns the loss recomputed after the update instead of the loss before the step",
        ("before|after",),
    ),
    Attempt(
        clips_each_value,
        False,
        "uses clip_grad_value_, which clips every entry to +-max_norm, instead of scaling by the global norm",
        ("norm|value",),
    ),
    Attempt(
        clips_each_parameter_alone,
        False,
        "clips each parameter's gradient to max_norm on its own instead of the global norm of all of them",
        ("global|each parameter|separate|together|total|all param|all of",),
    ),
    Attempt(
        summed_loss,
        False,
        "sums the cross-entropy over the real positions instead of averaging it",
        ("sum|mean|averag",),
    ),
    Attempt(
        never_clips,
        False,
        "leaves out the clipping of the gradients' global norm",
        ("clip|norm",),
    ),
    Attempt(clears_after_the_forward, True),
    Attempt(packed_order_by_hand, True),
]
