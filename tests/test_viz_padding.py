"""Tests for rnn_course.viz.padding, with torch's packing as the oracle."""

import matplotlib.pyplot as plt
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_course.viz import padding

lengths_lists = st.lists(st.integers(1, 7), min_size=1, max_size=6)


@given(lengths_lists)
def test_mask_matches_arange_comparison(lengths):
    expected = torch.arange(max(lengths))[None, :] < torch.tensor(lengths)[:, None]
    assert torch.equal(torch.tensor(padding.mask_from_lengths(lengths), dtype=torch.bool), expected)


@given(lengths_lists)
def test_batch_sizes_match_torch(lengths):
    lengths_t = torch.tensor(lengths)
    padded = torch.zeros(len(lengths), max(lengths), 1)
    packed = pack_padded_sequence(padded, lengths_t, batch_first=True, enforce_sorted=False)
    order, batch_sizes, position = padding.packed_layout(lengths)
    assert batch_sizes == packed.batch_sizes.tolist()
    assert sorted(position.values()) == list(range(sum(lengths)))
    assert sorted(order) == list(range(len(lengths)))


@given(st.lists(st.integers(1, 8), min_size=1, max_size=6, unique=True))
def test_positions_match_torch_data(lengths):
    # distinct lengths: the order of ties is torch's business
    n, width = len(lengths), max(lengths)
    padded = torch.arange(n * width, dtype=torch.float64).reshape(n, width, 1)  # every step unique
    packed = pack_padded_sequence(
        padded, torch.tensor(lengths), batch_first=True, enforce_sorted=False
    )
    order, _, position = padding.packed_layout(lengths)
    assert order == packed.sorted_indices.tolist()
    for (seq, t), row in position.items():
        assert packed.data[row, 0] == padded[seq, t, 0]


def test_ties_keep_their_order():
    order, batch_sizes, _ = padding.packed_layout([2, 3, 2])
    assert order == [1, 0, 2] and batch_sizes == [3, 3, 1]


@pytest.mark.parametrize("tokens", [None, ["abc", "d", "ef"]])
def test_plot_padded_batch_draws_every_cell(tokens):
    fig = padding.plot_padded_batch([3, 1, 2], tokens=tokens)
    left, right = fig.axes
    assert len(left.patches) == len(right.patches) == 3 * 3
    texts = [t.get_text() for t in left.texts]
    assert texts.count("pad") == 3
    if tokens:
        assert [t for t in texts if t != "pad"] == list("abcdef")
    assert (
        sorted(t.get_text() for t in right.texts if t.get_text() in "01") == ["0"] * 3 + ["1"] * 6
    )
    for ax in (left, right):  # time steps are numbered t = 1..L
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    plt.close(fig)


def test_plot_packed_batch_labels_rows_and_batch_sizes():
    fig = padding.plot_packed_batch([6, 3, 2, 4])
    (ax,) = fig.axes
    texts = [t.get_text() for t in ax.texts]
    assert sorted(int(t) for t in texts[:15]) == list(range(15))  # one label per row of data
    assert texts[15:21] == ["4", "4", "3", "2", "1", "1"]  # batch_sizes under the columns
    assert "batch_sizes" in texts
    plt.close(fig)
