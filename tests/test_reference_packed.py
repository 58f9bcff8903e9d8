"""rnn_course.reference.RNN on PackedSequence input, with torch.nn.RNN as the oracle (float64)."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from test_reference import DTYPE, assert_raises_like_torch, assert_same, twins
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from rnn_course import reference

H_IN, H = 3, 4
LENGTHS = {"sorted": [4, 3, 3, 1], "unsorted": [2, 4, 1, 3]}  # N = 4, L = 4


def padded_batch(gen, lengths, batch_first):
    """A random padded batch, (N, L, H_IN) when batch_first else (L, N, H_IN), L = max(lengths)."""
    x = torch.randn(len(lengths), max(lengths), H_IN, generator=gen, dtype=DTYPE)  # (N, L, H_in)
    return x if batch_first else x.transpose(0, 1)  # (L, N, H_in)


def pack(x, lengths, batch_first):
    sorted_lengths = lengths == sorted(lengths, reverse=True)
    return pack_padded_sequence(
        x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=sorted_lengths
    )


def assert_same_packed_result(got, expected, batch_first):
    (output, h_n), (expected_output, expected_h_n) = got, expected
    assert isinstance(output, PackedSequence)
    assert_same(output.data, expected_output.data)
    assert torch.equal(output.batch_sizes, expected_output.batch_sizes)
    for name in ("sorted_indices", "unsorted_indices"):
        ours_indices, theirs_indices = getattr(output, name), getattr(expected_output, name)
        assert (ours_indices is None) == (theirs_indices is None), name
        if ours_indices is not None:
            assert torch.equal(ours_indices, theirs_indices), name
    assert_same(h_n, expected_h_n)
    padded, lengths = pad_packed_sequence(output, batch_first=batch_first)
    expected_padded, expected_lengths = pad_packed_sequence(
        expected_output, batch_first=batch_first
    )
    assert_same(padded, expected_padded)
    assert torch.equal(lengths, expected_lengths)


@pytest.mark.parametrize("give_hx", [True, False], ids=["hx", "no_hx"])
@pytest.mark.parametrize("nonlinearity, bias", [("tanh", True), ("relu", False)])
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("order", LENGTHS.keys())
def test_packed_forward_matches_torch(
    order, num_layers, bidirectional, batch_first, nonlinearity, bias, give_hx
):
    lengths = LENGTHS[order]
    ours, theirs = twins(
        H_IN, H, num_layers, nonlinearity, bias, batch_first, bidirectional=bidirectional
    )
    gen = torch.Generator().manual_seed(num_layers)
    packed = pack(padded_batch(gen, lengths, batch_first), lengths, batch_first)
    states = num_layers * (2 if bidirectional else 1)
    hx = torch.randn(states, len(lengths), H, generator=gen, dtype=DTYPE) if give_hx else None
    assert_same_packed_result(ours(packed, hx), theirs(packed, hx), batch_first)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("order", LENGTHS.keys())
def test_packed_gradients_match_torch(order, bidirectional):
    lengths = LENGTHS[order]
    ours, theirs = twins(H_IN, H, 2, batch_first=True, bidirectional=bidirectional)
    gen = torch.Generator().manual_seed(11)
    x = padded_batch(gen, lengths, batch_first=True)
    states = 2 * (2 if bidirectional else 1)
    hx = torch.randn(states, len(lengths), H, generator=gen, dtype=DTYPE)
    directions = 2 if bidirectional else 1
    output_weight = torch.randn(sum(lengths), directions * H, generator=gen, dtype=DTYPE)
    h_n_weight = torch.randn(hx.shape, generator=gen, dtype=DTYPE)

    def gradients(rnn):
        x_leaf, hx_leaf = x.clone().requires_grad_(), hx.clone().requires_grad_()
        output, h_n = rnn(pack(x_leaf, lengths, batch_first=True), hx_leaf)
        ((output.data * output_weight).sum() + (h_n * h_n_weight).sum()).backward()
        grads = {"input": x_leaf.grad, "hx": hx_leaf.grad}
        grads.update((name, parameter.grad) for name, parameter in rnn.named_parameters())
        return grads

    ours_grads, theirs_grads = gradients(ours), gradients(theirs)
    assert ours_grads.keys() == theirs_grads.keys()
    for name, grad in ours_grads.items():
        assert_same(grad, theirs_grads[name])


@given(
    lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    num_layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    give_hx=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_packed_matches_torch_for_any_lengths(lengths, num_layers, bidirectional, give_hx, seed):
    gen = torch.Generator().manual_seed(seed)
    ours, theirs = twins(H_IN, H, num_layers, bidirectional=bidirectional)
    packed = pack(padded_batch(gen, lengths, batch_first=False), lengths, batch_first=False)
    states = num_layers * (2 if bidirectional else 1)
    hx = torch.randn(states, len(lengths), H, generator=gen, dtype=DTYPE) if give_hx else None
    assert_same_packed_result(ours(packed, hx), theirs(packed, hx), batch_first=False)


def test_packed_full_dropout_in_train_mode_matches_torch():
    lengths = LENGTHS["unsorted"]
    ours, theirs = twins(H_IN, H, 3, dropout=1.0, bidirectional=True)
    ours.train(), theirs.train()
    packed = pack(padded_batch(torch.Generator().manual_seed(12), lengths, False), lengths, False)
    assert_same_packed_result(ours(packed), theirs(packed), batch_first=False)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_packed_rnn_layer_matches_one_direction_of_torch(reverse):
    """reverse=False is the forward half of a bidirectional nn.RNN, reverse=True its backward half."""
    lengths = LENGTHS["sorted"]
    rnn = nn.RNN(H_IN, H, bidirectional=True, dtype=DTYPE)
    gen = torch.Generator().manual_seed(13)
    packed = pack(padded_batch(gen, lengths, False), lengths, False)
    h0 = torch.randn(2, len(lengths), H, generator=gen, dtype=DTYPE)
    expected_output, expected_h_n = rnn(packed, h0)  # data (sum(lengths), 2*H), (2, N, H)
    direction = int(reverse)
    suffix = "_l0_reverse" if reverse else "_l0"
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    weights = [getattr(rnn, name + suffix) for name in names]
    output, h_n = reference.packed_rnn_layer(
        packed.data, packed.batch_sizes, h0[direction], *weights, reverse=reverse
    )
    assert_same(output, expected_output.data[:, direction * H : (direction + 1) * H])
    assert_same(h_n, expected_h_n[direction])


@pytest.mark.parametrize(
    "hx_shape, features, mentions",
    [((2, 3, 4), H_IN, ["(2, 4, 4)", "(2, 3, 4)"]), (None, 7, ["H_in=3", "(10, 7)"])],
    ids=["hx shape", "feature size"],
)
def test_packed_bad_input_raises_like_torch(hx_shape, features, mentions):
    lengths = LENGTHS["unsorted"]
    ours, theirs = twins(H_IN, H, 2)
    x = torch.randn(max(lengths), len(lengths), features, dtype=DTYPE)
    packed = pack(x, lengths, batch_first=False)
    hx = None if hx_shape is None else torch.randn(hx_shape, dtype=DTYPE)
    assert_raises_like_torch(lambda: theirs(packed, hx), lambda: ours(packed, hx), mentions)
