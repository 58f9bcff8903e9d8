"""Exercises for encoder-decoders and attention: seq2seq_loss, greedy_decode (lesson 15), attention (16).

The decoder of the first two is a GRU with an embedding and an output layer; the learner's function
gets it as ``step(y, h) -> (logits, h_next)``, built from the case's weights by a trusted adapter
(``rnn_course.seq2seq_adapters``). Letters: N batch, L target length, H hidden size, E embedding size,
C vocabulary size (torch's number of classes); for attention, torch's own: L queries, S keys, E, Ev.

Each catalogued mistake is a variant of the correct computation, written here in named parts
(``_seq2seq_loss``, ``_greedy_decode``, ``_attention``) with one part swapped, or the right answer
changed after the fact. With no part swapped, each equals the course's own function in
``rnn_course.seq2seq``, which the lessons read without parts: tests/test_exercises_seq2seq.py holds
the two to each other and to torch.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..seq2seq import hide_padding, run_decoder, teacher_inputs, token_loss
from ..seq2seq_adapters import greedy_decode_adapter, seq2seq_loss_adapter
from .cases import DTYPE, dims_label, generator, randn
from .registry import Case, Exercise, Mistake, register, variant

_FORBIDDEN = ("rnn_course.seq2seq",)

# ---------------------------------------------------------------------------------------------
# The correct computations in named parts: each catalogued mistake swaps one part
# ---------------------------------------------------------------------------------------------


def _seq2seq_loss(
    step, h, tgt, sos_index, pad_index, *, inputs=teacher_inputs, run=run_decoder, score=token_loss
):
    """rnn_course.seq2seq.seq2seq_loss in parts: the decoder's inputs, the loop over them, the score."""
    logits = run(step, h, inputs(tgt, sos_index))  # (N, L, C)
    return score(logits, tgt, pad_index)


def _greedy_decode(
    step,
    h,
    sos_index,
    eos_index,
    pad_index,
    max_len,
    *,
    feed=lambda y, first: y,
    carry=lambda h, h_next: h_next,
    pick=lambda logits: logits.argmax(dim=-1),
    finish=lambda y, done, eos_index, pad_index: y.masked_fill(done, pad_index),
    stop=torch.all,
):
    """rnn_course.seq2seq.greedy_decode in parts: what is fed back, the state carried, the token
    picked, what a finished row holds, when the loop stops. Tokens (N, T)."""
    first = torch.full((h.shape[0],), sos_index, dtype=torch.long)  # (N,)
    y, done, tokens = first, torch.zeros(h.shape[0], dtype=torch.bool), []
    for _ in range(max_len):
        logits, h_next = step(feed(y, first), h)  # (N, C), (N, H)
        h = carry(h, h_next)
        y = finish(pick(logits), done, eos_index, pad_index)  # (N,)
        tokens.append(y)
        done = done | (y == eos_index)
        if stop(done):
            break
    return torch.stack(tokens, dim=1)  # (N, T)


def _attention(
    query,
    keys,
    values,
    mask=None,
    *,
    scale=lambda query, keys, values: math.sqrt(query.shape[-1]),
    weigh=lambda scores, mask: hide_padding(scores, mask).softmax(dim=-1),
    mixed=lambda keys, values: values,
):
    """rnn_course.seq2seq.attention in parts: what the scores are divided by, how they become
    weights, what the weights mix. context (N, L, Ev), weights (N, L, S)."""
    scores = query @ keys.transpose(1, 2) / scale(query, keys, values)  # (N, L, S)
    weights = weigh(scores, mask)
    return weights @ mixed(keys, values), weights


# ---------------------------------------------------------------------------------------------
# The decoder of the hidden cases
# ---------------------------------------------------------------------------------------------


