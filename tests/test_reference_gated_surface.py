"""The surface of reference's LSTM and GRU twins (and RNN's, where the gated cells changed it):
constructor signatures, checks and warnings, ``mode``, ``proj_size``, ``repr``, and the exception
type torch raises for every kind of bad input. torch 2.13 is the oracle for every expectation.
"""

import inspect
import typing
import warnings

import pytest
import torch
from test_reference import assert_raises_like_torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_course import reference

DTYPE = torch.float64
MODULES = {
    "RNN": (reference.RNN, nn.RNN),
    "LSTM": (reference.LSTM, nn.LSTM),
    "GRU": (reference.GRU, nn.GRU),
}
CELLS = {
    "RNNCell": (reference.RNNCell, nn.RNNCell),
    "LSTMCell": (reference.LSTMCell, nn.LSTMCell),
    "GRUCell": (reference.GRUCell, nn.GRUCell),
}


def twins(kind, *args, **kwargs):
    ours_class, theirs_class = {**MODULES, **CELLS}[kind]
    ours = ours_class(*args, dtype=DTYPE, **kwargs)
    theirs = theirs_class(*args, dtype=DTYPE, **kwargs)
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


def randn(*shape, dtype=DTYPE):
    return torch.randn(shape, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", MODULES)
def test_constructor_signature_is_torch_s_documented_one(kind):
    """torch declares its documented signature as the first typing overload of __init__."""
    ours_class, theirs_class = MODULES[kind]
    documented = inspect.signature(typing.get_overloads(theirs_class.__init__)[0])
    expected = [(p.name, p.default) for p in documented.parameters.values()][1:]  # without self
    ours = inspect.signature(ours_class).parameters.values()
    assert [(p.name, p.default) for p in ours] == expected


@pytest.mark.parametrize("kind", CELLS)
def test_cell_constructor_signature_is_torch_s(kind):
    ours_class, theirs_class = CELLS[kind]
    ours = inspect.signature(ours_class).parameters.values()
    theirs = inspect.signature(theirs_class).parameters.values()
    assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs]


def test_positional_arguments_mean_what_they_mean_for_torch():
    cases = [
        ("LSTM", (3, 4, 2, False, True, 0.25, True, 2)),
        ("GRU", (3, 4, 2, False, True, 0.25, True)),
        ("LSTMCell", (3, 4, False)),
        ("GRUCell", (3, 4, False)),
    ]
    names = ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout"]
    names += ["bidirectional", "proj_size", "mode"]
    for kind, args in cases:
        ours_class, theirs_class = {**MODULES, **CELLS}[kind]
        ours, theirs = ours_class(*args), theirs_class(*args)
        for name in names:
            assert getattr(ours, name, None) == getattr(theirs, name, None), (kind, name)


MODE_CASES = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu"}),
    ("LSTM", {}),
    ("LSTM", {"proj_size": 2}),
    ("GRU", {}),
]


@pytest.mark.parametrize("kind, options", MODE_CASES)
def test_mode_and_proj_size_are_torch_s(kind, options):
    ours_class, theirs_class = MODULES[kind]
    ours, theirs = ours_class(3, 4, **options), theirs_class(3, 4, **options)
    assert (ours.mode, ours.proj_size) == (theirs.mode, theirs.proj_size)
    assert ours.mode in ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


@pytest.mark.parametrize("proj_size", [0, 2])
@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_rnn_and_gru_refuse_proj_size_with_value_error_like_torch(kind, proj_size):
    ours_class, theirs_class = MODULES[kind]
    got = assert_raises_like_torch(
        lambda: theirs_class(10, 20, num_layers=2, proj_size=proj_size),
        lambda: ours_class(10, 20, num_layers=2, proj_size=proj_size),
        ["proj_size", "LSTM"],
    )
    assert type(got) is ValueError


