"""Wrong implementations of the forward-pass exercises, written the way a learner might write them.

They are written here independently of the package's mistake catalogue. ``WRONG`` lists each one
with its exercise and, when it is a catalogued mistake, a phrase the feedback must name it by
(None: it must fail, with no particular diagnosis required).
"""

import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h_next (N, H)
# ---------------------------------------------------------------------------------------------


def cell_no_b_hh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh))


def cell_no_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + h @ weight_hh.T + bias_ih + bias_hh


def cell_relu(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return F.relu(F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))


def cell_w_ih_untransposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih + bias_ih + h @ weight_hh.T + bias_hh)  # (N, H_in) @ (H, H_in)


def cell_w_hh_untransposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(
        torch.einsum("ni,hi->nh", x, weight_ih)
        + torch.einsum("nj,jh->nh", h, weight_hh)
        + bias_ih
        + bias_hh
    )


def cell_no_h(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + bias_hh)


def cell_tanh_each(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih) + torch.tanh(h @ weight_hh.T + bias_hh)


def cell_transposed_result(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(weight_ih @ x.T + weight_hh @ h.T + (bias_ih + bias_hh)[:, None])  # (H, N)


def cell_float32(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).float()


# ---------------------------------------------------------------------------------------------
# rnn_layer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) -> output (L, N, H), h_n (N, H)
# ---------------------------------------------------------------------------------------------


def _step(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def layer_zero_h0(x, h0, *weights):
    h = torch.zeros_like(h0)
    outputs = []
    for x_t in x:
        h = _step(x_t, h, *weights)
        outputs.append(h)
    return torch.stack(outputs), h


def layer_no_carry(x, h0, *weights):
    outputs = [_step(x[t], h0, *weights) for t in range(len(x))]
    return torch.stack(outputs), outputs[-1]


def layer_h_n_first(x, h0, *weights):
    h, outputs = h0, []
    for x_t in x:
        h = _step(x_t, h, *weights)
        outputs.append(h)
    return torch.stack(outputs), outputs[0]


def layer_append_before(x, h0, *weights):
    h, outputs = h0, []
    for x_t in x:
        outputs.append(h)
        h = _step(x_t, h, *weights)
    return torch.stack(outputs), h


def layer_backwards(x, h0, *weights):
    h, outputs = h0, []
    for t in range(x.shape[0] - 1, -1, -1):
        h = _step(x[t], h, *weights)
        outputs.insert(0, h)
    return torch.stack(outputs), h


def layer_stacked_on_axis_1(x, h0, *weights):
    h, outputs = h0, []
    for x_t in x:
        h = _step(x_t, h, *weights)
        outputs.append(h)
    return torch.stack(outputs, dim=1), h  # (N, L, H)


def layer_h_n_like_nn_rnn(x, h0, *weights):
    h, outputs = h0, []
    for x_t in x:
        h = _step(x_t, h, *weights)
        outputs.append(h)
    return torch.stack(outputs), h.unsqueeze(0)  # (1, N, H)


def layer_no_b_ih(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    output = x.new_zeros(x.shape[0], x.shape[1], weight_hh.shape[0])
    h = h0
    for t in range(x.shape[0]):
        h = torch.tanh(F.linear(x[t], weight_ih) + F.linear(h, weight_hh, bias_hh))
        output[t] = h
    return output, h


def layer_loops_over_batch(x, h0, *weights):
    h, outputs = h0, []
    for i in range(x.shape[1]):
        h = _step(x[:, i], h, *weights)
        outputs.append(h)
    return torch.stack(outputs), h


def layer_h0_first_row(x, h0, *weights):
    h = h0[
        0
    ]  # lesson 02's habit from cells where h0 was (1, N, H): here it is one sequence's state
    states = []
    for t in range(len(x)):
        h = _step(x[t], h, *weights)
        states.append(h)
    return torch.stack(states), h


def layer_zeros_default_dtype(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = torch.zeros(x.shape[1], weight_hh.shape[0])  # float32, and h0 never used
    output = []
    for x_t in x.unbind(0):
        h = torch.tanh(F.linear(x_t, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))
        output.append(h)
    return torch.stack(output), h


def layer_output_without_last(x, h0, *weights):
    h, outputs = h0, [h0]
    for x_t in x:
        h = _step(x_t, h, *weights)
        outputs.append(h)
    return torch.stack(outputs), h  # (L + 1, N, H)


# ---------------------------------------------------------------------------------------------
# final_states(output, num_directions, batch_first) -> (D, N, H)
# ---------------------------------------------------------------------------------------------


def _time_major(output, batch_first):
    return output.transpose(0, 1) if batch_first else output


def final_backward_last_too(output, num_directions, batch_first):
    last = _time_major(output, batch_first)[-1]  # (N, D*H)
    return torch.stack(last.chunk(num_directions, dim=-1))


def final_forward_first_too(output, num_directions, batch_first):
    first = _time_major(output, batch_first)[0]  # (N, D*H)
    return torch.stack(first.chunk(num_directions, dim=-1))


def final_ignores_batch_first(output, num_directions, batch_first):
    hidden = output.shape[-1] // num_directions
    states = [output[-1, :, :hidden]]
    if num_directions == 2:
        states.append(output[0, :, hidden:])
    return torch.stack(states)


def final_halves_swapped(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    hidden = out.shape[-1] // num_directions
    if num_directions == 1:
        return out[-1][None]
    return torch.stack([out[-1, :, hidden:], out[0, :, :hidden]])


def final_directions_second(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    hidden = out.shape[-1] // num_directions
    states = [out[-1, :, :hidden]] + ([out[0, :, hidden:]] if num_directions == 2 else [])
    return torch.stack(states, dim=1)  # (N, D, H)


def final_last_step_as_is(output, num_directions, batch_first):
    return _time_major(output, batch_first)[-1]  # (N, D*H)


def final_batch_first_inverted(output, num_directions, batch_first):
    out = output if batch_first else output.transpose(0, 1)
    hidden = out.shape[-1] // num_directions
    states = [out[-1, :, :hidden]] + ([out[0, :, hidden:]] if num_directions == 2 else [])
    return torch.stack(states)


def final_always_colon_minus_one(output, num_directions, batch_first):
    return torch.stack(
        output[:, -1].chunk(num_directions, dim=-1)
    )  # output[:, -1] whatever the layout


def final_colon_minus_one_as_is(output, num_directions, batch_first):
    return output[:, -1]


def final_forward_only(output, num_directions, batch_first):
    hidden = output.shape[-1] // num_directions
    return _time_major(output, batch_first)[-1, :, :hidden][None]  # (1, N, H)


def final_wrong_split(output, num_directions, batch_first):
    out = _time_major(output, batch_first)
    steps, n = out.shape[:2]
    by_direction = out.reshape(steps, num_directions, n, -1)  # mixes batch and features
    return torch.stack(
        [by_direction[-1, 0]] + ([by_direction[0, 1]] if num_directions == 2 else [])
    )


# ---------------------------------------------------------------------------------------------
# stacked_rnn(x, h0, params, num_layers) -> output (L, N, H), h_n (num_layers, N, H)
# ---------------------------------------------------------------------------------------------


# Two correct building blocks, shared with the right solutions in test_exercises_forward.py.


def layer_weights(params, layer, suffix=""):
    """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer, e.g. suffix "_reverse"."""
    return tuple(
        params[f"{name}_l{layer}{suffix}"]
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )


def run_direction(x, h, weights, backwards=False):
    """One layer in one direction: x (L, N, H_in), h (N, H) -> output (L, N, H), h_n (N, H)."""
    steps = range(len(x) - 1, -1, -1) if backwards else range(len(x))
    outputs = [None] * len(x)
    for t in steps:
        h = _step(x[t], h, *weights)
        outputs[t] = h
    return torch.stack(outputs), h


def stacked_x_to_every_layer(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        output, h = run_direction(x, h0[layer], layer_weights(params, layer))
        finals.append(h)
    return output, torch.stack(finals)


def stacked_all_from_h0_0(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        x, h = run_direction(x, h0[0], layer_weights(params, layer))
        finals.append(h)
    return x, torch.stack(finals)


def stacked_zero_h0(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        x, h = run_direction(x, torch.zeros_like(h0[layer]), layer_weights(params, layer))
        finals.append(h)
    return x, torch.stack(finals)


def stacked_h_n_last_layer(x, h0, params, num_layers):
    for layer in range(num_layers):
        x, h = run_direction(x, h0[layer], layer_weights(params, layer))
    return x, h[None]


def stacked_output_first_layer(x, h0, params, num_layers):
    finals, outputs = [], []
    for layer in range(num_layers):
        x, h = run_direction(x, h0[layer], layer_weights(params, layer))
        finals.append(h)
        outputs.append(x)
    return outputs[0], torch.stack(finals)


def stacked_layer0_weights(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        x, h = run_direction(x, h0[layer], layer_weights(params, 0))
        finals.append(h)
    return x, torch.stack(finals)


def stacked_h_n_cat(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        x, h = run_direction(x, h0[layer], layer_weights(params, layer))
        finals.append(h)
    return x, torch.cat(finals, dim=1)  # (N, num_layers*H)


def stacked_state_handed_up(x, h0, params, num_layers):
    h, finals = h0[0], []
    for layer in range(num_layers):
        x, h = run_direction(
            x, h, layer_weights(params, layer)
        )  # the next layer starts where this one ended
        finals.append(h)
    return x, torch.stack(finals)


def stacked_next_layer_reads_final_state(x, h0, params, num_layers):
    finals, layer_input = [], x
    for layer in range(num_layers):
        h, states = h0[layer], []
        for x_t in layer_input:
            h = _step(x_t, h, *layer_weights(params, layer))
            states.append(h)
        finals.append(h)
        output, layer_input = torch.stack(states), h  # only the final state goes up
    return output, torch.stack(finals)


def stacked_h_n_top_first(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        x, h = run_direction(x, h0[layer], layer_weights(params, layer))
        finals.insert(0, h)
    return x, torch.stack(finals)


# ---------------------------------------------------------------------------------------------
# bidirectional_rnn(x, h0, params) -> output (L, N, 2H), h_n (2, N, H)
# ---------------------------------------------------------------------------------------------


def bi_backward_not_flipped(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(
        x.flip(0), h0[1], layer_weights(params, layer, "_reverse")
    )  # still reversed
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def bi_backward_not_reversed(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(x, h0[1], layer_weights(params, layer, "_reverse"))
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def bi_forward_weights_twice(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(x, h0[1], layer_weights(params, layer), backwards=True)
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def bi_backward_first(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(
        x, h0[1], layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.cat([backward, forward], dim=2), torch.stack([h_f, h_b])


def bi_h_n_from_output_end(x, h0, params, layer=0):
    forward, _ = run_direction(x, h0[0], layer_weights(params, layer))
    backward, _ = run_direction(x, h0[1], layer_weights(params, layer, "_reverse"), backwards=True)
    output = torch.cat([forward, backward], dim=2)
    hidden = forward.shape[-1]
    return output, torch.stack([output[-1, :, :hidden], output[-1, :, hidden:]])


def bi_both_from_h0_0(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(
        x, h0[0], layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def bi_zero_h0(x, h0, params, layer=0):
    zeros = torch.zeros_like(h0[0])
    forward, h_f = run_direction(x, zeros, layer_weights(params, layer))
    backward, h_b = run_direction(
        x, zeros, layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def bi_stacked_directions(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(
        x, h0[1], layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.stack([forward, backward]), torch.stack([h_f, h_b])  # (2, L, N, H)


def bi_h_n_cat(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(
        x, h0[1], layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.cat([forward, backward], dim=2), torch.cat([h_f, h_b], dim=1)  # (N, 2H)


def bi_h0_swapped(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[1], layer_weights(params, layer))
    backward, h_b = run_direction(
        x, h0[0], layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def bi_ignores_layer(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, 0))
    backward, h_b = run_direction(x, h0[1], layer_weights(params, 0, "_reverse"), backwards=True)
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def bi_cat_on_batch_axis(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(
        x, h0[1], layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.cat([forward, backward], dim=1), torch.stack([h_f, h_b])  # (L, 2N, H)


# ---------------------------------------------------------------------------------------------
# rnn_forward(x, h0, params, num_layers, bidirectional, batch_first) -> output, h_n
# ---------------------------------------------------------------------------------------------


def _forward(x, h0, params, num_layers, bidirectional, batch_first, **bug):
    """A whole nn.RNN forward with one switchable bug, written for these tests only."""
    directions = 2 if bidirectional else 1
    if batch_first and not bug.get("ignore_batch_first"):
        x = x.transpose(0, 1)
    layer_input, finals = x, {}
    for layer in range(num_layers):
        outputs = []
        for d in range(directions):
            index = d * num_layers + layer if bug.get("direction_major") else layer * directions + d
            h = h0[d] if bug.get("h0_by_direction_only") else h0[index]
            weights = layer_weights(params, layer, "_reverse" if d == 1 else "")
            output, finals[index] = run_direction(layer_input, h, weights, backwards=d == 1)
            outputs.append(output)
        output = torch.cat(outputs[::-1] if bug.get("backward_first") else outputs, dim=2)
        layer_input = (
            x if bug.get("x_to_every_layer") else outputs[0] if bug.get("forward_half") else output
        )
    h_n = torch.stack([finals[k] for k in range(num_layers * directions)])
    if batch_first and not bug.get("keep_time_major"):
        output = output.transpose(0, 1)
    if batch_first and bug.get("h_n_batch_first"):
        h_n = h_n.transpose(0, 1)
    return output, h_n


def _with_bug(**bug):
    def wrong(x, h0, params, num_layers, bidirectional, batch_first):
        return _forward(x, h0, params, num_layers, bidirectional, batch_first, **bug)

    wrong.__name__ = "forward_" + "_".join(bug)
    return wrong


def forward_zero_h0(x, h0, params, num_layers, bidirectional, batch_first):
    return _forward(x, torch.zeros_like(h0), params, num_layers, bidirectional, batch_first)


def forward_backward_not_flipped(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x = x.transpose(0, 1)
    directions = 2 if bidirectional else 1
    finals = []
    for layer in range(num_layers):
        outputs = []
        for d in range(directions):
            seq = x.flip(0) if d == 1 else x
            output, h = run_direction(
                seq,
                h0[layer * directions + d],
                layer_weights(params, layer, "_reverse" if d else ""),
            )
            outputs.append(output)
            finals.append(h)
        x = torch.cat(outputs, dim=-1)
    return (x.transpose(0, 1) if batch_first else x), torch.stack(finals)


def forward_reshape_instead_of_transpose(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        n, seq_len, _ = x.shape
        x = x.reshape(seq_len, n, -1)
    output, h_n = _forward(x, h0, params, num_layers, bidirectional, False)
    if batch_first:
        output = output.view(output.shape[1], output.shape[0], -1)
    return output, h_n


def forward_h0_transposed_too(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        h0 = h0.transpose(0, 1)
    return _forward(x, h0, params, num_layers, bidirectional, batch_first)


def cell_returns_the_old_state(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    h_next = h.clone()
    h_next.copy_(torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh))
    return h  # h_next was meant


WRONG = [
    ("rnn_cell", cell_no_b_hh, "ignores b_hh"),
    ("rnn_cell", cell_no_tanh, "missing the tanh"),
    ("rnn_cell", cell_relu, "uses relu"),
    ("rnn_cell", cell_w_ih_untransposed, None),
    ("rnn_cell", cell_w_hh_untransposed, "`weight_hh` transposed"),
    ("rnn_cell", cell_no_h, "ignores the previous hidden state"),
    ("rnn_cell", cell_tanh_each, "tanh to the input part and the hidden part separately"),
    ("rnn_cell", cell_returns_the_old_state, "`h_next` equals your input `h` itself"),
    ("rnn_cell", cell_transposed_result, None),
    ("rnn_cell", cell_float32, None),
    ("rnn_layer", layer_zero_h0, "`h0` set to zero"),
    ("rnn_layer", layer_no_carry, "every time step starts from h0"),
    ("rnn_layer", layer_h_n_first, "`h_n` equals the first entry of `output`"),
    ("rnn_layer", layer_append_before, "stores the state before updating it"),
    ("rnn_layer", layer_backwards, "runs backwards in time"),
    ("rnn_layer", layer_stacked_on_axis_1, "output is batch-first"),
    ("rnn_layer", layer_h_n_like_nn_rnn, "an extra axis of size 1"),
    ("rnn_layer", layer_no_b_ih, "`bias_ih` set to zero"),
    ("rnn_layer", layer_loops_over_batch, "walks x's second axis (x[:, t]), which is the batch"),
    ("rnn_layer", layer_h0_first_row, "every sequence in the batch starts from h0[0]"),
    ("rnn_layer", layer_zeros_default_dtype, "`h0` set to zero"),
    ("rnn_layer", layer_output_without_last, None),
    ("final_states", final_backward_last_too, "last time step for the backward direction too"),
    ("final_states", final_forward_first_too, "first time step for the forward direction"),
    ("final_states", final_ignores_batch_first, "ignores batch_first"),
    ("final_states", final_halves_swapped, "the halves are swapped"),
    ("final_states", final_directions_second, "your result is (N, D, H)"),
    ("final_states", final_last_step_as_is, "output's last time step as it is"),
    ("final_states", final_batch_first_inverted, "batch_first is read the wrong way round"),
    ("final_states", final_always_colon_minus_one, "output[:, -1]"),
    ("final_states", final_colon_minus_one_as_is, "output[:, -1]"),
    ("final_states", final_forward_only, None),
    ("final_states", final_wrong_split, None),
    ("stacked_rnn", stacked_x_to_every_layer, "receives x instead of the previous layer's output"),
    ("stacked_rnn", stacked_all_from_h0_0, "every layer starts from h0[0]"),
    ("stacked_rnn", stacked_zero_h0, "`h0` set to zero"),
    ("stacked_rnn", stacked_h_n_last_layer, "only the last layer's final state"),
    ("stacked_rnn", stacked_output_first_layer, "the first layer's outputs"),
    ("stacked_rnn", stacked_layer0_weights, "layer 0's weights"),
    ("stacked_rnn", stacked_h_n_cat, "h_n joins the layers"),
    ("stacked_rnn", stacked_h_n_top_first, None),
    ("stacked_rnn", stacked_state_handed_up, "starts from the final state of the layer below"),
    (
        "stacked_rnn",
        stacked_next_layer_reads_final_state,
        "reads only the final state of the layer below",
    ),
    ("bidirectional_rnn", bi_backward_not_flipped, "still in reversed time order"),
    ("bidirectional_rnn", bi_backward_not_reversed, "runs forwards in time"),
    ("bidirectional_rnn", bi_forward_weights_twice, "uses the forward weights"),
    ("bidirectional_rnn", bi_backward_first, "[backward, forward]"),
    ("bidirectional_rnn", bi_h_n_from_output_end, "its state after reading x_L"),
    ("bidirectional_rnn", bi_both_from_h0_0, "both directions start from h0[0]"),
    ("bidirectional_rnn", bi_zero_h0, "`h0` set to zero"),
    ("bidirectional_rnn", bi_stacked_directions, "stacks the two directions on a new axis"),
    ("bidirectional_rnn", bi_h_n_cat, "h_n joins the directions"),
    ("bidirectional_rnn", bi_cat_on_batch_axis, None),
    ("bidirectional_rnn", bi_h0_swapped, "initial states are swapped"),
    ("bidirectional_rnn", bi_ignores_layer, "`layer` is ignored"),
    ("rnn_forward", _with_bug(ignore_batch_first=True), "ignores batch_first"),
    ("rnn_forward", _with_bug(keep_time_major=True), "not transposed back to batch-first"),
    ("rnn_forward", _with_bug(h_n_batch_first=True), "h_n is batch-first; h_n never is"),
    ("rnn_forward", _with_bug(direction_major=True), "direction-major"),
    (
        "rnn_forward",
        _with_bug(x_to_every_layer=True),
        "receives x instead of the previous layer's output",
    ),
    ("rnn_forward", _with_bug(forward_half=True), None),
    ("rnn_forward", _with_bug(backward_first=True), "[backward, forward]"),
    ("rnn_forward", _with_bug(h0_by_direction_only=True), "starts from the first layer's states"),
    ("rnn_forward", forward_zero_h0, "`h0` set to zero"),
    ("rnn_forward", forward_backward_not_flipped, "still in reversed time order"),
    ("rnn_forward", forward_h0_transposed_too, None),
    (
        "rnn_forward",
        forward_reshape_instead_of_transpose,
        "reshape keeps the numbers in their memory order",
    ),
]


# ---------------------------------------------------------------------------------------------
# Mistakes that no catalogue lists: named by the catalogue-free diagnosis (diagnosis.py) or by
# torch's answer on an altered input (Exercise.solve). Written independently of both.
# ---------------------------------------------------------------------------------------------


def cell_weights_swapped(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_hh.T + h @ weight_ih.T + bias_ih + bias_hh)


def cell_into_float32_buffer(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    out = torch.empty(x.shape[0], weight_hh.shape[0])
    out[:] = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    return out


def cell_bias_after_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T) + bias_ih + bias_hh


def layer_list_of_states(x, h0, *weights):
    h, states = h0, []
    for x_t in x:
        h = _step(x_t, h, *weights)
        states.append(h)
    return states, h


def layer_stops_one_early(x, h0, *weights):
    h, states = h0, []
    for t in range(x.shape[0] - 1):
        h = _step(x[t], h, *weights)
        states.append(h)
    return (torch.stack(states) if states else x.new_zeros(0, *h0.shape)), h


def layer_relu_cell(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for x_t in x:
        h = torch.relu(F.linear(x_t, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))
        states.append(h)
    return torch.stack(states), h


def layer_returns_h0_as_h_n(x, h0, *weights):
    output, _ = run_direction(x, h0, weights)
    return output, h0


def layer_states_newest_first(x, h0, *weights):
    h, states = h0, []
    for x_t in x:
        h = _step(x_t, h, *weights)
        states.insert(0, h)
    return torch.stack(states), h


def stacked_layers_counted_from_1(x, h0, params, num_layers):
    finals = []
    for layer in range(1, num_layers + 1):
        x, h = run_direction(x, h0[layer - 1], layer_weights(params, layer))
        finals.append(h)
    return x, torch.stack(finals)


def stacked_returns_h_n_twice(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        x, h = run_direction(x, h0[layer], layer_weights(params, layer))
        finals.append(h)
    return torch.stack(finals), torch.stack(finals)


def bi_backward_from_zeros(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(
        x, torch.zeros_like(h0[1]), layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def bi_directions_on_time_axis(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer))
    backward, h_b = run_direction(
        x, h0[1], layer_weights(params, layer, "_reverse"), backwards=True
    )
    return torch.cat([forward, backward], dim=0), torch.stack([h_f, h_b])


def bi_weights_swapped(x, h0, params, layer=0):
    forward, h_f = run_direction(x, h0[0], layer_weights(params, layer, "_reverse"))
    backward, h_b = run_direction(x, h0[1], layer_weights(params, layer), backwards=True)
    return torch.cat([forward, backward], dim=2), torch.stack([h_f, h_b])


def forward_reverse_without_bias_ih(x, h0, params, num_layers, bidirectional, batch_first):
    params = {
        k: torch.zeros_like(v) if k.startswith("bias_ih") and k.endswith("_reverse") else v
        for k, v in params.items()
    }
    return _forward(x, h0, params, num_layers, bidirectional, batch_first)


WRONG += [
    ("rnn_cell", cell_weights_swapped, "a matrix product meets (N=3, H_in=4) @ (H=5, H=5)"),
    ("rnn_cell", cell_into_float32_buffer, "float32 (torch's default)"),
    ("rnn_cell", cell_bias_after_tanh, "with the biases added after it"),
    ("rnn_layer", layer_list_of_states, "a Python list of tensors holding the right numbers"),
    ("rnn_layer", layer_stops_one_early, "too few entries along its L axis"),
    ("rnn_layer", layer_relu_cell, "values outside (-1, 1), which tanh never gives"),
    ("rnn_layer", layer_returns_h0_as_h_n, "`h_n` equals your input `h0` itself"),
    ("rnn_layer", layer_states_newest_first, "reversed order along its L axis"),
    ("stacked_rnn", stacked_layers_counted_from_1, "which it does not hold"),
    ("stacked_rnn", stacked_returns_h_n_twice, "`output` equals `h_n` itself"),
    (
        "bidirectional_rnn",
        bi_backward_from_zeros,
        "the first half of `output` along its 2*H axis is right",
    ),
    ("bidirectional_rnn", bi_directions_on_time_axis, "along its L axis"),
    ("bidirectional_rnn", bi_weights_swapped, "the two directions' weights are swapped"),
    (
        "rnn_forward",
        forward_reverse_without_bias_ih,
        "every params['bias_ih_l#_reverse'] (# = any layer) set to zero",
    ),
]
