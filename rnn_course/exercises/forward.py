"""Exercises for the forward pass: the cell, one layer, final states, stacked, bidirectional, all of nn.RNN."""

import re

import torch
from torch import nn

from .cases import DTYPE, dims_label, generator, randn, rnn_params, torch_rnn
from .registry import Case, Exercise, Mistake, register, variant

# ---------------------------------------------------------------------------------------------
# 1. rnn_cell
# ---------------------------------------------------------------------------------------------

# (N, H_in, H): N=1 included, and N, H_in, H all different so a swapped axis cannot hide.
_CELL_SHAPES = [(3, 4, 5), (1, 2, 3), (5, 3, 2), (2, 6, 4), (4, 1, 6)]


def _cell_case(seed, n, input_size, hidden_size):
    gen = generator(seed)
    x, h = randn(gen, n, input_size), randn(gen, n, hidden_size)
    weight_ih, weight_hh = randn(gen, hidden_size, input_size), randn(gen, hidden_size, hidden_size)
    bias_ih, bias_hh = randn(gen, hidden_size), randn(gen, hidden_size)
    cell = nn.RNNCell(input_size, hidden_size, dtype=DTYPE)
    cell.load_state_dict(
        {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}
    )
    with torch.no_grad():
        expected = cell(x, h)
    label = dims_label(N=n, H_in=input_size, H=hidden_size)
    return Case((x, h, weight_ih, weight_hh, bias_ih, bias_hh), expected, label, ("(N, H)",))


def _solve_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch's answer (nn.RNNCell) for any arguments: (N, H)."""
    cell = nn.RNNCell(x.shape[1], h.shape[1], dtype=x.dtype)
    cell.load_state_dict(
        {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}
    )
    with torch.no_grad():
        return cell(x, h)


def _cell_cases():
    return [_cell_case(100 + i, *shape) for i, shape in enumerate(_CELL_SHAPES)]


def _tanh_cell(
    x,
    h,
    weight_ih,
    weight_hh,
    bias_ih,
    bias_hh,
    *,
    act=torch.tanh,
    recurrent=lambda h, weight_hh: h @ weight_hh.T,
    biases=lambda bias_ih, bias_hh: bias_ih + bias_hh,
):
    """One step, torch's way unless a part is replaced (rnn_cell's catalogued mistakes replace one):
    x (N, H_in), h (N, H) -> (N, H)."""
    return act(x @ weight_ih.T + recurrent(h, weight_hh) + biases(bias_ih, bias_hh))


def _cell_tanh_per_term(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih) + torch.tanh(h @ w_hh.T + b_hh)


