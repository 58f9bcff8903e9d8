"""Attempts at ``lstm_layer`` (lesson 12, LSTM)."""

import torch
from attempts import Attempt


def _cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    a_i, a_f, a_g, a_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c_next), c_next


def stacks_the_cell_states(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(c)
    return torch.stack(outputs), (h, c)


def cell_state_not_carried(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, outputs = h0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def hidden_state_not_carried(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    c, outputs = c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h0, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def output_before_the_step(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in range(x.shape[0]):
        outputs.append(h)
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    return torch.stack(outputs), (h, c)


def flat_triple(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), h, c


def reads_from_the_end(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in reversed(range(x.shape[0])):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def first_step_as_h_n(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    output = torch.stack(outputs)
    return output, (output[0], c)


def states_copied_into_h0(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in range(x.shape[0]):
        h_next, c_next = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        h[:] = h_next  # reuse the same memory each step
        c[:] = c_next
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def float32_output_buffer(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    output = torch.zeros(x.shape[0], x.shape[1], h0.shape[1])
    h, c = h0, c0
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        output[t] = h
    return output, (h, c)


def input_products_first(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    from_x = x @ weight_ih.T + bias_ih  # (L, N, 4H): every step's input part at once
    h, c, outputs = h0, c0, []
    for from_x_t in from_x:
        i, f, g, o = (from_x_t + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def preallocated_like_x(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    output = x.new_empty(x.shape[0], x.shape[1], h0.shape[1])  # (L, N, H), x's dtype and device
    state = (h0, c0)
    for t, x_t in enumerate(x.unbind(0)):
        state = _cell(x_t, *state, weight_ih, weight_hh, bias_ih, bias_hh)
        output[t] = state[0]
    return output, state


def recursive_steps(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    if x.shape[0] == 0:
        return x.new_zeros(0, *h0.shape), (h0, c0)
    h, c = _cell(x[0], h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)
    rest, final = recursive_steps(x[1:], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    return torch.cat([h[None], rest]), final


ATTEMPTS = [
    Attempt(
        stacks_the_cell_states,
        False,
        "Stacks every step's cell state c_t into output instead of the hidden state h_t.",
        ("cell|c_t|h_t|hidden",),
    ),
    Attempt(
        cell_state_not_carried,
        False,
        "Passes c0 to every step instead of carrying the cell state from one step to the next.",
        ("carr|c0|cell|stale|initial|updat",),
    ),
    Attempt(
        hidden_state_not_carried,
        False,
        "Passes h0 to every step instead of carrying the hidden state from one step to the next.",
        ("carr|h0|hidden|stale|initial|updat",),
    ),
    Attempt(
        output_before_the_step,
        False,
        "Appends h before the step, so output starts with h0 and is one step behind.",
        ("off|one step|shift|h0|before|initial|behind",),
    ),
    Attempt(
        flat_triple,
        False,
        "Returns (output, h_n, c_n) flat instead of (output, (h_n, c_n)).",
        ("nest|tuple|structur|pair|flat",),
    ),
    Attempt(
        reads_from_the_end,
        False,
        "Loops over the steps from the last to the first.",
        ("direction|revers|order|backward|last to|end",),
    ),
    Attempt(
        first_step_as_h_n,
        False,
        "Returns the first step's output as h_n instead of the last step's.",
        ("last|final|first",),
    ),
    Attempt(
        states_copied_into_h0,
        False,
        "Writes each new state into h0 and c0 in place, so output holds one tensor L times and the inputs change.",
        ("in place|in-place|inplace|alias|same tensor|copy|clone|overwrit|modif",),
    ),
    Attempt(
        float32_output_buffer,
        False,
        "Preallocates output with torch.zeros in the default float32 instead of the input's dtype.",
        ("dtype|float",),
    ),
    Attempt(input_products_first, True),
    Attempt(preallocated_like_x, True),
    Attempt(recursive_steps, True),
]
