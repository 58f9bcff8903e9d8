"""Tests for rnn_course.reference: torch.nn.RNN / nn.RNNCell and autograd are the oracle (float64).

PackedSequence input is tested in test_reference_packed.py.
"""

import inspect
import warnings

import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from rnn_course import reference
from rnn_course.exercises.guard import Guard

DTYPE = torch.float64
L, N, H_IN, H = 3, 2, 3, 4  # all different where they can be, so a swapped axis cannot hide


def assert_same(actual, expected):
    torch.testing.assert_close(actual, expected, atol=1e-10, rtol=1e-10)


def randn(gen, *shape):
    return torch.randn(*shape, generator=gen, dtype=DTYPE)


def twins(*args, **kwargs):
    """reference.RNN and torch.nn.RNN built from the same arguments, holding the same parameters."""
    ours = reference.RNN(*args, dtype=DTYPE, **kwargs)
    theirs = nn.RNN(*args, dtype=DTYPE, **kwargs)
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


def cell_twins(*args, **kwargs):
    """reference.RNNCell and torch.nn.RNNCell holding the same parameters."""
    ours = reference.RNNCell(*args, dtype=DTYPE, **kwargs)
    theirs = nn.RNNCell(*args, dtype=DTYPE, **kwargs)
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


def rnn_inputs(gen, rnn, length, batch, batched, give_hx):
    """An input and an hx (or None) of the shapes ``rnn`` expects."""
    states = rnn.num_layers * (2 if rnn.bidirectional else 1)
    if not batched:
        x, hx_shape = randn(gen, length, rnn.input_size), (states, rnn.hidden_size)
    elif rnn.batch_first:
        x, hx_shape = randn(gen, batch, length, rnn.input_size), (states, batch, rnn.hidden_size)
    else:
        x, hx_shape = randn(gen, length, batch, rnn.input_size), (states, batch, rnn.hidden_size)
    return x, (randn(gen, *hx_shape) if give_hx else None)


def raised(run):
    """The exception ``run()`` raises, or None."""
    try:
        run()
    except Exception as error:  # noqa: BLE001  (comparing exception types is the point)
        return error
    return None


def assert_raises_like_torch(torch_call, our_call, mentions=()):
    """Torch's call raises; ours raises the same type, saying what it expected and what it got."""
    expected, got = raised(torch_call), raised(our_call)
    assert expected is not None, "torch accepts this call: not a bad-input case"
    assert type(got) is type(expected), f"torch raises {expected!r}, ours {got!r}"
    for text in ["expected", "got", *mentions]:
        assert text in str(got), (text, str(got))
    return got


def gradients(module, x, hx, output_weights):
    """Gradients of sum(output * weight) w.r.t. the input, hx and every parameter, by name."""
    x_leaf = x.clone().requires_grad_()
    hx_leaf = None if hx is None else hx.clone().requires_grad_()
    outputs = module(x_leaf, hx_leaf)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    sum((output * weight).sum() for output, weight in zip(outputs, output_weights)).backward()
    grads = {"input": x_leaf.grad, "hx": None if hx is None else hx_leaf.grad}
    grads.update((name, parameter.grad) for name, parameter in module.named_parameters())
    return grads


def assert_same_gradients(ours, theirs):
    assert ours.keys() == theirs.keys()
    for name, grad in ours.items():
        if theirs[name] is None:
            assert grad is None, name
        else:
            assert_same(grad, theirs[name])


