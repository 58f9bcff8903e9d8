"""rnn_course.reference's LSTM and GRU twins: torch.nn.LSTM / nn.GRU, their cells and autograd are
the oracle (float64).

Every parity test compares the output, every part of the final state and the gradients of the
input, of every part of hx and of every parameter. Bad input, construction and ``repr`` are in
test_reference_gated_surface.py; PyTorch's own RNN tests, ported, in test_reference_ported.py.
"""

import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from test_reference import (
    DTYPE,
    assert_same,
    assert_same_named_parameters,
    built_after_the_same_seed,
)
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence
from torch.utils._python_dispatch import TorchDispatchMode

from rnn_course import reference
from rnn_course.exercises.guard import Guard

L, N, H_IN, H, PROJ = (
    3,
    2,
    3,
    5,
    2,
)  # all different where they can be, so a swapped axis cannot hide
MODULES = {"LSTM": (reference.LSTM, nn.LSTM), "GRU": (reference.GRU, nn.GRU)}
CELLS = {"LSTMCell": (reference.LSTMCell, nn.LSTMCell), "GRUCell": (reference.GRUCell, nn.GRUCell)}


def randn(gen, *shape):
    return torch.randn(*shape, generator=gen, dtype=DTYPE)


def twins(kind, *args, **kwargs):
    """reference's and torch's module of one kind, from the same arguments, with the same
    parameters: torch's loads the state_dict of ours."""
    ours_class, theirs_class = {**MODULES, **CELLS}[kind]
    ours = ours_class(*args, dtype=DTYPE, **kwargs)
    theirs = theirs_class(*args, dtype=DTYPE, **kwargs)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    return ours, theirs


def parts(state):
    """A state's tensors as a list: [h] for RNN and GRU, [h, c] for LSTM, [] for None."""
    if state is None:
        return []
    return list(state) if isinstance(state, (tuple, list)) else [state]


def is_lstm(module):
    """True for an LSTM or LSTMCell, ours or torch's: modules whose state is a pair (h, c)."""
    return isinstance(module, (nn.LSTM, nn.LSTMCell, reference.LSTM, reference.LSTMCell))


def state_like(module, tensors):
    """tensors in the form the module's hx takes: a pair for LSTM, one tensor otherwise."""
    return tuple(tensors) if is_lstm(module) else tensors[0]


def module_inputs(gen, module, length, batch, batched, give_hx):
    """An input and an hx (or None) of the shapes ``module`` (ours or torch's) expects."""
    features = module.input_size
    if not batched:
        x = randn(gen, length, features)  # (L, H_in)
    elif module.batch_first:
        x = randn(gen, batch, length, features)  # (N, L, H_in)
    else:
        x = randn(gen, length, batch, features)  # (L, N, H_in)
    if not give_hx:
        return x, None
    states = module.num_layers * (2 if module.bidirectional else 1)
    batch_shape = (batch,) if batched else ()
    h_size = module.proj_size if module.proj_size > 0 else module.hidden_size
    sizes = [h_size, module.hidden_size] if is_lstm(module) else [h_size]
    return x, state_like(module, [randn(gen, states, *batch_shape, size) for size in sizes])


def run_and_backward(module, x, hx, gen_seed, pack=None):
    """The module's results and the gradients of a random weighted sum of them w.r.t. the input,
    every part of hx and every parameter. ``pack`` turns the input leaf into a PackedSequence."""
    x_leaf = x.clone().requires_grad_()
    hx_leaves = [part.clone().requires_grad_() for part in parts(hx)]
    given = x_leaf if pack is None else pack(x_leaf)
    result = module(given, state_like(module, hx_leaves) if hx_leaves else None)
    is_cell = not hasattr(
        module, "num_layers"
    )  # a cell returns its state, a module (output, state)
    output, state = (None, result) if is_cell else result
    tensors = parts(state)
    if output is not None:
        tensors.insert(0, output.data if isinstance(output, PackedSequence) else output)
    gen = torch.Generator().manual_seed(gen_seed)
    sum((tensor * randn(gen, *tensor.shape)).sum() for tensor in tensors).backward()
    grads = {"input": x_leaf.grad}
    grads.update((f"hx[{i}]", leaf.grad) for i, leaf in enumerate(hx_leaves))
    grads.update((name, parameter.grad) for name, parameter in module.named_parameters())
    return result, tensors, grads


