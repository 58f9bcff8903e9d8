"""A small, readable training loop for the end-to-end lesson.

    history = fit(model, loss_fn, make_train_batches, val_batches, epochs=20, lr=0.01)

``loss_fn(model, batch)`` returns a scalar tensor: the mean loss over the real (unpadded) positions of
one batch. ``make_train_batches()`` is called once per epoch, so it can reshuffle. The loop prints one
line per epoch and returns the losses, so that they can be plotted.
"""

import time

import torch


def evaluate(model, loss_fn, batches):
    """The mean of ``loss_fn`` over ``batches``, without gradients, in eval mode (a float)."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        losses = [loss_fn(model, batch).item() for batch in batches]
    model.train(was_training)
    return sum(losses) / len(losses)


def train_epoch(model, loss_fn, batches, optimizer, clip=1.0):
    """One pass over ``batches``: forward, backward, clip the gradient norm, step. Returns the
    mean training loss of the epoch (a float)."""
    model.train()
    losses = []
    for batch in batches:
        optimizer.zero_grad()
        loss = loss_fn(model, batch)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def fit(model, loss_fn, make_train_batches, val_batches, epochs, lr=0.01, clip=1.0, optimizer=None, verbose=True):
    """Train ``model`` for ``epochs`` epochs with Adam (or ``optimizer``), clipping the gradient norm.

    Prints one line per epoch (train loss, validation loss, seconds so far) unless ``verbose`` is
    False. Returns ``{"train": [...], "val": [...]}``: the mean losses after every epoch, with
    ``val[0]`` measured before training (so ``val`` has ``epochs + 1`` entries).
    """
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train": [], "val": [evaluate(model, loss_fn, val_batches)]}
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        history["train"].append(train_epoch(model, loss_fn, make_train_batches(), optimizer, clip))
        history["val"].append(evaluate(model, loss_fn, val_batches))
        if verbose:
            print(
                f"epoch {epoch:3d}  train {history['train'][-1]:.3f}  val {history['val'][-1]:.3f}"
                f"  ({time.perf_counter() - start:.1f} s)"
            )
    return history
