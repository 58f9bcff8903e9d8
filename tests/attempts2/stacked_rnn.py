"""Attempts at stacked_rnn (lesson 05, stacked RNNs)."""

import torch
import torch.nn.functional as F
from attempts import Attempt


def every_layer_reads_x(x, h0, params, num_layers):
    def layer(layer_input, h, weight_ih, weight_hh, bias_ih, bias_hh):
        """A plain time loop: layer_input (L, N, H_in), h (N, H) -> (L, N, H), (N, H)."""
        states = []
        for t in range(1, layer_input.shape[0] + 1):
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        return torch.stack(states), h

    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    finals = []
    for k in range(num_layers):
        output, h = layer(x, h0[k], *weights(params, k))
        finals.append(h)
    return output, torch.stack(finals)


def weight_hh_of_layer_0_everywhere(x, h0, params, num_layers):
    def layer(layer_input, h, weight_ih, weight_hh, bias_ih, bias_hh):
        """A plain time loop: layer_input (L, N, H_in), h (N, H) -> (L, N, H), (N, H)."""
        states = []
        for t in range(1, layer_input.shape[0] + 1):
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        return torch.stack(states), h

    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    layer_input, finals = x, []
    for k in range(num_layers):
        weight_ih, _, bias_ih, bias_hh = weights(params, k)
        layer_input, h = layer(
            layer_input, h0[k], weight_ih, params["weight_hh_l0"], bias_ih, bias_hh
        )
        finals.append(h)
    return layer_input, torch.stack(finals)


def first_h0_for_every_layer(x, h0, params, num_layers):
    def layer(layer_input, h, weight_ih, weight_hh, bias_ih, bias_hh):
        """A plain time loop: layer_input (L, N, H_in), h (N, H) -> (L, N, H), (N, H)."""
        states = []
        for t in range(1, layer_input.shape[0] + 1):
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        return torch.stack(states), h

    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    layer_input, finals = x, []
    for k in range(num_layers):
        layer_input, h = layer(layer_input, h0[0], *weights(params, k))
        finals.append(h)
    return layer_input, torch.stack(finals)


def h_n_of_top_layer_only(x, h0, params, num_layers):
    def layer(layer_input, h, weight_ih, weight_hh, bias_ih, bias_hh):
        """A plain time loop: layer_input (L, N, H_in), h (N, H) -> (L, N, H), (N, H)."""
        states = []
        for t in range(1, layer_input.shape[0] + 1):
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        return torch.stack(states), h

    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    layer_input = x
    for k in range(num_layers):
        layer_input, h = layer(layer_input, h0[k], *weights(params, k))
    return layer_input, h[None]  # (1, N, H)


def layers_updated_top_down(x, h0, params, num_layers):
    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    hs = [h0[k] for k in range(num_layers)]
    outputs = []
    for t in range(1, x.shape[0] + 1):
        for k in reversed(
            range(num_layers)
        ):  # the top layer first, so it reads the layer below's old state
            below = x[t - 1] if k == 0 else hs[k - 1]
            weight_ih, weight_hh, bias_ih, bias_hh = weights(params, k)
            hs[k] = torch.tanh(below @ weight_ih.T + bias_ih + hs[k] @ weight_hh.T + bias_hh)
        outputs.append(hs[-1])
    return torch.stack(outputs), torch.stack(hs)


def bias_ih_twice(x, h0, params, num_layers):
    def layer(layer_input, h, weight_ih, weight_hh, bias_ih, bias_hh):
        """A plain time loop: layer_input (L, N, H_in), h (N, H) -> (L, N, H), (N, H)."""
        states = []
        for t in range(1, layer_input.shape[0] + 1):
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        return torch.stack(states), h

    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    layer_input, finals = x, []
    for k in range(num_layers):
        weight_ih, weight_hh, bias_ih, _ = weights(params, k)
        layer_input, h = layer(
            layer_input, h0[k], weight_ih, weight_hh, bias_ih, params[f"bias_ih_l{k}"]
        )
        finals.append(h)
    return layer_input, torch.stack(finals)


def h_n_top_layer_first(x, h0, params, num_layers):
    def layer(layer_input, h, weight_ih, weight_hh, bias_ih, bias_hh):
        """A plain time loop: layer_input (L, N, H_in), h (N, H) -> (L, N, H), (N, H)."""
        states = []
        for t in range(1, layer_input.shape[0] + 1):
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        return torch.stack(states), h

    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    layer_input, finals = x, []
    for k in range(num_layers):
        layer_input, h = layer(layer_input, h0[k], *weights(params, k))
        finals.insert(0, h)  # newest first
    return layer_input, torch.stack(finals)


