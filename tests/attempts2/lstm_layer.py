"""Attempts at lstm_layer, lesson 12 (LSTM)."""

import torch
from attempts import Attempt


def _cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(
        4, dim=1
    )  # 4 x (N, H)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def every_step_from_h0(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    outputs = []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def cell_state_not_carried(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, outputs = h0, []
    for t in range(x.shape[0]):
        h, c = _cell(x[t], h, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def flat_triple(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for x_t in x:
        h, c = _cell(x_t, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), h, c


def output_holds_cell_states(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for x_t in x:
        h, c = _cell(x_t, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(c)
    return torch.stack(outputs), (h, c)


def stops_one_step_early(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in range(x.shape[0] - 1):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def records_state_before_step(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for x_t in x:
        outputs.append(h)
        h, c = _cell(x_t, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    return torch.stack(outputs), (h, c)


def reads_back_to_front(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for t in reversed(range(x.shape[0])):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def concatenated_steps(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for x_t in x:
        h, c = _cell(x_t, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.cat(outputs), (h, c)


def preallocated_default_dtype(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    L, N, H = x.shape[0], h0.shape[0], h0.shape[1]
    output = torch.zeros(L, N, H)
    h, c = h0, c0
    for t in range(L):
        h, c = _cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        output[t] = h
    return output, (output[-1], c)


def states_copied_into_h0(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for x_t in x:
        h_next, c_next = _cell(x_t, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        h.copy_(h_next)
        c.copy_(c_next)
        outputs.append(h.clone())
    return torch.stack(outputs), (h, c)


def inputs_projected_once(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    from_x = torch.addmm(bias_ih + bias_hh, x.flatten(0, 1), weight_ih.T).view(
        x.shape[0], x.shape[1], -1
    )
    output = x.new_empty(x.shape[0], *h0.shape)  # (L, N, H)
    h, c = h0, c0
    for t in range(x.shape[0]):
        i, f, g, o = (from_x[t] + h @ weight_hh.T).chunk(4, dim=-1)  # (N, H) each
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        output[t] = h
    return output, (h, c)


def while_loop_with_list(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    states = [(h0, c0)]
    t = 0
    while t < len(x):
        states.append(_cell(x[t], *states[-1], weight_ih, weight_hh, bias_ih, bias_hh))
        t += 1
    output = torch.stack([h for h, _ in states[1:]])  # (L, N, H)
    return output, states[-1]


ATTEMPTS = [
    Attempt(
        every_step_from_h0,
        False,
        "starts every step from h0 and c0 instead of carrying the states from the previous step",
        ("carr|previous|update|feed|from h0|h0 and c0|hands on",),
    ),
    Attempt(
        cell_state_not_carried,
        False,
        "carries h from step to step but restarts the cell state from c0 at every step",
        ("cell state|c0|c_t|c_{t",),
    ),
    Attempt(
        flat_triple,
        False,
        "returns (output, h_n, c_n) instead of nn.LSTM's nesting (output, (h_n, c_n))",
        ("nest|tuple|structur|pair|(h_n, c_n)",),
    ),
    Attempt(
        output_holds_cell_states,
        False,
        "stacks the cell states into output, where output holds every step's hidden state h_t",
        ("cell|hidden|h_t|c_t",),
    ),
    Attempt(
        stops_one_step_early,
        False,
        "loops over range(L - 1) and misses the last step",
        ("last step|final step|off by|off-by|range|l - 1|one step|stops early",),
    ),
    Attempt(
        records_state_before_step,
        False,
        "appends h before the step updates it, so output holds h0 .. h_{L-1} instead of h_1 .. h_L",
        ("before|after|h0|shift|previous|off by|off-by",),
    ),
    Attempt(
        reads_back_to_front,
        False,
        "runs the steps from the last to the first, the backward direction",
        ("revers|backward|direction|order",),
    ),
    Attempt(
        concatenated_steps,
        False,
        "joins the steps with torch.cat, giving (L * N, H), where torch.stack gives (L, N, H)",
        ("stack|cat|shape",),
    ),
    Attempt(
        preallocated_default_dtype,
        False,
        "preallocates output with torch.zeros(L, N, H), whose default dtype float32 drops the float64 of x",
        ("dtype|float32|float64|precision|type",),
    ),
    Attempt(
        states_copied_into_h0,
        False,
        "writes each step's states into h0 and c0 with copy_, which changes the caller's tensors in place",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(inputs_projected_once, True),
    Attempt(while_loop_with_list, True),
]
