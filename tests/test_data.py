"""Tests for rnn_course.data: the shipped text, the vocabulary, the split and the batches."""

from collections import Counter

import pytest
import torch
import torch.nn.functional as F

from rnn_course import data


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# --- the text ----------------------------------------------------------------------------------


def test_text_ships_with_a_named_public_domain_source():
    assert "public domain" in data.text_source()
    text = data.load_text()
    assert not any(line.startswith("#") for line in text.splitlines())
    assert text.endswith("\n") and len(text) > 5000


def test_poems_are_lists_of_non_empty_lines():
    poems = data.load_poems()
    assert len(poems) == 50
    assert all(
        poem and all(line and "\n" not in line and line == line.strip() for line in poem)
        for poem in poems
    )
    assert sum(len(p) for p in poems) == sum(
        1 for line in data.load_text().splitlines() if line.strip()
    )


def test_unknown_text_is_a_clear_error():
    with pytest.raises(ValueError, match="nursery_rhymes"):
        data.load_text("no_such_text")


# --- the vocabulary ------------------------------------------------------------------------------


def test_vocab_special_tokens_and_size():
    text = data.load_text()
    vocab = data.CharVocab.from_text(text)
    assert vocab.itos[:3] == (data.PAD, data.BOS, "\n")
    assert (vocab.pad_index, vocab.bos_index, vocab.eos_index) == (0, 1, 2)
    assert (
        vocab.size == len(set(text)) + 2
    )  # every character, '\n' as the end token, plus pad and bos
    assert len(set(vocab.itos)) == vocab.size


def test_encode_decode_round_trip():
    vocab = data.CharVocab.from_text(data.load_text())
    for poem in data.load_poems():
        for line in poem:
            ids = vocab.encode(line)
            assert ids.dtype == torch.long and ids.shape == (len(line),)
            assert vocab.decode(ids) == line
    assert vocab.decode([vocab.bos_index, *vocab.encode("ab").tolist(), vocab.pad_index]) == "ab"


# --- the split -------------------------------------------------------------------------------------


def test_split_is_deterministic_and_depends_on_the_seed():
    a, b, c = data.rhyme_dataset(gen(0)), data.rhyme_dataset(gen(0)), data.rhyme_dataset(gen(1))
    assert (a.train, a.val, a.train_poems, a.val_poems) == (
        b.train,
        b.val,
        b.train_poems,
        b.val_poems,
    )
    assert a.val_poems != c.val_poems


@pytest.mark.parametrize("seed", range(5))
def test_split_is_disjoint_and_complete(seed):
    ds = data.rhyme_dataset(gen(seed), val_fraction=0.2)
    poems = data.load_poems()
    assert not set(ds.train_poems) & set(ds.val_poems)
    assert sorted(ds.train_poems + ds.val_poems) == list(range(len(poems)))
    assert len(ds.val_poems) == 10
    assert not set(ds.train) & set(ds.val)  # no line in both (no line is shared between poems)
    assert len(ds.train) + len(ds.val) == sum(len(p) for p in poems)
    assert ds.val == [line for i in ds.val_poems for line in poems[i]]


def test_split_leaves_the_global_rng_alone():
    state = torch.get_rng_state()
    data.rhyme_dataset(gen(3))
    data.char_batches(["ab", "c"], data.CharVocab.from_text("abc"), 2, generator=gen(3))
    data.random_sequences([2, 3], 4, gen(3))
    assert torch.equal(state, torch.get_rng_state())


# --- examples and batches --------------------------------------------------------------------------


def test_char_example_shifts_by_one():
    vocab = data.CharVocab.from_text(data.load_text())
    inputs, targets = data.char_example("jack be nimble", vocab)
    assert inputs.shape == targets.shape == (15,)
    assert inputs[0] == vocab.bos_index and targets[-1] == vocab.eos_index
    assert torch.equal(inputs[1:], targets[:-1])
    assert vocab.decode(targets) == "jack be nimble\n"


