"""Exercises for the forward pass: the cell, one layer, final states, stacked, bidirectional, all of nn.RNN."""

import torch
from torch import nn

from .cases import DTYPE, dims_label, generator, randn, rnn_params, torch_rnn
from .core import Case, Exercise, Mistake, register

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


def _cell_without_b_hh(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T)


def _cell_without_b_ih(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + h @ w_hh.T + b_hh)


def _cell_without_biases(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + h @ w_hh.T)


def _cell_without_tanh(x, h, w_ih, w_hh, b_ih, b_hh):
    return x @ w_ih.T + b_ih + h @ w_hh.T + b_hh


def _cell_with_relu(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.relu(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def _cell_with_sigmoid(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.sigmoid(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def _cell_w_hh_untransposed(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh + b_hh)


def _cell_ignores_h(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih + b_hh)


def _cell_tanh_per_term(x, h, w_ih, w_hh, b_ih, b_hh):
    return torch.tanh(x @ w_ih.T + b_ih) + torch.tanh(h @ w_hh.T + b_hh)


def _cell_returns_h(x, h, w_ih, w_hh, b_ih, b_hh):
    return h


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
                "your h_next ignores b_hh (torch adds two biases, b_ih and b_hh)",
                _cell_without_b_hh,
            ),
            Mistake(
                "your h_next ignores b_ih (torch adds two biases, b_ih and b_hh)",
                _cell_without_b_ih,
            ),
            Mistake("your h_next leaves out both biases", _cell_without_biases),
            Mistake(
                "your h_next is missing the tanh: it returns the pre-activation", _cell_without_tanh
            ),
            Mistake("your h_next uses relu; this exercise uses tanh", _cell_with_relu),
            Mistake("your h_next uses sigmoid; an RNN cell uses tanh", _cell_with_sigmoid),
            Mistake(
                "you multiply h by weight_hh without transposing it (torch computes h @ W_hh^T)",
                _cell_w_hh_untransposed,
            ),
            Mistake("your h_next ignores the previous hidden state h", _cell_ignores_h),
            Mistake(
                "you apply tanh to the input part and the hidden part separately; tanh wraps their sum",
                _cell_tanh_per_term,
            ),
            Mistake("your function returns the previous hidden state h unchanged", _cell_returns_h),
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
# The mistake kit: nn.RNN's forward pass with one named bug, shared by the catalogues of
# exercises 2, 4, 5 and 6. Only ever called on hidden cases to name what a learner got wrong.
# ---------------------------------------------------------------------------------------------


def _tanh_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step: x (N, H_in), h (N, H) -> (N, H)."""
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def _suffix(layer, direction):
    """'_l1' or '_l1_reverse': the part of nn.RNN's parameter names that picks a layer and direction."""
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


def _weights(params, layer, direction, bug):
    """(weight_ih, weight_hh, bias_ih, bias_hh) for one layer and direction, as the bug reads them."""
    if bug == "layer 0 weights":
        layer = 0
    if bug == "backward uses forward weights":
        direction = 0
    if bug == "directions' weights swapped" and f"weight_ih_l{layer}_reverse" in params:
        direction = 1 - direction
    suffix = _suffix(layer, direction)
    return tuple(params[name + suffix] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def _initial(h0, layer, direction, num_layers, num_directions, bug, carried=None):
    """The (N, H) state that starts one layer and direction, as the bug picks it from h0 (``carried``:
    the layer below's final states, for the bug that hands them on)."""
    if bug == "h0 ignored":
        return torch.zeros_like(h0[0])
    if bug == "every layer starts from h0[0]":
        return h0[0]
    if bug == "every layer starts from h0[d]":
        return h0[direction]
    if bug == "direction-major":
        return h0[direction * num_layers + layer]
    if bug == "state carried across layers" and carried is not None:
        return carried[direction]
    if bug == "first sequence's h0":
        return h0[layer * num_directions + direction][0]  # (H,): broadcast over the batch
    if bug == "h0 directions swapped" and num_directions == 2:
        return h0[layer * num_directions + 1 - direction]
    return h0[layer * num_directions + direction]


def _runs_backwards(direction, bug):
    """Whether this direction's loop runs from t = L-1 down to 0, as the bug has it."""
    if bug == "loop runs backwards":
        return direction == 0
    if bug == "backward runs forwards":
        return False
    return direction == 1


def _one_direction(x, h, weights, direction, bug, cell):
    """One direction of one layer. x (L, N, H_in), h (N, H) -> output (L, N, H), h_n (N, H)."""
    start = h
    backwards = _runs_backwards(direction, bug)
    if bug == "loops over the batch axis":
        x = x.transpose(0, 1)  # x[t] is now x[:, t] of the time-major input
    states = []
    for t in reversed(range(x.shape[0])) if backwards else range(x.shape[0]):
        before = h
        h = cell(x[t], start if bug == "no carry" else h, *weights)  # (N, H)
        states.append(before if bug == "states before step" else h)
    if backwards and not (bug == "backward not flipped back" and direction == 1):
        states.reverse()  # back into time order
    output = torch.stack(states)  # (L, N, H)
    if bug == "h_n at time 0":
        return output, output[0]
    if bug == "h_n at time L-1":
        return output, output[-1]
    return output, h


def _one_layer(layer_input, h0, params, layer, num_layers, num_directions, bug, cell, carried=None):
    """Every direction of one layer -> output (L, N, D*H), [h_n of each direction, (N, H)]."""
    outputs, finals = [], []
    for direction in range(num_directions):
        h = _initial(h0, layer, direction, num_layers, num_directions, bug, carried)
        weights = _weights(params, layer, direction, bug)
        output, h_n = _one_direction(layer_input, h, weights, direction, bug, cell)
        outputs.append(output)
        finals.append(h_n)
    if bug == "backward first":
        outputs.reverse()
    if bug == "directions stacked":
        return torch.stack(outputs), finals  # (D, L, N, H)
    return torch.cat(outputs, dim=2), finals  # (L, N, D*H)


_BUGS = {
    "",  # no bug in the layers: a mistake made elsewhere (the cell, or the shape of the answer)
    "h0 ignored",
    "every layer starts from h0[0]",
    "every layer starts from h0[d]",
    "direction-major",
    "layer 0 weights",
    "backward uses forward weights",
    "loop runs backwards",
    "backward runs forwards",
    "no carry",
    "states before step",
    "backward not flipped back",
    "h_n at time 0",
    "h_n at time L-1",
    "backward first",
    "directions stacked",
    "x to every layer",
    "output of the first layer",
    "h_n of the last layer only",
    "h_n concatenated",
    "output batch-first",
    "ignores batch_first",
    "output not transposed back",
    "h_n batch-first",
    "state carried across layers",
    "first sequence's h0",
    "h0 directions swapped",
    "final state to the next layer",
    "loops over the batch axis",
    "reshape for batch_first",
    "reshape on the way in",
    "reshape on the way out",
    "directions' weights swapped",
}


def _mistaken_rnn(
    x, h0, params, num_layers=1, bidirectional=False, batch_first=False, bug="", cell=_tanh_cell
):
    """nn.RNN's forward with the named bug. x (L, N, H_in) or (N, L, H_in), h0 (D*num_layers, N, H)."""
    if bug not in _BUGS:
        raise ValueError(f"unknown bug {bug!r}")  # a misspelt bug would silently be no bug at all
    num_directions = 2 if bidirectional else 1
    if batch_first and bug in ("reshape for batch_first", "reshape on the way in"):
        x = x.reshape(
            x.shape[1], x.shape[0], x.shape[2]
        )  # (L, N, H_in) in shape, the sequences mixed up
    elif batch_first and bug != "ignores batch_first":
        x = x.transpose(0, 1)  # (L, N, H_in)
    layer_input, all_finals, first_output, carried = x, [], None, None
    for layer in range(num_layers):
        output, finals = _one_layer(
            layer_input, h0, params, layer, num_layers, num_directions, bug, cell, carried
        )
        all_finals.append(finals)
        first_output = output if first_output is None else first_output
        carried = finals
        layer_input = _next_input(x, output, finals, bug)
    return _finish(output, first_output, all_finals, batch_first, bug)


def _next_input(x, output, finals, bug):
    """What the layer above reads: the layer's whole output (L, N, D*H), as the bug has it."""
    if bug == "x to every layer":
        return x
    if bug == "final state to the next layer":
        return torch.cat(finals, dim=-1)  # (N, D*H): one state per sequence, not a sequence
    return output


def _finish(output, first_output, all_finals, batch_first, bug):
    """Assemble (output, h_n) from the last layer's output and every layer's final states."""
    if bug == "output of the first layer":
        output = first_output
    if bug == "h_n of the last layer only":
        all_finals = all_finals[-1:]
    if bug == "direction-major":
        all_finals = [list(column) for column in zip(*all_finals)]
    h_n = torch.stack([h for finals in all_finals for h in finals])  # (num_layers*D, N, H)
    if bug == "h_n concatenated":
        h_n = torch.cat([h for finals in all_finals for h in finals], dim=1)  # (N, num_layers*D*H)
    if batch_first and bug in ("reshape for batch_first", "reshape on the way out"):
        output = output.reshape(
            output.shape[1], output.shape[0], output.shape[2]
        )  # (N, L, D*H), mixed up
    elif bug == "output batch-first" or (batch_first and bug != "output not transposed back"):
        output = output.transpose(0, 1)  # (N, L, D*H)
    if batch_first and bug == "h_n batch-first":
        h_n = h_n.transpose(0, 1)  # (N, num_layers*D, H)
    return output, h_n


# ---------------------------------------------------------------------------------------------
# 2. rnn_layer
# ---------------------------------------------------------------------------------------------

# (L, N, H_in, H): N=1 and L=1 included, and the four sizes all different elsewhere.
_LAYER_SHAPES = [(4, 3, 2, 5), (3, 1, 4, 2), (1, 3, 5, 4), (5, 2, 3, 6), (2, 4, 6, 3), (6, 5, 1, 2)]
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


def _solve_bidirectional(x, h0, params):
    return _solve_rnn(x, h0, params, bidirectional=True)


def _layer_cases():
    return [_layer_case(200 + i, *shape) for i, shape in enumerate(_LAYER_SHAPES)]


def _as_layer(bug="", cell=_tanh_cell, keep_layer_axis=False):
    """A mistake with rnn_layer's signature, from the mistake kit."""

    def layer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
        params = dict(
            zip((name + "_l0" for name in _PARAM_NAMES), (weight_ih, weight_hh, bias_ih, bias_hh))
        )
        output, h_n = _mistaken_rnn(x, h0[None], params, bug=bug, cell=cell)  # h_n: (1, N, H)
        return output, h_n if keep_layer_axis else h_n[0]

    return layer


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
        mistakes=(
            Mistake(
                "h0 is ignored: your loop starts from zeros instead of h0", _as_layer("h0 ignored")
            ),
            Mistake(
                "every sequence in the batch starts from h0[0], the first sequence's initial state: here h0 is "
                "(N, H), one row per sequence (lesson 02's cells had h0 of shape (1, N, H), where h0[0] was the "
                "whole batch); broadcasting hid the mistake",
                _as_layer("first sequence's h0"),
            ),
            Mistake(
                "your loop walks x's second axis (x[:, t]), which is the batch: x is time-major here, "
                "(L, N, H_in), so time is its first axis",
                _as_layer("loops over the batch axis"),
            ),
            Mistake(
                "every time step starts from h0: carry the new hidden state into the next step",
                _as_layer("no carry"),
            ),
            Mistake("h_n holds the first step instead of the last", _as_layer("h_n at time 0")),
            Mistake(
                "output[t] holds the hidden state from before step t; it should hold the state after it",
                _as_layer("states before step"),
            ),
            Mistake(
                "your loop runs backwards in time, from the last step to the first",
                _as_layer("loop runs backwards"),
            ),
            Mistake(
                "output is batch-first (N, L, H); this layer is time-major: (L, N, H)",
                _as_layer("output batch-first"),
            ),
            Mistake(
                "h_n has an extra leading axis, (1, N, H) like nn.RNN's; for one layer return the (N, H) state",
                _as_layer(keep_layer_axis=True),
            ),
            Mistake(
                "the cell in your loop ignores b_hh (torch adds both biases)",
                _as_layer(cell=_cell_without_b_hh),
            ),
            Mistake(
                "the cell in your loop ignores b_ih (torch adds both biases)",
                _as_layer(cell=_cell_without_b_ih),
            ),
            Mistake(
                "the cell in your loop is missing the tanh", _as_layer(cell=_cell_without_tanh)
            ),
            Mistake(
                "the cell in your loop multiplies h by weight_hh without transposing it",
                _as_layer(cell=_cell_w_hh_untransposed),
            ),
            Mistake(
                "the cell in your loop ignores the previous hidden state",
                _as_layer(cell=_cell_ignores_h),
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
    (1, 1, False, 4, 3, 2, 5),
    (2, 2, False, 5, 3, 3, 4),
    (3, 2, True, 3, 4, 2, 5),
    (2, 1, True, 6, 3, 4, 2),
    (1, 2, True, 4, 1, 3, 5),
    (3, 1, False, 1, 2, 5, 3),
    (1, 2, False, 2, 5, 1, 3),
    (2, 2, True, 1, 3, 4, 6),
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
    forward_step=-1,
    backward_step=0,
    time_axis=None,
    swap_halves=False,
):
    """A mistaken final_states: each direction's (N, H) slice at the given steps, stacked -> (D, N, H)."""
    if time_axis is None:
        time_axis = 1 if batch_first else 0
    steps = output.movedim(time_axis, 0)  # (L, N, D*H) when time_axis is right
    halves = list(steps.split(steps.shape[-1] // num_directions, dim=-1))  # D tensors (L, N, H)
    if swap_halves:
        halves.reverse()
    picks = [halves[0][forward_step]] + [half[backward_step] for half in halves[1:]]
    return torch.stack(picks)  # (D, N, H)


def _final_both_last(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first, backward_step=-1)


def _final_both_first(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first, forward_step=0)


def _final_backward_first_step(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first, forward_step=0, backward_step=-1)


def _final_time_major(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first, time_axis=0)


def _final_inverted(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first, time_axis=0 if batch_first else 1)


def _final_halves_swapped(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first, swap_halves=True)


def _final_n_first(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first).transpose(0, 1)  # (N, D, H)


def _final_concatenated(output, num_directions, batch_first):
    return torch.cat(list(_picked(output, num_directions, batch_first)), dim=1)  # (N, D*H)


def _final_last_step_as_is(output, num_directions, batch_first):
    steps = output.transpose(0, 1) if batch_first else output  # (L, N, D*H)
    return steps[-1]  # (N, D*H)


def _final_time_on_axis_1(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first, time_axis=1)  # (D, L, H) when time-major


def _final_axis_1_both_last(output, num_directions, batch_first):
    return _picked(output, num_directions, batch_first, backward_step=-1, time_axis=1)


def _final_axis_1_as_is(output, num_directions, batch_first):
    return output[:, -1]  # (L, D*H) when time-major


_AXIS_1 = (
    "you always read the last entry of output's axis 1 (output[:, -1]), as if batch_first were True: "
    "without batch_first output is (L, N, D*H), time first, so output[:, -1] is the last sequence of "
    "the batch at every step"
)


def _final_one_direction(output, num_directions, batch_first):
    return _picked(output, 1, batch_first)  # (1, N, D*H)


register(
    Exercise(
        id="final_states",
        title="What h_n holds, read off output",
        signature="final_states(output, num_directions, batch_first) -> final_states (D, N, H)",
        arg_names=("output", "num_directions", "batch_first"),
        output_names=("final_states",),
        make_cases=_final_cases,
        lesson="03_output_and_h_n",
        mistakes=(
            Mistake(
                "you take the last time step for the backward direction too; the backward direction "
                "finishes at t = 0, so its final state is at the first time step",
                _final_both_last,
            ),
            Mistake(
                "you take the first time step for the forward direction; the forward direction "
                "finishes at t = L-1, so its final state is at the last time step",
                _final_both_first,
            ),
            Mistake(
                "the two directions' steps are the wrong way round: forward finishes at the last "
                "time step, backward at the first",
                _final_backward_first_step,
            ),
            Mistake(
                "your function ignores batch_first: with batch_first=True time is output's axis 1",
                _final_time_major,
            ),
            Mistake(
                "batch_first is read the wrong way round: batch_first=True puts time on axis 1, not 0",
                _final_inverted,
            ),
            Mistake(_AXIS_1, _final_time_on_axis_1),
            Mistake(
                _AXIS_1
                + "; and the backward direction finishes at the first time step, not the last",
                _final_axis_1_both_last,
            ),
            Mistake(
                _AXIS_1 + "; and h_n splits each step's D*H features by direction: (D, N, H)",
                _final_axis_1_as_is,
            ),
            Mistake(
                "the halves are swapped: output's features are [forward | backward], forward first",
                _final_halves_swapped,
            ),
            Mistake(
                "your result is (N, D, H); h_n puts the directions first: (D, N, H)", _final_n_first
            ),
            Mistake(
                "your result joins the directions' features into (N, D*H), like one step of output; "
                "h_n keeps each direction on its own: (D, N, H)",
                _final_concatenated,
            ),
            Mistake(
                "you return output's last time step as it is, (N, D*H); h_n splits it by direction into "
                "(D, N, H), and the backward direction's final state is at the first time step",
                _final_last_step_as_is,
            ),
            Mistake(
                "your function ignores num_directions: with two directions each step's features hold "
                "[forward | backward], H each",
                _final_one_direction,
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

# (num_layers, L, N, H_in, H). The first case has H_in == H, so that feeding x to every layer
# gives wrong values there instead of a shape error; the others have all sizes different.
_STACKED_SETUPS = [
    (2, 3, 2, 4, 4),
    (1, 4, 3, 2, 5),
    (3, 5, 2, 3, 4),
    (2, 1, 3, 5, 2),
    (3, 2, 1, 4, 3),
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


def _as_stacked(bug):
    """A mistake with stacked_rnn's signature, from the mistake kit."""

    def stacked(x, h0, params, num_layers):
        return _mistaken_rnn(x, h0, params, num_layers, bug=bug)

    return stacked


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
        mistakes=(
            Mistake(
                "every layer after the first receives x instead of the previous layer's output",
                _as_stacked("x to every layer"),
            ),
            Mistake(
                "every layer uses layer 0's weights; layer l has its own, ending in _l{l}",
                _as_stacked("layer 0 weights"),
            ),
            Mistake(
                "every layer starts from h0[0]; layer l starts from h0[l]",
                _as_stacked("every layer starts from h0[0]"),
            ),
            Mistake(
                "h0 is ignored: your layers start from zeros instead of h0",
                _as_stacked("h0 ignored"),
            ),
            Mistake(_CARRIED, _as_stacked("state carried across layers")),
            Mistake(_FINAL_ONLY, _as_stacked("final state to the next layer")),
            Mistake(
                "output holds the first layer's outputs; it should hold the last layer's",
                _as_stacked("output of the first layer"),
            ),
            Mistake(
                "h_n holds only the last layer's final state; it holds every layer's: (num_layers, N, H)",
                _as_stacked("h_n of the last layer only"),
            ),
            Mistake(
                "h_n holds each layer's first step instead of its last",
                _as_stacked("h_n at time 0"),
            ),
            Mistake(
                "every time step starts from the layer's initial state: carry the hidden state from step to step",
                _as_stacked("no carry"),
            ),
            Mistake(
                "h_n joins the layers along the feature axis; stack them along a new first axis: (num_layers, N, H)",
                _as_stacked("h_n concatenated"),
            ),
            Mistake(
                "output is batch-first (N, L, H); this function is time-major: (L, N, H)",
                _as_stacked("output batch-first"),
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


def _bidirectional_cases():
    return [_bidirectional_case(500 + i, *shape) for i, shape in enumerate(_LAYER_SHAPES)]


def _as_bidirectional(bug):
    """A mistake with bidirectional_rnn's signature, from the mistake kit."""

    def bidirectional(x, h0, params):
        return _mistaken_rnn(x, h0, params, 1, bidirectional=True, bug=bug)

    return bidirectional


_SWAPPED_H0 = (
    "the two directions' initial states are swapped: the forward direction starts from its own entry "
    "of h0 and the backward direction from the next one (h0[0] and h0[1] for one layer)"
)

_BACKWARD_MISTAKES = (
    (
        "the backward direction's outputs are still in reversed time order: put its state for step t at output[t]",
        "backward not flipped back",
    ),
    (
        "the backward direction runs forwards in time; it should run from t = L-1 down to 0",
        "backward runs forwards",
    ),
    (
        "the backward direction uses the forward weights; its own end in _reverse",
        "backward uses forward weights",
    ),
    (
        "the two directions' weights are swapped: the forward direction uses the parameters without _reverse, the "
        "backward direction those ending in _reverse",
        "directions' weights swapped",
    ),
    (
        "the two directions are concatenated in the wrong order: [backward, forward] instead of [forward, backward]",
        "backward first",
    ),
    (
        "h_n's backward entry is its state at the last time step; the backward direction finishes at t = 0",
        "h_n at time L-1",
    ),
    ("h_n holds each direction's first step instead of its final state", "h_n at time 0"),
)


register(
    Exercise(
        id="bidirectional_rnn",
        solve=_solve_bidirectional,
        title="Reading the sequence both ways",
        signature="bidirectional_rnn(x, h0, params) -> (output, h_n)",
        arg_names=("x", "h0", "params"),
        output_names=("output", "h_n"),
        make_cases=_bidirectional_cases,
        lesson="06_bidirectional_rnns",
        mistakes=tuple(
            Mistake(message, _as_bidirectional(bug)) for message, bug in _BACKWARD_MISTAKES
        )
        + (
            Mistake(
                "both directions start from h0[0]; the backward direction starts from h0[1]",
                _as_bidirectional("every layer starts from h0[0]"),
            ),
            Mistake(
                "h0 is ignored: both directions start from zeros instead of h0",
                _as_bidirectional("h0 ignored"),
            ),
            Mistake(_SWAPPED_H0, _as_bidirectional("h0 directions swapped")),
            Mistake(
                "output stacks the two directions on a new axis; concatenate them along the feature axis: (L, N, 2*H)",
                _as_bidirectional("directions stacked"),
            ),
            Mistake(
                "h_n joins the directions along the feature axis (N, 2*H); "
                "stack them along a new first axis: (2, N, H)",
                _as_bidirectional("h_n concatenated"),
            ),
            Mistake(
                "every time step starts from the direction's initial state: carry the hidden state from step to step",
                _as_bidirectional("no carry"),
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
    (1, False, False, 4, 3, 2, 5),
    (2, True, True, 3, 1, 4, 2),
    (2, True, False, 5, 2, 3, 4),
    (3, False, True, 2, 4, 5, 3),
    (1, True, True, 4, 3, 2, 6),
    (3, True, False, 1, 2, 3, 5),
    (2, False, False, 3, 5, 1, 2),
    (1, False, True, 5, 2, 6, 4),
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


def _as_forward(bug):
    """A mistake with rnn_forward's signature, from the mistake kit."""

    def forward(x, h0, params, num_layers, bidirectional, batch_first):
        return _mistaken_rnn(x, h0, params, num_layers, bidirectional, batch_first, bug=bug)

    return forward


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
        mistakes=(
            Mistake(
                "your function ignores batch_first: with batch_first=True, x is (N, L, H_in)",
                _as_forward("ignores batch_first"),
            ),
            Mistake(
                "output is not transposed back to batch-first: with batch_first=True it is (N, L, D*H)",
                _as_forward("output not transposed back"),
            ),
            Mistake(
                "h_n is batch-first; h_n never is: it is always (D*num_layers, N, H)",
                _as_forward("h_n batch-first"),
            ),
            Mistake(
                "h0 and h_n are indexed direction-major (direction*num_layers + layer); torch uses layer*D + direction",
                _as_forward("direction-major"),
            ),
            Mistake(
                "every layer after the first receives x instead of the previous layer's output",
                _as_forward("x to every layer"),
            ),
            Mistake(
                "every layer starts from h0[0]; layer l, direction d starts from h0[l*D + d]",
                _as_forward("every layer starts from h0[0]"),
            ),
            Mistake(
                "every layer starts from the first layer's states h0[d]; layer l, direction d starts from h0[l*D + d]",
                _as_forward("every layer starts from h0[d]"),
            ),
            Mistake(
                "every layer uses layer 0's weights; layer l has its own, ending in _l{l}",
                _as_forward("layer 0 weights"),
            ),
        )
        + tuple(Mistake(message, _as_forward(bug)) for message, bug in _BACKWARD_MISTAKES)
        + (
            Mistake(
                "h0 is ignored: your layers start from zeros instead of h0",
                _as_forward("h0 ignored"),
            ),
            Mistake(_SWAPPED_H0, _as_forward("h0 directions swapped")),
            Mistake(
                _CARRIED.replace("h0[l]", "h0[l*D + d]"), _as_forward("state carried across layers")
            ),
            Mistake(
                _FINAL_ONLY.replace("(N, H) state", "(N, D*H) state").replace(
                    "(L, N, H)", "(L, N, D*H)"
                ),
                _as_forward("final state to the next layer"),
            ),
            Mistake(_RESHAPE, _as_forward("reshape for batch_first")),
            Mistake(
                _RESHAPE + " (here on the way in, for x)", _as_forward("reshape on the way in")
            ),
            Mistake(
                _RESHAPE + " (here on the way out, for output)",
                _as_forward("reshape on the way out"),
            ),
            Mistake(
                "output holds the first layer's outputs; it should hold the last layer's",
                _as_forward("output of the first layer"),
            ),
            Mistake(
                "h_n holds only the last layer's final states; it holds every layer's",
                _as_forward("h_n of the last layer only"),
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