def dropout_between_layers(x, h0, params, num_layers):
    def layer(layer_input, h, weight_ih, weight_hh, bias_ih, bias_hh):
        """A plain time loop: layer_input (L, N, H_in), h (N, H) -> (L, N, H), (N, H)."""
        states = []
        for t in range(1, layer_input.shape[0] + 1):
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        return torch.stack(states), h

    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    layer_input, finals = x, []
    for k in range(num_layers):
        layer_output, h = layer(layer_input, h0[k], *weights(params, k))
        finals.append(h)
        layer_input = F.dropout(layer_output, 0.5) if k < num_layers - 1 else layer_output
    return layer_input, torch.stack(finals)


def returns_bottom_layer_output(x, h0, params, num_layers):
    def layer(layer_input, h, weight_ih, weight_hh, bias_ih, bias_hh):
        """A plain time loop: layer_input (L, N, H_in), h (N, H) -> (L, N, H), (N, H)."""
        states = []
        for t in range(1, layer_input.shape[0] + 1):
            h = torch.tanh(layer_input[t - 1] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
            states.append(h)
        return torch.stack(states), h

    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    layer_input, outputs, finals = x, [], []
    for k in range(num_layers):
        layer_input, h = layer(layer_input, h0[k], *weights(params, k))
        outputs.append(layer_input)
        finals.append(h)
    return outputs[0], torch.stack(finals)


def time_outer_layers_inner(x, h0, params, num_layers):
    def weights(params, k):
        return [params[f"{kind}_l{k}"] for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    hs = list(h0.unbind(0))  # one (N, H) state per layer
    top = []
    for t in range(1, x.shape[0] + 1):
        below = x[t - 1]
        for k in range(num_layers):
            weight_ih, weight_hh, bias_ih, bias_hh = weights(params, k)
            hs[k] = torch.tanh(below @ weight_ih.T + bias_ih + hs[k] @ weight_hh.T + bias_hh)
            below = hs[k]
        top.append(below)
    return torch.stack(top), torch.stack(hs)


def preallocated_layers(x, h0, params, num_layers):
    L, N, H = x.shape[0], x.shape[1], h0.shape[-1]
    h_n = h0.new_empty(num_layers, N, H)
    layer_input = x
    for k in range(num_layers):
        w_ih, w_hh = params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"]
        b = params[f"bias_ih_l{k}"] + params[f"bias_hh_l{k}"]
        projected = torch.einsum("lni,hi->lnh", layer_input, w_ih) + b  # (L, N, H)
        layer_output = x.new_empty(L, N, H)
        h = h0[k]
        for t in range(L):
            h = torch.tanh(projected[t] + h @ w_hh.T)
            layer_output[t] = h
        h_n[k] = h
        layer_input = layer_output
    return layer_input, h_n


ATTEMPTS = [
    Attempt(
        every_layer_reads_x,
        False,
        "every layer reads the input x instead of the output sequence of the layer below.",
        ("layer below|previous layer|layer k - 1|layer k-1|reads x|input x|output of",),
    ),
    Attempt(
        weight_hh_of_layer_0_everywhere,
        False,
        "weight_hh_l0 is used in every layer instead of each layer's own weight_hh_l{k}.",
        ("weight_hh|w_hh|layer",),
    ),
    Attempt(
        first_h0_for_every_layer,
        False,
        "every layer starts from h0[0] instead of its own initial state h0[k].",
        ("h0|initial",),
    ),
    Attempt(
        h_n_of_top_layer_only,
        False,
        "h_n holds only the top layer's final state, (1, N, H), instead of one per layer.",
        ("every layer|each layer|per layer|one per layer|shape",),
    ),
    Attempt(
        layers_updated_top_down,
        False,
        "at each step the layers are updated from the top down, so a layer reads the state the layer "
        "below had at the previous step.",
        ("previous step|order|layer below|stale|t - 1|t-1",),
    ),
    Attempt(
        bias_ih_twice,
        False,
        "bias_ih is added twice and bias_hh is never used (a copy-paste slip in the key).",
        ("bias_hh|bias",),
    ),
    Attempt(
        h_n_top_layer_first,
        False,
        "h_n lists the layers top first, but torch lists them bottom layer first.",
        ("order|bottom|first|revers",),
    ),
    Attempt(
        dropout_between_layers,
        False,
        "dropout is applied between layers although the exercise is the module in eval mode, with no dropout.",
        ("dropout|random",),
    ),
    Attempt(
        returns_bottom_layer_output,
        False,
        "output is the bottom layer's sequence instead of the top layer's.",
        ("top|last layer|bottom|layer 0",),
    ),
    Attempt(time_outer_layers_inner, True),
    Attempt(preallocated_layers, True),
]