BAD_CONSTRUCTIONS = {
    "proj_size -1": ("LSTM", {"proj_size": -1}),
    "proj_size = hidden_size": ("LSTM", {"proj_size": 4}),
    "proj_size > hidden_size": ("LSTM", {"proj_size": 7}),
    "proj_size float": ("LSTM", {"proj_size": 2.0}),
    "proj_size True": ("LSTM", {"proj_size": True}),
    "proj_size str": ("LSTM", {"proj_size": "2"}),
    "LSTM nonlinearity": ("LSTM", {"nonlinearity": "tanh"}),
    "GRU nonlinearity": ("GRU", {"nonlinearity": "relu"}),
    "LSTM hidden_size 0": ("LSTM", {"hidden_size": 0}),
    "GRU hidden_size 0": ("GRU", {"hidden_size": 0}),
    "GRU input_size -1": ("GRU", {"input_size": -1}),
    "LSTM num_layers 0": ("LSTM", {"num_layers": 0}),
    "GRU num_layers 0": ("GRU", {"num_layers": 0}),
    "LSTM num_layers float": ("LSTM", {"num_layers": 2.0}),
    "LSTM dropout 1.5": ("LSTM", {"dropout": 1.5}),
    "GRU dropout True": ("GRU", {"dropout": True}),
    "LSTM bias 1": ("LSTM", {"bias": 1}),
    "GRU batch_first None": ("GRU", {"batch_first": None}),
    "LSTM hidden_size float": ("LSTM", {"hidden_size": 4.0}),
    "input_size 0 and hidden_size float": ("GRU", {"input_size": 0, "hidden_size": 4.0}),
    "RNN input_size 0 and hidden_size float": ("RNN", {"input_size": 0, "hidden_size": 4.0}),
}


@pytest.mark.parametrize("case", BAD_CONSTRUCTIONS.values(), ids=BAD_CONSTRUCTIONS.keys())
def test_constructor_rejects_what_torch_rejects(case):
    kind, changes = case
    kwargs = {"input_size": 3, "hidden_size": 4, "num_layers": 2, **changes}
    ours_class, theirs_class = MODULES[kind]
    assert_raises_like_torch(lambda: theirs_class(**kwargs), lambda: ours_class(**kwargs))


@pytest.mark.parametrize("kind", CELLS)
def test_cell_constructor_accepts_zero_and_refuses_negative_sizes_like_torch(kind):
    ours_class, theirs_class = CELLS[kind]
    assert ours_class(3, 0).weight_hh.shape == theirs_class(3, 0).weight_hh.shape
    assert_raises_like_torch(lambda: theirs_class(3, -1), lambda: ours_class(3, -1))


@pytest.mark.parametrize("kind", MODULES)
def test_dropout_with_one_layer_warns_like_torch_at_the_caller_s_line(kind):
    for module_class in MODULES[kind]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module_class(3, 4, 1, dropout=0.5)
        records = [w for w in caught if issubclass(w.category, UserWarning)]
        assert len(records) == 1, (module_class, [str(w.message) for w in records])
        if module_class.__module__ == reference.__name__:
            assert "num_layers=1" in str(records[0].message)
            assert records[0].filename == __file__


REPR_CASES = [
    ("LSTM", (10, 20), {}),
    ("LSTM", (10, 20, 2), {"proj_size": 5, "bias": False, "batch_first": True}),
    ("LSTM", (10, 20), {"dropout": 0.5, "bidirectional": True, "num_layers": 3}),
    ("GRU", (10, 20), {}),
    ("GRU", (10, 20, 2), {"bias": False, "dropout": 0.25, "bidirectional": True}),
    ("RNN", (10, 20), {"nonlinearity": "relu"}),
    ("RNN", (10, 20, 2, "relu", False, True, 0.5, True), {}),
    ("LSTMCell", (10, 20), {}),
    ("LSTMCell", (10, 20, False), {}),
    ("GRUCell", (10, 20, False), {}),
    ("RNNCell", (10, 20, False, "relu"), {}),
]


@pytest.mark.parametrize("kind, args, kwargs", REPR_CASES)
def test_repr_is_torch_s(kind, args, kwargs):
    ours_class, theirs_class = {**MODULES, **CELLS}[kind]
    assert repr(ours_class(*args, **kwargs)) == repr(theirs_class(*args, **kwargs))


# ---------------------------------------------------------------------------------------------
# Bad input to the modules: torch's exception type, a message saying what was expected and got
# ---------------------------------------------------------------------------------------------


def states(*shapes):
    """Random tensors of these shapes: one tensor for one shape, a tuple for several."""
    tensors = tuple(randn(*shape) for shape in shapes)
    return tensors[0] if len(tensors) == 1 else tensors