# ---------------------------------------------------------------------------------------------
# Forward parity over the full grid
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("give_hx", [True, False], ids=["hx", "no_hx"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
def test_rnn_forward_matches_torch(
    num_layers, bidirectional, batch_first, bias, nonlinearity, batched, give_hx
):
    ours, theirs = twins(
        H_IN,
        H,
        num_layers=num_layers,
        nonlinearity=nonlinearity,
        bias=bias,
        batch_first=batch_first,
        bidirectional=bidirectional,
    )
    x, hx = rnn_inputs(torch.Generator().manual_seed(num_layers), ours, L, N, batched, give_hx)
    output, h_n = ours(x, hx)
    expected_output, expected_h_n = theirs(x, hx)
    assert_same(output, expected_output)
    assert_same(h_n, expected_h_n)


@given(
    batch=st.integers(1, 3),
    length=st.integers(1, 4),
    input_size=st.integers(1, 4),
    hidden_size=st.integers(1, 4),
    num_layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    bias=st.booleans(),
    nonlinearity=st.sampled_from(["tanh", "relu"]),
    batched=st.booleans(),
    give_hx=st.booleans(),
    seed=st.integers(0, 2**16),
)
@example(1, 1, 2, 3, 1, False, False, True, "tanh", True, True, 0)  # N = 1, L = 1, H_in != H
@example(1, 1, 3, 1, 2, True, True, False, "relu", True, False, 1)
def test_rnn_matches_torch_for_any_shape(
    batch,
    length,
    input_size,
    hidden_size,
    num_layers,
    bidirectional,
    batch_first,
    bias,
    nonlinearity,
    batched,
    give_hx,
    seed,
):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = twins(
        input_size,
        hidden_size,
        num_layers,
        nonlinearity,
        bias,
        batch_first,
        bidirectional=bidirectional,
    )
    x, hx = rnn_inputs(gen, ours, length, batch, batched, give_hx)
    output, h_n = ours(x, hx)
    expected_output, expected_h_n = theirs(x, hx)
    assert_same(output, expected_output)
    assert_same(h_n, expected_h_n)
    weights = [randn(gen, *expected_output.shape), randn(gen, *expected_h_n.shape)]
    assert_same_gradients(gradients(ours, x, hx, weights), gradients(theirs, x, hx, weights))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 3])
def test_rnn_gradients_match_torch(num_layers, bidirectional, bias, nonlinearity):
    ours, theirs = twins(
        H_IN, H, num_layers, nonlinearity, bias, batch_first=True, bidirectional=bidirectional
    )
    gen = torch.Generator().manual_seed(5)
    x, hx = rnn_inputs(gen, ours, L, N, batched=True, give_hx=True)
    weights = (randn(gen, N, L, (2 if bidirectional else 1) * H), randn(gen, *hx.shape))
    assert_same_gradients(gradients(ours, x, hx, weights), gradients(theirs, x, hx, weights))


def test_hx_none_means_zeros():
    ours, _ = twins(H_IN, H, 2, bidirectional=True)
    x = randn(torch.Generator().manual_seed(0), L, N, H_IN)
    zeros = torch.zeros(4, N, H, dtype=DTYPE)
    for got, expected in zip(ours(x), ours(x, zeros)):
        assert_same(got, expected)


