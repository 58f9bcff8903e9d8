"""Wrong seq2seq_loss, greedy_decode and attention answers, written the way a learner might write them.

Written independently of the checker's catalogue. ``WRONG`` lists (exercise, function, phrase the
feedback's "likely mistake" must contain).
"""

import math

import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# seq2seq_loss(step, h, tgt, sos_index, pad_index) -> loss
# ---------------------------------------------------------------------------------------------


def _logits_from(step, h, inputs):
    out = []
    for t in range(inputs.shape[1]):
        logits, h = step(inputs[:, t], h)
        out.append(logits)
    return torch.stack(out, 1)  # (N, L, C)


def _teacher_inputs(tgt, sos_index):
    inputs = tgt.roll(1, dims=1)
    inputs[:, 0] = sos_index
    return inputs


def loss_feeds_targets(step, h, tgt, sos_index, pad_index):
    logits = _logits_from(step, h, tgt)
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=pad_index
    )


def loss_free_running(step, h, tgt, sos_index, pad_index):
    y = torch.full((tgt.shape[0],), sos_index)
    total, count = 0.0, 0
    for t in range(tgt.shape[1]):
        logits, h = step(y, h)
        keep = tgt[:, t] != pad_index
        total = total + F.cross_entropy(logits[keep], tgt[keep, t], reduction="sum")
        count += int(keep.sum())
        y = logits.argmax(1)
    return total / count


def loss_no_mask(step, h, tgt, sos_index, pad_index):
    logits = _logits_from(step, h, _teacher_inputs(tgt, sos_index))
    return F.cross_entropy(logits.permute(0, 2, 1), tgt)


def loss_pad_is_zero(step, h, tgt, sos_index, pad_index):
    logits = _logits_from(step, h, _teacher_inputs(tgt, sos_index))
    mask = tgt != 0
    return F.cross_entropy(logits[mask], tgt[mask])


def loss_per_sentence(step, h, tgt, sos_index, pad_index):
    logits = _logits_from(step, h, _teacher_inputs(tgt, sos_index))
    per_row = []
    for n in range(tgt.shape[0]):
        keep = tgt[n] != pad_index
        per_row.append(F.cross_entropy(logits[n][keep], tgt[n][keep]))
    return torch.stack(per_row).mean()


def loss_total(step, h, tgt, sos_index, pad_index):
    logits = _logits_from(step, h, _teacher_inputs(tgt, sos_index))
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index, reduction="sum")


def loss_over_batch_size(step, h, tgt, sos_index, pad_index):
    logits = _logits_from(step, h, _teacher_inputs(tgt, sos_index))
    total = F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index, reduction="sum")
    return total / len(tgt)


def loss_same_h_every_step(step, h, tgt, sos_index, pad_index):
    inputs = _teacher_inputs(tgt, sos_index)
    logits = torch.stack([step(inputs[:, t], h)[0] for t in range(tgt.shape[1])], 1)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def loss_probabilities(step, h, tgt, sos_index, pad_index):
    probs = torch.softmax(_logits_from(step, h, _teacher_inputs(tgt, sos_index)), -1)
    return F.cross_entropy(probs.transpose(1, 2), tgt, ignore_index=pad_index)


def loss_nll_without_log(step, h, tgt, sos_index, pad_index):
    logits = _logits_from(step, h, _teacher_inputs(tgt, sos_index))
    mask = tgt != pad_index
    return -logits.gather(2, tgt[..., None])[..., 0][mask].mean()


def loss_skips_sos(step, h, tgt, sos_index, pad_index):
    logits = _logits_from(step, h, tgt[:, :-1])
    targets = tgt[:, 1:]
    return F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=pad_index)


# ---------------------------------------------------------------------------------------------
# greedy_decode(step, h, sos_index, eos_index, pad_index, max_len) -> tokens
# ---------------------------------------------------------------------------------------------


def _greedy(
    step, h, sos_index, eos_index, pad_index, max_len, *, stop="all", fill=None, keep_h=True
):
    N = h.shape[0]
    y = torch.full((N,), sos_index, dtype=torch.long)
    finished = torch.zeros(N, dtype=torch.bool)
    out = []
    for _ in range(max_len):
        logits, h_next = step(y, h)
        h = h_next if keep_h else h
        y = logits.argmax(-1)
        if fill is not None:
            y = torch.where(finished, torch.full_like(y, fill), y)
        out.append(y)
        finished |= y == eos_index
        if (stop == "all" and finished.all()) or (stop == "any" and finished.any()):
            break
    return torch.stack(out, 1)


def decode_full_length(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len, stop="never", fill=pad_index)


def decode_no_pad(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len)


def decode_fill_eos(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len, fill=eos_index)


def decode_stop_any(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len, stop="any", fill=pad_index)


def decode_with_sos(step, h, sos_index, eos_index, pad_index, max_len):
    tokens = _greedy(step, h, sos_index, eos_index, pad_index, max_len, fill=pad_index)
    return torch.cat([torch.full_like(tokens[:, :1], sos_index), tokens], dim=1)


def decode_frozen_state(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len, fill=pad_index, keep_h=False)


def decode_range_minus_one(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len - 1, fill=pad_index)


def decode_while_le(step, h, sos_index, eos_index, pad_index, max_len):
    return _greedy(step, h, sos_index, eos_index, pad_index, max_len + 1, fill=pad_index)


def decode_steps_first(step, h, sos_index, eos_index, pad_index, max_len):
    tokens = _greedy(step, h, sos_index, eos_index, pad_index, max_len, fill=pad_index)
    return tokens.transpose(0, 1)