def assert_same_results(ours, theirs, x, hx, pack=None):
    """Same results (structure and values) and same gradients, ours against torch's."""
    got, got_tensors, got_grads = run_and_backward(ours, x, hx, 99, pack)
    expected, expected_tensors, expected_grads = run_and_backward(theirs, x, hx, 99, pack)
    assert type(got) is type(expected) and len(got) == len(expected)
    assert [type(part) for part in got] == [type(part) for part in expected]
    assert len(got_tensors) == len(expected_tensors)
    for actual, wanted in zip(got_tensors, expected_tensors):
        assert actual.shape == wanted.shape and actual.dtype == wanted.dtype
        assert_same(actual, wanted)
    assert got_grads.keys() == expected_grads.keys()
    for name, grad in got_grads.items():
        assert_same(grad, expected_grads[name])
    return got, expected


# ---------------------------------------------------------------------------------------------
# The modules over the grid of RNN's tests (proj_size for LSTM instead of the nonlinearity)
# ---------------------------------------------------------------------------------------------

GRID = [
    pytest.mark.parametrize("give_hx", [True, False], ids=["hx", "no_hx"]),
    pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"]),
    pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"]),
    pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"]),
    pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"]),
    pytest.mark.parametrize("num_layers", [1, 2, 3]),
]


def on_the_grid(test):
    for mark in GRID:
        test = mark(test)
    return test


@on_the_grid
@pytest.mark.parametrize("proj_size", [0, PROJ], ids=["no_proj", "proj"])
def test_lstm_matches_torch(
    proj_size, num_layers, bidirectional, batch_first, bias, batched, give_hx
):
    options = {"bias": bias, "batch_first": batch_first, "bidirectional": bidirectional}
    ours, theirs = twins("LSTM", H_IN, H, num_layers, proj_size=proj_size, **options)
    x, hx = module_inputs(torch.Generator().manual_seed(num_layers), ours, L, N, batched, give_hx)
    (output, (h_n, c_n)), _ = assert_same_results(ours, theirs, x, hx)
    h_size, directions = proj_size or H, 2 if bidirectional else 1
    assert output.shape[-1] == directions * h_size  # (…, D*H_out)
    assert h_n.shape[-1] == h_size and c_n.shape[-1] == H  # h_n (…, H_out), c_n (…, H)


@on_the_grid
def test_gru_matches_torch(num_layers, bidirectional, batch_first, bias, batched, give_hx):
    options = {"bias": bias, "batch_first": batch_first, "bidirectional": bidirectional}
    ours, theirs = twins("GRU", H_IN, H, num_layers, **options)
    x, hx = module_inputs(torch.Generator().manual_seed(num_layers), ours, L, N, batched, give_hx)
    assert_same_results(ours, theirs, x, hx)


@given(
    kind=st.sampled_from(["LSTM", "GRU"]),
    batch=st.integers(1, 3),
    length=st.integers(1, 4),
    input_size=st.integers(1, 4),
    hidden_size=st.integers(1, 4),
    proj_fraction=st.floats(0, 0.99),
    num_layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    bias=st.booleans(),
    batched=st.booleans(),
    give_hx=st.booleans(),
    seed=st.integers(0, 2**16),
)
@example("LSTM", 1, 1, 2, 3, 0.5, 1, False, False, True, True, True, 0)  # proj_size 1, N = L = 1
@example("GRU", 1, 1, 3, 1, 0, 2, True, True, False, True, False, 1)  # H = 1
def test_gated_modules_match_torch_for_any_shape(
    kind, batch, length, input_size, hidden_size, proj_fraction, num_layers, bidirectional,
    batch_first, bias, batched, give_hx, seed,
):  # fmt: skip
    options = {"bias": bias, "batch_first": batch_first, "bidirectional": bidirectional}
    if kind == "LSTM":
        options["proj_size"] = int(proj_fraction * hidden_size)  # 0 to hidden_size - 1
    torch.manual_seed(seed)
    ours, theirs = twins(kind, input_size, hidden_size, num_layers, **options)
    gen = torch.Generator().manual_seed(seed)
    x, hx = module_inputs(gen, ours, length, batch, batched, give_hx)
    assert_same_results(ours, theirs, x, hx)