# ---------------------------------------------------------------------------------------------
# RNNCell and the functional levels
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("give_hx", [True, False], ids=["hx", "no_hx"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
def test_rnn_cell_module_matches_torch(bias, nonlinearity, batched, give_hx):
    ours, theirs = cell_twins(H_IN, H, bias, nonlinearity)
    gen = torch.Generator().manual_seed(1)
    batch = (N,) if batched else ()
    x = randn(gen, *batch, H_IN)
    hx = randn(gen, *batch, H) if give_hx else None
    assert_same(ours(x, hx), theirs(x, hx))
    weight = (randn(gen, *batch, H),)
    assert_same_gradients(gradients(ours, x, hx, weight), gradients(theirs, x, hx, weight))


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
def test_rnn_cell_function_matches_torch(bias, nonlinearity, batched):
    cell = nn.RNNCell(H_IN, H, bias, nonlinearity, dtype=DTYPE)
    gen = torch.Generator().manual_seed(2)
    batch = (N,) if batched else ()
    x, h = randn(gen, *batch, H_IN), randn(gen, *batch, H)
    got = reference.rnn_cell(
        x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh, nonlinearity
    )
    assert_same(got, cell(x, h))


def direction_weights(rnn, suffix):
    """(weight_ih, weight_hh, bias_ih, bias_hh) of a torch nn.RNN for one suffix, e.g. '_l0'."""
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return tuple(getattr(rnn, name + suffix, None) for name in names)


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
def test_rnn_layer_matches_both_directions_of_torch(bias, nonlinearity, batched):
    """reverse=False is the forward half of a bidirectional nn.RNN, reverse=True its backward half."""
    rnn = nn.RNN(H_IN, H, 1, nonlinearity, bias, bidirectional=True, dtype=DTYPE)
    gen = torch.Generator().manual_seed(3)
    batch = (N,) if batched else ()
    x, h0 = randn(gen, L, *batch, H_IN), randn(gen, 2, *batch, H)
    expected_output, expected_h_n = rnn(x, h0)  # (L, N, 2*H), (2, N, H)
    for direction, suffix in enumerate(["_l0", "_l0_reverse"]):
        output, h_n = reference.rnn_layer(
            x, h0[direction], *direction_weights(rnn, suffix), nonlinearity, reverse=direction == 1
        )
        assert_same(output, expected_output[..., direction * H : (direction + 1) * H])
        assert_same(h_n, expected_h_n[direction])


def test_rnn_layer_forward_matches_one_layer_torch_rnn():
    rnn = nn.RNN(H_IN, H, dtype=DTYPE)
    gen = torch.Generator().manual_seed(4)
    x, h0 = randn(gen, L, N, H_IN), randn(gen, N, H)
    expected_output, expected_h_n = rnn(x, h0.unsqueeze(0))
    output, h_n = reference.rnn_layer(x, h0, *direction_weights(rnn, "_l0"))
    assert_same(output, expected_output)
    assert_same(h_n, expected_h_n[0])


def test_stacked_rnn_matches_torch():
    rnn = nn.RNN(H_IN, H, 2, bidirectional=True, dtype=DTYPE)
    gen = torch.Generator().manual_seed(6)
    x, hx = randn(gen, L, N, H_IN), randn(gen, 4, N, H)
    weights = [
        [direction_weights(rnn, f"_l{layer}"), direction_weights(rnn, f"_l{layer}_reverse")]
        for layer in range(2)
    ]
    for got, expected in zip(reference.stacked_rnn(x, hx, weights), rnn(x, hx)):
        assert_same(got, expected)


# ---------------------------------------------------------------------------------------------
# Bad input: the same exception type as torch, and a message naming what was expected and got
# ---------------------------------------------------------------------------------------------

BAD_RNN_CALLS = {
    # id: (constructor kwargs, input shape, hx shape or None, texts the message must contain)
    "1-D input": ({}, (3,), None, ["(3,)"]),
    "4-D input": ({}, (2, 3, 4, 3), None, ["(2, 3, 4, 3)"]),
    "feature size": ({}, (5, 2, 7), None, ["H_in=3", "(5, 2, 7)"]),
    "feature size, unbatched": ({}, (5, 7), None, ["H_in=3", "(5, 7)"]),
    "feature size, batch_first": (
        {"batch_first": True},
        (2, 5, 7),
        None,
        ["(N, L, H_in)", "(2, 5, 7)"],
    ),
    "empty sequence": ({}, (0, 2, 3), None, ["L > 0", "(0, 2, 3)"]),
    "hx batch size": ({}, (5, 2, 3), (2, 3, 4), ["(2, 2, 4)", "(2, 3, 4)"]),
    "hx hidden size": ({}, (5, 2, 3), (2, 2, 5), ["(2, 2, 4)", "(2, 2, 5)"]),
    "hx layers": ({}, (5, 2, 3), (1, 2, 4), ["(2, 2, 4)", "(1, 2, 4)"]),
    "hx directions": ({"bidirectional": True}, (5, 2, 3), (2, 2, 4), ["(4, 2, 4)", "(2, 2, 4)"]),
    "hx batch_first never applies": (
        {"batch_first": True},
        (2, 5, 3),
        (2, 5, 4),
        ["(2, 2, 4)", "(2, 5, 4)"],
    ),
    "3-D hx, unbatched input": ({}, (5, 3), (2, 1, 4), ["(2, 4)", "(2, 1, 4)"]),
    "2-D hx, batched input": ({}, (5, 2, 3), (2, 4), ["(2, 2, 4)", "(2, 4)"]),
    "unbatched hx, wrong shape": ({}, (5, 3), (3, 4), ["(2, 4)", "(3, 4)"]),
}


@pytest.mark.parametrize("case", BAD_RNN_CALLS.values(), ids=BAD_RNN_CALLS.keys())
def test_rnn_rejects_bad_input_like_torch(case):
    kwargs, input_shape, hx_shape, mentions = case
    ours, theirs = twins(3, 4, 2, **kwargs)
    x = torch.randn(input_shape, dtype=DTYPE)
    hx = None if hx_shape is None else torch.randn(hx_shape, dtype=DTYPE)
    assert_raises_like_torch(lambda: theirs(x, hx), lambda: ours(x, hx), mentions)


def test_rnn_rejects_a_dtype_mismatch_like_torch():
    ours, theirs = twins(3, 4)
    x = torch.randn(5, 2, 3, dtype=torch.float32)
    got = assert_raises_like_torch(lambda: theirs(x), lambda: ours(x), ["float64", "float32"])
    assert type(got) is ValueError


BAD_CELL_CALLS = {
    "0-D input": ((), None, ["()"]),
    "3-D input": ((2, 2, 3), None, ["(2, 2, 3)"]),
    "3-D hx": ((2, 3), (1, 2, 4), ["(1, 2, 4)"]),
    "feature size": ((2, 5), None, ["input_size=3", "(2, 5)"]),
    "feature size, unbatched": ((5,), None, ["input_size=3", "(5,)"]),
    "hx batch size": ((2, 3), (3, 4), ["(2, 4)", "(3, 4)"]),
    "hx hidden size": ((2, 3), (2, 5), ["(2, 4)", "(2, 5)"]),
    "1-D hx, batched input": ((2, 3), (4,), ["(2, 4)", "(4,)"]),
    "2-D hx, unbatched input": ((3,), (1, 4), ["(4,)", "(1, 4)"]),
}


@pytest.mark.parametrize("case", BAD_CELL_CALLS.values(), ids=BAD_CELL_CALLS.keys())
def test_rnn_cell_rejects_bad_input_like_torch(case):
    input_shape, hx_shape, mentions = case
    ours, theirs = cell_twins(3, 4)
    x = torch.randn(input_shape, dtype=DTYPE)
    hx = None if hx_shape is None else torch.randn(hx_shape, dtype=DTYPE)
    assert_raises_like_torch(lambda: theirs(x, hx), lambda: ours(x, hx), mentions)


def test_rnn_cell_with_an_unknown_nonlinearity_fails_when_run_like_torch():
    ours, theirs = cell_twins(3, 4, nonlinearity="sigmoid")  # both constructors accept it
    x = torch.randn(2, 3, dtype=DTYPE)
    got = assert_raises_like_torch(lambda: theirs(x), lambda: ours(x), ["'sigmoid'"])
    assert type(got) is RuntimeError and str(got).startswith("Unknown nonlinearity")


def test_functions_reject_an_unknown_nonlinearity_like_torch_rnn():
    cell = nn.RNNCell(3, 4, dtype=DTYPE)
    weights = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    x = torch.randn(5, 2, 3, dtype=DTYPE)
    h = torch.zeros(2, 4, dtype=DTYPE)
    calls = [
        lambda: reference.rnn_cell(x[0], h, *weights, nonlinearity="sigmoid"),
        lambda: reference.rnn_layer(x, h, *weights, nonlinearity="sigmoid"),
        lambda: reference.RNN(3, 4, nonlinearity="sigmoid"),
    ]
    for call in calls:
        got = assert_raises_like_torch(
            lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), call, ["'sigmoid'"]
        )
        assert type(got) is ValueError and str(got).startswith("Unknown nonlinearity")


@pytest.mark.parametrize(
    "x_shape, h_shape, mentions",
    [((2, 7), (2, 4), ["H_in=3", "(2, 7)"]), ((2, 3), (3, 4), ["(2, 4)", "(3, 4)"])],
    ids=["feature size", "h shape"],
)
def test_rnn_cell_function_rejects_bad_shapes_like_torch_kernel(x_shape, h_shape, mentions):
    cell = nn.RNNCell(3, 4, dtype=DTYPE)
    weights = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    x, h = torch.randn(x_shape, dtype=DTYPE), torch.randn(h_shape, dtype=DTYPE)
    assert_raises_like_torch(
        lambda: torch.rnn_tanh_cell(x, h, *weights),
        lambda: reference.rnn_cell(x, h, *weights),
        mentions,
    )


@pytest.mark.parametrize(
    "x_shape, h_shape, mentions",
    [
        ((5, 2, 7), (2, 4), ["(2, 7)"]),
        ((5, 2, 3), (3, 4), ["(3, 4)"]),
        ((0, 2, 3), (2, 4), ["(0, 2, 3)"]),
    ],
    ids=["feature size", "h0 shape", "empty sequence"],
)
def test_rnn_layer_rejects_bad_shapes_like_torch(x_shape, h_shape, mentions):
    rnn = nn.RNN(3, 4, dtype=DTYPE)
    x, h0 = torch.randn(x_shape, dtype=DTYPE), torch.randn(h_shape, dtype=DTYPE)
    assert_raises_like_torch(
        lambda: rnn(x, h0.unsqueeze(0)),
        lambda: reference.rnn_layer(x, h0, *direction_weights(rnn, "_l0")),
        mentions,
    )


BAD_CONSTRUCTIONS = {
    "unknown nonlinearity": {"nonlinearity": "sigmoid"},
    "hidden_size 0": {"hidden_size": 0},
    "hidden_size -1": {"hidden_size": -1},
    "input_size 0": {"input_size": 0},
    "num_layers 0": {"num_layers": 0},
    "dropout 2": {"dropout": 2},
    "dropout -0.1": {"dropout": -0.1},
    "dropout True": {"dropout": True},
    "dropout str": {"dropout": "0.5"},
    "bias 1": {"bias": 1},
    "batch_first 1": {"batch_first": 1},
    "input_size float": {"input_size": 3.0},
    "hidden_size float": {"hidden_size": 4.0},
}


@pytest.mark.parametrize("changes", BAD_CONSTRUCTIONS.values(), ids=BAD_CONSTRUCTIONS.keys())
def test_rnn_constructor_rejects_what_torch_rejects(changes):
    kwargs = {"input_size": 3, "hidden_size": 4, "num_layers": 2, **changes}
    assert_raises_like_torch(lambda: nn.RNN(**kwargs), lambda: reference.RNN(**kwargs))


@pytest.mark.parametrize("hidden_size", [0, -1])
def test_rnn_cell_constructor_checks_like_torch(hidden_size):
    expected = raised(lambda: nn.RNNCell(3, hidden_size))
    got = raised(lambda: reference.RNNCell(3, hidden_size))
    assert type(got) is type(expected)  # both accept 0; both fail on -1 with RuntimeError


@pytest.mark.parametrize(
    "num_layers, dropout, warns", [(1, 0.5, True), (2, 0.5, False), (1, 0.0, False)]
)
def test_dropout_with_one_layer_warns_like_torch(num_layers, dropout, warns):
    for module in (nn.RNN, reference.RNN):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module(3, 4, num_layers, dropout=dropout)
        records = [w for w in caught if issubclass(w.category, UserWarning)]
        assert len(records) == int(warns), (module, [str(w.message) for w in records])
        if warns and module is reference.RNN:
            assert "num_layers=1" in str(records[0].message)
            assert "dropout=0.5" in str(records[0].message)
            assert records[0].filename == __file__  # the warning points at the caller's line


# ---------------------------------------------------------------------------------------------
# Dropout: between layers only, in train mode only
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [2, 3])
def test_full_dropout_in_train_mode_matches_torch(num_layers, bidirectional):
    """With dropout=1.0 every element between layers is zeroed: both modules are deterministic."""
    ours, theirs = twins(H_IN, H, num_layers, dropout=1.0, bidirectional=bidirectional)
    ours.train(), theirs.train()
    x, hx = rnn_inputs(torch.Generator().manual_seed(7), ours, L, N, True, True)
    for got, expected in zip(ours(x, hx), theirs(x, hx)):
        assert_same(got, expected)
    eval_output, _ = ours.eval()(x, hx)
    assert not torch.allclose(ours.train()(x, hx)[0], eval_output)  # dropout really acted