def _decoder_params(gen, vocab, embed, hidden, scale=0.6):
    """Random weights for decoder_step: embedding (C, E), a GRU cell (E -> H), output layer (H -> C)."""
    return {
        "embedding.weight": randn(gen, vocab, embed),
        "cell.weight_ih": randn(gen, 3 * hidden, embed, scale=scale),
        "cell.weight_hh": randn(gen, 3 * hidden, hidden, scale=scale),
        "cell.bias_ih": randn(gen, 3 * hidden, scale=0.3),
        "cell.bias_hh": randn(gen, 3 * hidden, scale=0.3),
        "out.weight": randn(gen, vocab, hidden, scale=scale),
        "out.bias": randn(gen, vocab, scale=0.3),
    }


def _torch_decoder(params):
    """nn.Embedding, nn.GRU (batch_first) and nn.Linear carrying ``params``: the oracle's decoder."""
    vocab, embed = params["embedding.weight"].shape
    hidden = params["cell.weight_hh"].shape[1]
    embedding = nn.Embedding(vocab, embed, dtype=DTYPE)
    gru = nn.GRU(embed, hidden, batch_first=True, dtype=DTYPE)
    out = nn.Linear(hidden, vocab, dtype=DTYPE)
    with torch.no_grad():
        embedding.weight.copy_(params["embedding.weight"])
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, f"{name}_l0").copy_(params[f"cell.{name}"])
        out.weight.copy_(params["out.weight"])
        out.bias.copy_(params["out.bias"])
    return embedding, gru, out


# ---------------------------------------------------------------------------------------------
# 1. seq2seq_loss(step, h, tgt, sos_index, pad_index) -> loss
# ---------------------------------------------------------------------------------------------

# (N, L, H, E, C, (pad, sos, eos), lengths): every size distinct, L + 1 too; the special tokens move around so
# that an index written into the code shows.
_LOSS_SHAPES = [
    (3, 5, 4, 7, 9, (0, 1, 2), [5, 3, 2]),
    (4, 6, 8, 3, 11, (10, 9, 8), [4, 6, 1, 3]),
    (2, 4, 6, 8, 7, (3, 0, 6), [2, 4]),
    (5, 7, 6, 4, 10, (2, 5, 0), [7, 2, 5, 6, 3]),
]


def _target_rows(gen, lengths, length, vocab, specials):
    """tgt (N, L) int64: each row is ordinary tokens, then EOS at lengths[n] - 1, then PAD."""
    pad, sos, eos = specials
    ordinary = torch.tensor([k for k in range(vocab) if k not in specials])
    picks = torch.randint(len(ordinary), (len(lengths), length), generator=gen)
    tgt = ordinary[picks]  # (N, L)
    for row, n in enumerate(lengths):
        tgt[row, n - 1] = eos
        tgt[row, n:] = pad
    return tgt


def _loss_solve(params, h, tgt, sos_index, pad_index):
    """torch's answer: nn.GRU run once over the shifted targets, then F.cross_entropy(ignore_index)."""
    embedding, gru, out = _torch_decoder(params)
    inputs = torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)  # (N, L)
    with torch.no_grad():
        output, _ = gru(embedding(inputs), h[None])  # (N, L, H)
        logits = out(output)  # (N, L, C)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def _loss_case(seed, n, length, hidden, embed, vocab, specials, lengths):
    gen = generator(seed)
    params = _decoder_params(gen, vocab, embed, hidden)
    h = randn(gen, n, hidden)
    tgt = _target_rows(gen, lengths, length, vocab, specials)
    pad, sos, _ = specials
    args = (params, h, tgt, sos, pad)
    label = dims_label(N=n, L=length, H=hidden, E=embed, C=vocab)
    return Case(args, _loss_solve(*args), label, ("()",))


def _loss_cases():
    return [_loss_case(1500 + i, *shape) for i, shape in enumerate(_LOSS_SHAPES)]


def _per_token(logits, tgt):
    """Cross-entropy of every position, (N, L), padding included."""
    return F.cross_entropy(logits.transpose(1, 2), tgt, reduction="none")


