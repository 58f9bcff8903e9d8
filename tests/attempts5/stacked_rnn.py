"""Attempts at stacked_rnn (lesson 05_stacked_rnns)."""

import torch
from attempts import Attempt


def _weights(params, k):
    return tuple(
        params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )


def _layer(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    states = []
    for t in range(1, x.shape[0] + 1):
        h = torch.tanh(x[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        states.append(h)
    return torch.stack(states), h


def every_layer_reads_x(x, h0, params, num_layers):
    finals = []
    for k in range(num_layers):
        output, h_n = _layer(x, h0[k], *_weights(params, k))
        finals.append(h_n)
    return output, torch.stack(finals)


def weight_hh_of_layer_zero(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        weight_ih, bias_ih, bias_hh = (
            params[f"weight_ih_l{k}"],
            params[f"bias_ih_l{k}"],
            params[f"bias_hh_l{k}"],
        )
        weight_hh = params["weight_hh_l0"]
        layer_input, h_n = _layer(layer_input, h0[k], weight_ih, weight_hh, bias_ih, bias_hh)
        finals.append(h_n)
    return layer_input, torch.stack(finals)


def state_carried_up_the_stack(x, h0, params, num_layers):
    layer_input, finals = x, []
    h = h0[0]
    for k in range(num_layers):
        weight_ih, weight_hh, bias_ih, bias_hh = _weights(params, k)
        states = []
        for t in range(1, x.shape[0] + 1):  # h keeps the value the layer below ended with
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        layer_input = torch.stack(states)
        finals.append(h)
    return layer_input, torch.stack(finals)


def upper_layer_reads_previous_step(x, h0, params, num_layers):
    hs = list(h0)  # one state per layer
    outputs = []
    for t in range(1, x.shape[0] + 1):
        new_hs = []
        for k in range(num_layers):
            weight_ih, weight_hh, bias_ih, bias_hh = _weights(params, k)
            below = x[t - 1] if k == 0 else hs[k - 1]  # the old list: the layer below at step t - 1
            new_hs.append(torch.tanh(below @ weight_ih.T + bias_ih + hs[k] @ weight_hh.T + bias_hh))
        hs = new_hs
        outputs.append(hs[-1])
    return torch.stack(outputs), torch.stack(hs)


def h_n_top_layer_first(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        layer_input, h_n = _layer(layer_input, h0[k], *_weights(params, k))
        finals.insert(0, h_n)  # the top of the stack first
    return layer_input, torch.stack(finals)


def h_n_is_last_output(x, h0, params, num_layers):
    layer_input = x
    for k in range(num_layers):
        layer_input, _ = _layer(layer_input, h0[k], *_weights(params, k))
    return layer_input, layer_input[-1]


def finals_written_into_h0(x, h0, params, num_layers):
    layer_input = x
    for k in range(num_layers):
        layer_input, h0[k] = _layer(layer_input, h0[k], *_weights(params, k))
    return layer_input, h0


def h_n_concatenated(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        layer_input, h_n = _layer(layer_input, h0[k], *_weights(params, k))
        finals.append(h_n)
    return layer_input, torch.cat(finals)  # (num_layers * N, H)


def time_outer_loop(x, h0, params, num_layers):
    hs = list(h0.unbind(0))
    output = x.new_empty(x.shape[0], h0.shape[1], h0.shape[2])
    for t in range(1, x.shape[0] + 1):
        below = x[t - 1]
        for k in range(num_layers):
            weight_ih, weight_hh, bias_ih, bias_hh = _weights(params, k)
            hs[k] = torch.tanh(below @ weight_ih.T + bias_ih + hs[k] @ weight_hh.T + bias_hh)
            below = hs[k]  # this step's state feeds the layer above
        output[t - 1] = below
    return output, torch.stack(hs)


def einsum_layers(x, h0, params, num_layers):
    sequence, finals = x, []
    for k in range(num_layers):
        driven = (
            torch.einsum("lni,hi->lnh", sequence, params[f"weight_ih_l{k}"])
            + params[f"bias_ih_l{k}"]
        )
        h, states = h0[k], []
        for driven_t in driven:
            h = torch.tanh(
                driven_t
                + torch.einsum("nj,hj->nh", h, params[f"weight_hh_l{k}"])
                + params[f"bias_hh_l{k}"]
            )
            states.append(h)
        sequence = torch.stack(states)
        finals.append(h)
    return sequence, torch.stack(finals)


ATTEMPTS = [
    Attempt(
        every_layer_reads_x,
        False,
        "feeds the input x to every layer instead of the output sequence of the layer below",
        ("below|previous layer|layer k - 1|layer k-1|output sequence|lower layer",),
    ),
    Attempt(
        weight_hh_of_layer_zero,
        False,
        "uses layer 0's weight_hh in every layer instead of each layer's own weight_hh_l{k}",
        ("weight_hh|w_hh|layer",),
    ),
    Attempt(
        state_carried_up_the_stack,
        False,
        "starts each upper layer from the final state of the layer below instead of its own h0[k]",
        ("h0|h_0|initial",),
    ),
    Attempt(
        upper_layer_reads_previous_step,
        False,
        "layer k reads the state the layer below had at step t - 1, not the one it just produced",
        ("same step|previous|h_{t-1}|t - 1|below|lag|step t",),
    ),
    Attempt(
        h_n_top_layer_first,
        False,
        "builds h_n with the top layer first, but h_n lists the layers bottom first",
        ("order|revers|bottom|top",),
    ),
    Attempt(
        h_n_is_last_output,
        False,
        "returns only the top layer's last state as h_n instead of every layer's final state",
        ("h_n|every layer|each layer|shape|all layers",),
    ),
    Attempt(
        finals_written_into_h0,
        False,
        "writes each layer's final state into h0 in place and returns h0, changing the caller's h0",
        ("in place|in-place|modif|chang|mutat|overwr",),
    ),
    Attempt(
        h_n_concatenated,
        False,
        "joins the final states with torch.cat, (num_layers*N, H), instead of stacking them",
        ("shape|stack|cat",),
    ),
    Attempt(time_outer_loop, True),
    Attempt(einsum_layers, True),
]