def test_eval_mode_ignores_dropout():
    ours, theirs = twins(H_IN, H, 3, dropout=0.5, bidirectional=True)
    without_dropout, _ = twins(H_IN, H, 3, bidirectional=True)
    without_dropout.load_state_dict(ours.state_dict())
    ours.eval(), theirs.eval()
    x, hx = rnn_inputs(torch.Generator().manual_seed(8), ours, L, N, True, True)
    got = ours(x, hx)
    for expected in (theirs(x, hx), without_dropout(x, hx)):
        assert_same(got[0], expected[0])
        assert_same(got[1], expected[1])


def test_last_layer_output_is_never_dropped():
    ours, _ = twins(H_IN, H, 2, dropout=0.5)
    ours.train()
    x = randn(torch.Generator().manual_seed(9), L, N, H_IN)
    torch.manual_seed(0)
    output, h_n = ours(x)
    # A dropped output would hold zeros, and its last step would differ from h_n (doubled or 0).
    assert (output != 0).all()
    assert_same(output[-1], h_n[-1])


def test_full_dropout_feeds_zeros_to_the_next_layer_and_spares_hidden_states():
    """With dropout=1.0, layer 1 reads zeros; its output is what a lone torch layer gives on zeros."""
    ours, _ = twins(H_IN, H, 2, dropout=1.0)
    ours.train()
    x, hx = rnn_inputs(torch.Generator().manual_seed(10), ours, L, N, True, True)
    output, h_n = ours(x, hx)
    top = nn.RNN(H, H, dtype=DTYPE)
    state = ours.state_dict()
    top.load_state_dict(
        {name.replace("_l1", "_l0"): p for name, p in state.items() if "_l1" in name}
    )
    expected_output, expected_top_h_n = top(x.new_zeros(L, N, H), hx[1:])
    assert_same(output, expected_output)
    assert_same(h_n[1:], expected_top_h_n)
    bottom = nn.RNN(H_IN, H, dtype=DTYPE)
    bottom.load_state_dict({name: p for name, p in state.items() if "_l0" in name})
    assert_same(h_n[:1], bottom(x, hx[:1])[1])  # layer 0's state is never dropped