# id: (kind, constructor kwargs, input shape, a function giving hx)  -- num_layers=2, H_in=3, H=4
BAD_CALLS = {
    "LSTM 1-D input": ("LSTM", {}, (3,), lambda: None),
    "GRU 4-D input": ("GRU", {}, (2, 5, 2, 3), lambda: None),
    "LSTM feature size": ("LSTM", {}, (5, 2, 7), lambda: None),
    "GRU feature size, batch_first": ("GRU", {"batch_first": True}, (2, 5, 7), lambda: None),
    "LSTM empty sequence": ("LSTM", {}, (0, 2, 3), lambda: None),
    "GRU empty sequence, unbatched": ("GRU", {}, (0, 3), lambda: None),
    "LSTM bare tensor hx": ("LSTM", {}, (5, 2, 3), lambda: states((2, 2, 4))),
    "LSTM bare tensor hx, unbatched": ("LSTM", {}, (5, 3), lambda: states((2, 4))),
    "LSTM bare 4-D tensor hx": ("LSTM", {}, (5, 2, 3), lambda: states((2, 2, 2, 4))),
    "LSTM bare 4-D tensor hx of one": ("LSTM", {}, (5, 2, 3), lambda: states((1, 2, 2, 4))),
    "LSTM bare tensor hx, proj": ("LSTM", {"proj_size": 2}, (5, 2, 3), lambda: states((2, 2, 2))),
    "LSTM wrong c0 size": ("LSTM", {}, (5, 2, 3), lambda: states((2, 2, 4), (2, 2, 5))),
    "LSTM wrong c0 batch": ("LSTM", {}, (5, 2, 3), lambda: states((2, 2, 4), (2, 3, 4))),
    "LSTM wrong c0 layers": ("LSTM", {}, (5, 2, 3), lambda: states((2, 2, 4), (1, 2, 4))),
    "LSTM 2-D c0": ("LSTM", {}, (5, 2, 3), lambda: states((2, 2, 4), (2, 4))),
    "LSTM wrong h0": ("LSTM", {}, (5, 2, 3), lambda: states((2, 2, 5), (2, 2, 4))),
    "LSTM 3-D h0, unbatched": ("LSTM", {}, (5, 3), lambda: states((2, 1, 4), (2, 4))),
    "LSTM proj, h0 of size H": (
        "LSTM",
        {"proj_size": 2},
        (5, 2, 3),
        lambda: states((2, 2, 4), (2, 2, 4)),
    ),
    "LSTM proj, c0 of proj_size": (
        "LSTM",
        {"proj_size": 2},
        (5, 2, 3),
        lambda: states((2, 2, 2), (2, 2, 2)),
    ),
    "LSTM swapped (c0, h0), proj": (
        "LSTM",
        {"proj_size": 2},
        (5, 2, 3),
        lambda: states((2, 2, 4), (2, 2, 2)),
    ),
    "LSTM bidirectional, one direction's c0": (
        "LSTM",
        {"bidirectional": True},
        (5, 2, 3),
        lambda: states((4, 2, 4), (2, 2, 4)),
    ),
    "LSTM one-tuple": ("LSTM", {}, (5, 2, 3), lambda: (randn(2, 2, 4),)),
    "LSTM three-tuple": ("LSTM", {}, (5, 2, 3), lambda: states((2, 2, 4), (2, 2, 4), (2, 2, 4))),
    "LSTM None in the pair": ("LSTM", {}, (5, 2, 3), lambda: (randn(2, 2, 4), None)),
    "LSTM h0 float32": (
        "LSTM",
        {},
        (5, 2, 3),
        lambda: (randn(2, 2, 4, dtype=torch.float32), randn(2, 2, 4)),
    ),
    "GRU tuple hx": ("GRU", {}, (5, 2, 3), lambda: states((2, 2, 4), (2, 2, 4))),
    "GRU tuple hx, unbatched": ("GRU", {}, (5, 3), lambda: states((2, 4), (2, 4))),
    "RNN tuple hx": ("RNN", {}, (5, 2, 3), lambda: states((2, 2, 4), (2, 2, 4))),
    "GRU hx batch": ("GRU", {}, (5, 2, 3), lambda: states((2, 3, 4))),
    "GRU hx size": ("GRU", {}, (5, 2, 3), lambda: states((2, 2, 5))),
    "GRU 2-D hx, batched": ("GRU", {}, (5, 2, 3), lambda: states((2, 4))),
    "GRU 3-D hx, unbatched": ("GRU", {}, (5, 3), lambda: states((2, 1, 4))),
    "GRU hx batch_first never applies": (
        "GRU",
        {"batch_first": True},
        (2, 5, 3),
        lambda: states((2, 5, 4)),
    ),
    "GRU hx float32": ("GRU", {}, (5, 2, 3), lambda: randn(2, 2, 4, dtype=torch.float32)),
}