def _step_means(logits, tgt, pad_index):
    """Each step's mean loss over its real tokens, (steps,): only the steps with a real token."""
    real = tgt != pad_index  # (N, L)
    steps = real.any(0)  # the steps with at least one real token
    return (_per_token(logits, tgt) * real).sum(0)[steps] / real.sum(0)[steps]  # (steps,)


def _free_running(step, h, inputs):
    """Logits (N, L, C) with the decoder fed its own argmax after the first input."""
    y, logits = inputs[:, 0], []
    for _ in range(inputs.shape[1]):
        out, h = step(y, h)
        logits.append(out)
        y = out.argmax(dim=-1)  # its own guess, not the target
    return torch.stack(logits, dim=1)


def _eos_left_out(logits, tgt, pad_index):
    eos = tgt.gather(1, (tgt != pad_index).sum(1, keepdim=True) - 1)  # the token before padding
    return _per_token(logits, tgt)[(tgt != pad_index) & (tgt != eos)].mean()


def _sos_never_fed(step, h, tgt, sos_index, pad_index):
    logits = run_decoder(step, h, tgt[:, :-1])  # starts from the first target
    return token_loss(logits, tgt[:, 1:], pad_index)


def _loss_variant(**part):
    return variant(_seq2seq_loss, **part)


_LOSS_MISTAKES = (
    (
        "unshifted_inputs",
        "your decoder is fed the very token it must predict: its input at step t is the target of step "
        "t - 1 (SOS at the first step), i.e. the targets shifted right by one",
        _loss_variant(inputs=lambda tgt, sos_index: tgt),
    ),
    (
        "fed_own_predictions",
        "your decoder is fed its own predictions (free running); the loss is teacher-forced: feed the "
        "true previous target, whatever the decoder guessed",
        _loss_variant(run=_free_running),
    ),
    (
        "steps_flattened_time_first",
        "you stack the steps' logits time first, (L, N, C), and flatten them against tgt flattened in "
        "its (N, L) order, so each score is paired with another position's target: lay both out the "
        "same way before flattening",
        _loss_variant(
            score=lambda logits, tgt, pad: F.cross_entropy(
                logits.transpose(0, 1).reshape(-1, logits.shape[-1]),
                tgt.reshape(-1),
                ignore_index=pad,
            )
        ),
    ),
    (
        "last_position_left_out",
        "your loss leaves out the last target position: the last target is never fed as an input, "
        "but it is still predicted, from the step before it, and scored like every other position",
        _loss_variant(score=lambda logits, tgt, pad: token_loss(logits[:, :-1], tgt[:, :-1], pad)),
    ),
    (
        "padding_scored",
        "your loss scores the padding positions too; leave out every position whose target is pad_index",
        _loss_variant(score=lambda logits, tgt, pad: _per_token(logits, tgt).mean()),
    ),
    (
        "ignore_index_zero",
        "your loss leaves out the targets equal to 0, not those equal to pad_index: use the index you are "
        "given (ignore_index=pad_index)",
        _loss_variant(score=lambda logits, tgt, pad: token_loss(logits, tgt, 0)),
    ),
    (
        "eos_not_scored",
        "your loss leaves out EOS; predicting where a sequence ends is part of the task, so EOS is "
        "scored like any other target (only padding is left out)",
        _loss_variant(score=_eos_left_out),
    ),
    (
        "mask_from_inputs",
        "your mask is read off the decoder's inputs, which are shifted by one; read it off the targets",
        _loss_variant(
            score=lambda logits, tgt, pad: _per_token(logits, tgt)[
                F.pad(tgt[:, :-1] != pad, (1, 0), value=True)  # the inputs' mask: SOS first
            ].mean()
        ),
    ),
    (
        "mean_of_row_means",
        "you average within each sequence and then over the batch; the loss is the mean over all real "
        "target tokens of the batch, so longer sequences weigh more",
        _loss_variant(
            score=lambda logits, tgt, pad: (
                (_per_token(logits, tgt) * (tgt != pad)).sum(1) / (tgt != pad).sum(1)
            ).mean()
        ),
    ),
    (
        "mean_of_step_means",
        "you average the loss within each time step and then over the steps, so a step with few real "
        "tokens (late in the sequences) weighs as much as a full one; the loss is one mean over all "
        "the real target tokens",
        _loss_variant(score=lambda logits, tgt, pad: _step_means(logits, tgt, pad).mean()),
    ),
    (
        "sum_of_step_means",
        "you add up the mean loss of every time step, so the loss grows with the length of the "
        "targets and a step with few real tokens weighs as much as a full one; the loss is one mean "
        "over all the real target tokens",
        _loss_variant(score=lambda logits, tgt, pad: _step_means(logits, tgt, pad).sum()),
    ),
    (
        "divided_by_batch",
        "you divide the summed loss by N (the batch size); divide by the number of real target tokens",
        _loss_variant(
            score=lambda logits, tgt, pad: _per_token(logits, tgt)[tgt != pad].sum() / tgt.shape[0]
        ),
    ),
    (
        "summed",
        "your loss is a sum over the tokens; take their mean",
        _loss_variant(score=lambda logits, tgt, pad: _per_token(logits, tgt)[tgt != pad].sum()),
    ),
    (
        "state_not_carried",
        "your decoder starts every step from the context h; carry the state: each step starts from the "
        "h_next of the step before",
        _loss_variant(
            run=lambda step, h, inputs: torch.stack(
                [step(inputs[:, t], h)[0] for t in range(inputs.shape[1])], dim=1
            )
        ),
    ),
    (
        "sos_never_fed",
        "your decoder never sees SOS: it starts from the first target and so never predicts it; feed "
        "SOS first and score every target",
        _sos_never_fed,
    ),
    (
        "softmax_then_cross_entropy",
        "you apply softmax before cross-entropy, which applies log-softmax itself; pass the raw logits",
        _loss_variant(score=lambda logits, tgt, pad: token_loss(logits.softmax(dim=-1), tgt, pad)),
    ),
    (
        "nll_of_logits",
        "you take nll_loss of the raw logits; nll_loss expects log-probabilities (use cross_entropy, or "
        "log_softmax first)",
        _loss_variant(
            score=lambda logits, tgt, pad: F.nll_loss(logits.transpose(1, 2), tgt, ignore_index=pad)
        ),
    ),
)

