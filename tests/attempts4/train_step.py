"""Round-4 attempts at train_step (lesson 11, a real task)."""

import torch
import torch.nn.functional as F
from attempts import Attempt
from torch.nn.utils.rnn import pack_padded_sequence


def _packed_targets(targets, lengths):
    return pack_padded_sequence(targets, lengths.cpu(), batch_first=True, enforce_sorted=False).data


def _loss(model, inputs, targets, lengths):
    return F.cross_entropy(model(inputs, lengths), _packed_targets(targets, lengths))


def clips_before_backward(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss.backward()
    optimizer.step()
    return loss


def clips_after_step(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    optimizer.step()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss


def zeroes_after_backward(model, optimizer, inputs, targets, lengths, max_norm):
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    optimizer.zero_grad()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def never_zeroes(model, optimizer, inputs, targets, lengths, max_norm):
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def targets_by_boolean_mask(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    mask = (
        torch.arange(targets.shape[1], device=targets.device)[None, :]
        < lengths.to(targets.device)[:, None]
    )
    loss = F.cross_entropy(model(inputs, lengths), targets[mask])  # row by row, not in packed order
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def clips_values(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def loss_after_the_step(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        return _loss(model, inputs, targets, lengths)


def clips_each_parameter(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    for p in model.parameters():
        torch.nn.utils.clip_grad_norm_([p], max_norm)
    optimizer.step()
    return loss


def sums_the_loss(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits = model(inputs, lengths)
    loss = F.cross_entropy(logits, _packed_targets(targets, lengths), reduction="sum")
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss / len(logits)


def clips_by_hand(model, optimizer, inputs, targets, lengths, max_norm):
    model.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.sqrt(sum((g.double() ** 2).sum() for g in grads))
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(scale.to(g.dtype))
    optimizer.step()
    return loss.item()


def packs_targets_through_an_index(model, optimizer, inputs, targets, lengths, max_norm):
    positions = torch.arange(targets.numel(), device=targets.device).view(targets.shape)
    order = pack_padded_sequence(
        positions, lengths.cpu(), batch_first=True, enforce_sorted=False
    ).data
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(inputs, lengths), targets.flatten()[order])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach()


ATTEMPTS = [
    Attempt(
        clips_before_backward,
        False,
        "clipped the gradients before backward had computed them",
        ("order|before backward|clip",),
    ),
    Attempt(
        clips_after_step,
        False,
        "clipped after the optimizer step, so the step used unclipped gradients",
        ("order|after|clip",),
    ),
    Attempt(
        zeroes_after_backward,
        False,
        "cleared the gradients after backward, so the step saw zero gradients",
        ("zero_grad|zero|clear|order",),
    ),
    Attempt(
        never_zeroes,
        False,
        "never cleared the gradients, so each step added to the previous ones",
        ("zero_grad|accumul|clear",),
    ),
    Attempt(
        targets_by_boolean_mask,
        False,
        "took the targets with a boolean mask, row by row, not in the packed order of the logits",
        ("pack|order",),
    ),
    Attempt(
        clips_values,
        False,
        "clipped each gradient value instead of the global norm",
        ("norm|clip_grad_norm|value",),
    ),
    Attempt(
        loss_after_the_step,
        False,
        "returned the loss recomputed after the step instead of the loss before it",
        ("before|after|return",),
    ),
    Attempt(
        clips_each_parameter,
        False,
        "clipped each parameter's norm separately instead of the global norm over all of them",
        ("global|total|each param|separate|all param",),
    ),
    Attempt(
        sums_the_loss,
        False,
        "trained on the summed cross-entropy instead of the mean",
        ("sum|mean|reduction",),
    ),
    Attempt(clips_by_hand, True),
    Attempt(packs_targets_through_an_index, True),
]
