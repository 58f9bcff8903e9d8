"""rnn_course.seq2seq and rnn_course.data.reversal: the lessons' encoder-decoder, checked against torch.

The course's attention against F.scaled_dot_product_attention and nn.MultiheadAttention in float64;
the teacher-forced forward (all steps at once) against the step function run one token at a time;
greedy decoding's stopping rule; the reversal data; the figures.
"""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnn_course import seq2seq
from rnn_course.data import reversal
from rnn_course.viz import attention as attention_viz
from rnn_course.viz import style

DTYPE = torch.float64


def _inputs(seed=0, n=3, length=4, source=6, embed=5, value_size=7):
    gen = torch.Generator().manual_seed(seed)
    query = torch.randn(n, length, embed, generator=gen, dtype=DTYPE)
    keys = torch.randn(n, source, embed, generator=gen, dtype=DTYPE)
    values = torch.randn(n, source, value_size, generator=gen, dtype=DTYPE)
    mask = torch.arange(source)[None, :] < torch.tensor([6, 2, 4])[:, None]
    return query, keys, values, mask


def test_attention_matches_scaled_dot_product_attention():
    query, keys, values, mask = _inputs()
    for m in (None, mask):
        context, weights = seq2seq.attention(query, keys, values, m)
        attn_mask = None if m is None else m[:, None, :]
        expected = F.scaled_dot_product_attention(query, keys, values, attn_mask=attn_mask)
        torch.testing.assert_close(context, expected)
        assert weights.shape == (3, 4, 6)
        torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4, dtype=DTYPE))
    assert (weights[1, :, 2:] == 0).all()


def test_attention_matches_one_head_multihead_attention_with_identity_projections():
    query, keys, values, mask = _inputs(value_size=5)
    mha = nn.MultiheadAttention(5, 1, bias=False, batch_first=True, dtype=DTYPE)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.eye(5).repeat(3, 1))
        mha.out_proj.weight.copy_(torch.eye(5))
        context, weights = mha(query, keys, values, key_padding_mask=~mask)
    ours, our_weights = seq2seq.attention(query, keys, values, mask)
    torch.testing.assert_close(ours, context)
    torch.testing.assert_close(our_weights, weights)


def test_additive_scores_match_a_loop_over_pairs():
    gen = torch.Generator().manual_seed(3)
    query, keys = torch.randn(2, 3, 4, generator=gen), torch.randn(2, 5, 6, generator=gen)
    w_q, w_k, v = torch.randn(7, 4, generator=gen), torch.randn(7, 6, generator=gen), torch.randn(7)
    scores = seq2seq.additive_scores(query, keys, w_q, w_k, v)
    for n in range(2):
        for i in range(3):
            for j in range(5):
                one = v @ torch.tanh(w_q @ query[n, i] + w_k @ keys[n, j])
                torch.testing.assert_close(scores[n, i, j], one)


def test_reversal_batches_are_reversed_padded_and_seeded():
    gen = torch.Generator().manual_seed(0)
    batch = reversal.reversal_batch(5, 2, 9, gen)
    assert (
        batch.src.shape[1] == int(batch.src_lengths.max())
        and batch.tgt.shape[1] == batch.src.shape[1] + 1
    )
    for row, n in enumerate(batch.src_lengths.tolist()):
        assert torch.equal(batch.tgt[row, :n], batch.src[row, :n].flip(0))
        assert batch.tgt[row, n] == reversal.EOS and (batch.tgt[row, n + 1 :] == reversal.PAD).all()
        assert (batch.src[row, n:] == reversal.PAD).all() and (batch.src[row, :n] >= 3).all()
    again = reversal.reversal_batch(5, 2, 9, torch.Generator().manual_seed(0))
    assert torch.equal(again.src, batch.src)
    assert reversal.to_text(torch.tensor([3, 12, 2, 0])) == "0 9 ."


@pytest.mark.parametrize("use_attention", [False, True])
def test_the_teacher_forced_forward_equals_the_step_function_one_token_at_a_time(use_attention):
    model = seq2seq.make_model(use_attention, seed=1).double()
    batch = reversal.reversal_batch(4, 2, 7, torch.Generator().manual_seed(2))
    step, h0 = model.step_function(batch.src, batch.src_lengths)
    assert h0.shape == (4, seq2seq.Setup.hidden_size)
    stepped = seq2seq.seq2seq_loss(step, h0, batch.tgt, reversal.SOS, reversal.PAD)
    torch.testing.assert_close(model.loss(batch), stepped)
    logits, weights = model(batch.src, batch.src_lengths, batch.tgt)
    assert logits.shape == (4, batch.tgt.shape[1], reversal.VOCAB_SIZE)
    assert (weights is None) == (not use_attention)
    if use_attention:
        assert (weights.masked_select(batch.src[:, None, :] == reversal.PAD) == 0).all()


def test_the_encoder_final_state_ignores_padding():
    model = seq2seq.make_model(False, seed=0).double()
    batch = reversal.reversal_batch(3, 3, 6, torch.Generator().manual_seed(4))
    _, h_n = model.encoder(batch.src, batch.src_lengths)
    for row, n in enumerate(batch.src_lengths.tolist()):
        _, alone = model.encoder(batch.src[row : row + 1, :n], batch.src_lengths[row : row + 1])
        torch.testing.assert_close(h_n[row : row + 1], alone)


def test_greedy_decode_stops_when_every_row_has_ended():
    eos, pad = 2, 0
    script = torch.tensor([[5, 2, 7, 7], [6, 6, 2, 7]])  # row 0 ends at step 2, row 1 at step 3

    def step(y, h):
        t = int(h[0, 0])
        logits = F.one_hot(script[:, t], 9).double()
        return logits, h + 1

    tokens = seq2seq.greedy_decode(step, torch.zeros(2, 1), 1, eos, pad, max_len=4)
    assert tokens.tolist() == [[5, 2, 0], [6, 6, 2]]
    assert seq2seq.greedy_decode(step, torch.zeros(2, 1), 1, eos, pad, max_len=2).tolist() == [
        [5, 2],
        [6, 6],
    ]


def test_measure_reports_every_number_the_lessons_use():
    setup = seq2seq.Setup(steps=3, batch_size=8)
    _, result = seq2seq.measure(True, 0, [2, 3], setup)
    assert len(result["exact"]) == 2 and all(0 <= a <= 1 for a in result["exact"])
    assert (
        0 <= result["free"] <= 1 and 0 <= result["teacher"] <= 1 and 0 <= result["alignment"] <= 1
    )
    torch.manual_seed(5)
    before = torch.random.get_rng_state()
    seq2seq.make_model(True, 0)
    assert torch.equal(before, torch.random.get_rng_state())


@pytest.mark.usefixtures("close_figures")
def test_the_figures_are_readable():
    figures = [
        attention_viz.alignment(
            [torch.eye(n).flip(0).numpy() for n in (4, 7, 10)],
            [[str(d) for d in range(n)] for n in (4, 7, 10)],
            [[str(d) for d in range(n)][::-1] for n in (4, 7, 10)],
            ["4 digits", "7 digits", "10 digits"],
        ),
        attention_viz.accuracy_by_length(
            [2, 4], {"with attention": [[1.0, 0.5]], "without attention": [[1, 0.2]]}
        ),
        attention_viz.forcing_gap([0, 1], [0.9, 0.8], [0.6, 0.5]),
    ]
    for fig in figures:
        assert (
            style.png_size(fig)[0] >= style.MIN_WIDTH_PX
            and style.smallest_font(fig) >= style.MIN_FONT
        )