@pytest.mark.parametrize("case", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_input_raises_torch_s_exception_type(case):
    kind, kwargs, input_shape, make_hx = case
    ours, theirs = twins(kind, 3, 4, 2, **kwargs)
    x, hx = randn(*input_shape), make_hx()
    assert_raises_like_torch(lambda: theirs(x, hx), lambda: ours(x, hx))


@pytest.mark.parametrize("kind", MODULES)
def test_a_float32_input_to_a_float64_module_raises_value_error_like_torch(kind):
    ours, theirs = twins(kind, 3, 4)
    x = randn(5, 2, 3, dtype=torch.float32)
    got = assert_raises_like_torch(lambda: theirs(x), lambda: ours(x), ["float64", "float32"])
    assert type(got) is ValueError


def test_lstm_takes_a_c0_of_another_dtype_like_torch():
    ours, theirs = twins("LSTM", 3, 4, 2)
    x, hx = randn(5, 2, 3), (randn(2, 2, 4), randn(2, 2, 4, dtype=torch.float32))
    (_, (h_n, c_n)), (_, (expected_h, expected_c)) = ours(x, hx), theirs(x, hx)
    assert c_n.dtype == expected_c.dtype == DTYPE
    torch.testing.assert_close(h_n, expected_h)
    torch.testing.assert_close(c_n, expected_c)


def test_lstm_takes_a_list_as_its_pair_like_torch():
    ours, theirs = twins("LSTM", 3, 4, 2)
    x, hx = randn(5, 2, 3), [randn(2, 2, 4), randn(2, 2, 4)]
    (_, (h_n, c_n)), (_, (expected_h, expected_c)) = ours(x, hx), theirs(x, hx)
    torch.testing.assert_close(h_n, expected_h)
    torch.testing.assert_close(c_n, expected_c)


def packed_input(lengths, features=3):
    x = randn(max(lengths), len(lengths), features)
    enforce_sorted = lengths == sorted(lengths, reverse=True)
    return pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=enforce_sorted)


# id: (kind, lengths, features, a function giving hx)  -- num_layers=2, H_in=3, H=4, N=2
BAD_PACKED_CALLS = {
    "LSTM bare tensor hx, sorted": ("LSTM", [5, 3], 3, lambda: states((2, 2, 4))),
    "LSTM bare tensor hx, unsorted": ("LSTM", [3, 5], 3, lambda: states((2, 2, 4))),
    "LSTM wrong c0 size": ("LSTM", [5, 3], 3, lambda: states((2, 2, 4), (2, 2, 5))),
    "LSTM wrong h0 size, unsorted": ("LSTM", [3, 5], 3, lambda: states((2, 2, 5), (2, 2, 4))),
    "LSTM 2-D h0": ("LSTM", [5, 3], 3, lambda: states((2, 4), (2, 2, 4))),
    "LSTM one-tuple, sorted": ("LSTM", [5, 3], 3, lambda: (randn(2, 2, 4),)),
    "LSTM one-tuple, unsorted": ("LSTM", [3, 5], 3, lambda: (randn(2, 2, 4),)),
    "LSTM float32 data": ("LSTM", [5, 3], 3, "float32"),
    "LSTM feature size": ("LSTM", [3, 5], 7, lambda: None),
    "GRU tuple hx, sorted": ("GRU", [5, 3], 3, lambda: states((2, 2, 4), (2, 2, 4))),
    "GRU tuple hx, unsorted": ("GRU", [3, 5], 3, lambda: states((2, 2, 4), (2, 2, 4))),
    "GRU hx size": ("GRU", [3, 5], 3, lambda: states((2, 2, 5))),
    "GRU 2-D hx": ("GRU", [5, 3], 3, lambda: states((2, 4))),
    "GRU float32 data": ("GRU", [3, 5], 3, "float32"),
    "GRU feature size": ("GRU", [5, 3], 7, lambda: None),
}


@pytest.mark.parametrize("case", BAD_PACKED_CALLS.values(), ids=BAD_PACKED_CALLS.keys())
def test_bad_packed_input_raises_torch_s_exception_type(case):
    """torch's LSTM leaves packed input to its kernel, so its exception types differ from GRU's."""
    kind, lengths, features, make_hx = case
    ours, theirs = twins(kind, 3, 4, 2)
    packed, hx = packed_input(lengths, features), None
    if make_hx == "float32":
        ours, theirs = ours.double(), theirs.double()
        packed = packed_input(lengths)
        packed = packed._replace(data=packed.data.float())
    else:
        hx = make_hx()
    assert_raises_like_torch(lambda: theirs(packed, hx), lambda: ours(packed, hx))


# Where torch accepts a state of the wrong shape, the twin refuses it, deliberately.
TORCH_ACCEPTS = {
    "unsorted, hx with an extra row": ("GRU", [3, 5], lambda: states((2, 3, 4))),
    "sorted LSTM, c0 with one row for N = 2": (
        "LSTM",
        [5, 3],
        lambda: states((2, 2, 4), (2, 1, 4)),
    ),
    "unsorted LSTM, a three-tuple": (
        "LSTM",
        [3, 5],
        lambda: states((2, 2, 4), (2, 2, 4), (2, 2, 4)),
    ),
}