# ---------------------------------------------------------------------------------------------
# Construction: signature, parameters, initialisation, state_dict, repr
# ---------------------------------------------------------------------------------------------


def test_constructor_signatures_match_torch():
    documented_rnn = (
        "(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, "
        "batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)"
    )
    assert str(inspect.signature(reference.RNN)) == documented_rnn
    ours = inspect.signature(reference.RNNCell).parameters
    theirs = inspect.signature(nn.RNNCell).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()
    ]


def test_positional_arguments_mean_what_they_mean_for_torch():
    args = (3, 4, 2, "relu", False, True, 0.25, True)
    ours, theirs = reference.RNN(*args), nn.RNN(*args)
    names = ["input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "batch_first"]
    for name in names + ["dropout", "bidirectional"]:
        assert getattr(ours, name) == getattr(theirs, name), name


CONFIGS = [
    {},
    {"num_layers": 3, "bidirectional": True},
    {"num_layers": 2, "bias": False, "nonlinearity": "relu"},
    {"num_layers": 2, "bidirectional": True, "bias": False, "batch_first": True, "dtype": DTYPE},
]


def built_after_the_same_seed(module_classes, *args, **kwargs):
    """Each class built right after torch.manual_seed(123)."""
    modules = []
    for module_class in module_classes:
        torch.manual_seed(123)
        modules.append(module_class(*args, **kwargs))
    return modules


def assert_same_named_parameters(ours, theirs):
    ours_params, theirs_params = list(ours.named_parameters()), list(theirs.named_parameters())
    assert [name for name, _ in ours_params] == [name for name, _ in theirs_params]
    for (name, got), (_, expected) in zip(ours_params, theirs_params):
        assert got.dtype == expected.dtype and torch.equal(got, expected), name


@pytest.mark.parametrize("config", CONFIGS)
def test_same_parameters_after_the_same_seed(config):
    ours, theirs = built_after_the_same_seed([reference.RNN, nn.RNN], 3, 5, **config)
    assert_same_named_parameters(ours, theirs)
    assert len(ours.all_weights) == len(theirs.all_weights)
    for got, expected in zip(ours.all_weights, theirs.all_weights):
        assert [tuple(p.shape) for p in got] == [tuple(p.shape) for p in expected]


@pytest.mark.parametrize("config", [{}, {"bias": False, "nonlinearity": "relu"}, {"dtype": DTYPE}])
def test_rnn_cell_same_parameters_after_the_same_seed(config):
    ours, theirs = built_after_the_same_seed([reference.RNNCell, nn.RNNCell], 3, 5, **config)
    assert_same_named_parameters(ours, theirs)
    assert (ours.bias_ih is None) == (theirs.bias_ih is None)


@pytest.mark.parametrize("config", CONFIGS)
def test_state_dict_loads_both_ways(config):
    ours, theirs = reference.RNN(3, 5, **config), nn.RNN(3, 5, **config)
    x = torch.randn(4, 2, 3, dtype=ours.weight_ih_l0.dtype)
    if ours.batch_first:
        x = x.transpose(0, 1)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    torch.testing.assert_close(ours(x), theirs(x))
    fresh_theirs = nn.RNN(3, 5, **config)
    fresh_theirs.load_state_dict(reference.RNN(3, 5, **config).state_dict(), strict=True)
    fresh_theirs.load_state_dict(ours.state_dict(), strict=True)
    torch.testing.assert_close(fresh_theirs(x), ours(x))


def test_rnn_cell_state_dict_loads_both_ways():
    ours, theirs = reference.RNNCell(3, 5, bias=False), nn.RNNCell(3, 5, bias=False)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    theirs.load_state_dict(reference.RNNCell(3, 5, bias=False).state_dict(), strict=True)
    x = torch.randn(2, 3)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    torch.testing.assert_close(ours(x), theirs(x))


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((3, 4), {}),
        ((3, 4, 2), {"bias": False, "batch_first": True, "dropout": 0.5, "bidirectional": True}),
    ],
)
def test_repr_matches_torch(args, kwargs):
    assert repr(reference.RNN(*args, **kwargs)) == repr(nn.RNN(*args, **kwargs))
    assert repr(reference.RNNCell(3, 4, False, "relu")) == repr(nn.RNNCell(3, 4, False, "relu"))