# ---------------------------------------------------------------------------------------------
# PackedSequence input, sorted and unsorted
# ---------------------------------------------------------------------------------------------

LENGTHS = {"sorted": [4, 3, 3, 1], "unsorted": [2, 4, 1, 3]}  # N = 4, L = 4
PACKED_CONFIGS = {
    "lstm": ("LSTM", {}),
    "lstm_proj_no_bias": ("LSTM", {"proj_size": PROJ, "bias": False}),
    "gru": ("GRU", {}),
    "gru_no_bias": ("GRU", {"bias": False}),
}


def packer(lengths, batch_first):
    """x (padded batch) -> PackedSequence, enforce_sorted only when the lengths are sorted."""
    enforce_sorted = lengths == sorted(lengths, reverse=True)
    return lambda x: pack_padded_sequence(
        x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=enforce_sorted
    )


@pytest.mark.parametrize("give_hx", [True, False], ids=["hx", "no_hx"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("order", LENGTHS.keys())
@pytest.mark.parametrize("config", PACKED_CONFIGS.values(), ids=PACKED_CONFIGS.keys())
def test_packed_input_matches_torch(config, order, num_layers, bidirectional, batch_first, give_hx):
    kind, options = config
    lengths = LENGTHS[order]
    ours, theirs = twins(
        kind, H_IN, H, num_layers, batch_first=batch_first, bidirectional=bidirectional, **options
    )
    gen = torch.Generator().manual_seed(num_layers)
    x, hx = module_inputs(gen, ours, max(lengths), len(lengths), True, give_hx)
    (output, _), (expected_output, _) = assert_same_results(
        ours, theirs, x, hx, pack=packer(lengths, batch_first)
    )
    assert isinstance(output, PackedSequence)
    for name in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        got, expected = getattr(output, name), getattr(expected_output, name)
        assert (got is None and expected is None) or torch.equal(got, expected), name


@given(
    kind=st.sampled_from(["LSTM", "GRU"]),
    lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    num_layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    projected=st.booleans(),
    give_hx=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_packed_matches_torch_for_any_lengths(
    kind, lengths, num_layers, bidirectional, projected, give_hx, seed
):
    options = {"proj_size": PROJ} if kind == "LSTM" and projected else {}
    ours, theirs = twins(kind, H_IN, H, num_layers, bidirectional=bidirectional, **options)
    gen = torch.Generator().manual_seed(seed)
    x, hx = module_inputs(gen, ours, max(lengths), len(lengths), True, give_hx)
    assert_same_results(ours, theirs, x, hx, pack=packer(lengths, batch_first=False))


# ---------------------------------------------------------------------------------------------
# Dropout between layers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
@pytest.mark.parametrize(
    "kind, options", [("LSTM", {}), ("LSTM", {"proj_size": PROJ}), ("GRU", {})]
)
def test_full_dropout_in_train_mode_matches_torch(kind, options, packed):
    """With dropout=1.0 every element between layers is zeroed: both modules are deterministic."""
    ours, theirs = twins(kind, H_IN, H, 3, dropout=1.0, bidirectional=True, **options)
    ours.train(), theirs.train()
    lengths = LENGTHS["unsorted"]
    x, hx = module_inputs(torch.Generator().manual_seed(7), ours, 4, len(lengths), True, True)
    assert_same_results(ours, theirs, x, hx, pack=packer(lengths, False) if packed else None)
    eval_output, _ = ours.eval()(x, hx)
    assert not torch.allclose(ours.train()(x, hx)[0], eval_output)  # dropout really acted


@pytest.mark.parametrize("kind", MODULES)
def test_eval_mode_ignores_dropout_like_torch(kind):
    ours, theirs = twins(kind, H_IN, H, 3, dropout=0.5)
    without_dropout, _ = twins(kind, H_IN, H, 3)
    without_dropout.load_state_dict(ours.state_dict())
    ours.eval(), theirs.eval()
    x, hx = module_inputs(torch.Generator().manual_seed(8), ours, L, N, True, True)
    for expected in (theirs, without_dropout):
        for got, wanted in zip(parts(ours(x, hx)[1]), parts(expected(x, hx)[1])):
            assert_same(got, wanted)


# ---------------------------------------------------------------------------------------------
# The cells, as modules and as functions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("give_hx", [True, False], ids=["hx", "no_hx"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("kind", CELLS)
def test_cell_module_matches_torch(kind, bias, batched, give_hx):
    ours, theirs = twins(kind, H_IN, H, bias)
    gen = torch.Generator().manual_seed(1)
    batch = (N,) if batched else ()
    x = randn(gen, *batch, H_IN)
    hx = None
    if give_hx:
        hx = randn(gen, *batch, H)
        hx = (hx, randn(gen, *batch, H)) if kind == "LSTMCell" else hx
    got, expected = run_and_backward(ours, x, hx, 3), run_and_backward(theirs, x, hx, 3)
    assert type(got[0]) is type(expected[0])  # a tuple (h, c) from LSTMCell, a tensor from GRUCell
    for actual, wanted in zip(got[1], expected[1]):
        assert_same(actual, wanted)
    assert got[2].keys() == expected[2].keys()
    for name, grad in got[2].items():
        assert_same(grad, expected[2][name])


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_cell_functions_match_torch_cells(kind, bias, batched):
    cell = {"lstm": nn.LSTMCell, "gru": nn.GRUCell}[kind](H_IN, H, bias, dtype=DTYPE)
    gen = torch.Generator().manual_seed(2)
    batch = (N,) if batched else ()
    x, h, c = randn(gen, *batch, H_IN), randn(gen, *batch, H), randn(gen, *batch, H)
    weights = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    if kind == "lstm":
        got, expected = reference.lstm_cell(x, h, c, *weights), cell(x, (h, c))  # (h, c) pairs
    else:
        got, expected = reference.gru_cell(x, h, *weights), cell(x, h)
    assert type(got) is type(expected)
    for actual, wanted in zip(parts(got), parts(expected)):
        assert_same(actual, wanted)


def test_lstm_cell_with_weight_hr_is_one_step_of_a_projected_torch_lstm():
    lstm = nn.LSTM(H_IN, H, proj_size=PROJ, dtype=DTYPE)
    gen = torch.Generator().manual_seed(4)
    x, h0, c0 = randn(gen, 1, N, H_IN), randn(gen, 1, N, PROJ), randn(gen, 1, N, H)
    _, (expected_h, expected_c) = lstm(x, (h0, c0))  # (1, N, proj_size), (1, N, H)
    weights = [
        getattr(lstm, name + "_l0") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]
    h_next, c_next = reference.lstm_cell(x[0], h0[0], c0[0], *weights, weight_hr=lstm.weight_hr_l0)
    assert h_next.shape == (N, PROJ) and c_next.shape == (N, H)
    assert_same(h_next, expected_h[0])
    assert_same(c_next, expected_c[0])


@pytest.mark.parametrize(
    "cell, states, mentions",
    [
        ("lstm", [(N, H_IN + 1), (N, H), (N, H)], ["H_in=3", "(2, 4)"]),
        ("lstm", [(N, H_IN), (N + 1, H), (N, H)], ["(2, 5)", "(3, 5)"]),
        ("lstm", [(N, H_IN), (N, H), (N, H + 1)], ["c of shape (2, 5)", "(2, 6)"]),
        ("gru", [(N, H_IN), (N, H + 1)], ["(2, 5)", "(2, 6)"]),
        ("gru", [(N, H_IN), (N + 1, H)], ["(2, 5)", "(3, 5)"]),
    ],
    ids=["lstm feature size", "lstm h batch", "lstm c size", "gru h size", "gru h batch"],
)
def test_cell_functions_reject_bad_shapes_like_torch_kernels(cell, states, mentions):
    torch_cell = {"lstm": nn.LSTMCell, "gru": nn.GRUCell}[cell](H_IN, H, dtype=DTYPE)
    weights = (torch_cell.weight_ih, torch_cell.weight_hh, torch_cell.bias_ih, torch_cell.bias_hh)
    tensors = [torch.randn(shape, dtype=DTYPE) for shape in states]
    kernel = {"lstm": torch.lstm_cell, "gru": torch.gru_cell}[cell]
    ours = {"lstm": reference.lstm_cell, "gru": reference.gru_cell}[cell]
    hx = tensors[1:] if cell == "lstm" else tensors[1]
    with pytest.raises(RuntimeError):
        kernel(tensors[0], hx, *weights)
    with pytest.raises(RuntimeError) as error:
        ours(*tensors, *weights)
    for text in ["expected", "got", *mentions]:
        assert text in str(error.value), text


# ---------------------------------------------------------------------------------------------
# The functional levels: one layer, both directions, a stack, with an (h, c) state
# ---------------------------------------------------------------------------------------------


def direction_weights(module, suffix):
    """(weight_ih, weight_hh, bias_ih, bias_hh[, weight_hr]) of a torch module for one suffix."""
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    names += ["weight_hr"] if module.mode == "LSTM" else []
    return tuple(getattr(module, name + suffix, None) for name in names)


@pytest.mark.parametrize(
    "kind, options", [("LSTM", {}), ("LSTM", {"proj_size": PROJ}), ("GRU", {})]
)
def test_layer_functions_are_each_direction_of_torch(kind, options):
    """lstm_layer / gru_layer with reverse=False is the forward half of a bidirectional torch
    module, reverse=True its backward half."""
    module = MODULES[kind][1](H_IN, H, bidirectional=True, dtype=DTYPE, **options)
    x, hx = module_inputs(torch.Generator().manual_seed(5), module, L, N, True, True)
    expected_output, expected_state = module(x, hx)
    size = module.proj_size or H
    for direction, suffix in enumerate(["_l0", "_l0_reverse"]):
        weights = direction_weights(module, suffix)
        state0 = [part[direction] for part in parts(hx)]
        if kind == "LSTM":
            output, state_n = reference.lstm_layer(x, *state0, *weights, reverse=direction == 1)
        else:
            output, state_n = reference.gru_layer(x, *state0, *weights, reverse=direction == 1)
        assert_same(output, expected_output[..., direction * size : (direction + 1) * size])
        for got, expected in zip(parts(state_n), parts(expected_state)):
            assert_same(got, expected[direction])


@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
@pytest.mark.parametrize("kind, options", [("LSTM", {"proj_size": PROJ}), ("GRU", {})])
def test_stacked_rnn_serves_every_mode(kind, options, packed):
    """The same stacked_rnn, given a mode, is torch's two-layer bidirectional LSTM or GRU."""
    module = MODULES[kind][1](H_IN, H, 2, bidirectional=True, dtype=DTYPE, **options)
    lengths = LENGTHS["sorted"]
    x, hx = module_inputs(torch.Generator().manual_seed(6), module, 4, len(lengths), True, True)
    weights = [
        [direction_weights(module, f"_l{layer}"), direction_weights(module, f"_l{layer}_reverse")]
        for layer in range(2)
    ]
    data, batch_sizes = x, None
    if packed:
        x = packer(lengths, False)(x)
        data, batch_sizes = x.data, x.batch_sizes
    output, state_n = reference.stacked_rnn(data, hx, weights, module.mode, batch_sizes=batch_sizes)
    expected_output, expected_state = module(x, hx)
    assert_same(output, expected_output.data if packed else expected_output)
    assert type(state_n) is type(expected_state)
    for got, expected in zip(parts(state_n), parts(expected_state)):
        assert_same(got, expected)


# ---------------------------------------------------------------------------------------------
# Parameters: the same after the same seed, state_dict both ways
# ---------------------------------------------------------------------------------------------

CONFIGS = {
    "LSTM": [
        {},
        {"num_layers": 3, "bidirectional": True},
        {"num_layers": 2, "bias": False, "proj_size": 2},
        {
            "num_layers": 2,
            "bidirectional": True,
            "proj_size": 3,
            "batch_first": True,
            "dtype": DTYPE,
        },
    ],
    "GRU": [
        {},
        {"num_layers": 3, "bidirectional": True},
        {
            "num_layers": 2,
            "bidirectional": True,
            "bias": False,
            "batch_first": True,
            "dtype": DTYPE,
        },
    ],
}
CONFIG_CASES = [(kind, config) for kind, configs in CONFIGS.items() for config in configs]


@pytest.mark.parametrize("kind, config", CONFIG_CASES)
def test_same_parameters_after_the_same_seed(kind, config):
    ours, theirs = built_after_the_same_seed(MODULES[kind], 3, 5, **config)
    assert_same_named_parameters(ours, theirs)
    assert [[tuple(p.shape) for p in weights] for weights in ours.all_weights] == [
        [tuple(p.shape) for p in weights] for weights in theirs.all_weights
    ]


@pytest.mark.parametrize("config", [{}, {"bias": False}, {"dtype": DTYPE}])
@pytest.mark.parametrize("kind", CELLS)
def test_cell_same_parameters_after_the_same_seed(kind, config):
    ours, theirs = built_after_the_same_seed(CELLS[kind], 3, 5, **config)
    assert_same_named_parameters(ours, theirs)
    assert (ours.bias_ih is None) == (theirs.bias_ih is None)


@pytest.mark.parametrize("kind, config", CONFIG_CASES)
def test_state_dict_loads_both_ways(kind, config):
    ours_class, theirs_class = MODULES[kind]
    ours, theirs = ours_class(3, 5, **config), theirs_class(3, 5, **config)
    x = torch.randn(4, 2, 3, dtype=ours.weight_ih_l0.dtype)
    x = x.transpose(0, 1) if ours.batch_first else x
    ours.load_state_dict(theirs.state_dict(), strict=True)
    for got, expected in zip(parts(ours(x)[1]), parts(theirs(x)[1])):
        torch.testing.assert_close(got, expected)
    fresh = theirs_class(3, 5, **config)
    fresh.load_state_dict(ours_class(3, 5, **config).state_dict(), strict=True)
    fresh.load_state_dict(ours.state_dict(), strict=True)
    torch.testing.assert_close(fresh(x)[0], ours(x)[0])


@pytest.mark.parametrize("kind", CELLS)
def test_cell_state_dict_loads_both_ways(kind):
    ours_class, theirs_class = CELLS[kind]
    ours, theirs = ours_class(3, 5, bias=False), theirs_class(3, 5, bias=False)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3)
    for got, expected in zip(parts(ours(x)), parts(theirs(x))):
        torch.testing.assert_close(got, expected)
    theirs.load_state_dict(ours_class(3, 5, bias=False).state_dict(), strict=True)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    torch.testing.assert_close(parts(theirs(x))[0], parts(ours(x))[0])


# ---------------------------------------------------------------------------------------------
# Devices, dtypes, and no help from torch's recurrent code
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [*MODULES, *CELLS])
def test_float32_works_and_keeps_its_dtype(kind):
    torch.manual_seed(0)
    ours_class, theirs_class = {**MODULES, **CELLS}[kind]
    options = {"num_layers": 2, "bidirectional": True} if kind in MODULES else {}
    ours, theirs = ours_class(3, 4, **options), theirs_class(3, 4, **options)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(5, 2, 3) if kind in MODULES else torch.randn(2, 3)
    got, expected = ours(x), theirs(x)
    got, expected = (got[1], expected[1]) if kind in MODULES else (got, expected)
    for actual, wanted in zip(parts(got), parts(expected)):
        assert actual.dtype == torch.float32
        torch.testing.assert_close(actual, wanted)


def test_meta_device_needs_no_real_device():
    """On the 'meta' device nothing is computed: any hard-coded CPU tensor would fail to mix in."""
    lstm = reference.LSTM(3, 4, 2, batch_first=True, bidirectional=True, proj_size=2, device="meta")
    output, (h_n, c_n) = lstm(torch.empty(2, 5, 3, device="meta"))
    assert {output.device.type, h_n.device.type, c_n.device.type} == {"meta"}
    assert output.shape == (2, 5, 4) and h_n.shape == (4, 2, 2) and c_n.shape == (4, 2, 4)
    gru = reference.GRU(3, 4, device="meta", dtype=torch.float16)
    output, h_n = gru(torch.empty(5, 3, device="meta", dtype=torch.float16))
    assert output.dtype == h_n.dtype == torch.float16 and h_n.device.type == "meta"
    assert output.shape == (5, 4) and h_n.shape == (1, 4)
    h, c = reference.LSTMCell(3, 4, device="meta")(torch.empty(3, device="meta"))
    assert h.device.type == c.device.type == "meta" and h.shape == c.shape == (4,)
    h = reference.GRUCell(3, 4, device="meta", dtype=torch.float16)(
        torch.empty(2, 3, device="meta", dtype=torch.float16)
    )
    assert h.device.type == "meta" and h.dtype == torch.float16 and h.shape == (2, 4)


class RecordedOps(TorchDispatchMode):
    """Records the name of every aten operator that runs."""

    def __init__(self):
        super().__init__()
        self.names = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.names.add(func.name())
        return func(*args, **(kwargs or {}))


def test_forward_and_backward_never_call_torch_recurrent_code():
    lstm, _ = twins("LSTM", 3, 4, 2, bidirectional=True, proj_size=2)
    gru, _ = twins("GRU", 3, 4, 2, bidirectional=True)
    lstm_cell, _ = twins("LSTMCell", 3, 4)
    gru_cell, _ = twins("GRUCell", 3, 4)
    x = torch.randn(5, 2, 3, dtype=DTYPE, requires_grad=True)

    def run_all():
        packed = packer([5, 3], False)(x)
        results = [lstm(x), gru(x), lstm(packed), gru(packed), lstm_cell(x[0]), gru_cell(x[0])]
        sum(tensor.sum() for result in results for tensor in _all_tensors(result)).backward()

    with Guard(forbid_rnn=True) as guard:
        run_all()
    assert {kind for kind, _ in guard.report.violations} == {"reference"}  # only our own code
    with RecordedOps() as ops:  # every aten operator, the backward pass's included
        run_all()
    recurrent = {name for name in ops.names if any(word in name for word in ("lstm", "gru", "rnn"))}
    assert not recurrent, recurrent
    assert {"aten::sigmoid", "aten::tanh_backward"} <= ops.names  # the recorder saw the gates


def _all_tensors(result):
    if isinstance(result, PackedSequence):
        return [result.data]
    if isinstance(result, (tuple, list)):
        return [tensor for item in result for tensor in _all_tensors(item)]
    return [result]


@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
@pytest.mark.parametrize(
    "kind, options", [("RNN", {}), ("LSTM", {}), ("LSTM", {"proj_size": PROJ}), ("GRU", {})]
)
def test_dropout_draws_torch_s_masks_after_the_same_seed(kind, options, packed):
    """On the CPU, F.dropout between layers takes the same random numbers as torch's kernels."""
    ours_class, theirs_class = {"RNN": (reference.RNN, nn.RNN), **MODULES}[kind]
    ours = ours_class(H_IN, H, 3, dropout=0.4, bidirectional=True, dtype=DTYPE, **options)
    theirs = theirs_class(H_IN, H, 3, dropout=0.4, bidirectional=True, dtype=DTYPE, **options)
    theirs.load_state_dict(ours.state_dict())
    lengths = LENGTHS["unsorted"]
    x, hx = module_inputs(torch.Generator().manual_seed(9), ours, 4, len(lengths), True, True)
    given = packer(lengths, False)(x) if packed else x
    results = []
    for module in (ours, theirs):
        torch.manual_seed(2024)
        output, state = module(given, hx)
        results.append([output.data if packed else output, *parts(state)])
    for got, expected in zip(*results):
        assert_same(got, expected)