@pytest.mark.parametrize("case", TORCH_ACCEPTS.values(), ids=TORCH_ACCEPTS.keys())
def test_packed_states_of_the_wrong_shape_are_refused_where_torch_lets_them_pass(case):
    kind, lengths, make_hx = case
    ours, theirs = twins(kind, 3, 4, 2)
    packed, hx = packed_input(lengths), make_hx()
    theirs(packed, hx)  # torch 2.13 lets it pass (it selects rows, or broadcasts one)
    with pytest.raises(RuntimeError, match="expected .* got"):
        ours(packed, hx)


# ---------------------------------------------------------------------------------------------
# Bad input to the cells
# ---------------------------------------------------------------------------------------------

# id: (kind, input shape, a function giving hx)  -- H_in=3, H=4
BAD_CELL_CALLS = {
    "LSTMCell 0-D input": ("LSTMCell", (), lambda: None),
    "GRUCell 3-D input": ("GRUCell", (2, 2, 3), lambda: None),
    "LSTMCell feature size": ("LSTMCell", (2, 5), lambda: None),
    "GRUCell feature size, unbatched": ("GRUCell", (5,), lambda: None),
    "LSTMCell bare tensor hx": ("LSTMCell", (2, 3), lambda: states((2, 4))),
    "LSTMCell bare 3-D tensor hx": ("LSTMCell", (2, 3), lambda: states((2, 2, 4))),
    "LSTMCell bare 1-D tensor hx, unbatched": ("LSTMCell", (3,), lambda: states((4,))),
    "LSTMCell wrong c size": ("LSTMCell", (2, 3), lambda: states((2, 4), (2, 5))),
    "LSTMCell wrong c batch": ("LSTMCell", (2, 3), lambda: states((2, 4), (1, 4))),
    "LSTMCell 3-D c": ("LSTMCell", (2, 3), lambda: states((2, 4), (1, 2, 4))),
    "LSTMCell wrong h batch": ("LSTMCell", (2, 3), lambda: states((3, 4), (2, 4))),
    "LSTMCell 2-D h, unbatched": ("LSTMCell", (3,), lambda: states((1, 4), (4,))),
    "LSTMCell 1-D h, batched": ("LSTMCell", (2, 3), lambda: states((4,), (2, 4))),
    "LSTMCell one-tuple": ("LSTMCell", (2, 3), lambda: (randn(2, 4),)),
    "LSTMCell one-tuple, unbatched": ("LSTMCell", (3,), lambda: (randn(4),)),
    "LSTMCell three-tuple": ("LSTMCell", (2, 3), lambda: states((2, 4), (2, 4), (2, 4))),
    "LSTMCell None in the pair": ("LSTMCell", (2, 3), lambda: (None, randn(2, 4))),
    "GRUCell tuple hx": ("GRUCell", (2, 3), lambda: states((2, 4), (2, 4))),
    "GRUCell 3-D hx": ("GRUCell", (2, 3), lambda: states((1, 2, 4))),
    "GRUCell hx batch": ("GRUCell", (2, 3), lambda: states((3, 4))),
    "GRUCell hx size": ("GRUCell", (2, 3), lambda: states((2, 5))),
    "GRUCell 2-D hx, unbatched": ("GRUCell", (3,), lambda: states((1, 4))),
    "RNNCell tuple hx": ("RNNCell", (2, 3), lambda: states((2, 4), (2, 4))),
}


@pytest.mark.parametrize("case", BAD_CELL_CALLS.values(), ids=BAD_CELL_CALLS.keys())
def test_bad_cell_input_raises_torch_s_exception_type(case):
    kind, input_shape, make_hx = case
    ours, theirs = twins(kind, 3, 4)
    x, hx = randn(*input_shape), make_hx()
    assert_raises_like_torch(lambda: theirs(x, hx), lambda: ours(x, hx))


@pytest.mark.parametrize("hx_rows", [2, 3], ids=["pair", "three rows"])
def test_lstm_cell_reads_an_unbatched_tensor_state_row_by_row_like_torch(hx_rows):
    """Unbatched, torch's LSTMCell takes hx[0] and hx[1] as h and c, whatever hx is."""
    ours, theirs = twins("LSTMCell", 3, 4)
    x, hx = randn(3), randn(hx_rows, 4)
    for got, expected in zip(ours(x, hx), theirs(x, hx)):
        torch.testing.assert_close(got, expected)