def decode_always_sos(step, h, sos_index, eos_index, pad_index, max_len):
    start = torch.full((h.shape[0],), sos_index, dtype=torch.long)
    finished = torch.zeros(h.shape[0], dtype=torch.bool)
    out = []
    for _ in range(max_len):
        logits, h = step(start, h)
        y = torch.where(finished, pad_index, logits.argmax(-1))
        out.append(y)
        finished = finished | (y == eos_index)
        if bool(finished.all()):
            break
    return torch.stack(out, 1)


def decode_eos_removed(step, h, sos_index, eos_index, pad_index, max_len):
    tokens = _greedy(step, h, sos_index, eos_index, pad_index, max_len, fill=pad_index)
    tokens[tokens == eos_index] = pad_index
    return tokens


# ---------------------------------------------------------------------------------------------
# attention(query, keys, values, mask=None) -> (context, weights)
# ---------------------------------------------------------------------------------------------


def _apply(scores, values, mask):
    if mask is not None:
        scores = scores.masked_fill(~mask.unsqueeze(1), -math.inf)
    weights = torch.softmax(scores, dim=-1)
    return torch.bmm(weights, values), weights


def attn_no_scale(query, keys, values, mask=None):
    return _apply(torch.bmm(query, keys.transpose(1, 2)), values, mask)


def attn_divide_by_d(query, keys, values, mask=None):
    d = keys.size(-1)
    return _apply(torch.bmm(query, keys.transpose(1, 2)) / d, values, mask)


def attn_scale_by_keys(query, keys, values, mask=None):
    return _apply(torch.bmm(query, keys.mT) / keys.size(1) ** 0.5, values, mask)


def attn_softmax_dim1(query, keys, values, mask=None):
    scores = torch.einsum("nle,nse->nls", query, keys) / math.sqrt(query.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None], float("-inf"))
    weights = F.softmax(scores, dim=1)
    return torch.einsum("nls,nsv->nlv", weights, values), weights


def attn_forgets_mask(query, keys, values, mask=None):
    return _apply(query @ keys.transpose(-2, -1) / math.sqrt(query.shape[-1]), values, None)


def attn_mask_means_pad(query, keys, values, mask=None):
    scores = query @ keys.transpose(-2, -1) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask[:, None, :], -1e9)
    weights = scores.softmax(-1)
    return weights @ values, weights


def attn_zero_after(query, keys, values, mask=None):
    weights = (query @ keys.transpose(-2, -1) / math.sqrt(query.shape[-1])).softmax(-1)
    if mask is not None:
        weights = weights * mask[:, None, :]
    return weights @ values, weights


def attn_multiply_scores_by_mask(query, keys, values, mask=None):
    scores = query @ keys.transpose(-2, -1) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores * mask[:, None, :]
    weights = scores.softmax(-1)
    return weights @ values, weights


def attn_context_from_keys(query, keys, values, mask=None):
    context, weights = _apply(
        query @ keys.transpose(-2, -1) / math.sqrt(query.shape[-1]), values, mask
    )
    return weights @ keys, weights


def attn_returns_weights_first(query, keys, values, mask=None):
    context, weights = _apply(
        query @ keys.transpose(-2, -1) / math.sqrt(query.shape[-1]), values, mask
    )
    return weights, context


def attn_sigmoid(query, keys, values, mask=None):
    scores = query @ keys.transpose(-2, -1) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], -math.inf)
    weights = torch.sigmoid(scores)
    return weights @ values, weights


WRONG = [
    ("seq2seq_loss", loss_feeds_targets, "the very token it must predict"),
    ("seq2seq_loss", loss_free_running, "free running"),
    ("seq2seq_loss", loss_no_mask, "scores the padding positions"),
    ("seq2seq_loss", loss_pad_is_zero, "equal to 0, not those equal to pad_index"),
    ("seq2seq_loss", loss_per_sentence, "average within each sequence"),
    ("seq2seq_loss", loss_total, "is a sum over the tokens"),
    ("seq2seq_loss", loss_over_batch_size, "divide the summed loss by N"),
    ("seq2seq_loss", loss_same_h_every_step, "carry the state"),
    ("seq2seq_loss", loss_probabilities, "softmax before cross-entropy"),
    ("seq2seq_loss", loss_nll_without_log, "nll_loss of the raw logits"),
    ("seq2seq_loss", loss_skips_sos, "never sees SOS"),
    ("greedy_decode", decode_full_length, "always runs max_len steps"),
    ("greedy_decode", decode_no_pad, "go on decoding after their EOS"),
    ("greedy_decode", decode_fill_eos, "fill the positions after a row's EOS with EOS"),
    ("greedy_decode", decode_stop_any, "stop when the first row produces EOS"),
    ("greedy_decode", decode_with_sos, "start with SOS"),
    ("greedy_decode", decode_frozen_state, "never moves on from the context h"),
    ("greedy_decode", decode_range_minus_one, "one step fewer"),
    ("greedy_decode", decode_while_le, "one step more"),
    ("greedy_decode", decode_steps_first, "(T, N)"),
    ("greedy_decode", decode_always_sos, "feed SOS at every step"),
    ("greedy_decode", decode_eos_removed, "lose their EOS"),
    ("attention", attn_no_scale, "not scaled"),
    ("attention", attn_divide_by_d, "divide the scores by E;"),
    ("attention", attn_scale_by_keys, "sqrt(S)"),
    ("attention", attn_softmax_dim1, "over the queries"),
    ("attention", attn_forgets_mask, "ignore the mask"),
    ("attention", attn_mask_means_pad, "the wrong way round"),
    ("attention", attn_zero_after, "after the softmax"),
    ("attention", attn_multiply_scores_by_mask, "set the padded scores to 0"),
    ("attention", attn_context_from_keys, "weighted sum of the keys"),
    ("attention", attn_returns_weights_first, "(context, weights)"),
    ("attention", attn_sigmoid, "sigmoid"),
]