def test_char_batches_shapes_padding_and_coverage():
    ds = data.rhyme_dataset(gen(0))
    batches = data.char_batches(ds.train, ds.vocab, batch_size=16, generator=gen(5))
    assert [len(b.lengths) for b in batches] == [16] * (len(ds.train) // 16) + [len(ds.train) % 16]
    seen = []
    for b in batches:
        n, width = b.inputs.shape
        assert b.targets.shape == (n, width) and b.lengths.shape == (n,)
        assert width == b.lengths.max().item()
        mask = torch.arange(width)[None, :] < b.lengths[:, None]
        assert (b.inputs[~mask] == ds.vocab.pad_index).all()
        assert (b.targets[~mask] == ds.vocab.pad_index).all()
        assert (b.targets[mask] != ds.vocab.pad_index).all()
        seen += [ds.vocab.decode(row) for row in b.inputs]
    assert sorted(seen) == sorted(ds.train)  # every line exactly once


def test_char_batches_order():
    ds = data.rhyme_dataset(gen(0))
    plain = data.char_batches(ds.val, ds.vocab, batch_size=100)
    assert len(plain) == 1 and [ds.vocab.decode(r) for r in plain[0].inputs] == ds.val
    one = data.char_batches(ds.val, ds.vocab, 8, generator=gen(1))
    two = data.char_batches(ds.val, ds.vocab, 8, generator=gen(1))
    assert all(torch.equal(a.inputs, b.inputs) for a, b in zip(one, two))


# --- the baseline ----------------------------------------------------------------------------------


def test_unigram_loss_matches_cross_entropy_of_constant_logits():
    ds = data.rhyme_dataset(gen(0))
    vocab = ds.vocab
    counts = Counter("".join(line + "\n" for line in ds.train))
    logits = torch.full((vocab.size,), -float("inf"), dtype=torch.float64)
    total = sum(counts.values()) + vocab.size - 2
    for i, token in enumerate(vocab.itos[2:], start=2):
        logits[i] = torch.log(torch.tensor((counts[token] + 1) / total, dtype=torch.float64))
    targets = vocab.encode("".join(line + "\n" for line in ds.val))
    expected = F.cross_entropy(logits.expand(len(targets), -1), targets).item()
    assert data.unigram_loss(ds.train, ds.val, vocab) == pytest.approx(expected, rel=1e-5)


# --- generated sequences ---------------------------------------------------------------------------


def test_random_sequences_shapes_and_determinism():
    seqs = data.random_sequences(torch.tensor([3, 1, 4]), 2, gen(7))
    assert [s.shape for s in seqs] == [(3, 2), (1, 2), (4, 2)]
    again = data.random_sequences([3, 1, 4], 2, gen(7))
    assert all(torch.equal(a, b) for a, b in zip(seqs, again))


# --- n-gram baselines ------------------------------------------------------------------------------


def test_ngram_order_1_is_the_unigram_baseline():
    ds = data.rhyme_dataset(gen(0))
    assert data.ngram_loss(ds.train, ds.val, ds.vocab, 1) == pytest.approx(
        data.unigram_loss(ds.train, ds.val, ds.vocab)
    )


def test_ngram_witten_bell_by_hand():
    """Trained on the one line "ab": the unigram gives a, b and the end 1/3 each (add-one); a context
    seen once with one follower keeps half its mass for it and gives half to the lower order."""
    import math

    vocab = data.CharVocab.from_text("ab")
    assert data.ngram_loss(["ab"], ["ab"], vocab, 2) == pytest.approx(-math.log((1 + 1 / 3) / 2))
    assert data.ngram_loss(["ab"], ["ab"], vocab, 3) == pytest.approx(
        -math.log((1 + (1 + 1 / 3) / 2) / 2)
    )
    assert data.ngram_loss(["ab"], ["ba"], vocab, 2) == pytest.approx(
        math.log(6)
    )  # seen contexts, unseen pairs


def test_ngram_probabilities_sum_to_one_and_never_vanish():
    ds = data.rhyme_dataset(gen(1))
    table = data._context_counts(ds.train, ds.vocab, 1)
    lower = data._unigram_log_probs(ds.train, ds.vocab).exp().tolist()
    for counts in list(table.values())[:10]:
        p = [data._witten_bell(counts, c, lower[c]) for c in range(ds.vocab.size)]
        assert sum(p) == pytest.approx(1.0)
        assert min(p[2:]) > 0


def test_ngram_context_helps_on_the_rhymes_and_bad_orders_are_refused():
    ds = data.rhyme_dataset(gen(0))
    losses = [data.ngram_loss(ds.train, ds.val, ds.vocab, n) for n in (1, 2, 3)]
    assert losses[0] > losses[1] > losses[2]
    with pytest.raises(ValueError, match="positive integer"):
        data.ngram_loss(ds.train, ds.val, ds.vocab, 0)


# --- generated verses, read as a stream ----------------------------------------------------------

from rnn_course.data import verses  # noqa: E402


def test_verses_are_deterministic_four_lines_and_rhyme():
    text = verses.generate_verses(gen(3), 40)
    assert text == verses.generate_verses(gen(3), 40) != verses.generate_verses(gen(4), 40)
    assert text.endswith("\n\n")
    for verse in text.split("\n\n")[:-1]:
        lines = verse.split("\n")
        assert len(lines) == 4
        last = [line.rstrip(",;.").split()[-1] for line in (lines[1], lines[3])]
        assert last[0] != last[1]
        assert any(set(last) <= set(family) for family in verses.RHYMES)


def test_verse_corpus_draws_validation_after_training_from_one_generator():
    corpus = data.verse_corpus(gen(0), num_train=30, num_val=7)
    g = gen(0)
    assert corpus.train == verses.generate_verses(g, 30)
    assert corpus.val == verses.generate_verses(g, 7)
    assert set(corpus.train + corpus.val) - {"\n"} <= set(corpus.vocab.itos)
    assert corpus.vocab.itos[corpus.vocab.eos_index] == "\n"


def test_text_streams_are_the_text_in_rows_and_the_targets_shifted_by_one():
    vocab = data.CharVocab.from_text("abcdefg\n")
    text = "abcdefgabcdefg\nabcdef"  # 21 characters
    inputs, targets = data.text_streams(text, vocab, 3)  # (3, 6): 18 + 1 characters used
    ids = vocab.encode(text)
    assert inputs.shape == targets.shape == (3, 6)
    assert torch.equal(inputs.flatten(), ids[:18]) and torch.equal(targets.flatten(), ids[1:19])


def test_stream_chunks_continue_each_other_and_are_copies():
    inputs = torch.arange(2 * 11).view(2, 11)
    chunks = data.stream_chunks(inputs, inputs + 100, 4)  # 2 chunks, 3 steps dropped
    assert len(chunks) == 2 and all(x.shape == y.shape == (2, 4) for x, y in chunks)
    assert torch.equal(torch.cat([x for x, _ in chunks], dim=1), inputs[:, :8])
    assert torch.equal(chunks[1][1], inputs[:, 4:8] + 100)
    assert chunks[0][0].untyped_storage().data_ptr() != inputs.untyped_storage().data_ptr()
