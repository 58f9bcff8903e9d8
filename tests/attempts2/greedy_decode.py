"""Attempts at greedy_decode, lesson 15 (encoder-decoder)."""

import torch
from attempts import Attempt


def _decode(step, h, sos_index, eos_index, pad_index, max_len, pick=None, stop=torch.all, **slips):
    """The loop every attempt below shares; ``slips`` turns off the one move a learner got wrong."""
    start = torch.full((h.shape[0],), sos_index, dtype=torch.long, device=h.device)
    y, done, columns = start, torch.zeros_like(start, dtype=torch.bool), []
    for _ in range(max_len):
        logits, h_next = step(y if slips.get("feed_back", True) else start, h)
        h = h_next if slips.get("carry", True) else h
        y = logits.argmax(dim=-1) if pick is None else pick(logits)
        if not slips.get("keep_eos", True):
            done |= y == eos_index
        if slips.get("pad_after", True):
            y = y.masked_fill(done, pad_index)
        columns.append(y)
        done |= y == eos_index
        if stop is not None and stop(done):
            break
    return torch.stack(columns, dim=1)  # (N, T)


def no_padding_after_eos(step, h, sos_index, eos_index, pad_index, max_len):
    return _decode(step, h, sos_index, eos_index, pad_index, max_len, pad_after=False)


def stops_at_first_eos(step, h, sos_index, eos_index, pad_index, max_len):
    return _decode(step, h, sos_index, eos_index, pad_index, max_len, stop=torch.any)


def keeps_sos_in_front(step, h, sos_index, eos_index, pad_index, max_len):
    tokens = _decode(step, h, sos_index, eos_index, pad_index, max_len)
    return torch.cat([torch.full_like(tokens[:, :1], sos_index), tokens], dim=1)


def sos_fed_every_step(step, h, sos_index, eos_index, pad_index, max_len):
    return _decode(step, h, sos_index, eos_index, pad_index, max_len, feed_back=False)


def state_not_carried(step, h, sos_index, eos_index, pad_index, max_len):
    return _decode(step, h, sos_index, eos_index, pad_index, max_len, carry=False)


def eos_padded_too(step, h, sos_index, eos_index, pad_index, max_len):
    return _decode(step, h, sos_index, eos_index, pad_index, max_len, keep_eos=False)


def always_max_len_steps(step, h, sos_index, eos_index, pad_index, max_len):
    return _decode(step, h, sos_index, eos_index, pad_index, max_len, stop=None)


def draws_from_softmax(step, h, sos_index, eos_index, pad_index, max_len):
    def pick(logits):
        return torch.multinomial(logits.softmax(dim=-1), 1).squeeze(1)

    return _decode(step, h, sos_index, eos_index, pad_index, max_len, pick=pick)


def steps_down_rows_across(step, h, sos_index, eos_index, pad_index, max_len):
    return _decode(
        step, h, sos_index, eos_index, pad_index, max_len
    ).T  # torch.stack(columns): (T, N)


def padded_with_zero(step, h, sos_index, eos_index, pad_index, max_len):
    return _decode(step, h, sos_index, eos_index, 0, max_len)  # finished rows write 0


def preallocated_float_tokens(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    tokens = torch.full((N, max_len), float(pad_index))
    y = torch.full((N,), sos_index, dtype=torch.long)
    done = torch.zeros(N, dtype=torch.bool)
    for t in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(dim=-1)
        tokens[~done, t] = y[~done].float()
        done |= y == eos_index
        if done.all():
            return tokens[:, : t + 1]
    return tokens


def filled_with_pad_first(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    tokens = torch.full((N, max_len), pad_index, dtype=torch.long, device=h.device)
    running = torch.ones(N, dtype=torch.bool, device=h.device)
    y = torch.full((N,), sos_index, dtype=torch.long, device=h.device)
    T = 0
    while T < max_len and running.any():
        logits, h = step(y, h)
        y = logits.argmax(dim=1)
        tokens[:, T] = torch.where(running, y, tokens[:, T])
        running = running & (y != eos_index)
        T += 1
    return tokens[:, :T]


def finished_rows_fed_pad(step, h, sos_index, eos_index, pad_index, max_len):
    y = h.new_full((h.shape[0],), sos_index, dtype=torch.int64)
    ended = y == eos_index  # all False
    out = []
    while len(out) < max_len:
        logits, h = step(y, h)
        y = torch.where(ended, pad_index, logits.max(dim=-1).indices)
        out.append(y)
        ended = ended | (y == eos_index)
        if bool(ended.all()):
            break
    return torch.stack(out, dim=-1)


ATTEMPTS = [
    Attempt(
        no_padding_after_eos,
        False,
        "keeps writing each finished row's argmax after its EOS instead of pad_index",
        ("pad",),
    ),
    Attempt(
        stops_at_first_eos,
        False,
        "stops as soon as any row writes EOS instead of when every row has",
        ("every row|all rows|any row|first row|each row|all the rows",),
    ),
    Attempt(
        keeps_sos_in_front,
        False,
        "returns the SOS column in front of the predictions",
        ("sos|start",),
    ),
    Attempt(
        sos_fed_every_step,
        False,
        "feeds SOS at every step instead of feeding back the previous prediction",
        ("feed|previous|argmax|prediction|own",),
    ),
    Attempt(
        state_not_carried,
        False,
        "throws away h_next and starts every step from the context h",
        ("carr|h_next|update|returned|previous",),
    ),
    Attempt(
        eos_padded_too,
        False,
        "marks a row finished before writing its token, so its EOS is replaced by padding",
        ("eos", "keep|kept|replac|overwrit|lost|missing|drop"),
    ),
    Attempt(
        always_max_len_steps,
        False,
        "never stops early: it always runs max_len steps, leaving columns of padding after the last EOS",
        ("stop|early|max_len|extra|column|length",),
    ),
    Attempt(
        draws_from_softmax,
        False,
        "draws each token from the softmax instead of taking the argmax",
        ("argmax|greedy|most likely|sampl|draw|random",),
    ),
    Attempt(
        steps_down_rows_across,
        False,
        "stacks the steps along dim 0 and returns (T, N) instead of (N, T)",
        ("shape|transpos|(n, t)|axis|dim|order",),
    ),
    Attempt(
        padded_with_zero,
        False,
        "pads finished rows with 0 instead of pad_index",
        ("pad_index|pad index|padding index|padding token",),
    ),
    Attempt(
        preallocated_float_tokens,
        False,
        "preallocates the tokens with a float fill value, so it returns float32 instead of int64",
        ("dtype|int64|long|float|integer",),
    ),
    Attempt(filled_with_pad_first, True),
    Attempt(finished_rows_fed_pad, True),
]