register(
    Exercise(
        id="rnn_cell",
        solve=_solve_cell,
        title="One step of an RNN cell",
        signature="rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h_next",
        arg_names=("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        output_names=("h_next",),
        make_cases=_cell_cases,
        lesson="01_rnn_cell",
        mistakes=(
            Mistake(
                "bias_ih_twice",
                "you add bias_ih twice and bias_hh not at all: each of the two biases is added once",
                variant(_tanh_cell, biases=lambda bias_ih, bias_hh: bias_ih + bias_ih),
            ),
            Mistake(
                "without_b_hh",
                "your h_next ignores b_hh (torch adds two biases, b_ih and b_hh)",
                variant(_tanh_cell, biases=lambda bias_ih, bias_hh: bias_ih),
            ),
            Mistake(
                "without_b_ih",
                "your h_next ignores b_ih (torch adds two biases, b_ih and b_hh)",
                variant(_tanh_cell, biases=lambda bias_ih, bias_hh: bias_hh),
            ),
            Mistake(
                "without_biases",
                "your h_next leaves out both biases",
                variant(_tanh_cell, biases=lambda bias_ih, bias_hh: 0),
            ),
            Mistake(
                "without_tanh",
                "your h_next is missing the tanh: it returns the pre-activation",
                variant(_tanh_cell, act=lambda pre: pre),
            ),
            Mistake(
                "with_relu",
                "your h_next uses relu; this exercise uses tanh",
                variant(_tanh_cell, act=torch.relu),
            ),
            Mistake(
                "with_sigmoid",
                "your h_next uses sigmoid; an RNN cell uses tanh",
                variant(_tanh_cell, act=torch.sigmoid),
            ),
            Mistake(
                "ignores_h",
                "your h_next ignores the previous hidden state h",
                variant(_tanh_cell, recurrent=lambda h, weight_hh: 0),
            ),
            Mistake(
                "tanh_per_term",
                "you apply tanh to the input part and the hidden part separately; tanh wraps their sum",
                _cell_tanh_per_term,
            ),
        ),
        hints=(
            "Write down the shape of every term: x is (N, H_in) and weight_ih is (H, H_in). "
            "Which product of the two gives (N, H)?",
            "There are four terms inside the nonlinearity: one from the input, one from the previous "
            "hidden state, and one bias for each of them.",
            "Transpose a weight matrix with `.T`. Broadcasting adds a bias of shape (H,) to every row "
            "of an (N, H) tensor.",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# The mistake kit: nn.RNN's forward pass in named parts, and the catalogued mistakes that each replace
# one part, shared by exercises 2, 4, 5 and 6. Only ever called on hidden cases, to name a mistake.
# ---------------------------------------------------------------------------------------------


def _layer_weights(params, layer, direction):
    """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction, by nn.RNN's names."""
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    return tuple(params[name + suffix] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def _linear(pre):
    """No squashing: a layer left linear."""
    return pre


def _first_columns(weights, layer):
    """A layer's weights with weight_ih cut to its first H columns above layer 0: what a layer above
    reads when the directions below were added into H features instead of joined into D*H."""
    weight_ih, weight_hh, *biases = weights
    return (weight_ih[:, : weight_hh.shape[0]] if layer else weight_ih, weight_hh, *biases)


def _reshaped(t):
    """(A, B, C) -> (B, A, C) by reshape: the right shape, the numbers mixed up."""
    return t.reshape(t.shape[1], t.shape[0], t.shape[2])


def _rnn(
    x,
    h0,
    params,
    num_layers=1,
    bidirectional=False,
    batch_first=False,
    *,
    time_major=lambda x, batch_first: x.transpose(0, 1) if batch_first else x,
    slot=lambda layer, direction, num_layers, D: layer * D + direction,
    initial=lambda h0, slot, direction, D, below: h0[slot],
    weights=_layer_weights,
    backwards=lambda direction: direction == 1,
    steps_of=lambda x: x,
    carry=lambda h, start: h,
    back_in_order=lambda states: states[::-1],
    final=lambda output, h: h,
    join=lambda outputs: torch.cat(outputs, dim=2),
    next_input=lambda x, output, finals: output,
    top=lambda outputs: outputs[-1],
    stack_h_n=lambda finals, D, batch_first: torch.stack(finals),
    laid_out=lambda output, batch_first: output.transpose(0, 1) if batch_first else output,
    act=lambda layer, num_layers: torch.tanh,
):
    """nn.RNN's forward, torch's way unless a part is replaced (each catalogued mistake of exercises
    2, 4, 5 and 6 replaces one: see ``_RNN_MISTAKES``). x (L, N, H_in) or (N, L, H_in), h0
    (D*num_layers, N, H) -> output (L, N, D*H) or (N, L, D*H), h_n (D*num_layers, N, H)."""
    D = 2 if bidirectional else 1
    x = time_major(x, batch_first)  # (L, N, H_in)
    layer_input, below, outputs, finals = x, None, [], {}
    for layer in range(num_layers):
        directions, layer_finals = [], []
        for direction in range(D):
            i = slot(layer, direction, num_layers, D)
            start = h = initial(h0, i, direction, D, below)  # (N, H)
            w = weights(params, layer, direction)
            order = reversed if backwards(direction) else list
            states = []
            steps = steps_of(layer_input)
            for t in order(range(steps.shape[0])):
                h = _tanh_cell(steps[t], carry(h, start), *w, act=act(layer, num_layers))  # (N, H)
                states.append(h)
            states = back_in_order(states) if backwards(direction) else states
            output = torch.stack(states)  # (L, N, H)
            finals[i] = final(output, h)
            directions.append(output)
            layer_finals.append(finals[i])
        outputs.append(join(directions))  # (L, N, D*H)
        layer_input, below = next_input(x, outputs[-1], layer_finals), layer_finals
    h_n = stack_h_n([finals[i] for i in sorted(finals)], D, batch_first)  # (D*num_layers, N, H)
    return laid_out(top(outputs), batch_first), h_n


# Each catalogued mistake of the RNN forward exercises: its identifier, and the one part of ``_rnn``
# it replaces. ``variant`` refuses a part that ``_rnn`` does not have.
_RNN_MISTAKES = {
    name: variant(_rnn, **part)
    for name, part in {
        "every_layer_starts_from_h0_0": dict(initial=lambda h0, i, d, D, below: h0[0]),
        "every_layer_starts_from_h0_d": dict(initial=lambda h0, i, d, D, below: h0[d]),
        "backward_starts_from_forward_h0": dict(initial=lambda h0, i, d, D, below: h0[i - d]),
        "state_carried_across_layers": dict(
            initial=lambda h0, i, d, D, below: h0[i] if below is None else below[d]
        ),
        "first_sequences_h0": dict(initial=lambda h0, i, d, D, below: h0[i][0]),
        "h0_directions_swapped": dict(
            initial=lambda h0, i, d, D, below: h0[i + 1 - 2 * d] if D == 2 else h0[i]
        ),
        "direction_major": dict(slot=lambda layer, d, num_layers, D: d * num_layers + layer),
        "layer_0_weights": dict(weights=lambda params, layer, d: _layer_weights(params, 0, d)),
        "backward_uses_forward_weights": dict(
            weights=lambda params, layer, d: _layer_weights(params, layer, 0)
        ),
        "directions_weights_swapped": dict(
            weights=lambda params, layer, d: _layer_weights(
                params, layer, 1 - d if f"weight_ih_l{layer}_reverse" in params else d
            )
        ),
        "loop_runs_backwards": dict(backwards=lambda d: d == 0),
        "backward_runs_forwards": dict(backwards=lambda d: False),
        "loops_over_the_batch_axis": dict(steps_of=lambda x: x.transpose(0, 1)),
        "no_carry": dict(carry=lambda h, start: start),
        "backward_not_flipped_back": dict(back_in_order=lambda states: states),
        "h_n_at_time_0": dict(final=lambda output, h: output[0]),
        "h_n_at_time_l_1": dict(final=lambda output, h: output[-1]),
        "backward_first": dict(join=lambda outputs: torch.cat(outputs[::-1], dim=2)),
        "directions_stacked": dict(join=torch.stack),
        "x_to_every_layer": dict(next_input=lambda x, output, finals: x),
        "final_state_to_the_next_layer": dict(
            next_input=lambda x, output, finals: torch.cat(finals, dim=-1)
        ),
        "final_state_at_every_step": dict(
            next_input=lambda x, output, finals: torch.cat(finals, dim=-1).expand(len(x), -1, -1)
        ),
        "output_of_the_first_layer": dict(top=lambda outputs: outputs[0]),
        "every_layer_in_output": dict(top=lambda outputs: torch.cat(outputs, dim=-1)),
        "h_n_of_the_last_layer_only": dict(
            stack_h_n=lambda finals, D, batch_first: torch.stack(finals[-D:])
        ),
        "h_n_concatenated": dict(stack_h_n=lambda finals, D, batch_first: torch.cat(finals, 1)),
        "output_batch_first": dict(laid_out=lambda output, batch_first: output.transpose(0, 1)),
        "output_not_transposed_back": dict(laid_out=lambda output, batch_first: output),
        "h_n_batch_first": dict(
            stack_h_n=lambda finals, D, batch_first: torch.stack(finals, 1 if batch_first else 0)
        ),
        "ignores_batch_first": dict(time_major=lambda x, batch_first: x),
        "loop_skips_first_step": dict(steps_of=lambda x: x[1:]),
        "first_step_reads_x_l": dict(steps_of=lambda x: x.roll(1, 0)),
        "h0_not_indexed_per_layer": dict(initial=lambda h0, i, d, D, below: h0),
        "tanh_only_on_top": dict(
            act=lambda layer, num_layers: torch.tanh if layer == num_layers - 1 else _linear
        ),
        "top_layer_without_tanh": dict(
            act=lambda layer, num_layers: _linear if layer == num_layers - 1 else torch.tanh
        ),
        "directions_added": dict(join=sum),
        "directions_interleaved": dict(join=lambda outputs: torch.stack(outputs, dim=3).flatten(2)),
        "directions_summed": dict(
            join=sum,
            weights=lambda params, layer, d: _first_columns(
                _layer_weights(params, layer, d), layer
            ),
        ),
        "h0_read_direction_major": dict(
            initial=lambda h0, i, d, D, below: h0[d * (h0.shape[0] // D) + i // D]
        ),
    }.items()
}
# One idea in both places: reshape instead of transpose, on the way in and on the way out.
_RNN_MISTAKES["reshape_for_batch_first"] = variant(
    _rnn,
    time_major=lambda x, batch_first: _reshaped(x) if batch_first else x,
    laid_out=lambda output, batch_first: _reshaped(output) if batch_first else output,
)


# (name, message) of the mistakes of a stack of layers, shared by stacked_rnn and rnn_forward.
_LAYER_MISTAKES = (
    (
        "every_layer_in_output",
        "your output joins every layer's states along the feature axis; output holds the top "
        "layer's states only (h_n is where every layer has its place)",
    ),
    (
        "tanh_only_on_top",
        "only your top layer applies tanh: the layers below pass on their weighted sums "
        "unsquashed; every layer is an RNN layer with its own tanh",
    ),
    (
        "top_layer_without_tanh",
        "your top layer leaves out tanh, as if it were an output layer: every layer, the top "
        "one too, is an RNN layer whose state is squashed by tanh",
    ),
)


_INTERLEAVED = (
    "directions_interleaved",
    "your output interleaves the two directions feature by feature (stacked on a last axis, then "
    "flattened): each step of output holds the whole forward block, then the whole backward block, "
    "[forward | backward], H each",
)


def _rnn_mistake(name):
    """The catalogued RNN forward mistake ``name``; a ValueError for a name it does not have."""
    if name not in _RNN_MISTAKES:
        raise ValueError(f"no RNN forward mistake {name!r}; they are: {', '.join(_RNN_MISTAKES)}")
    return _RNN_MISTAKES[name]


def _catalogue(adapt, *entries):
    """An exercise's Mistakes from (name, message) entries, each the RNN mistake ``name`` given the
    exercise's signature by ``adapt``, and (name, message, fn) entries with a function of their own."""
    return tuple(
        Mistake(name, message, fn[0] if fn else adapt(_rnn_mistake(name)))
        for name, message, *fn in entries
    )


# ---------------------------------------------------------------------------------------------
# 2. rnn_layer
# ---------------------------------------------------------------------------------------------

# (L, N, H_in, H): N=1 and L=1 included; elsewhere every size, L + 1 and 2*H differ.
_LAYER_SHAPES = [(6, 3, 4, 5), (5, 1, 3, 4), (1, 3, 5, 4), (5, 3, 4, 7), (5, 3, 7, 4), (6, 5, 1, 4)]
_PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _layer_case(seed, seq_len, n, input_size, hidden_size):
    gen = generator(seed)
    x, h0 = randn(gen, seq_len, n, input_size), randn(gen, n, hidden_size)
    params = rnn_params(gen, input_size, hidden_size)
    with torch.no_grad():
        output, h_n = torch_rnn(params, input_size, hidden_size)(x, h0[None])  # h_n: (1, N, H)
    args = (x, h0) + tuple(params[name + "_l0"] for name in _PARAM_NAMES)
    label = dims_label(L=seq_len, N=n, H_in=input_size, H=hidden_size)
    return Case(args, (output, h_n[0]), label, ("(L, N, H)", "(N, H)"))


def _solve_layer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch's answer (nn.RNN) for any arguments: output (L, N, H), h_n (N, H)."""
    params = dict(
        zip((name + "_l0" for name in _PARAM_NAMES), (weight_ih, weight_hh, bias_ih, bias_hh))
    )
    with torch.no_grad():
        output, h_n = torch_rnn(params, x.shape[2], h0.shape[1])(x, h0[None])
    return output, h_n[0]


def _solve_rnn(x, h0, params, num_layers=1, bidirectional=False, batch_first=False):
    """torch's answer (nn.RNN) for any arguments of stacked_rnn, bidirectional_rnn and rnn_forward."""
    options = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    with torch.no_grad():
        return torch_rnn(params, params["weight_ih_l0"].shape[1], h0.shape[2], **options)(x, h0)


def _one_layer(params, layer):
    """Layer ``layer``'s entries of an nn.RNN state dict, renamed as layer 0's (``_l1`` -> ``_l0``)."""
    return {
        re.sub(rf"_l{layer}(?=$|_)", "_l0", key): value
        for key, value in params.items()
        if re.search(rf"_l{layer}($|_)", key)
    }


def _solve_bidirectional(x, h0, params, layer=0):
    return _solve_rnn(x, h0, _one_layer(params, layer), bidirectional=True)


def _layer_cases():
    return [_layer_case(200 + i, *shape) for i, shape in enumerate(_LAYER_SHAPES)]


def _as_layer(rnn):
    """The RNN forward ``rnn`` with rnn_layer's signature."""

    def layer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
        params = dict(
            zip((name + "_l0" for name in _PARAM_NAMES), (weight_ih, weight_hh, bias_ih, bias_hh))
        )
        output, h_n = rnn(x, h0[None], params)  # h_n: (1, N, H)
        return output, h_n[0]

    return layer


def _layer_with_h0(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    output, h_n = _as_layer(_rnn)(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    return torch.cat([h0[None], output]), h_n  # (L + 1, N, H)


register(
    Exercise(
        id="rnn_layer",
        solve=_solve_layer,
        title="Unrolling the cell over a sequence",
        signature="rnn_layer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) -> (output, h_n)",
        arg_names=("x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        output_names=("output", "h_n"),
        make_cases=_layer_cases,
        lesson="02_unrolling",
        mistakes=_catalogue(
            _as_layer,
            (
                "h0_in_output",
                "your output starts with h0, so it has L + 1 entries: output holds the L states after "
                "the steps, h_1 .. h_L (output[t - 1] is h_t), and h0 is not one of them",
                _layer_with_h0,
            ),
            (
                "loop_skips_first_step",
                "your loop starts one step late: it never reads x[0], which holds x_1, the first input. In "
                "code, step t (t = 1..L) reads x[t - 1], so the loop visits x[0] .. x[L - 1]",
            ),
            (
                "first_step_reads_x_l",
                "your first step reads x[-1], which is x_L, the last input (a negative index wraps round): "
                "reading x[t - 1] needs t to run from 1 to L (range(1, L + 1)); with range(L), read x[t]",
            ),
            (
                "first_sequences_h0",
                "every sequence in the batch starts from h0[0], the first sequence's initial state: here h0 is "
                "(N, H), one row per sequence (lesson 2's cells had h0 of shape (1, N, H), where h0[0] was the "
                "whole batch); broadcasting hid the mistake",
            ),
            (
                "loops_over_the_batch_axis",
                "your loop walks x's second axis (x[:, t]), which is the batch: x is time-major here, "
                "(L, N, H_in), so time is its first axis",
            ),
            (
                "no_carry",
                "every time step starts from h0: carry the new hidden state into the next step",
            ),
            (
                "loop_runs_backwards",
                "your loop runs backwards in time, from the last step to the first",
            ),
            (
                "output_batch_first",
                "output is batch-first (N, L, H); this layer is time-major: (L, N, H)",
            ),
        ),
        hints=(
            "An RNN layer applies the cell from lesson 1 once per time step, for t = 1, ..., L. x is "
            "time-major and code counts from 0, so x[t - 1] holds x_t, the input at step t: (N, H_in).",
            "Keep the hidden state in one variable that each step replaces: step t reads h_{t-1}, the "
            "state that step t - 1 wrote, and step 1 reads h0 (that is h_0).",
            "Collect the state after every step and stack them along a new first axis to get output "
            "(L, N, H), so that output[t - 1] holds h_t. h_n is h_L, the state after the last step, so "
            "it also equals output[-1].",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# 3. final_states
# ---------------------------------------------------------------------------------------------

# (num_layers, D, batch_first, L, N, H_in, H): every (D, batch_first) pair, N=1 and L=1 included.
_FINAL_SETUPS = [
    (1, 1, False, 4, 3, 2, 6),
    (3, 2, False, 6, 4, 3, 5),
    (3, 2, True, 6, 4, 2, 5),
    (2, 1, True, 6, 3, 4, 4),
    (1, 2, True, 3, 1, 3, 5),
    (3, 1, False, 1, 2, 5, 4),
    (1, 2, False, 4, 6, 1, 3),
    (3, 2, True, 1, 4, 4, 6),
]


def _rnn_case(seed, num_layers, bidirectional, batch_first, seq_len, n, input_size, hidden_size):
    """A case for nn.RNN's whole forward: args (x, h0, params) and torch's (output, h_n)."""
    gen = generator(seed)
    num_directions = 2 if bidirectional else 1
    x_shape = (n, seq_len, input_size) if batch_first else (seq_len, n, input_size)
    x = randn(gen, *x_shape)
    h0 = randn(gen, num_layers * num_directions, n, hidden_size)
    params = rnn_params(gen, input_size, hidden_size, num_layers, bidirectional)
    options = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    rnn = torch_rnn(params, input_size, hidden_size, **options)
    with torch.no_grad():
        output, h_n = rnn(x, h0)
    return (x, h0, params), (output, h_n)


def _final_case(seed, num_layers, num_directions, batch_first, seq_len, n, input_size, hidden_size):
    """A case for final_states: the output of a random nn.RNN, and its h_n[-D:] (D, N, H)."""
    bidirectional = num_directions == 2
    sizes = (seq_len, n, input_size, hidden_size)
    _, (output, h_n) = _rnn_case(
        seed, num_layers, bidirectional, batch_first, *sizes
    )  # h_n: (num_layers*D, N, H)
    flags = dict(num_layers=num_layers, D=num_directions, batch_first=batch_first)
    label = dims_label(**flags, L=seq_len, N=n, H=hidden_size)
    return Case((output, num_directions, batch_first), h_n[-num_directions:], label, ("(D, N, H)",))


def _final_cases():
    return [_final_case(300 + i, *setup) for i, setup in enumerate(_FINAL_SETUPS)]


def _picked(
    output,
    num_directions,
    batch_first,
    *,
    time_axis=lambda batch_first: 1 if batch_first else 0,
    directions=lambda num_directions: num_directions,
    halves=lambda halves: halves,
    forward_step=-1,
    backward_step=0,
    laid_out=torch.stack,
):
    """final_states, torch's way unless a part is replaced (each catalogued mistake replaces one or
    two): each direction's (N, H) slice at the step where it stops, stacked -> (D, N, H)."""
    steps = output.movedim(time_axis(batch_first), 0)  # (L, N, D*H) when the time axis is right
    D = directions(num_directions)
    split = halves(list(steps.split(steps.shape[-1] // D, dim=-1)))  # D tensors (L, N, H)
    return laid_out([split[0][forward_step]] + [half[backward_step] for half in split[1:]])


# One step of output as it is, (N, D*H): not split by direction, not stacked.
_UNSPLIT = dict(directions=lambda num_directions: 1, laid_out=lambda picks: picks[0])

_AXIS_1 = (
    "you always read the last entry of output's axis 1 (output[:, -1]), as if batch_first were True: "
    "without batch_first output is (L, N, D*H), time first, so output[:, -1] is the last sequence of "
    "the batch at every step"
)


def _interleaved(halves):
    """D halves (L, N, H) cut as if the D*H features were laid out (H, D): alternate features."""
    features = torch.cat(halves, dim=-1)  # (L, N, D*H)
    return list(features.unflatten(-1, (-1, len(halves))).unbind(-1))


def _final_sliced_like_h_n(output, num_directions, batch_first):
    steps = output.transpose(0, 1) if batch_first else output  # (L, N, D*H)
    return steps[-num_directions:, :, : steps.shape[-1] // num_directions]  # the last D steps


def _final_h_from_whole_feature_axis(output, num_directions, batch_first):
    steps = output.transpose(0, 1) if batch_first else output  # (L, N, D*H)
    size = steps.shape[-1]  # D*H, taken as H
    halves = [steps[..., :size], steps[..., size:]][:num_directions]
    return torch.stack([halves[0][-1]] + [half[0] for half in halves[1:]])


def _final_two_directions_always(output, num_directions, batch_first):
    steps = output.transpose(0, 1) if batch_first else output  # (L, N, D*H)
    half = steps.shape[-1] // 2  # H only when there are two directions
    return torch.stack([steps[-1][..., :half], steps[0][..., half:]])


register(
    Exercise(
        id="final_states",
        solve=_picked,
        title="What h_n holds, read off output",
        signature="final_states(output, num_directions, batch_first) -> final_states (D, N, H)",
        arg_names=("output", "num_directions", "batch_first"),
        output_names=("final_states",),
        make_cases=_final_cases,
        lesson="03_output_and_h_n",
        mistakes=(
            Mistake(
                "h_from_whole_feature_axis",
                "you take H from output's whole feature axis, which is D*H: with two directions each "
                "direction has half of it, H = output.shape[-1] // num_directions",
                _final_h_from_whole_feature_axis,
            ),
            Mistake(
                "two_directions_always",
                "your function splits the features into two directions whatever num_directions says: with "
                "one direction, all of output's features belong to it",
                _final_two_directions_always,
            ),
            Mistake(
                "both_last",
                "you take the last time step for the backward direction too; but the backward direction "
                "reads the sequence from x_L back to x_1: its final state is where it stops",
                variant(_picked, backward_step=-1),
            ),
            Mistake(
                "both_first",
                "you take the first time step for the forward direction; but the forward direction "
                "reads the sequence from x_1 to x_L: its final state is where it stops",
                variant(_picked, forward_step=0),
            ),
            Mistake(
                "backward_first_step",
                "the two directions' steps are the wrong way round: each direction's final state is "
                "where that direction stops reading (forward reads x_1 to x_L, backward x_L to x_1)",
                variant(_picked, forward_step=0, backward_step=-1),
            ),
            Mistake(
                "time_major",
                "your function ignores batch_first: with batch_first=True time is output's axis 1",
                variant(_picked, time_axis=lambda batch_first: 0),
            ),
            Mistake(
                "inverted",
                "batch_first is read the wrong way round: batch_first=True puts time on axis 1, not 0",
                variant(_picked, time_axis=lambda batch_first: 0 if batch_first else 1),
            ),
            Mistake("time_on_axis_1", _AXIS_1, variant(_picked, time_axis=lambda batch_first: 1)),
            Mistake(
                "axis_1_both_last",
                _AXIS_1
                + "; and the backward direction reads x_L back to x_1, so it does not stop at the last step",
                variant(_picked, time_axis=lambda batch_first: 1, backward_step=-1),
            ),
            Mistake(
                "axis_1_as_is",
                _AXIS_1 + "; and h_n splits each step's D*H features by direction: (D, N, H)",
                variant(_picked, time_axis=lambda batch_first: 1, **_UNSPLIT),  # (L, D*H)
            ),
            Mistake(
                "halves_swapped",
                "the halves are swapped: output's features are [forward | backward], forward first",
                variant(_picked, halves=lambda halves: halves[::-1]),
            ),
            Mistake(
                "interleaved_halves",
                "you split each step's D*H features as (H, D), direction last, so your halves take "
                "alternate features; output holds the whole forward block, then the whole backward "
                "block: [forward | backward], H each",
                variant(_picked, halves=_interleaved),
            ),
            Mistake(
                "sliced_like_h_n",
                "you slice output like h_n, its last D entries along the first axis (output[-D:]): "
                "output's first axis is time, so that gives the states of the last D steps, not the D "
                "directions; the directions sit side by side in the last axis, [forward | backward]",
                _final_sliced_like_h_n,
            ),
            Mistake(
                "backward_at_index_1",
                "you read the backward direction's state at index 1 of the time axis: that direction "
                "stops at x_1, and x_t sits at index t - 1 in Python, so x_1 is at index 0",
                variant(_picked, backward_step=1),
            ),
            Mistake(
                "n_first",
                "you stack the directions on axis 1, so your result is (N, D, H); h_n stacks them on a "
                "new first axis: (D, N, H)",
                variant(_picked, laid_out=lambda picks: torch.stack(picks, dim=1)),  # (N, D, H)
            ),
            Mistake(
                "concatenated",
                "your result joins the directions' features into (N, D*H), like one step of output; "
                "h_n keeps each direction on its own: (D, N, H)",
                variant(_picked, laid_out=lambda picks: torch.cat(picks, dim=1)),  # (N, D*H)
            ),
            Mistake(
                "last_step_as_is",
                "you return output's last time step as it is, (N, D*H); h_n splits it by direction into "
                "(D, N, H), and the backward direction, which reads x_L back to x_1, does not stop at the "
                "last step",
                variant(_picked, **_UNSPLIT),  # (N, D*H)
            ),
            Mistake(
                "one_direction",
                "your function ignores num_directions: with two directions each step's features hold "
                "[forward | backward], H each",
                variant(_picked, directions=lambda num_directions: 1),  # (1, N, D*H)
            ),
        ),
        hints=(
            "First make time the leading axis (batch_first tells you where it is), so that one time "
            "step is an (N, D*H) slice of output.",
            "The last axis of output holds [forward | backward] features: D*H in all, H per direction. "
            "The forward direction finishes at the last time step. Where does a direction that runs "
            "from the end to the start finish?",
            "Take each direction's (N, H) slice at the step where it finished and stack the slices "
            "along a new first axis: (D, N, H). num_layers does not matter: output is the last layer's.",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# 4. stacked_rnn
# ---------------------------------------------------------------------------------------------

# (num_layers, L, N, H_in, H), every size and L + 1 different. The first case has one layer, so a
# mistake that shows only from the second layer on (x fed to every layer, layers counted from 1)
# meets a case where it returns the right answer, or fails in its own way, before the others.
_STACKED_SETUPS = [
    (1, 4, 3, 2, 6),
    (2, 6, 3, 4, 5),
    (3, 6, 2, 4, 5),
    (2, 1, 3, 5, 4),
    (2, 5, 1, 4, 3),
    (2, 6, 4, 1, 3),
]


def _stacked_case(seed, num_layers, seq_len, n, input_size, hidden_size):
    args, expected = _rnn_case(seed, num_layers, False, False, seq_len, n, input_size, hidden_size)
    label = dims_label(num_layers=num_layers, L=seq_len, N=n, H_in=input_size, H=hidden_size)
    return Case(args + (num_layers,), expected, label, ("(L, N, H)", "(num_layers, N, H)"))


def _stacked_cases():
    return [_stacked_case(400 + i, *setup) for i, setup in enumerate(_STACKED_SETUPS)]


_CARRIED = (
    "each layer starts from the final state of the layer below; every layer starts from its own "
    "initial state: layer l from h0[l]"
)
_FINAL_ONLY = (
    "the next layer reads only the final state of the layer below, one (N, H) state per sequence; "
    "it reads the whole output sequence of the layer below, (L, N, H)"
)


def _as_stacked(rnn):
    """The RNN forward ``rnn`` with stacked_rnn's signature."""

    def stacked(x, h0, params, num_layers):
        return rnn(x, h0, params, num_layers)

    return stacked


def _stacked_layer_delay(x, h0, params, num_layers):
    """Time outer, layers inner, each layer reading the layer below's state from the previous step."""
    states, output = list(h0), []  # num_layers states (N, H)
    for x_t in x:
        below = [x_t] + states[:-1]  # layer l reads layer l - 1's state of the previous step
        states = [
            _tanh_cell(below[layer], states[layer], *_layer_weights(params, layer, 0))
            for layer in range(num_layers)
        ]
        output.append(states[-1])
    return torch.stack(output), torch.stack(states)  # (L, N, H), (num_layers, N, H)


register(
    Exercise(
        id="stacked_rnn",
        solve=_solve_rnn,
        title="Stacking layers",
        signature="stacked_rnn(x, h0, params, num_layers) -> (output, h_n)",
        arg_names=("x", "h0", "params", "num_layers"),
        output_names=("output", "h_n"),
        make_cases=_stacked_cases,
        lesson="05_stacked_rnns",
        mistakes=_catalogue(
            _as_stacked,
            (
                "h0_not_indexed_per_layer",
                "every layer starts from the whole h0, (num_layers, N, H), and broadcasting carries that "
                "extra axis through: layer l starts from its own slice, h0[l] (N, H)",
            ),
            (
                "layer_reads_previous_step_below",
                "with time in the outer loop, your layer l at step t reads the state of the layer below "
                "from step t - 1: it must read the one that layer has just computed at step t",
                _stacked_layer_delay,
            ),
            *_LAYER_MISTAKES,
            (
                "x_to_every_layer",
                "every layer after the first receives x instead of the previous layer's output",
            ),
            (
                "layer_0_weights",
                "every layer uses layer 0's weights; layer l has its own, ending in _l{l}",
            ),
            (
                "every_layer_starts_from_h0_0",
                "every layer starts from h0[0]; layer l starts from h0[l]",
            ),
            ("state_carried_across_layers", _CARRIED),
            ("final_state_to_the_next_layer", _FINAL_ONLY),
            ("final_state_at_every_step", _FINAL_ONLY),
            (
                "output_of_the_first_layer",
                "output holds the first layer's outputs; it should hold the last layer's",
            ),
            (
                "h_n_of_the_last_layer_only",
                "h_n holds only the last layer's final state; it holds every layer's: (num_layers, N, H)",
            ),
            ("h_n_at_time_0", "h_n holds each layer's first step instead of its last"),
            (
                "no_carry",
                "every time step starts from the layer's initial state: carry the hidden state from step to step",
            ),
            (
                "h_n_concatenated",
                "h_n joins the layers along the feature axis; stack them along a new first axis: (num_layers, N, H)",
            ),
            (
                "output_batch_first",
                "output is batch-first (N, L, H); this function is time-major: (L, N, H)",
            ),
        ),
        hints=(
            "A stacked RNN is a loop over layers wrapped around the loop over time you wrote in rnn_layer. "
            "Layer l's parameters are the ones whose names end in _l{l}, e.g. weight_hh_l1.",
            "Layer 0 reads x; every later layer reads the whole output sequence of the layer below, "
            "(L, N, H). Layer l starts from its own initial state h0[l].",
            "output is the last layer's output sequence; h_n stacks the final state of every layer, "
            "bottom layer first: (num_layers, N, H).",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# 5. bidirectional_rnn
# ---------------------------------------------------------------------------------------------


def _bidirectional_case(seed, seq_len, n, input_size, hidden_size):
    args, expected = _rnn_case(seed, 1, True, False, seq_len, n, input_size, hidden_size)
    label = dims_label(L=seq_len, N=n, H_in=input_size, H=hidden_size)
    return Case(args, expected, label, ("(L, N, 2*H)", "(2, N, H)"))


def _upper_layer_case(seed, seq_len, n, hidden_size):
    """Layer 1 of a two-layer bidirectional nn.RNN: x is the output of the layer below, (L, N, 2*H),
    and params holds both layers, so a function that ignores ``layer`` gets a wrong answer, not an error."""
    gen = generator(seed)
    x, h0 = randn(gen, seq_len, n, 2 * hidden_size), randn(gen, 2, n, hidden_size)
    params = rnn_params(gen, 2 * hidden_size, hidden_size, num_layers=2, bidirectional=True)
    expected = _solve_bidirectional(x, h0, params, layer=1)
    label = dims_label(L=seq_len, N=n, H=hidden_size, layer=1)
    return Case((x, h0, params, 1), expected, label, ("(L, N, 2*H)", "(2, N, H)"))


def _bidirectional_cases():
    cases = [_bidirectional_case(500 + i, *shape) for i, shape in enumerate(_LAYER_SHAPES)]
    return cases + [_upper_layer_case(520, 5, 3, 4)]


def _flipped_on_the_batch(x, h0, params, layer=0):
    """bidirectional_rnn with the backward direction's flip on the batch axis instead of time."""
    outputs, finals = [], []
    for direction in (0, 1):
        h, states = h0[direction], []
        for x_t in x.flip(1) if direction else x:  # (N, H_in)
            h = _tanh_cell(x_t, h, *_layer_weights(params, layer, direction))
            states.append(h)
        output = torch.stack(states)  # (L, N, H)
        outputs.append(output.flip(1) if direction else output)
        finals.append(h)
    return torch.cat(outputs, dim=2), torch.stack(finals)


def _as_bidirectional(rnn):
    """The RNN forward ``rnn`` with bidirectional_rnn's signature."""

    def bidirectional(x, h0, params, layer=0):
        return rnn(x, h0, _one_layer(params, layer), 1, True)

    return bidirectional


def _ignores_layer(x, h0, params, layer=0):
    return _solve_bidirectional(x, h0, params, layer=0)


_SWAPPED_H0 = (
    "the two directions' initial states are swapped: the forward direction starts from its own entry "
    "of h0 and the backward direction from the next one (h0[0] and h0[1] for one layer)"
)


_BACKWARD_MISTAKES = (  # (name, message), shared by bidirectional_rnn and rnn_forward
    (
        "backward_not_flipped_back",
        "the backward direction's outputs are still in reversed time order: its state after reading "
        "x_t belongs in the row of x_t",
    ),
    (
        "backward_runs_forwards",
        "the backward direction runs forwards in time; it should read x_L first and x_1 last",
    ),
    (
        "backward_uses_forward_weights",
        "the backward direction uses the forward weights; its own end in _reverse",
    ),
    (
        "directions_weights_swapped",
        "the two directions' weights are swapped: the forward direction uses the parameters without _reverse, the "
        "backward direction those ending in _reverse",
    ),
    (
        "backward_first",
        "the two directions are concatenated in the wrong order: [backward, forward] instead of [forward, backward]",
    ),
    (
        "h_n_at_time_l_1",
        "h_n's backward entry is its state after reading x_L; the backward direction stops after x_1",
    ),
    ("h_n_at_time_0", "h_n holds each direction's first step instead of its final state"),
)


register(
    Exercise(
        id="bidirectional_rnn",
        solve=_solve_bidirectional,
        title="Reading the sequence both ways",
        signature="bidirectional_rnn(x, h0, params, layer=0) -> (output, h_n)",
        arg_names=("x", "h0", "params", "layer"),
        output_names=("output", "h_n"),
        make_cases=_bidirectional_cases,
        lesson="06_bidirectional_rnns",
        mistakes=_catalogue(
            _as_bidirectional,
            *_BACKWARD_MISTAKES,
            (
                "directions_added",
                "you add the two directions' states together where output joins them side by side: "
                "each step of output is [forward | backward], 2*H features",
            ),
            _INTERLEAVED,
            (
                "backward_flips_the_batch",
                "your backward direction flips the batch axis (axis 1 of x) instead of time: it reads "
                "each sequence forwards, from another row's initial state; the backward direction "
                "reverses the steps, axis 0",
                _flipped_on_the_batch,
            ),
            (
                "ignores_layer",
                "`layer` is ignored: the layer-0 weights are used for every layer; layer k's keys end in "
                "_l{k} and _l{k}_reverse",
                _ignores_layer,
            ),
            (
                "every_layer_starts_from_h0_0",
                "both directions start from h0[0]; the backward direction starts from h0[1]",
            ),
            ("h0_directions_swapped", _SWAPPED_H0),
            (
                "directions_stacked",
                "output stacks the two directions on a new axis; concatenate them along the feature axis: (L, N, 2*H)",
            ),
            (
                "h_n_concatenated",
                "h_n joins the directions along the feature axis (N, 2*H); "
                "stack them along a new first axis: (2, N, H)",
            ),
            (
                "no_carry",
                "every time step starts from the direction's initial state: carry the hidden state from step to step",
            ),
        ),
        hints=(
            "A bidirectional layer is two one-direction layers reading the same x: one from x_1 to "
            "x_L, the other from x_L back to x_1. Each has its own parameters and its own initial state.",
            "The forward pass uses the keys ending in _l{layer} and starts from h0[0]; the backward pass "
            "uses the keys ending in _l{layer}_reverse and starts from h0[1], and its loop runs over "
            "t = L, L - 1, ..., 1, reading x[t - 1].",
            "Keep the backward pass's states by time step, not in the order it computed them, so that "
            "output[t - 1] can join both directions' states for step t along the feature axis, forward "
            "first: (N, 2*H). h_n stacks each direction's last computed state: for the backward pass, "
            "that is h_1.",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# 6. rnn_forward
# ---------------------------------------------------------------------------------------------

# (num_layers, bidirectional, batch_first, L, N, H_in, H): every flag pair, N=1 and L=1 included.
# The first case sets no flag, so that mistakes that only show with a flag still match it.
_FORWARD_SETUPS = [
    (1, False, False, 4, 3, 2, 6),
    (3, True, True, 7, 1, 4, 5),
    (5, True, False, 7, 3, 4, 6),
    (2, False, True, 6, 4, 5, 3),
    (1, True, True, 5, 3, 4, 7),
    (4, True, False, 1, 3, 5, 6),
    (2, False, False, 4, 6, 1, 3),
    (1, False, True, 5, 2, 7, 4),
]


def _forward_case(
    seed, num_layers, bidirectional, batch_first, seq_len, n, input_size, hidden_size
):
    args, expected = _rnn_case(
        seed, num_layers, bidirectional, batch_first, seq_len, n, input_size, hidden_size
    )
    flags = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    label = dims_label(**flags, L=seq_len, N=n, H_in=input_size, H=hidden_size)
    shapes = ("(N, L, D*H)" if batch_first else "(L, N, D*H)", "(D*num_layers, N, H)")
    return Case(args + (num_layers, bidirectional, batch_first), expected, label, shapes)


def _forward_cases():
    return [_forward_case(600 + i, *setup) for i, setup in enumerate(_FORWARD_SETUPS)]


_RESHAPE = (
    "you use reshape (or view) to move between batch-first and time-major; reshape keeps the numbers in "
    "their memory order, so it mixes the sequences up instead of swapping two axes: that takes transpose"
)


def _h0_batch_first(x, h0, params, num_layers, bidirectional, batch_first):
    h0 = h0.transpose(0, 1) if batch_first else h0  # (N, D*num_layers, H): h0 read as batch-first
    return _rnn(x, h0, params, num_layers, bidirectional, batch_first)


register(
    Exercise(
        id="rnn_forward",
        solve=_solve_rnn,
        title="All of nn.RNN's forward pass",
        signature="rnn_forward(x, h0, params, num_layers, bidirectional, batch_first) -> (output, h_n)",
        arg_names=("x", "h0", "params", "num_layers", "bidirectional", "batch_first"),
        output_names=("output", "h_n"),
        make_cases=_forward_cases,
        lesson="06_bidirectional_rnns",
        mistakes=_catalogue(
            lambda rnn: rnn,
            *_LAYER_MISTAKES,
            _INTERLEAVED,
            (
                "directions_summed",
                "you add the two directions' states together where output joins them side by side: "
                "each step of output is [forward | backward], D*H features, and the layer above reads "
                "all of them",
            ),
            (
                "directions_added",
                "the layer above receives H features per step where it reads D*H: either the two "
                "directions' states are added together, or only one direction's half is passed up; "
                "each step of output joins them side by side, [forward | backward], and the layer "
                "above reads all of them",
            ),
            (
                "h0_read_direction_major",
                "you read each layer's initial state from h0 direction-major (h0[direction * num_layers + "
                "layer]); h0 is layer-major, like h_n: h0[layer * D + direction]",
            ),
            (
                "h0_batch_first",
                "you transpose h0 when batch_first=True; batch_first changes x and output only: h0 and h_n "
                "are (D*num_layers, N, H) in both layouts",
                _h0_batch_first,
            ),
            (
                "ignores_batch_first",
                "your function ignores batch_first: with batch_first=True, x is (N, L, H_in)",
            ),
            (
                "output_not_transposed_back",
                "output is not transposed back to batch-first: with batch_first=True it is (N, L, D*H)",
            ),
            (
                "h_n_batch_first",
                "h_n is batch-first; h_n never is: it is always (D*num_layers, N, H)",
            ),
            (
                "direction_major",
                "h0 and h_n are indexed direction-major (direction*num_layers + layer); torch uses layer*D + direction",
            ),
            (
                "x_to_every_layer",
                "every layer after the first receives x instead of the previous layer's output",
            ),
            (
                "every_layer_starts_from_h0_0",
                "every layer starts from h0[0]; layer l, direction d starts from h0[l*D + d]",
            ),
            (
                "every_layer_starts_from_h0_d",
                "every layer starts from the first layer's states h0[d]; layer l, direction d starts from h0[l*D + d]",
            ),
            (
                "layer_0_weights",
                "every layer uses layer 0's weights; layer l has its own, ending in _l{l}",
            ),
            *_BACKWARD_MISTAKES,
            (
                "backward_starts_from_forward_h0",
                "your backward direction starts from the forward direction's initial state; each "
                "direction has its own row of h0, forward then backward for each layer "
                "(h0[l*D + d])",
            ),
            ("h0_directions_swapped", _SWAPPED_H0),
            ("state_carried_across_layers", _CARRIED.replace("h0[l]", "h0[l*D + d]")),
            (
                "final_state_to_the_next_layer",
                _FINAL_ONLY.replace("(N, H) state", "(N, D*H) state").replace(
                    "(L, N, H)", "(L, N, D*H)"
                ),
            ),
            (
                "final_state_at_every_step",
                _FINAL_ONLY.replace("(N, H) state", "(N, D*H) state").replace(
                    "(L, N, H)", "(L, N, D*H)"
                ),
            ),
            ("reshape_for_batch_first", _RESHAPE),
            (
                "output_of_the_first_layer",
                "output holds the first layer's outputs; it should hold the last layer's",
            ),
        ),
        hints=(
            "With batch_first=True, swap x's first two axes on the way in and output's on the way out. "
            "h0 and h_n are never batch-first.",
            "Layer l's forward direction uses the parameters ending in _l{l}, its backward direction those "
            "ending in _l{l}_reverse. Direction d of layer l starts from h0[l*D + d], and h_n is filled in "
            "the same order.",
            "Each layer after the first reads the whole output of the layer below, both directions' "
            "features: (L, N, D*H). Your bidirectional_rnn(x, h0, params, layer=k) runs layer k; a loop over "
            "the layers, as in lesson 5's stacked_rnn, does the rest.",
        ),
    )
)