register(
    Exercise(
        id="seq2seq_loss",
        title="The teacher-forced loss of a decoder, with padding masked",
        signature="seq2seq_loss(step, h, tgt, sos_index, pad_index) -> loss",
        arg_names=("params", "h", "tgt", "sos_index", "pad_index"),
        output_names=("loss",),
        make_cases=_loss_cases,
        lesson="15_encoder_decoder",
        forbid_rnn=False,
        forbid_modules=_FORBIDDEN,
        adapter="rnn_course.seq2seq_adapters:seq2seq_loss_adapter",
        rtol=1e-6,
        atol=1e-9,
        mistakes=tuple(Mistake(n, m, seq2seq_loss_adapter(fn)) for n, m, fn in _LOSS_MISTAKES),
        hints=(
            "Teacher forcing means that the decoder's input at each step is the true previous token, not "
            "its own guess. What is the 'previous token' of the first target?",
            "Build the decoder's inputs (N, L) from tgt once, before the loop; run the loop over the L "
            "steps, carrying h, and keep every step's logits.",
            "Stack the logits to (N, L, C). F.cross_entropy wants the classes on axis 1, and has an "
            "argument that leaves out one target index: which index must not count?",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# 2. greedy_decode(step, h, sos_index, eos_index, pad_index, max_len) -> tokens
# ---------------------------------------------------------------------------------------------

# (N, H, E, C, (pad, sos, eos), max_len, kind): "all end" cases stop before max_len with rows ending at
# different steps; in "some run on" cases at least one row ends and one reaches max_len.
# max_len and max_len + 1 (the length with SOS kept) differ from every other size too.
_DECODE_SHAPES = [
    (3, 4, 6, 9, (0, 1, 2), 10, "all end"),
    (4, 7, 3, 11, (10, 9, 8), 5, "some run on"),
    (2, 5, 8, 7, (3, 0, 6), 10, "all end"),
    (5, 6, 4, 10, (2, 5, 0), 7, "some run on"),
]


def _decode_solve(params, h, sos_index, eos_index, pad_index, max_len):
    """torch's answer: nn.GRU fed its argmax for max_len steps, then cut after each row's EOS."""
    embedding, gru, out = _torch_decoder(params)
    y, state, tokens = torch.full((h.shape[0], 1), sos_index), h[None], []
    with torch.no_grad():
        for _ in range(max_len):
            output, state = gru(embedding(y), state)  # (N, 1, H)
            y = out(output).argmax(dim=-1)  # (N, 1)
            tokens.append(y)
    tokens = torch.cat(tokens, dim=1)  # (N, max_len)
    is_eos = (tokens == eos_index).long()
    after_eos = (is_eos.cumsum(dim=1) - is_eos) > 0  # strictly after the first EOS
    tokens[after_eos] = pad_index
    ended = is_eos.any(dim=1)
    if not ended.all():
        return tokens
    steps = int(is_eos.argmax(dim=1).max()) + 1  # the step at which the last row ends
    return tokens[:, :steps].contiguous()


def _decode_kind(tokens, eos_index, max_len):
    """ "all end" or "some run on" when the decoded rows show it clearly, else None."""
    ends = [(row == eos_index).nonzero().flatten().tolist()[:1] for row in tokens]
    steps = {end[0] for end in ends if end}
    if len(steps) >= 2 and all(ends) and max(steps) < max_len - 1 and min(steps) > 0:
        return "all end"
    if steps and not all(ends) and min(steps) > 0:
        return "some run on"
    return None


def _decode_case(seed, n, hidden, embed, vocab, specials, max_len, kind):
    """The first seed from ``seed`` on whose decoder shows ``kind`` (random decoders often settle
    into a fixed point, so a few seeds are tried)."""
    pad, sos, eos = specials
    for attempt in range(200):
        gen = generator(seed + 7919 * attempt)
        params = _decoder_params(gen, vocab, embed, hidden, scale=1.5)
        h = randn(gen, n, hidden, scale=1.5)
        args = (params, h, sos, eos, pad, max_len)
        expected = _decode_solve(*args)
        if _decode_kind(expected, eos, max_len) == kind:
            break
    label = dims_label(N=n, H=hidden, E=embed, C=vocab, max_len=max_len)
    return Case(args, expected, label, ("(N, T)",))


def _decode_cases():
    return [_decode_case(1600 + i, *shape) for i, shape in enumerate(_DECODE_SHAPES)]


def _decode_variant(**part):
    return variant(_greedy_decode, **part)


def _decoded(change):
    """A mistake made after decoding: ``change(tokens, sos_index, eos_index, pad_index)`` of the
    right tokens (N, T)."""

    def mistake(step, h, sos_index, eos_index, pad_index, max_len):
        tokens = _greedy_decode(step, h, sos_index, eos_index, pad_index, max_len)
        return change(tokens, sos_index, eos_index, pad_index)

    return mistake


def _decoded_for(steps):
    """A mistake that decodes for ``max_len + steps`` steps."""

    def mistake(step, h, sos_index, eos_index, pad_index, max_len):
        return _greedy_decode(step, h, sos_index, eos_index, pad_index, max_len + steps)

    return mistake


def _drawn(seed):
    """A mistake that draws each token from the softmax with a generator seeded ``seed`` in the call."""

    def mistake(step, h, sos_index, eos_index, pad_index, max_len):
        gen = torch.Generator().manual_seed(seed)

        def pick(logits):  # (N, C) -> (N,)
            return torch.multinomial(logits.softmax(-1), 1, generator=gen).squeeze(1)

        return _greedy_decode(step, h, sos_index, eos_index, pad_index, max_len, pick=pick)

    return mistake


# A draw seeded inside the function gives the same answer every run, so it cannot show as an answer
# that varies: the seeds learners reach for first.
_DRAWN = tuple(
    (
        f"drawn_with_seed_{seed}",
        f"your tokens are drawn at random from the softmax (torch.multinomial, seeded with {seed}), "
        "where greedy decoding takes each step's most likely token, the argmax of its C scores",
        _drawn(seed),
    )
    for seed in (0, 42)
)

_DECODE_MISTAKES = _DRAWN + (
    (
        "never_stops_early",
        "your loop always runs max_len steps; stop as soon as every row has produced EOS",
        _decode_variant(stop=lambda done: False),
    ),
    (
        "neither_pads_nor_stops",
        "your rows go on decoding after their EOS and your loop always runs max_len steps: every "
        "position after a row's EOS holds pad_index, and the loop stops as soon as every row has "
        "produced EOS",
        _decode_variant(stop=lambda done: False, finish=lambda y, done, eos, pad: y),
    ),
    (
        "no_padding_after_eos",
        "your rows go on decoding after their EOS; every position after a row's EOS holds pad_index",
        _decode_variant(finish=lambda y, done, eos, pad: y),
    ),
    (
        "eos_after_eos",
        "you fill the positions after a row's EOS with EOS; fill them with pad_index",
        _decode_variant(finish=lambda y, done, eos, pad: y.masked_fill(done, eos)),
    ),
    (
        "stops_at_first_eos",
        "you stop when the first row produces EOS; the other rows are not done yet: stop when every "
        "row has produced EOS (or after max_len steps)",
        _decode_variant(stop=torch.any),
    ),
    (
        "sos_kept",
        "your tokens start with SOS; SOS is what you feed first, not a prediction: return only what "
        "the decoder predicted",
        _decoded(lambda tokens, sos, eos, pad: F.pad(tokens, (1, 0), value=sos)),
    ),
    (
        "eos_dropped",
        "your rows lose their EOS; keep it: it is a prediction, the one that says where the row ends",
        _decoded(lambda tokens, sos, eos, pad: tokens.masked_fill(tokens == eos, pad)),
    ),
    (
        "sos_fed_every_step",
        "you feed SOS at every step; from the second step on, feed each row's previous prediction",
        _decode_variant(feed=lambda y, first: first),
    ),
    (
        "state_not_updated",
        "your decoder never moves on from the context h: keep the h_next that step returns and pass it "
        "to the next step",
        _decode_variant(carry=lambda h, h_next: h),
    ),
    ("one_step_short", "your loop makes one step fewer than max_len allows", _decoded_for(-1)),
    ("one_step_over", "your loop can make one step more than max_len", _decoded_for(+1)),
    (
        "argmax_over_batch",
        "you take the argmax over the batch (dim 0); take it over the vocabulary, the last axis of logits",
        _decode_variant(pick=lambda logits: logits.argmax(dim=0)),
    ),
    (
        "time_first",
        "your tokens are (T, N), one row per step; return (N, T), one row per sequence",
        _decoded(lambda tokens, sos, eos, pad: tokens.T),
    ),
)

register(
    Exercise(
        id="greedy_decode",
        title="Greedy decoding of a batch, stopping at EOS",
        signature="greedy_decode(step, h, sos_index, eos_index, pad_index, max_len) -> tokens",
        arg_names=("params", "h", "sos_index", "eos_index", "pad_index", "max_len"),
        output_names=("tokens",),
        named_sizes=("max_len + 1",),
        solve=_decode_solve,
        make_cases=_decode_cases,
        lesson="15_encoder_decoder",
        forbid_rnn=False,
        forbid_modules=_FORBIDDEN,
        adapter="rnn_course.seq2seq_adapters:greedy_decode_adapter",
        mistakes=tuple(Mistake(n, m, greedy_decode_adapter(fn)) for n, m, fn in _DECODE_MISTAKES),
        hints=(
            "Greedy means: at each step, take the most likely token and feed it back as the next input. "
            "The first input of every row is SOS.",
            "Keep a boolean vector of the rows that have finished. A finished row's later positions must "
            "not hold what its decoder still predicts.",
            "The loop ends in one of two ways: every row has finished, or max_len tokens have been made. "
            "Stack the tokens so that each row of the result is one sequence.",
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# 3. attention(query, keys, values, mask=None) -> (context, weights)
# ---------------------------------------------------------------------------------------------

# (N, L, S, E, Ev, lengths or None): torch's letters, all distinct, L + 1 too; lengths say how many of the S
# source positions of each row are real (the mask is True there).
_ATTENTION_SHAPES = [
    (3, 4, 6, 7, 8, [6, 2, 4]),
    (2, 5, 3, 4, 7, None),
    (4, 2, 7, 5, 6, [1, 7, 5, 3]),
    (1, 3, 5, 6, 2, [5]),
]


def _attention_solve(query, keys, values, mask):
    """torch's answer: F.scaled_dot_product_attention; the weights are its answer for identity values."""
    attn_mask = None if mask is None else mask[:, None, :]  # (N, 1, S), broadcast over L
    context = F.scaled_dot_product_attention(query, keys, values, attn_mask=attn_mask)
    eye = torch.eye(keys.shape[1], dtype=keys.dtype).expand(keys.shape[0], -1, -1)  # (N, S, S)
    weights = F.scaled_dot_product_attention(query, keys, eye, attn_mask=attn_mask)  # (N, L, S)
    if (
        mask is not None
    ):  # no key to attend to: NaN, as softmax gives over all -inf (an altered mask only)
        hidden = ~mask.any(dim=1)  # (N,)
        context, weights = context.clone(), weights.clone()
        context[hidden], weights[hidden] = float("nan"), float("nan")
    return context, weights


def _attention_case(seed, n, length, source, embed, value_size, lengths):
    gen = generator(seed)
    query, keys = randn(gen, n, length, embed), randn(gen, n, source, embed)
    values = randn(gen, n, source, value_size)
    mask = (
        None if lengths is None else torch.arange(source)[None, :] < torch.tensor(lengths)[:, None]
    )
    args = (query, keys, values, mask)
    label = dims_label(N=n, L=length, S=source, E=embed, Ev=value_size)
    label += "" if mask is None else ", with a padding mask"
    return Case(args, _attention_solve(*args), label, ("(N, L, Ev)", "(N, L, S)"))


def _attention_cases():
    return [_attention_case(1700 + i, *shape) for i, shape in enumerate(_ATTENTION_SHAPES)]


def _attention_variant(**part):
    return variant(_attention, **part)


def _masked_values(query, keys, values, mask=None):
    if mask is not None:
        values = values * mask[:, :, None]  # (N, S, Ev): padded values zeroed
    return _attention(query, keys, values)


def _outputs_swapped(query, keys, values, mask=None):
    context, weights = _attention(query, keys, values, mask)
    return weights, context


_ATTENTION_MISTAKES = (
    (
        "unscaled",
        "your scores are not scaled: divide q·k by sqrt(E), E being the size of a query",
        _attention_variant(scale=lambda q, k, v: 1.0),
    ),
    (
        "scaled_by_e",
        "you divide the scores by E; divide by its square root, sqrt(E)",
        _attention_variant(scale=lambda q, k, v: q.shape[-1]),
    ),
    (
        "scaled_by_source_length",
        "you scale the scores by sqrt(S), the number of keys; scale by sqrt(E), the size of a query",
        _attention_variant(scale=lambda q, k, v: math.sqrt(k.shape[1])),
    ),
    (
        "scaled_by_value_size",
        "you scale the scores by sqrt(Ev), the size of a value; scale by sqrt(E), the size of a query "
        "and a key",
        _attention_variant(scale=lambda q, k, v: math.sqrt(v.shape[-1])),
    ),
    (
        "softmax_over_queries",
        "your softmax runs over the queries (dim 1); each query's weights over the keys must sum to 1: "
        "softmax over the last axis",
        _attention_variant(weigh=lambda scores, mask: hide_padding(scores, mask).softmax(dim=1)),
    ),
    (
        "mask_ignored",
        "your weights ignore the mask: padded keys must get weight 0 (set their scores to -inf before "
        "the softmax)",
        _attention_variant(weigh=lambda scores, mask: scores.softmax(dim=-1)),
    ),
    (
        "mask_inverted",
        "your mask is read the wrong way round: True marks a real key that may be attended to (as in "
        "F.scaled_dot_product_attention), False a padded one",
        _attention_variant(
            weigh=lambda scores, mask: hide_padding(
                scores, None if mask is None else ~mask, -1e9
            ).softmax(dim=-1)  # hides the real positions
        ),
    ),
    (
        "mask_after_softmax",
        "you zero the padded weights after the softmax, so the others no longer sum to 1; mask the "
        "scores (with -inf) before the softmax",
        _attention_variant(
            weigh=lambda scores, mask: hide_padding(scores.softmax(dim=-1), mask, 0.0)
        ),
    ),
    (
        "masked_with_zero",
        "you set the padded scores to 0, which still gets weight after the softmax; set them to -inf",
        _attention_variant(
            weigh=lambda scores, mask: hide_padding(scores, mask, 0.0).softmax(dim=-1)
        ),
    ),
    (
        "no_softmax",
        "your weights are the raw scores; a softmax over the keys turns them into weights that sum to 1",
        _attention_variant(weigh=lambda scores, mask: hide_padding(scores, mask, 0.0)),
    ),
    (
        "sigmoid_weights",
        "your weights come from a sigmoid, which does not make them sum to 1; use a softmax over the keys",
        _attention_variant(weigh=lambda scores, mask: hide_padding(scores, mask).sigmoid()),
    ),
    (
        "weighted_keys",
        "your context is a weighted sum of the keys; it is a weighted sum of the values",
        _attention_variant(mixed=lambda keys, values: keys),
    ),
    (
        "mask_added_as_numbers",
        "you add the bool mask to the scores, which adds 1 to every real key's score and leaves the "
        "padded ones in the softmax; a padded key must have its score set to -inf before the softmax "
        "(torch.where or masked_fill), not shifted",
        _attention_variant(
            weigh=lambda scores, mask: (
                (
                    scores if mask is None else scores + mask[:, None, :]  # (N, L, S) + (N, 1, S)
                ).softmax(dim=-1)
            )
        ),
    ),
    (
        "masks_the_values",
        "you zero the padded positions' values instead of hiding their scores: their weights still "
        "take a share of the softmax, so the real positions' weights no longer sum to 1; a padded "
        "position must get weight 0, which only hiding its score before the softmax gives",
        _masked_values,
    ),
    (
        "outputs_swapped",
        "you return (weights, context); the order is (context, weights)",
        _outputs_swapped,
    ),
)

register(
    Exercise(
        id="attention",
        title="Scaled dot-product attention with a padding mask",
        signature="attention(query, keys, values, mask=None) -> (context, weights)",
        arg_names=("query", "keys", "values", "mask"),
        output_names=("context", "weights"),
        make_cases=_attention_cases,
        lesson="16_attention",
        forbid_rnn=False,
        forbid_modules=_FORBIDDEN,
        forbid_functions=("scaled_dot_product", "multi_head_attention"),  # torch's attention
        timeout=30.0,  # the first call of nn.MultiheadAttention under the guard imports a lot
        solve=_attention_solve,
        mistakes=tuple(Mistake(n, m, fn) for n, m, fn in _ATTENTION_MISTAKES),
        hints=(
            "Each query is compared with every key of its own row of the batch by a dot product; the "
            "comparisons of one query become its weights over the keys.",
            "With the batch first, one batched matrix product gives every score at once, (N, L, S). "
            "Which size do the scores get divided by the square root of, and which axis does the "
            "softmax run over?",
            "A padded key must get weight exactly 0 while the real ones still sum to 1: change its score "
            "before the softmax, not its weight after.",
        ),
    )
)
