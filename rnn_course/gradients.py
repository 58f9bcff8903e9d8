"""Measuring, checking and taming gradients in recurrent networks (lessons 08, 09 and 12).

Nothing here is an exercise answer: the helpers run torch's own ``nn.RNN`` step by step, so that
every hidden state h_t is a node of the autograd graph whose gradient can be read.

    states, grads = hidden_state_grads(rnn, x)        # h_t and dL/dh_t, both (L, N, H)
    norms = hidden_grad_norms(rnn, x)                 # ||dL/dh_t|| for t = 1..L, shape (L,)
    w = with_spectral_radius(rnn.weight_hh_l0, 1.2)   # the same directions, rescaled
    history = train_steps(model, inputs, targets, steps=50, lr=0.1, max_norm=1.0)   # SGD, clipped at 1
    estimates = central_differences(f, [x, weight])   # df/dx and df/dweight, numerically

Shapes use torch's letters: N batch, L sequence length, H_in input size, H hidden size, C classes.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

# ---------------------------------------------------------------------------------------------
# Gradients with respect to every hidden state
# ---------------------------------------------------------------------------------------------


def _last_state_sum(states):
    """The default loss: the sum of the last hidden state, so that dL/dh_L is all ones."""
    return states[-1].sum()


def unroll_states(rnn, x, h0=None):
    """Run a one-layer, one-direction ``nn.RNN`` one step at a time and keep every hidden state.

    Args:
        rnn: ``nn.RNN`` with num_layers=1, bidirectional=False (batch_first is respected).
        x: (L, N, H_in), or (N, L, H_in) when ``rnn.batch_first``.
        h0: (1, N, H) or None for zeros.

    Returns:
        A list of L tensors h_1..h_L, each (N, H), each a non-leaf node that keeps its ``.grad``.
    """
    if rnn.num_layers != 1 or rnn.bidirectional:
        raise ValueError("unroll_states needs an nn.RNN with num_layers=1 and bidirectional=False")
    steps = x.unbind(1 if rnn.batch_first else 0)  # L tensors of (N, H_in)
    state = None if h0 is None else h0[0]  # (N, H)
    states = []
    for x_t in steps:
        x_t = x_t.unsqueeze(1 if rnn.batch_first else 0)  # a sequence of length 1
        h = None if state is None else state.unsqueeze(0)  # (1, N, H)
        _, h = rnn(x_t, h)  # (1, N, H)
        state = h[0]  # (N, H): the next step starts from this very node
        state.retain_grad()
        states.append(state)
    return states


def hidden_state_grads(rnn, x, h0=None, loss_fn=None):
    """Every hidden state h_t and the gradient of a loss with respect to it.

    ``dL/dh_t`` is the total derivative: it counts every path from h_t to the loss, through the
    loss terms at step t and through all later steps.

    Args:
        rnn: ``nn.RNN`` with one layer and one direction.
        x: (L, N, H_in) (or (N, L, H_in) when ``rnn.batch_first``).
        h0: (1, N, H) or None.
        loss_fn: maps the stacked states (L, N, H) to a scalar; default ``states[-1].sum()``.

    Returns:
        (states, grads), both (L, N, H), detached.
    """
    loss_fn = _last_state_sum if loss_fn is None else loss_fn
    states = unroll_states(rnn, x, h0)
    loss = loss_fn(torch.stack(states))  # stacking keeps the graph back to every state
    loss.backward()
    grads = [torch.zeros_like(s) if s.grad is None else s.grad for s in states]
    return torch.stack(states).detach(), torch.stack(grads)  # (L, N, H), (L, N, H)


def hidden_grad_norms(rnn, x, h0=None, loss_fn=None):
    """||dL/dh_t|| for t = 1..L: the L2 norm over the batch and hidden axes. Returns (L,)."""
    _, grads = hidden_state_grads(rnn, x, h0, loss_fn)
    return torch.linalg.vector_norm(grads.flatten(1), dim=1)  # (L,)


# ---------------------------------------------------------------------------------------------
# Gradients by central differences
# ---------------------------------------------------------------------------------------------


def central_differences(f, inputs, eps=1e-6):
    """Every partial derivative of a scalar function, estimated without autograd.

    Each entry theta of each input is nudged both ways, and its slope is estimated as
    ``(f(theta + eps) - f(theta - eps)) / (2 eps)``, with an error of order eps**2 (plus rounding,
    which is why the inputs should be float64).

    Args:
        f: a function of ``len(inputs)`` tensors that returns a 0-dim tensor, ().
        inputs: a list of tensors of any shapes, e.g. x (N, H_in) and weight_ih (H, H_in). They are
            never changed: every evaluation gets copies.
        eps: the nudge.

    Returns:
        A list with one tensor per input, each shaped like its input (x (N, H_in) gets (N, H_in)).
    """
    estimates = []
    for i, tensor in enumerate(inputs):
        estimate = torch.zeros_like(tensor)  # the shape of input i
        for j in range(tensor.numel()):
            nudged = [t.detach().clone() for t in inputs]
            nudged[i].view(-1)[j] += eps
            above = f(*nudged)
            nudged[i].view(-1)[j] -= 2 * eps
            estimate.view(-1)[j] = (above - f(*nudged)) / (2 * eps)
        estimates.append(estimate)
    return estimates


# ---------------------------------------------------------------------------------------------
# The recurrent weight's spectral radius
# ---------------------------------------------------------------------------------------------


def spectral_radius(weight):
    """max |eigenvalue| of a square matrix (H, H), as a Python float."""
    return torch.linalg.eigvals(weight.detach()).abs().max().item()


def with_spectral_radius(weight, radius):
    """A new (H, H) tensor: ``weight`` scaled so that its spectral radius is ``radius``."""
    return weight.detach() * (radius / spectral_radius(weight))


def random_rnn(input_size, hidden_size, radius, nonlinearity="tanh", seed=0, dtype=torch.float64):
    """An ``nn.RNN`` whose weight_hh_l0 has spectral radius ``radius``; everything seeded.

    The input weights and biases keep torch's default initialisation for the given seed.
    """
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        rnn = nn.RNN(input_size, hidden_size, nonlinearity=nonlinearity, dtype=dtype)
        weight = torch.randn(hidden_size, hidden_size, dtype=dtype) / math.sqrt(hidden_size)
    finally:
        torch.random.set_rng_state(generator_state)  # the caller's random stream is untouched
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(with_spectral_radius(weight, radius))
    return rnn


# ---------------------------------------------------------------------------------------------
# A tiny model and training loop
# ---------------------------------------------------------------------------------------------


class LastStepClassifier(nn.Module):
    """A one-layer RNN read out at its last step: many-to-one classification.

    forward(x): x (L, N, H_in) -> logits (N, C), computed as h_L weight^T + bias.
    """

    def __init__(self, input_size, hidden_size, num_classes, nonlinearity="tanh"):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, nonlinearity=nonlinearity)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        _, h_n = self.rnn(x)  # h_n: (1, N, H)
        return self.head(h_n[0])  # (N, C)


def total_grad_norm(parameters):
    """The global L2 norm of all ``.grad`` tensors (those that are None are skipped), a float."""
    grads = [p.grad.detach().flatten() for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    return torch.linalg.vector_norm(torch.cat(grads)).item()


def _flat_parameters(model):
    """Every parameter of ``model`` as one detached 1-D tensor (a copy)."""
    return torch.cat([p.detach().flatten() for p in model.parameters()]).clone()


def train_steps(
    model,
    inputs,
    targets,
    steps,
    lr=0.1,
    max_norm=None,
    loss_fn=F.cross_entropy,
    print_every=0,
    optimizer=None,
):
    """Full-batch training on one fixed batch (plain SGD unless told otherwise); optionally clip the
    global gradient norm before each update.

    Args:
        model: maps ``inputs`` to logits (N, C).
        inputs: e.g. (L, N, H_in); targets: (N,) int64.
        steps: number of updates.
        lr: the learning rate of the default optimizer, ``torch.optim.SGD(params, lr)``.
        max_norm: None for no clipping, else the ``torch.nn.utils.clip_grad_norm_`` threshold.
        loss_fn: (logits, targets) -> scalar.
        print_every: print "step k: loss ..." every that many steps (0: silent).
        optimizer: a function params -> ``torch.optim.Optimizer`` to use instead of plain SGD, e.g.
            ``lambda params: torch.optim.Adam(params, lr=0.01)`` (``lr`` is then ignored).

    Returns:
        dict of lists, one entry per step:

        * "loss": the loss before the update;
        * "grad_norm": the global gradient norm before clipping;
        * "clipped_grad_norm": the global norm of the gradient handed to the optimizer, after
          clipping (equal to "grad_norm" without clipping). It bounds the step only for plain
          SGD, where the step is ``lr`` times this gradient;
        * "step_norm": the length of the update actually applied, ``||theta_new - theta_old||``,
          whatever the optimizer (momentum and Adam can take steps far longer than
          ``lr * max_norm``).
    """
    optimizer = (
        torch.optim.SGD(model.parameters(), lr=lr)
        if optimizer is None
        else optimizer(model.parameters())
    )
    history = {"loss": [], "grad_norm": [], "clipped_grad_norm": [], "step_norm": []}
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        history["grad_norm"].append(total_grad_norm(model.parameters()))
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        history["clipped_grad_norm"].append(total_grad_norm(model.parameters()))
        history["loss"].append(loss.item())
        before = _flat_parameters(model)
        optimizer.step()
        history["step_norm"].append(
            torch.linalg.vector_norm(_flat_parameters(model) - before).item()
        )
        if print_every and (step % print_every == 0 or step == 1):
            print(
                f"step {step:4d}: loss {loss.item():.4f}, gradient norm {history['grad_norm'][-1]:.3g}"
            )
    return history


# ---------------------------------------------------------------------------------------------
# A long-range toy task
# ---------------------------------------------------------------------------------------------


def first_symbol_task(num_sequences, length, num_classes=2, seed=0):
    """Sequences whose label is written only at the first step; the rest is noise.

    x[0] is the one-hot label (C features), every later step is standard normal noise on the same
    C features scaled by 0.5, so the model must carry the first step's information L - 1 steps.

    Returns:
        inputs (L, N, C) float32 and targets (N,) int64.
    """
    generator = torch.Generator().manual_seed(seed)
    targets = torch.randint(num_classes, (num_sequences,), generator=generator)
    noise = 0.5 * torch.randn(length, num_sequences, num_classes, generator=generator)  # (L, N, C)
    inputs = noise.clone()
    inputs[0] = F.one_hot(targets, num_classes).float()  # (N, C)
    return inputs, targets
