"""Realistic wrong answers that issue 18 found unnamed or misread, written the way a learner writes them.

``NAMED`` lists each with its exercise, the identifier of the cause the checker must name, and words
of that cause. ``WRONG`` (read by ``test_exercise_contract.py``) holds the same attempts with those words.
"""

import torch
import torch.nn.functional as F

WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _step(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def _run(x, h0, *weights):
    """One time-major layer: output (L, N, H), h_n (N, H)."""
    h, states = h0, []
    for x_t in x:
        h = _step(x_t, h, *weights)
        states.append(h)
    return torch.stack(states), h


def _weights(params, layer, suffix=""):
    return [params[f"{name}_l{layer}{suffix}"] for name in WEIGHTS]


# --- unnamed mistakes of the issue --------------------------------------------------------------


def cell_bias_ih_twice(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_ih)


def layer_range_from_1(x, h0, *weights):
    h, states = h0, []
    for t in range(1, x.shape[0]):
        h = _step(x[t], h, *weights)
        states.append(h)
    return torch.stack(states), h


def layer_range_with_t_minus_1(x, h0, *weights):
    h, states = h0, []
    for t in range(x.shape[0]):
        h = _step(x[t - 1], h, *weights)
        states.append(h)
    return torch.stack(states), h


def stacked_whole_h0(x, h0, params, num_layers):
    layer_input, finals = x, []
    for layer in range(num_layers):
        layer_input, h = _run(layer_input, h0, *_weights(params, layer))
        finals.append(h)
    return layer_input, torch.stack(finals)


def stacked_time_outer(x, h0, params, num_layers):
    states, output = [h0[layer] for layer in range(num_layers)], []
    for t in range(x.shape[0]):
        new = []
        for layer in range(num_layers):
            below = x[t] if layer == 0 else states[layer - 1]  # the layer below, one step behind
            new.append(_step(below, states[layer], *_weights(params, layer)))
        states = new
        output.append(states[-1])
    return torch.stack(output), torch.stack(states)


def bidirectional_negative_step(x, h0, params):
    out_f, h_f = _run(x, h0[0], *_weights(params, 0))
    out_b, h_b = _run(x[::-1], h0[1], *_weights(params, 0, "_reverse"))
    return torch.cat([out_f, out_b[::-1]], dim=2), torch.stack([h_f, h_b])


def _forward(x, h0, params, num_layers, bidirectional, slot):
    D = 2 if bidirectional else 1
    layer_input, finals = x, []
    for layer in range(num_layers):
        outputs = []
        for d in range(D):
            h_start = h0[slot(layer, d, num_layers, D)]
            if d == 0:
                out, h = _run(layer_input, h_start, *_weights(params, layer))
            else:
                out, h = _run(layer_input.flip(0), h_start, *_weights(params, layer, "_reverse"))
                out = out.flip(0)
            outputs.append(out)
            finals.append(h)
        layer_input = torch.cat(outputs, dim=2)
    return layer_input, torch.stack(finals)


def forward_h0_direction_major(x, h0, params, num_layers, bidirectional, batch_first):
    x = x.transpose(0, 1) if batch_first else x
    output, h_n = _forward(
        x, h0, params, num_layers, bidirectional, lambda layer, d, nl, D: d * nl + layer
    )
    return (output.transpose(0, 1) if batch_first else output), h_n


def loss_permute_scores_only(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _run(x, h0, w_ih, w_hh, b_ih, b_hh)[0] @ w_out.T + b_out  # (L, N, C)
    return F.cross_entropy(logits.permute(1, 2, 0), targets)


def loss_log_softmax_dim_1(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _run(x, h0, w_ih, w_hh, b_ih, b_hh)[0] @ w_out.T + b_out
    log_probs = torch.log_softmax(logits, dim=1)
    return -log_probs.gather(2, targets.unsqueeze(-1)).mean()


def loss_gather_plain_targets(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    logits = _run(x, h0, w_ih, w_hh, b_ih, b_hh)[0] @ w_out.T + b_out
    return -torch.log_softmax(logits, dim=-1).gather(2, targets).mean()


def loss_float32_rnn(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    rnn = torch.nn.RNN(x.shape[2], h0.shape[1])
    with torch.no_grad():
        for name, value in zip(WEIGHTS, (w_ih, w_hh, b_ih, b_hh)):
            getattr(rnn, name + "_l0").copy_(value)
    output, _ = rnn(x, h0[None])
    logits = output @ w_out.T + b_out
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def masked_mask_reshaped(logits, targets, lengths, batch_first):
    if not batch_first:
        logits, targets = logits.transpose(0, 1), targets.transpose(0, 1)
    N, L = targets.shape
    mask = torch.arange(L)[:, None] < lengths[None, :]  # (L, N)
    losses = F.cross_entropy(
        logits.reshape(N * L, -1), targets.reshape(-1), reduction="none"
    ).reshape(N, L)
    return (losses * mask.reshape(N, L)).sum() / mask.sum()


def masked_numerator_everywhere(logits, targets, lengths, batch_first):
    if not batch_first:
        logits, targets = logits.transpose(0, 1), targets.transpose(0, 1)
    N, L = targets.shape
    mask = torch.arange(L)[None, :] < lengths[:, None]
    losses = F.cross_entropy(logits.reshape(N * L, -1), targets.reshape(-1), reduction="none")
    return losses.sum() / mask.sum()


def lstm_c_through_tanh(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c_next = torch.tanh(torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g))
    return torch.sigmoid(o) * c_next, c_next


def gru_reset_on_both(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(r * x_n + r * h_n)
    return (1 - z) * n + z * h


def lstm_layer_flat(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for x_t in x:
        i, f, g, o = (x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs), h, c


def clip_norm_item(grads, max_norm):
    total = torch.sqrt(sum((g**2).sum() for g in grads))
    coef = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * coef for g in grads], total.item()


def backward_w_hh_with_h_next(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    da = grad_h_next * (1 - h_next**2)
    return {
        "x": da @ weight_ih,
        "h": da @ weight_hh,
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ h_next,
        "bias_ih": da.sum(0),
        "bias_hh": da.sum(0),
    }


def step_loss_after_update(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits, _ = model.step(inputs)
    loss = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        logits, _ = model.step(inputs)
        return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)


# --- messages that pointed the wrong way --------------------------------------------------------


def last_arange_whatever_the_layout(output, lengths, batch_first):
    return output[torch.arange(output.shape[0]), lengths - 1]


def last_gather_axis_1(output, lengths, batch_first):
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.shape[-1])
    return output.gather(1, index).squeeze(1)


def layer_keeps_h0(x, h0, *weights):
    h, states = h0, [h0]
    for x_t in x:
        h = _step(x_t, h, *weights)
        states.append(h)
    return torch.stack(states), h


def forward_h0_transposed(x, h0, params, num_layers, bidirectional, batch_first):
    if batch_first:
        x, h0 = x.transpose(0, 1), h0.transpose(0, 1)
    output, h_n = _forward(
        x, h0, params, num_layers, bidirectional, lambda layer, d, nl, D: layer * D + d
    )
    return (output.transpose(0, 1) if batch_first else output), h_n


def _ends(output, batch_first):
    """(last step, first step) of output: (N, D*H) each."""
    return (output[:, -1], output[:, 0]) if batch_first else (output[-1], output[0])


def final_h_is_whole_axis(output, num_directions, batch_first):
    H = output.shape[-1]
    last, first = _ends(output, batch_first)
    if num_directions == 1:
        return last[None]
    return torch.stack([last[..., :H], first[..., H:]])


def final_two_directions(output, num_directions, batch_first):
    H = output.shape[-1] // 2
    last, first = _ends(output, batch_first)
    return torch.stack([last[..., :H], first[..., H:]])


@torch.no_grad()
def sample_softmax_dim_0(model, prompt, temperature, max_len, end_index, generator):
    logits, state = model.step(prompt)  # (K, V)
    tokens = []
    for _ in range(max_len):
        probs = torch.softmax(logits[-1:] / temperature, dim=0)[0]
        token = torch.multinomial(probs, 1, generator=generator)
        tokens.append(token)
        if token.item() == end_index:
            break
        logits, state = model.step(token, state)
    return torch.cat(tokens)


def gru_precedence(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    H = h.shape[1]
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    h_r, h_z, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h @ weight_hh[2 * H :].T + bias_hh[2 * H :])
    return (1 - z) * n + z * h


# --- attempts whose messages printed a size under the wrong letter ------------------------------


def lstm_untransposed_weight_ih(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def forward_next_layer_gets_forward_half(x, h0, params, num_layers, bidirectional, batch_first):
    x = x.transpose(0, 1) if batch_first else x
    D = 2 if bidirectional else 1
    layer_input, finals = x, []
    for layer in range(num_layers):
        outputs = []
        for d in range(D):
            suffix = "_reverse" if d else ""
            steps = layer_input.flip(0) if d else layer_input
            out, h = _run(steps, h0[layer * D + d], *_weights(params, layer, suffix))
            outputs.append(out.flip(0) if d else out)
            finals.append(h)
        layer_input = outputs[0]  # only the forward half goes up: (L, N, H), not (L, N, D*H)
    output = torch.cat(outputs, dim=2)
    return (output.transpose(0, 1) if batch_first else output), torch.stack(finals)


# (exercise, attempt, identifier of the cause, words of the cause)
NAMED = [
    ("rnn_cell", cell_bias_ih_twice, "bias_ih_twice", "bias_ih twice and bias_hh not at all"),
    ("rnn_layer", layer_range_from_1, "loop_skips_first_step", "never reads x[0]"),
    ("rnn_layer", layer_range_with_t_minus_1, "first_step_reads_x_l", "reads x[-1], which is x_L"),
    ("stacked_rnn", stacked_whole_h0, "h0_not_indexed_per_layer", "starts from the whole h0"),
    (
        "stacked_rnn",
        stacked_time_outer,
        "layer_reads_previous_step_below",
        "the layer below from step t - 1",
    ),
    ("bidirectional_rnn", bidirectional_negative_step, "negative_step_slice", "[::-1]"),
    ("rnn_forward", forward_h0_direction_major, "h0_read_direction_major", "direction-major"),
    (
        "rnn_loss",
        loss_permute_scores_only,
        "targets_laid_out_unlike_scores",
        "must move in the targets too",
    ),
    ("rnn_loss", loss_log_softmax_dim_1, "log_softmax_over_batch", "which is the batch"),
    (
        "rnn_loss",
        loss_gather_plain_targets,
        "gather_index_without_class_axis",
        "a last axis of size 1",
    ),
    ("rnn_loss", loss_float32_rnn, "float32_module", "has float32 parameters"),
    (
        "masked_loss",
        masked_mask_reshaped,
        "mask_reshaped_from_other_layout",
        "reshaped, not transposed",
    ),
    (
        "masked_loss",
        masked_numerator_everywhere,
        "numerator_over_all_positions",
        "padding included",
    ),
    ("lstm_cell", lstm_c_through_tanh, "c_after_tanh", "has been through tanh"),
    ("gru_cell", gru_reset_on_both, "reset_on_both", "the input's part of the candidate too"),
    ("lstm_layer", lstm_layer_flat, "flat_tuple", "a flat tuple (output, h_n, c_n)"),
    ("clip_grad_norm", clip_norm_item, "total_norm_as_number", "total_norm is a Python number"),
    (
        "cell_backward",
        backward_w_hh_with_h_next,
        "weight_hh_paired_with_h_next",
        "pairs the upstream gradient with h_next",
    ),
    ("train_step", step_loss_after_update, "loss_after_step", "after optimizer.step()"),
    (
        "last_valid_output",
        last_arange_whatever_the_layout,
        "index_axes_swapped",
        "time and batch are swapped",
    ),
    (
        "last_valid_output",
        last_gather_axis_1,
        "batch_first_always",
        "from axis 1 whatever the layout",
    ),
    ("rnn_layer", layer_keeps_h0, "h0_in_output", "your output starts with h0"),
    ("rnn_forward", forward_h0_transposed, "h0_batch_first", "you transpose h0"),
    ("final_states", final_h_is_whole_axis, "h_from_whole_feature_axis", "whole feature axis"),
    ("final_states", final_two_directions, "two_directions_always", "whatever num_directions says"),
    ("sample", sample_softmax_dim_0, "softmax_over_steps", "your softmax runs over the wrong axis"),
    ("gru_cell", gru_precedence, "reset_before_matmul", "operator precedence"),
]


# --- general relations to torch's answer (no catalogue entry names these) -----------------------


def cell_biases_after_tanh(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T) + bias_ih + bias_hh


def layer_bias_hh_twice(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    return _run(x, h0, weight_ih, weight_hh, bias_ih, 2 * bias_hh)


def layer_cat(x, h0, *weights):
    output, h_n = _run(x, h0, *weights)
    return torch.cat(list(output)), h_n  # (L*N, H)


def layer_state_in_place(x, h0, *weights):
    h, states = h0.clone(), []
    for x_t in x:
        h.copy_(_step(x_t, h, *weights))
        states.append(h)
    return torch.stack(states), h


def last_every_index(output, lengths, batch_first):
    steps = output.transpose(0, 1) if batch_first else output  # (L, N, H)
    return steps[lengths - 1].transpose(0, 1)  # (N, N, H): row i at every sequence's last step


def backward_prefixed_keys(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = _step(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)  # (N, H)
    grads = {"x": da @ weight_ih, "h": da @ weight_hh, "weight_ih": da.T @ x}
    grads.update(weight_hh=da.T @ h, bias_ih=da.sum(0), bias_hh=da.sum(0))
    return {f"d_{k}": v for k, v in grads.items()}


def final_view_for_batch_first(output, num_directions, batch_first):
    if batch_first:
        output = output.reshape(output.shape[1], output.shape[0], -1)  # (L, N, D*H), misplaced
    H = output.shape[-1] // num_directions
    return torch.stack([output[-1, :, :H]] + [output[0, :, H:]] * (num_directions - 1))


def _lstm(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, dim=1):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=dim)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_h_and_c_passed_swapped(x, h, c, *weights):
    return _lstm(x, c, h, *weights)


def lstm_chunk_default_dim(x, h, c, *weights):
    return _lstm(x, h, c, *weights, dim=0)


def gru_chunk_default_dim(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    gates_x = (x @ weight_ih.T + bias_ih).chunk(3)  # cut along the batch, not the 3*H blocks
    gates_h = (h @ weight_hh.T + bias_hh).chunk(3)
    r = torch.sigmoid(gates_x[0] + gates_h[0])
    z = torch.sigmoid(gates_x[1] + gates_h[1])
    return (1 - z) * torch.tanh(gates_x[2] + r * gates_h[2]) + z * h


def layer_reads_backwards(x, h0, *weights):
    h, states = h0, []
    for x_t in x.flip(0):
        h = _step(x_t, h, *weights)
        states.append(h)
    return torch.stack(states), h


NAMED += [
    ("lstm_cell", lstm_h_and_c_passed_swapped, "swapped_h_c", "in each other's places"),
    ("lstm_cell", lstm_chunk_default_dim, "error_as_cause", "cut axis 0 unless told which dim"),
    ("gru_cell", gru_chunk_default_dim, "error_as_cause", "the stack was not split"),
    ("rnn_layer", layer_reads_backwards, "x_read_backwards", "from its last step to its first"),
    ("rnn_cell", cell_biases_after_tanh, "biases_after_activation", "added after it"),
    ("rnn_layer", layer_bias_hh_twice, "doubled_bias_hh", "`bias_hh` is added twice"),
    ("rnn_layer", layer_cat, "relation_to_torch", "torch.stack makes the new one"),
    ("rnn_layer", layer_state_in_place, "relation_to_torch", "changed in place afterwards"),
    ("last_valid_output", last_every_index, "relation_to_torch", "torch's answer is its diagonal"),
    ("cell_backward", backward_prefixed_keys, "answer_in_another_form", "keys carry extra words"),
    ("final_states", final_view_for_batch_first, "reshaped_output", "swapped by reshape or view"),
]


# --- round 2's classes of mistakes: one input used in another's place, a mask read the other way,
# --- a literal 0 for an index, another kind of dtype, a dict's form, split where chunk belongs ----


def lstm_forget_gate_scales_h(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * h + torch.sigmoid(i) * torch.tanh(
        g
    )  # h where the old cell state belongs
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def stacked_first_weight_hh_for_all(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        weight_ih, _, bias_ih, bias_hh = _weights(params, layer)
        x, h = _run(x, h0[layer], weight_ih, params["weight_hh_l0"], bias_ih, bias_hh)
        finals.append(h)
    return x, torch.stack(finals)


def stacked_bias_ih_for_both(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        weight_ih, weight_hh, bias_ih, _ = _weights(params, layer)
        x, h = _run(x, h0[layer], weight_ih, weight_hh, bias_ih, bias_ih)
        finals.append(h)
    return x, torch.stack(finals)


def _greedy(
    step, h, sos_index, eos_index, pad_index, max_len, fill=None, dtype=torch.long, pick="argmax"
):
    """Greedy decoding: tokens (N, T), a finished row padded with ``fill`` (pad_index by default);
    pick="draw" draws each token from the softmax instead of taking the argmax."""
    n = h.shape[0]
    tokens = torch.full((n, max_len), pad_index if fill is None else fill, dtype=dtype)
    y, ended = torch.full((n,), sos_index), torch.zeros(n, dtype=torch.bool)
    for t in range(max_len):
        logits, h = step(y, h)
        if pick == "draw":
            y = torch.multinomial(logits.softmax(dim=-1), 1).squeeze(1)
        else:
            y = logits.argmax(dim=-1)
        tokens[~ended, t] = y[~ended].to(dtype)
        ended = ended | (y == eos_index)
        if ended.all():
            return tokens[:, : t + 1]
    return tokens


def greedy_pads_with_0(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len, fill=0)


def greedy_float_tokens(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len, dtype=torch.float32)


def attention_masks_the_real_keys(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / query.shape[-1] ** 0.5  # (N, L, S)
    if mask is not None:
        scores = scores.masked_fill(mask[:, None, :], float("-inf"))  # True taken for padding
    weights = scores.softmax(dim=-1)
    return weights @ values, weights


def _cell_gradients(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, slope=None):
    """The gradients of one tanh step, by hand, in the order of the arguments; ``slope`` replaces
    tanh's slope 1 - h_next**2, as slope(h_next, a)."""
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    h_next = torch.tanh(a)
    grad_a = grad_h_next * (1 - h_next**2 if slope is None else slope(h_next, a))  # (N, H)
    return (
        grad_a @ weight_ih,
        grad_a @ weight_hh,
        grad_a.T @ x,
        grad_a.T @ h,
        grad_a.sum(0),
        grad_a.sum(0),
    )


def backward_tuple_of_gradients(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    return _cell_gradients(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next)


def backward_key_named_hidden(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    grads = _cell_gradients(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next)
    keys = ("x", "hidden", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return dict(zip(keys, grads))


def backward_slope_squared_late(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    slope = lambda h_next, a: (1 - h_next) ** 2  # noqa: E731  (the square outside the bracket)
    grads = _cell_gradients(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, slope)
    return dict(zip(("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"), grads))


def gru_split_in_threes(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    r_x, z_x, n_x = (x @ weight_ih.T + bias_ih).split(3, dim=1)  # pieces 3 wide, not 3 blocks
    r_h, z_h, n_h = (h @ weight_hh.T + bias_hh).split(3, dim=1)
    r, z = torch.sigmoid(r_x + r_h), torch.sigmoid(z_x + z_h)
    return (1 - z) * torch.tanh(n_x + r * n_h) + z * h


NAMED += [
    ("lstm_cell", lstm_forget_gate_scales_h, "h_in_place_of_c", "`h` used where `c` belongs"),
    (
        "stacked_rnn",
        stacked_first_weight_hh_for_all,
        "first_for_every_params_weight_hh_l",
        "params['weight_hh_l0'] used for every layer's",
    ),
    (
        "stacked_rnn",
        stacked_bias_ih_for_both,
        "bias_ih_l_in_place_of_bias_hh_l",
        "params['bias_ih_l#'] used where params['bias_hh_l#'] belongs",
    ),
    ("greedy_decode", greedy_pads_with_0, "literal_0_for_pad_index", "a literal 0 stands where"),
    (
        "greedy_decode",
        greedy_float_tokens,
        "other_kind_of_dtype",
        "as float32 where torch's are int64",
    ),
    ("attention", attention_masks_the_real_keys, "inverted_mask", "`mask` inverted"),
    (
        "cell_backward",
        backward_tuple_of_gradients,
        "answer_in_another_form",
        "where a dict belongs",
    ),
    (
        "cell_backward",
        backward_key_named_hidden,
        "answer_in_another_form",
        "'hidden' holds what belongs under 'h'",
    ),
    ("gru_cell", gru_split_in_threes, "split_for_chunk", "chunk(3) cuts 3 equal blocks"),
    (
        "cell_backward",
        backward_slope_squared_late,
        "tanh_slope_square_misplaced_at_h_next",
        "the square is misplaced",
    ),
]


# --- third pass: classes named across exercises -----------------------------------------------


def stacked_dropout_between_layers(x, h0, params, num_layers):
    layer_input, finals = x, []
    for layer in range(num_layers):
        layer_input, h = _run(layer_input, h0[layer], *_weights(params, layer))
        finals.append(h)
        if layer < num_layers - 1:
            layer_input = F.dropout(layer_input, p=0.3)  # dropout is on unless training=False
    return layer_input, torch.stack(finals)


def greedy_draws_a_token(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len, pick="draw")


def lstm_layer_from_the_second_step(x, h0, c0, *weights):
    h, c, states = h0, c0, [h0]
    for t in range(1, x.shape[0]):
        h, c = _lstm(x[t], h, c, *weights)
        states.append(h)
    return torch.stack(states), (h, c)


def stacked_from_the_second_step(x, h0, params, num_layers):
    layer_input, finals = x, []
    for layer in range(num_layers):
        h, states = h0[layer], []
        for t in range(1, layer_input.shape[0]) if layer == 0 else range(layer_input.shape[0]):
            h = _step(layer_input[t], h, *_weights(params, layer))
            states.append(h)
        layer_input = torch.stack(states)
        finals.append(h)
    return layer_input, torch.stack(finals)


NAMED += [
    ("stacked_rnn", stacked_dropout_between_layers, "answer_varies", "draws at random"),
    ("greedy_decode", greedy_draws_a_token, "answer_varies", "a greedy choice is the argmax"),
    ("lstm_layer", lstm_layer_from_the_second_step, "h0_in_first_row", "x_1 is never read"),
    ("stacked_rnn", stacked_from_the_second_step, "first_step_skipped", "starts one step late"),
]


def _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    return torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)


def lstm_forget_gate_as_forgetting(x, h, c, *weights):
    i, f, g, o = _gates(x, h, *weights)
    c_next = (1 - f) * c + i * g  # f read as how much to forget
    return o * torch.tanh(c_next), c_next


def lstm_without_input_gate(x, h, c, *weights):
    i, f, g, o = _gates(x, h, *weights)
    c_next = f * c + g
    return o * torch.tanh(c_next), c_next


def _gru_parts(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    r_x, z_x, n_x = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, n_h = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_x + r_h), torch.sigmoid(z_x + z_h)
    return torch.tanh(n_x + r * n_h), z


def gru_old_state_unweighted(x, h, *weights):
    n, z = _gru_parts(x, h, *weights)
    return (1 - z) * n + h


def gru_one_minus_z_on_both(x, h, *weights):
    n, z = _gru_parts(x, h, *weights)
    return (1 - z) * n + (1 - z) * h


def lstm_layer_cell_gets_c_then_h(x, h0, c0, *weights):
    h, c, states = h0, c0, []
    for x_t in x:
        h, c = _lstm(x_t, c, h, *weights)
        states.append(h)
    return torch.stack(states), (h, c)


NAMED += [
    ("lstm_cell", lstm_forget_gate_as_forgetting, "f_complement", "1 - f stands where f belongs"),
    ("lstm_cell", lstm_without_input_gate, "i_left_out", "the input gate i"),
    ("gru_cell", gru_old_state_unweighted, "z_left_out_in_z_h", "z is left out there"),
    ("gru_cell", gru_one_minus_z_on_both, "z_complement_in_z_h", "the old state's weight z"),
    ("lstm_layer", lstm_layer_cell_gets_c_then_h, "state_swapped", "h and c handed to each step's"),
]


def forward_state_carried_on(x, h0, params, num_layers, bidirectional, batch_first):
    x = x.transpose(0, 1) if batch_first else x
    layer_input, finals, h = x, [], h0[0]
    for layer in range(num_layers):
        outputs = []
        for d in range(2 if bidirectional else 1):
            steps = layer_input.flip(0) if d else layer_input
            out, h = _run(steps, h, *_weights(params, layer, "_reverse" * d))  # h goes on
            outputs.append(out.flip(0) if d else out)
            finals.append(h)
        layer_input = torch.cat(outputs, dim=2)
    return (layer_input.transpose(0, 1) if batch_first else layer_input), torch.stack(finals)


def bidirectional_backward_from_forward_end(x, h0, params, layer=0):
    forward, h_forward = _run(x, h0[0], *_weights(params, layer))
    backward, h_backward = _run(x.flip(0), h_forward, *_weights(params, layer, "_reverse"))
    return torch.cat([forward, backward.flip(0)], dim=2), torch.stack([h_forward, h_backward])


def _forward_with_h0_row(x, h0, params, num_layers, bidirectional, batch_first, row):
    x = x.transpose(0, 1) if batch_first else x
    D = 2 if bidirectional else 1
    layer_input, finals = x, []
    for layer in range(num_layers):
        outputs = []
        for d in range(D):
            steps = layer_input.flip(0) if d else layer_input
            out, h = _run(steps, h0[row(layer, d)], *_weights(params, layer, "_reverse" * d))
            outputs.append(out.flip(0) if d else out)
            finals.append(h)
        layer_input = torch.cat(outputs, dim=2)
    return (layer_input.transpose(0, 1) if batch_first else layer_input), torch.stack(finals)


def forward_h0_by_layer_only(x, h0, params, num_layers, bidirectional, batch_first):
    return _forward_with_h0_row(
        x, h0, params, num_layers, bidirectional, batch_first, lambda k, d: k
    )


NAMED += [
    (
        "rnn_forward",
        forward_state_carried_on,
        "state_carried_into_h0",
        "from the state another one",
    ),
    (
        "bidirectional_rnn",
        bidirectional_backward_from_forward_end,
        "state_carried_into_h0",
        "replaced by the final state of the row before it",
    ),
    ("rnn_forward", forward_h0_by_layer_only, "h0_row_k", "starting from h0[k] where"),
]


def _lstm_backward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h, grad_c, wrong=""):
    """The LSTM cell's gradients by hand; ``wrong`` names one product differentiated wrong."""
    a_i, a_f, a_g, a_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_next = f * c + i * g
    tanh_c = torch.tanh(c_next)
    sloped = torch.tanh(c) if wrong == "slope at old c" else tanh_c
    d_c_next = grad_c + grad_h * o * (1 - sloped**2)
    reaching_o = d_c_next if wrong == "o from the cell" else grad_h
    d_o = reaching_o * {"o takes c_next": c_next, "o takes nothing": 1}.get(wrong, tanh_c)
    d_i, d_g = (
        (d_c_next * i, d_c_next * g) if wrong == "own factors" else (d_c_next * g, d_c_next * i)
    )
    d_a = torch.cat(
        [d_i * i * (1 - i), d_c_next * c * f * (1 - f), d_g * (1 - g**2), d_o * o * (1 - o)], dim=1
    )  # (N, 4H)
    return {
        "x": d_a @ weight_ih,
        "h": d_a @ weight_hh,
        "c": d_c_next * f,
        "weight_ih": d_a.T @ x,
        "weight_hh": d_a.T @ h,
        "bias_ih": d_a.sum(0),
        "bias_hh": d_a.sum(0),
    }


def lstm_backward_o_takes_c_next(*args):
    return _lstm_backward(*args, wrong="o takes c_next")


def lstm_backward_own_factors(*args):
    return _lstm_backward(*args, wrong="own factors")


NAMED += [
    (
        "lstm_cell_backward",
        lstm_backward_o_takes_c_next,
        "o_tanh_c_next_partner_c_next",
        "multiplied by c_next where tanh(c_next) belongs",
    ),
    (
        "lstm_cell_backward",
        lstm_backward_own_factors,
        "i_g_own_factor",
        "the product rule gives each factor the other one",
    ),
]


@torch.no_grad()
def sample_softmax_across_the_prompt(model, prompt, temperature, max_len, end_index, generator):
    logits, state = model.step(prompt)  # (K, V)
    tokens = []
    while len(tokens) < max_len:
        probs = F.softmax(logits / temperature, dim=0)[-1]  # normalised over the K positions
        tokens.append(int(torch.multinomial(probs, 1, generator=generator)))
        if tokens[-1] == end_index:
            break
        logits, state = model.step(torch.tensor(tokens[-1:]), state)
    return torch.tensor(tokens)


@torch.no_grad()
def sample_whole_text_each_step(model, prompt, temperature, max_len, end_index, generator):
    text = prompt.tolist()
    logits, state = model.step(prompt)
    tokens = []
    for _ in range(max_len):
        token = torch.multinomial(
            torch.softmax(logits[-1] / temperature, -1), 1, generator=generator
        )
        tokens.append(token.item())
        text.append(token.item())
        if token.item() == end_index:
            break
        logits, state = model.step(torch.tensor(text), state)  # the state has read text already
    return torch.tensor(tokens)


NAMED += [
    ("sample", sample_softmax_across_the_prompt, "softmax_over_positions", "over the positions"),
    (
        "sample",
        sample_whole_text_each_step,
        "history_fed_with_state",
        "feed only the newest token",
    ),
]


def step_backward_after_clipping_too(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits, _ = model.step(inputs)
    loss = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)
    loss.backward(retain_graph=True)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss.backward()  # "to be sure the gradients are there": they add up with the clipped ones
    optimizer.step()
    return loss.detach()


NAMED += [
    (
        "train_step",
        step_backward_after_clipping_too,
        "backward_again_after_clipping",
        "adds fresh unclipped gradients",
    ),
]


def final_halves_whatever_the_directions(output, num_directions, batch_first):
    time_major = output.transpose(0, 1) if batch_first else output  # (L, N, D*H)
    H = time_major.size(2) // 2  # right only with two directions
    finals = [time_major[-1, :, :H]] + [time_major[0, :, H:]] * (num_directions - 1)
    return torch.stack(finals)


NAMED += [
    (
        "final_states",
        final_halves_whatever_the_directions,
        "relation_to_torch",
        "holds only the first half of its H axis: a size divided by 2",
    ),
]


def loss_every_target_for_every_row(
    x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets
):
    states, _ = _run(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)  # (L, N, H)
    log_probs = F.log_softmax(states @ weight_out.T + bias_out, dim=-1)
    rows = log_probs.reshape(-1, log_probs.shape[-1])  # (L*N, C)
    return -rows[:, targets.reshape(-1)].mean()  # (L*N, L*N): every row with every target


NAMED += [
    (
        "rnn_loss",
        loss_every_target_for_every_row,
        "every_targets_for_each_position",
        "scored against all the targets",
    ),
]


def masked_padding_set_to_class_0(logits, targets, lengths, batch_first):
    if not batch_first:
        logits, targets = logits.transpose(0, 1), targets.T  # (N, L, C), (N, L)
    real = torch.arange(targets.shape[1])[None, :] < lengths[:, None]  # (N, L)
    padded_to_0 = torch.where(real, targets, torch.zeros_like(targets))
    log_probs = F.log_softmax(logits, dim=-1).transpose(1, 2)  # (N, C, L)
    return F.nll_loss(log_probs, padded_to_0, ignore_index=0)


NAMED += [
    (
        "masked_loss",
        masked_padding_set_to_class_0,
        "padding_as_class_0",
        "class 0 is a real class",
    ),
]


def bptt_h0_loop_ends_early(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output):
    states = [h0]
    for x_t in x:
        states.append(_step(x_t, states[-1], weight_ih, weight_hh, bias_ih, bias_hh))
    grads = {k: 0 for k in ("weight_ih", "weight_hh", "bias")}
    grad_x, carried, to_h0 = torch.zeros_like(x), torch.zeros_like(h0), torch.zeros_like(h0)
    for t in reversed(range(len(x))):
        if t == 0:
            to_h0 = carried  # taken before x_1's step: one step short
        da = (grad_output[t] + carried) * (1 - states[t + 1] ** 2)
        grads["weight_ih"] = grads["weight_ih"] + da.T @ x[t]
        grads["weight_hh"] = grads["weight_hh"] + da.T @ states[t]
        grads["bias"] = grads["bias"] + da.sum(0)
        grad_x[t] = da @ weight_ih
        carried = da @ weight_hh
    return {
        "x": grad_x,
        "h0": to_h0,
        "weight_ih": grads["weight_ih"],
        "weight_hh": grads["weight_hh"],
        "bias_ih": grads["bias"],
        "bias_hh": grads["bias"],
    }


NAMED += [
    ("rnn_backward", bptt_h0_loop_ends_early, "h0_grad_one_step_short", "stops one step short"),
]


def seq2seq_steps_concatenated(step, h, tgt, sos_index, pad_index):
    previous = torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)  # (N, L)
    scores = []
    for t in range(tgt.shape[1]):
        logits, h = step(previous[:, t], h)
        scores.append(logits)
    flat = torch.cat(scores)  # (L*N, C): step by step, each step's whole batch
    return F.cross_entropy(flat, tgt.flatten(), ignore_index=pad_index)  # tgt row by row


NAMED += [
    (
        "seq2seq_loss",
        seq2seq_steps_concatenated,
        "steps_flattened_time_first",
        "paired with another position's target",
    ),
]


def lstm_backward_o_gradient_alone(*args):
    return _lstm_backward(*args, wrong="o takes nothing")


def stacked_bias_hh_twice(x, h0, params, num_layers):
    layer_input, finals = x, []
    for layer in range(num_layers):
        w_ih, w_hh, b_ih, b_hh = _weights(params, layer)
        h, states = h0[layer], []
        for x_t in layer_input:
            h = torch.tanh(x_t @ w_ih.T + b_hh + h @ w_hh.T + b_hh + b_ih - b_hh + b_hh)
            states.append(h)
        layer_input = torch.stack(states)
        finals.append(h)
    return layer_input, torch.stack(finals)


NAMED += [
    (
        "lstm_cell_backward",
        lstm_backward_o_gradient_alone,
        "o_tanh_c_next_o_without_tanh_c_next",
        "o's gradient through o * tanh(c_next) not multiplied by tanh(c_next)",
    ),
    (
        "stacked_rnn",
        stacked_bias_hh_twice,
        "doubled_every_params_bias_hh_l",
        "that bias is added twice",
    ),
]


def last_mean_over_all_steps(output, lengths, batch_first):
    return output.mean(dim=1 if batch_first else 0)  # every step, padding too, averaged


NAMED += [
    (
        "last_valid_output",
        last_mean_over_all_steps,
        "relation_to_torch",
        "is the mean of your input `output` over its axis",
    ),
]


# --- messages a reader of round 3 judged wrong: a transpose blamed on reshape, stack's shapes read
# --- as slicing -----------------------------------------------------------------------------------


def backward_weight_hh_transposed(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = _step(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    da = grad_h_next * (1 - h_next**2)  # (N, H)
    return {
        "x": da @ weight_ih,
        "h": da @ weight_hh,
        "weight_ih": da.T @ x,
        "weight_hh": h.T @ da,  # (H, H): square, so only the values show the swap
        "bias_ih": da.sum(0),
        "bias_hh": da.sum(0),
    }


def clip_stacked_gradients(grads, max_norm):
    total_norm = torch.stack(list(grads)).norm()
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    return [g * coef for g in grads], total_norm


# --- round 3's classes: a state squashed again, scores reshaped to (N, C, L), targets shifted where
# --- they line up, steps counted back from the padded end, an epsilon outside the division, a list
# --- of steps kept across layers -------------------------------------------------------------------


def lstm_squashes_the_state(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    state = torch.tanh(h)  # h is squashed once more before weight_hh
    return _lstm(x, state, c, weight_ih, weight_hh, bias_ih, bias_hh)


def loss_scores_viewed_as_classes_second(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    scores = _run(x, h0, w_ih, w_hh, b_ih, b_hh)[0] @ w_out.T + b_out  # (L, N, C)
    batch_major = scores.transpose(0, 1)  # (N, L, C)
    n, length, classes = batch_major.shape
    return F.cross_entropy(batch_major.reshape(n, classes, length), targets.T)


def loss_targets_moved_on(x, h0, w_ih, w_hh, b_ih, b_hh, w_out, b_out, targets):
    scores = _run(x, h0, w_ih, w_hh, b_ih, b_hh)[0] @ w_out.T + b_out  # (L, N, C)
    predicted, wanted = scores[:-1], targets[1:]  # as if each step predicted the next target
    return F.cross_entropy(predicted.reshape(-1, scores.shape[-1]), wanted.reshape(-1))


def masked_scores_viewed_from_time_major(logits, targets, lengths, batch_first):
    if batch_first:
        logits, targets = logits.transpose(0, 1), targets.T  # (L, N, C), (L, N)
    length, n, classes = logits.shape
    losses = F.cross_entropy(logits.reshape(n, classes, length), targets.T, reduction="none")
    real = torch.arange(length)[None, :] < lengths[:, None]  # (N, L)
    return losses[real].mean()


def last_steps_back_from_the_end(output, lengths, batch_first):
    steps = output if batch_first else output.transpose(0, 1)  # (N, L, H)
    index = steps.shape[1] - lengths  # lengths[i] steps before the padded end
    return steps[torch.arange(len(lengths)), index]


def clip_eps_joins_the_quotient(grads, max_norm):
    total = torch.cat([g.flatten() for g in grads]).norm()
    factor = torch.clamp(max_norm / total + 1e-6, max=1.0)
    return [g * factor for g in grads], total


def stacked_steps_kept_across_layers(x, h0, params, num_layers):
    layer_input, finals, states = x, [], []
    for layer in range(num_layers):
        h = h0[layer]
        for x_t in layer_input:
            h = _step(x_t, h, *_weights(params, layer))
            states.append(h)
        layer_input = torch.stack(states)[-len(x) :]
        finals.append(h)
    return torch.stack(states), torch.stack(finals)


NAMED += [
    ("lstm_cell", lstm_squashes_the_state, "squashed_h", "passed through tanh first"),
    ("rnn_loss", loss_scores_viewed_as_classes_second, "batch_major_scores_reshaped", "transpose"),
    ("rnn_loss", loss_targets_moved_on, "targets_shifted", "they already line up"),
    ("masked_loss", masked_scores_viewed_from_time_major, "time_major_scores_reshaped", "reshape"),
    ("last_valid_output", last_steps_back_from_the_end, "counted_from_the_end", "lands in"),
    ("clip_grad_norm", clip_eps_joins_the_quotient, "eps_outside_the_division", "brackets"),
    ("stacked_rnn", stacked_steps_kept_across_layers, "relation_to_torch", "not started afresh"),
]


def lstm_backward_slope_at_old_c(*args):
    return _lstm_backward(*args, wrong="slope at old c")


def lstm_backward_o_from_the_cell(*args):
    return _lstm_backward(*args, wrong="o from the cell")


def gru_reset_scales_x_part(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    gates_x = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # r, z, n parts from x
    gates_h = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r = torch.sigmoid(gates_x[0] + gates_h[0])
    z = torch.sigmoid(gates_x[1] + gates_h[1])
    n = torch.tanh(r * gates_x[2] + gates_h[2])
    return z * h + (1 - z) * n


def gru_one_gate_for_both(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    gates_x = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    gates_h = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    z = torch.sigmoid(gates_x[1] + gates_h[1])  # used as the reset gate too
    n = torch.tanh(gates_x[2] + z * gates_h[2])
    return z * h + (1 - z) * n


def forward_moves_back_the_wrong_time(x, h0, params, num_layers, bidirectional, batch_first):
    inputs = x.transpose(0, 1) if batch_first else x  # (L, N, H_in)
    output, h_n = _forward(
        inputs, h0, params, num_layers, bidirectional, lambda layer, d, nl, D: layer * D + d
    )
    return (output if batch_first else output.transpose(0, 1)), h_n


def s2s_loss_stops_one_short(step, h, tgt, sos_index, pad_index):
    inputs = torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)  # (N, L)
    scores = []
    for t in range(inputs.shape[1] - 1):  # the last target is never an input: left out
        logits, h = step(inputs[:, t], h)
        scores.append(logits)
    scores = torch.stack(scores, dim=1)  # (N, L - 1, C)
    wanted = tgt[:, : scores.shape[1]]
    return F.cross_entropy(scores.transpose(1, 2), wanted, ignore_index=pad_index)


NAMED += [
    ("seq2seq_loss", s2s_loss_stops_one_short, "last_position_left_out", "still predicted"),
]

NAMED += [
    ("rnn_forward", forward_moves_back_the_wrong_time, "output_layout_inverted", "wrong way round"),
]

NAMED += [
    ("lstm_cell_backward", lstm_backward_slope_at_old_c, "slope_at_the_old_cell", "old cell"),
    (
        "lstm_cell_backward",
        lstm_backward_o_from_the_cell,
        "output_gate_through_the_cell",
        "inside c",
    ),
    ("gru_cell", gru_reset_scales_x_part, "reset_on_the_input_part", "instead of the old state"),
    ("gru_cell", gru_one_gate_for_both, "reset_is_the_update_gate", "its own block"),
]

NAMED += [
    (
        "cell_backward",
        backward_weight_hh_transposed,
        "weights_transposed",
        "holds in grads['weight_hh'] only",
    ),
    (
        "clip_grad_norm",
        clip_stacked_gradients,
        "stacked_pieces_differ",
        "stack joins tensors of one shape",
    ),
]


# --- fifth pass: round 4's classes, written another way ----------------------------------------


def _time_first(output, batch_first):
    return output.permute(1, 0, 2) if batch_first else output


def final_direction_last_features(output, num_directions, batch_first):
    steps = _time_first(output, batch_first)  # (L, N, D*H)
    N, H = steps.shape[1], steps.shape[2] // num_directions
    forward = steps[-1].reshape(N, H, num_directions)[:, :, 0]
    if num_directions == 1:
        return forward.unsqueeze(0)
    backward = steps[0].reshape(N, H, num_directions)[:, :, 1]  # features read direction-last
    return torch.stack((forward, backward))


def final_last_d_steps(output, num_directions, batch_first):
    steps = _time_first(output, batch_first)
    H = steps.shape[2] // num_directions
    return steps[steps.shape[0] - num_directions :, :, :H]  # like h_n[-D:]


def final_backward_at_step_1(output, num_directions, batch_first):
    steps = _time_first(output, batch_first)
    H = steps.shape[2] // num_directions
    picks = [steps[-1, :, :H]]
    if num_directions == 2:
        picks.append(steps[1, :, H:])  # "the first step", counted from 1
    return torch.stack(picks)


def final_two_direction_branch_reversed(output, num_directions, batch_first):
    steps = _time_first(output, batch_first)
    if num_directions == 1:
        return steps[-1:]
    forward, backward = steps.chunk(2, dim=2)
    return torch.stack((forward[0], backward[-1]))  # each end taken for the other direction


def stacked_recurrent_params_of_layer_0(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        w = [
            params[f"weight_ih_l{k}"],
            params["weight_hh_l0"],
            params[f"bias_ih_l{k}"],
            params["bias_hh_l0"],
        ]
        layer_input, h = _run(layer_input, h0[k], *w)
        finals.append(h)
    return layer_input, torch.stack(finals)


def _linear_run(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for x_t in x:
        h = x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
        states.append(h)
    return torch.stack(states), h


def _stack_run_by(top_run, lower_run):
    def stacked(x, h0, params, num_layers):
        layer_input, finals = x, []
        for k in range(num_layers):
            run = top_run if k + 1 == num_layers else lower_run
            layer_input, h = run(layer_input, h0[k], *_weights(params, k))
            finals.append(h)
        return layer_input, torch.stack(finals)

    return stacked


stacked_squashes_the_last_layer_only = _stack_run_by(_run, _linear_run)
stacked_linear_top = _stack_run_by(_linear_run, _run)


def stacked_outputs_of_all_layers(x, h0, params, num_layers):
    layer_input, outputs, finals = x, [], []
    for k in range(num_layers):
        layer_input, h = _run(layer_input, h0[k], *_weights(params, k))
        outputs.append(layer_input)
        finals.append(h)
    return torch.cat(outputs, dim=2), torch.stack(finals)


def bidirectional_adds_directions(x, h0, params, layer=0):
    forward, h_f = _run(x, h0[0], *_weights(params, layer))
    backward, h_b = _run(x.flip(0), h0[1], *_weights(params, layer, "_reverse"))
    return forward + backward.flip(0), torch.stack((h_f, h_b))


def cell_backward_h_gets_grad_h_next(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    d_a = grad_h_next * (1 - h_next * h_next)
    return {
        "x": d_a @ weight_ih,
        "h": grad_h_next + d_a @ weight_hh,  # "h_next = ... + h", a residual road that is not there
        "weight_ih": d_a.T @ x,
        "weight_hh": d_a.T @ h,
        "bias_ih": d_a.sum(0),
        "bias_hh": d_a.sum(0),
    }


def lstm_backward_h_straight_through_o(*args):
    x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h, grad_c = args
    grads = _lstm_backward(*args)
    o = torch.sigmoid((x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)[3])
    grads["h"] = grads["h"] + o * grad_h
    return grads


def step_sum_then_mean_for_the_report(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits = model(inputs, lengths)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        targets, lengths.cpu(), batch_first=True, enforce_sorted=False
    ).data
    total = F.cross_entropy(logits, packed, reduction="sum")
    total.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return total.detach() / packed.numel()


def seq2seq_steps_averaged(step, h, tgt, sos_index, pad_index):
    previous = torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)  # (N, L)
    step_losses = []
    for t in range(tgt.shape[1]):
        logits, h = step(previous[:, t], h)
        if (tgt[:, t] != pad_index).any():
            step_losses.append(F.cross_entropy(logits, tgt[:, t], ignore_index=pad_index))
    return sum(step_losses) / len(step_losses)


def attention_values_zeroed(query, keys, values, mask=None):
    if mask is not None:
        values = values.masked_fill(~mask.unsqueeze(-1), 0.0)
    weights = torch.softmax(query @ keys.transpose(1, 2) / keys.shape[-1] ** 0.5, dim=-1)
    return weights @ values, weights


NAMED += [
    ("final_states", final_direction_last_features, "interleaved_halves", "alternate features"),
    ("final_states", final_last_d_steps, "sliced_like_h_n", "the last D steps"),
    ("final_states", final_backward_at_step_1, "backward_at_index_1", "x_1 is at index 0"),
    (
        "final_states",
        final_two_direction_branch_reversed,
        "backward_first_step",
        "those it gets right, such as",
    ),
    (
        "stacked_rnn",
        stacked_recurrent_params_of_layer_0,
        "first_for_every_params_weight_hh_l_and_bias_hh_l",
        "params['weight_hh_l0'] and params['bias_hh_l0'] used for every layer's",
    ),
    (
        "stacked_rnn",
        stacked_squashes_the_last_layer_only,
        "tanh_only_on_top",
        "only your top layer",
    ),
    ("stacked_rnn", stacked_linear_top, "top_layer_without_tanh", "as if it were an output layer"),
    ("stacked_rnn", stacked_outputs_of_all_layers, "every_layer_in_output", "every layer's states"),
    ("bidirectional_rnn", bidirectional_adds_directions, "directions_added", "add the two"),
    ("cell_backward", cell_backward_h_gets_grad_h_next, "extra_term", "plus grad_h_next: a second"),
    ("lstm_cell_backward", lstm_backward_h_straight_through_o, "extra_term", "a factor between 0"),
    ("train_step", step_sum_then_mean_for_the_report, "trains_on_the_sum", "train on the summed"),
    ("seq2seq_loss", seq2seq_steps_averaged, "mean_of_step_means", "within each time step"),
    ("attention", attention_values_zeroed, "masks_the_values", "zero the padded positions' values"),
]


def _pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + bias_ih, h @ weight_hh.T + bias_hh


def gru_update_gate_reads_x_only(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    (x_r, x_z, x_n), (h_r, _, h_n) = (
        p.chunk(3, 1) for p in _pre(x, h, *[weight_ih, weight_hh, bias_ih, bias_hh])
    )
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z)
    return (1 - z) * torch.tanh(x_n + r * h_n) + z * h


def lstm_forget_gate_reads_h_only(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    from_x, from_h = _pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    a_i, _, a_g, a_o = (from_x + from_h).chunk(4, 1)
    f = torch.sigmoid(from_h.chunk(4, 1)[1])  # x left out of the forget gate
    c_next = f * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c_next), c_next


def lstm_one_gate_for_keep_and_write(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    _, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = f * c + (1.0 - f) * g  # what is not kept is written
    return o * torch.tanh(c_next), c_next


def lstm_squash_after_gating(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = f * c + i * g
    return torch.tanh(o * c_next), c_next


def lstm_gates_viewed_batch_major(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    pre = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (N, 4H)
    i, f, g, o = pre.view(4, x.shape[0], -1).unbind(0)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def gru_blocks_viewed_batch_major(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    from_x, from_h = _pre(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    x_r, x_z, x_n = from_x.reshape(3, x.shape[0], -1)
    h_r, h_z, h_n = from_h.reshape(3, x.shape[0], -1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    return (1 - z) * torch.tanh(x_n + r * h_n) + z * h


def lstm_layer_steps_side_by_side(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, states = h0, c0, []
    for x_t in x:
        i, f, g, o = _gates(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh)
        c = f * c + i * g
        h = o * torch.tanh(c)
        states.append(h)
    return torch.stack(states, 1), (h, c)  # steps on axis 1


def rnn_layer_h0_first_one_step_short(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, [h0]
    for t in range(x.shape[0] - 1):
        h = _step(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        states.append(h)
    return torch.stack(states), h


NAMED += [
    ("gru_cell", gru_update_gate_reads_x_only, "gate_z_without_hidden_part", "from x alone"),
    ("lstm_cell", lstm_forget_gate_reads_h_only, "gate_f_without_input_part", "from h alone"),
    (
        "lstm_cell",
        lstm_one_gate_for_keep_and_write,
        "input_gate_is_1_minus_f",
        "input gate is 1 - f",
    ),
    ("lstm_cell", lstm_squash_after_gating, "tanh_after_the_output_gate", "tanh squashes the cell"),
    ("lstm_cell", lstm_gates_viewed_batch_major, "gates_cut_across_the_batch", "across the rows"),
    (
        "gru_cell",
        gru_blocks_viewed_batch_major,
        "gates_cut_across_the_batch",
        "(N, 3*H) to (3, N, H)",
    ),
    (
        "lstm_layer",
        lstm_layer_steps_side_by_side,
        "relation_to_torch",
        "the axis along which you stack",
    ),
    (
        "rnn_layer",
        rnn_layer_h0_first_one_step_short,
        "relation_to_torch",
        "loop stops one step early",
    ),
]


def last_transposed_under_the_wrong_flag(output, lengths, batch_first):
    by_row = output if not batch_first else output.permute(1, 0, 2)  # "make it (N, L, H)"
    return torch.stack([by_row[n, int(k) - 1] for n, k in enumerate(lengths)])


def bidirectional_reversed_rows(x, h0, params, layer=0):
    forward, h_f = _run(x, h0[0], *_weights(params, layer))
    rows_reversed = torch.flip(x, dims=(1,))  # meant to reverse the sequence
    backward, h_b = _run(rows_reversed, h0[1], *_weights(params, layer, "_reverse"))
    return torch.cat((forward, torch.flip(backward, dims=(1,))), 2), torch.stack((h_f, h_b))


def masked_viewed_batch_first(logits, targets, lengths, batch_first):
    if not batch_first:
        logits = logits.reshape(logits.shape[1], logits.shape[0], -1)  # (L, N, C) -> "(N, L, C)"
        targets = targets.reshape(targets.shape[1], targets.shape[0])
    real = torch.arange(targets.shape[1])[None, :] < lengths[:, None]  # (N, L)
    losses = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    return losses[real].mean()


NAMED += [
    (
        "last_valid_output",
        last_transposed_under_the_wrong_flag,
        "layout_flag_inverted",
        "read the wrong way round",
    ),
    (
        "bidirectional_rnn",
        bidirectional_reversed_rows,
        "backward_flips_the_batch",
        "flips the batch axis",
    ),
    ("masked_loss", masked_viewed_batch_first, "mask_batch_major_always", "by reshape or view"),
]


def lstm_backward_o_with_old_tanh(*args):
    return _o_at_the_old_cell(_lstm_backward(*args), *args)


def lstm_backward_old_cell_on_h_next_road(*args):
    return _o_at_the_old_cell(_lstm_backward(*args, wrong="slope at old c"), *args)


def _o_at_the_old_cell(grads, x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h, grad_c):
    """``grads`` with o's gradient taken with tanh(c) where tanh(c_next) belongs."""
    pre = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    o = torch.sigmoid(pre.chunk(4, dim=1)[3])
    right = grad_h * torch.tanh(_lstm_c_next(pre, c)) * o * (1 - o)
    wrong = grad_h * torch.tanh(c) * o * (1 - o)  # tanh of the cell state handed in
    d_a = torch.zeros_like(pre)
    d_a[:, 3 * c.shape[1] :] = wrong - right
    return {
        **grads,
        "x": grads["x"] + d_a @ weight_ih,
        "h": grads["h"] + d_a @ weight_hh,
        "weight_ih": grads["weight_ih"] + d_a.T @ x,
        "weight_hh": grads["weight_hh"] + d_a.T @ h,
        "bias_ih": grads["bias_ih"] + d_a.sum(0),
        "bias_hh": grads["bias_hh"] + d_a.sum(0),
    }


def _lstm_c_next(pre, c):
    i, f, g, _ = pre.chunk(4, dim=1)
    return torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)


def greedy_seeded_draw(step, h, sos_index, eos_index, pad_index, max_len):
    torch.manual_seed(42)  # "so that the answer is reproducible"
    y = torch.full((h.shape[0],), sos_index)
    finished = torch.zeros(h.shape[0], dtype=torch.bool)
    out = []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = torch.multinomial(torch.softmax(logits, dim=1), num_samples=1).view(-1)
        out.append(y.masked_fill(finished, pad_index))
        finished |= y == eos_index
        if finished.all():
            break
    return torch.stack(out, 1)


NAMED += [
    (
        "lstm_cell_backward",
        lstm_backward_o_with_old_tanh,
        "output_gate_with_the_old_cell",
        "tanh of the old cell state c",
    ),
    (
        "lstm_cell_backward",
        lstm_backward_old_cell_on_h_next_road,
        "h_next_read_at_the_old_cell",
        "both tanh's slope",
    ),
    ("greedy_decode", greedy_seeded_draw, "drawn_with_seed_42", "drawn at random from the softmax"),
]


def bidirectional_zipped_features(x, h0, params, layer=0):
    forward, h_f = _run(x, h0[0], *_weights(params, layer))
    backward, h_b = _run(x.flip(0), h0[1], *_weights(params, layer, "_reverse"))
    pairs = torch.stack((forward, backward.flip(0)), dim=-1)  # (L, N, H, 2)
    return pairs.reshape(x.shape[0], x.shape[1], -1), torch.stack((h_f, h_b))


NAMED += [
    (
        "bidirectional_rnn",
        bidirectional_zipped_features,
        "directions_interleaved",
        "interleaves the two directions",
    ),
]


def stacked_bias_hh_in_layer_0_only(x, h0, params, num_layers):
    layer_input, finals = x, []
    for k in range(num_layers):
        w = _weights(params, k)
        if k > 0:
            w[3] = torch.zeros_like(w[3])  # "the recurrent bias is only needed once"
        layer_input, h = _run(layer_input, h0[k], *w)
        finals.append(h)
    return layer_input, torch.stack(finals)


def lstm_writes_through_the_output_gate(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    _, f, g, o = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
    c_next = f * c + o * g  # o where i belongs
    return o * torch.tanh(c_next), c_next


NAMED += [
    (
        "stacked_rnn",
        stacked_bias_hh_in_layer_0_only,
        "zero_above_first_params_bias_hh_l",
        "in every layer above the first",
    ),
    ("lstm_cell", lstm_writes_through_the_output_gate, "gate_i_from_o_block", "o stands where i"),
]


def forward_recurrent_params_of_layer_0(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input, finals = (x.transpose(0, 1) if batch_first else x), []
    for k in range(num_layers):
        outputs = []
        for d, suffix in enumerate(["", "_reverse"][:D]):
            w = _weights(params, k, suffix)
            w[1], w[3] = params[f"weight_hh_l0{suffix}"], params[f"bias_hh_l0{suffix}"]
            steps = layer_input.flip(0) if d else layer_input
            output, h = _run(steps, h0[k * D + d], *w)
            outputs.append(output.flip(0) if d else output)
            finals.append(h)
        layer_input = torch.cat(outputs, dim=2)
    output = layer_input.transpose(0, 1) if batch_first else layer_input
    return output, torch.stack(finals)


def lstm_layer_collects_h0(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, hs = h0, c0, [h0]
    for x_t in x:
        i, f, g, o = _gates(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh)
        c = f * c + i * g
        h = o * torch.tanh(c)
        hs.append(h)
    return torch.stack(hs), (h, c)


NAMED += [
    (
        "rnn_forward",
        forward_recurrent_params_of_layer_0,
        "first_for_every_params_weight_hh_l_and_bias_hh_l_and_weight_hh_l_reverse_and_bias_hh_l_reverse",
        "params['weight_hh_l0_reverse'] and params['bias_hh_l0_reverse'] used for every layer's",
    ),
    ("lstm_layer", lstm_layer_collects_h0, "relation_to_torch", "the initial state (h0)"),
]


def lstm_layer_every_step_from_h0(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    c, hs = c0, []
    for x_t in x:
        i, f, g, o = _gates(x_t, h0, weight_ih, weight_hh, bias_ih, bias_hh)  # h0, not h
        c = f * c + i * g
        hs.append(o * torch.tanh(c))
    return torch.stack(hs), (hs[-1], c)


NAMED += [("lstm_layer", lstm_layer_every_step_from_h0, "h_not_carried", "every step reads h0")]


def stacked_final_state_fed_up(x, h0, params, num_layers):
    below, finals = x, []
    for k in range(num_layers):
        output, h = _run(below, h0[k], *_weights(params, k))
        finals.append(h)
        below = h.expand(x.shape[0], -1, -1)  # the layer's summary, at every step
    return output, torch.stack(finals)


NAMED += [
    (
        "stacked_rnn",
        stacked_final_state_fed_up,
        "final_state_at_every_step",
        "only the final state",
    ),
]


def cell_backward_x_skips_the_slope(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):
    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
    grad_pre = grad_h_next * (1 - h_next.pow(2))
    grads = {name: None for name in ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    grads["x"] = grad_h_next @ weight_ih  # straight from grad_h_next
    grads["h"] = grad_pre @ weight_hh
    grads["weight_ih"], grads["weight_hh"] = grad_pre.T @ x, grad_pre.T @ h
    grads["bias_ih"] = grads["bias_hh"] = grad_pre.sum(dim=0)
    return grads


NAMED += [
    (
        "cell_backward",
        cell_backward_x_skips_the_slope,
        "no_tanh_derivative",
        "holds in grads['x'] only",
    ),
]


def forward_one_start_per_layer(x, h0, params, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    layer_input, finals = (x.transpose(0, 1) if batch_first else x), []
    for k in range(num_layers):
        outputs = []
        for d, suffix in enumerate(["", "_reverse"][:D]):
            steps = layer_input.flip(0) if d else layer_input
            output, h = _run(
                steps, h0[k * D], *_weights(params, k, suffix)
            )  # the layer's first row
            outputs.append(output.flip(0) if d else output)
            finals.append(h)
        layer_input = torch.cat(outputs, dim=2)
    return (layer_input.transpose(0, 1) if batch_first else layer_input), torch.stack(finals)


def greedy_fixed_length(step, h, sos_index, eos_index, pad_index, max_len):
    token, tokens = torch.full((h.shape[0],), sos_index), []
    for _ in range(max_len):  # "max_len tokens per row"
        logits, h = step(token, h)
        token = logits.argmax(dim=1)
        tokens.append(token)
    return torch.stack(tokens, dim=1)


NAMED += [
    (
        "rnn_forward",
        forward_one_start_per_layer,
        "backward_starts_from_forward_h0",
        "starts from the forward direction's initial state",
    ),
    ("greedy_decode", greedy_fixed_length, "neither_pads_nor_stops", "always runs max_len steps"),
]


def layer_reads_x_1_throughout(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, states = h0, []
    for _ in x:
        h = _step(x[0], h, weight_ih, weight_hh, bias_ih, bias_hh)  # x[0] where x[t] belongs
        states.append(h)
    return torch.stack(states), h


def sample_from_the_prompts_end(model, prompt, temperature, max_len, end_index, generator):
    logits, state = model.step(prompt[len(prompt) - 1 :])  # the newest token alone
    drawn = []
    while len(drawn) < max_len:
        probs = F.softmax(logits[-1] / temperature, dim=-1)
        token = torch.multinomial(probs, 1, generator=generator)
        drawn.append(token)
        if token.item() == end_index:
            break
        logits, state = model.step(token, state)
    return torch.cat(drawn)


def final_mean_over_time(output, num_directions, batch_first):
    steps = output.transpose(0, 1) if batch_first else output  # (L, N, D*H)
    summary = steps.mean(dim=0)  # (N, D*H): an average where one step's state belongs
    return torch.stack(summary.chunk(num_directions, dim=-1))  # (D, N, H)


def gru_gates_in_each_others_places(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # (N, H) each, read right
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + z * h_n)  # z where r belongs ...
    return (1 - r) * n + r * h  # ... and r where z belongs


def seq2seq_step_losses_added(step, h, tgt, sos_index, pad_index):
    y, total = torch.full_like(tgt[:, 0], sos_index), 0.0
    for t in range(tgt.shape[1]):
        logits, h = step(y, h)  # (N, C)
        real = tgt[:, t] != pad_index  # (N,)
        if real.any():
            total = total + F.cross_entropy(logits[real], tgt[real, t])  # this step's mean
        y = tgt[:, t]
    return total


def lstm_layer_squashed_cell(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c, outputs = h0, c0, []
    for x_t in x:
        i, f, g, o = (x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
        c = torch.tanh(torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g))  # squashed here ...
        h = torch.sigmoid(o) * torch.tanh(c)  # ... and again here
        outputs.append(h)
    return torch.stack(outputs), (h, c)


def attention_mask_as_bias(query, keys, values, mask=None):
    scores = torch.einsum("nle,nse->nls", query, keys) / query.shape[-1] ** 0.5  # (N, L, S)
    if mask is not None:
        scores = scores + mask.unsqueeze(1).to(scores.dtype)  # 1.0 for real keys, 0.0 for padding
    weights = torch.softmax(scores, dim=2)
    return weights @ values, weights


NAMED += [
    ("seq2seq_loss", seq2seq_step_losses_added, "sum_of_step_means", "add up the mean loss"),
    ("lstm_layer", lstm_layer_squashed_cell, "cell_c_squashed_then_read", "tanh of it again"),
    ("attention", attention_mask_as_bias, "mask_added_as_numbers", "add the bool mask"),
    ("gru_cell", gru_gates_in_each_others_places, "gate_order_zrn", "r is used where z belongs"),
    ("final_states", final_mean_over_time, "relation_to_torch", "appear nowhere in your input"),
    ("rnn_layer", layer_reads_x_1_throughout, "x_1_at_every_step", "each step reads the first"),
    ("sample", sample_from_the_prompts_end, "prompt_read_last_only", "only the last token"),
]

WRONG = [(exercise, fn, words) for exercise, fn, _, words in NAMED]