def test_repr_of_a_relu_rnn_is_torch_s():
    """torch 2.13's nn.RNN repr leaves the nonlinearity out (nn.RNNCell's shows it, unquoted)."""
    assert repr(reference.RNN(3, 4, 2, "relu")) == repr(nn.RNN(3, 4, 2, "relu"))
    assert repr(reference.RNN(3, 4, 2, "relu")) == "RNN(3, 4, num_layers=2)"
    assert repr(reference.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"


def test_flatten_parameters_is_a_harmless_no_op():
    ours, _ = twins(3, 4, 2)
    x = torch.randn(5, 2, 3, dtype=DTYPE)
    before = ours(x)
    assert ours.flatten_parameters() is None
    for got, expected in zip(ours(x), before):
        assert torch.equal(got, expected)


# ---------------------------------------------------------------------------------------------
# Devices, dtypes, and no help from torch's recurrent code
# ---------------------------------------------------------------------------------------------


def test_float32_works_and_keeps_its_dtype():
    torch.manual_seed(0)
    ours = reference.RNN(3, 4, 2, bidirectional=True)
    theirs = nn.RNN(3, 4, 2, bidirectional=True)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(5, 2, 3)
    for got, expected in zip(ours(x), theirs(x)):
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, expected)


def test_meta_device_needs_no_real_device():
    """On the 'meta' device nothing is computed: any hard-coded CPU tensor would fail to mix in."""
    rnn = reference.RNN(3, 4, 2, bidirectional=True, batch_first=True, device="meta")
    output, h_n = rnn(torch.empty(2, 5, 3, device="meta"))
    assert output.device.type == h_n.device.type == "meta"
    assert output.shape == (2, 5, 8) and h_n.shape == (4, 2, 4)
    cell = reference.RNNCell(3, 4, device="meta", dtype=torch.float16)
    h = cell(torch.empty(3, device="meta", dtype=torch.float16))
    assert h.device.type == "meta" and h.dtype == torch.float16 and h.shape == (4,)


