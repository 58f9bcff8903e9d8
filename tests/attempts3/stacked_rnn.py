"""Attempts at stacked_rnn (lesson 05, stacked RNNs)."""

import torch
from attempts import Attempt


def every_layer_reads_x(x, h0, params, num_layers):
    finals = []
    for k in range(num_layers):
        h, states = h0[k], []
        for t in range(1, x.shape[0] + 1):
            a = x[t - 1] @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            h = torch.tanh(a + h @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            states.append(h)
        finals.append(h)
    return torch.stack(states), torch.stack(finals)


def every_layer_starts_from_h0_0(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        h, states = h0[0], []
        for t in range(1, x.shape[0] + 1):
            a = layer_input[t - 1] @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            h = torch.tanh(a + h @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            states.append(h)
        finals.append(h)
        layer_input = torch.stack(states)
    return layer_input, torch.stack(finals)


def next_layer_reads_final_state(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        h, states = h0[k], []
        for t in range(1, x.shape[0] + 1):
            step_input = layer_input[t - 1] if k == 0 else layer_input
            a = step_input @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            h = torch.tanh(a + h @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            states.append(h)
        finals.append(h)
        output = torch.stack(states)
        layer_input = h  # what the layer hands on: its final state
    return output, torch.stack(finals)


def h_n_top_layer_only(x, h0, params, num_layers):
    layer_input = x
    for k in range(num_layers):
        h, states = h0[k], []
        for t in range(1, x.shape[0] + 1):
            a = layer_input[t - 1] @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            h = torch.tanh(a + h @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            states.append(h)
        layer_input = torch.stack(states)
    return layer_input, h.unsqueeze(0)


def h_n_top_layer_first(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        h, states = h0[k], []
        for t in range(1, x.shape[0] + 1):
            a = layer_input[t - 1] @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            h = torch.tanh(a + h @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            states.append(h)
        finals.insert(0, h)
        layer_input = torch.stack(states)
    return layer_input, torch.stack(finals)


def layer_0_weight_hh_everywhere(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        h, states = h0[k], []
        for t in range(1, x.shape[0] + 1):
            a = layer_input[t - 1] @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            h = torch.tanh(a + h @ params["weight_hh_l0"].T + params[f"bias_hh_l{k}"])
            states.append(h)
        finals.append(h)
        layer_input = torch.stack(states)
    return layer_input, torch.stack(finals)


def states_list_never_reset(x, h0, params, num_layers):
    L = x.shape[0]
    layer_input, finals, states = x, [], []
    for k in range(num_layers):
        h = h0[k]
        for t in range(1, L + 1):
            a = layer_input[t - 1] @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            h = torch.tanh(a + h @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            states.append(h)
        finals.append(h)
        layer_input = torch.stack(states[-L:])
    return torch.stack(states), torch.stack(finals)


def upper_layer_reads_old_state(x, h0, params, num_layers):
    hs = list(h0.unbind(0))  # one state per layer
    outputs = []
    for t in range(1, x.shape[0] + 1):
        step_input = x[t - 1]
        for k in range(num_layers):
            a = step_input @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            new_h = torch.tanh(a + hs[k] @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            step_input = hs[k]  # handed to the layer above
            hs[k] = new_h
        outputs.append(hs[-1])
    return torch.stack(outputs), torch.stack(hs)


def time_outer_layers_inner(x, h0, params, num_layers):
    L = x.shape[0]
    h_n = h0.clone()  # (num_layers, N, H), updated step by step
    output = x.new_empty(L, h0.shape[1], h0.shape[2])
    for t in range(1, L + 1):
        below = x[t - 1]
        for k in range(num_layers):
            a = below @ params[f"weight_ih_l{k}"].T + params[f"bias_ih_l{k}"]
            h_n[k] = torch.tanh(a + h_n[k] @ params[f"weight_hh_l{k}"].T + params[f"bias_hh_l{k}"])
            below = h_n[k]
        output[t - 1] = below
    return output, h_n


def input_products_per_layer_at_once(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        w_ih, w_hh = params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"]
        projected = (
            torch.matmul(layer_input, w_ih.T) + params[f"bias_ih_l{k}"] + params[f"bias_hh_l{k}"]
        )
        h, states = h0[k], []
        for step in projected:  # (N, H) per step, t = 1 .. L
            h = torch.tanh(step + h @ w_hh.T)
            states.append(h)
        finals.append(h)
        layer_input = torch.stack(states)
    return layer_input, torch.stack(finals)


ATTEMPTS = [
    Attempt(
        every_layer_reads_x,
        False,
        "Every layer reads the input x instead of the output sequence of the layer below.",
        ("below|previous layer|lower layer|layer k - 1|layer k-1|output of|reads x|input x",),
    ),
    Attempt(
        every_layer_starts_from_h0_0,
        False,
        "Every layer starts from h0[0] instead of its own initial state h0[k].",
        ("h0|initial|own",),
    ),
    Attempt(
        next_layer_reads_final_state,
        False,
        "The layer above reads the final state of the layer below at every step instead of its whole output sequence.",
        ("sequence|every step|each step|whole|final|last",),
    ),
    Attempt(
        h_n_top_layer_only,
        False,
        "h_n holds only the top layer's final state instead of every layer's.",
        ("every layer|each layer|all layers|all the layers|h_n|num_layers",),
    ),
    Attempt(
        h_n_top_layer_first,
        False,
        "h_n lists the layers top first; torch lists them bottom layer first.",
        ("order|bottom|revers|top",),
    ),
    Attempt(
        layer_0_weight_hh_everywhere,
        False,
        "Every layer uses layer 0's weight_hh (the key has _l0, not _l{k}).",
        ("weight_hh|w_hh|suffix|_l0|layer 0|own weight|parameter",),
    ),
    Attempt(
        states_list_never_reset,
        False,
        "The list of states is never reset between layers, so output stacks every layer's steps, (num_layers*L, N, H).",
        ("reset|list|shape|every layer|all layers|accumul",),
    ),
    Attempt(
        upper_layer_reads_old_state,
        False,
        "The layer above is handed the lower layer's state from the previous step instead of the one it just computed.",
        ("previous step|stale|t - 1|t-1|same step|just computed|old|lag|one step",),
    ),
    Attempt(time_outer_layers_inner, True),
    Attempt(input_products_per_layer_at_once, True),
]