def test_forward_never_calls_torch_recurrent_code():
    ours, _ = twins(3, 4, 2, bidirectional=True)
    cell, _ = cell_twins(3, 4)
    x = torch.randn(5, 2, 3, dtype=DTYPE)
    with Guard(forbid_rnn=True) as guard:
        ours(x)
        cell(x[0])
    kinds = {kind for kind, _ in guard.report.violations}
    assert kinds == {"reference"}  # only our own functions: no nn.RNN, no rnn_tanh kernel


@pytest.mark.parametrize(
    "input_dtype, hx_shape",
    [
        (torch.int64, (1, 4)),
        (torch.float32, (1, 1, 2, 4)),
        (torch.float32, (1, 3, 4)),
        (torch.int64, (2, 2, 4)),
    ],
)
def test_an_input_with_several_faults_gets_torch_s_exception(input_dtype, hx_shape):
    """torch checks input dims, then hx dims, then dtype, then sizes: the first fault decides the type."""
    ours, theirs = reference.RNN(3, 4).double(), nn.RNN(3, 4).double()
    x, hx = torch.ones(5, 2, 3, dtype=input_dtype), torch.zeros(hx_shape, dtype=torch.float64)
    with pytest.raises(Exception) as torch_error:
        theirs(x, hx)
    with pytest.raises(type(torch_error.value)):
        ours(x, hx)
