"""The encoder-decoder exercises: seq2seq_loss, greedy_decode (lesson 15) and attention (lesson 16).

Correct answers in several styles pass, and are first checked against torch directly (nn.GRU,
F.cross_entropy, F.scaled_dot_product_attention, nn.MultiheadAttention) in float64; the wrong answers in
``wrong_seq2seq.py`` fail with their mistake named; every catalogued mistake is named by its own
message; handing the work to torch's attention or to the course's own versions fails; hints hold no
code.
"""

import math
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnn_course.exercises import check, get_exercise, hint
from rnn_course.exercises.core import diagnose, judge, run_learner
from rnn_course.seq2seq_adapters import decoder_step

sys.path.insert(0, str(Path(__file__).parent))
from wrong_seq2seq import WRONG  # noqa: E402  (tests/ is not a package)

EXERCISES = ("seq2seq_loss", "greedy_decode", "attention")

# --- correct seq2seq_loss ---------------------------------------------------------------------


def loss_stack_then_cross_entropy(step, h, tgt, sos_index, pad_index):
    inputs = torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)  # (N, L)
    logits = []
    for t in range(tgt.shape[1]):
        out, h = step(inputs[:, t], h)
        logits.append(out)
    logits = torch.stack(logits, dim=1)  # (N, L, C)
    return F.cross_entropy(logits.transpose(1, 2), tgt, ignore_index=pad_index)


def loss_step_by_step_sums(step, h, tgt, sos_index, pad_index):
    y = torch.full((tgt.shape[0],), sos_index, dtype=torch.long)
    total = h.new_zeros(())
    for t in range(tgt.shape[1]):
        logits, h = step(y, h)
        total = total + F.cross_entropy(logits, tgt[:, t], ignore_index=pad_index, reduction="sum")
        y = tgt[:, t]  # teacher forcing
    return total / (tgt != pad_index).sum()


def loss_gather_log_probs(step, h, tgt, sos_index, pad_index):
    previous = tgt.roll(shifts=1, dims=1)
    previous[:, 0] = sos_index
    log_probs = []
    for (y,) in zip(previous.unbind(1)):
        logits, h = step(y, h)
        log_probs.append(logits.log_softmax(dim=-1))
    log_probs = torch.stack(log_probs, dim=1)  # (N, L, C)
    picked = log_probs.gather(2, tgt.unsqueeze(-1)).squeeze(-1)  # (N, L)
    real = (tgt != pad_index).to(picked.dtype)
    return -(picked * real).sum() / real.sum()


# --- correct greedy_decode --------------------------------------------------------------------


def decode_list_and_flags(step, h, sos_index, eos_index, pad_index, max_len):
    y = torch.full((h.shape[0],), sos_index)
    finished = torch.zeros(h.shape[0], dtype=torch.bool)
    columns = []
    while len(columns) < max_len and not finished.all():
        logits, h = step(y, h)
        y = torch.where(finished, torch.tensor(pad_index), logits.argmax(dim=1))
        columns.append(y)
        finished = finished | (y == eos_index)
    return torch.stack(columns, dim=1)


def decode_preallocated(step, h, sos_index, eos_index, pad_index, max_len):
    N = h.shape[0]
    tokens = torch.full((N, max_len), pad_index, dtype=torch.long)
    alive = torch.ones(N, dtype=torch.bool)
    y = torch.full((N,), sos_index, dtype=torch.long)
    used = 0
    for t in range(max_len):
        logits, h = step(y, h)
        y = logits.max(dim=-1).indices
        tokens[alive, t] = y[alive]
        alive = alive & (y != eos_index)
        used = t + 1
        if not alive.any():
            break
    return tokens[:, :used]


def decode_then_cut(step, h, sos_index, eos_index, pad_index, max_len):
    y, made = torch.full((h.shape[0],), sos_index), []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(-1)
        made.append(y)
        if all((torch.stack(made, 1) == eos_index).any(1)):
            break
    tokens = torch.stack(made, 1)
    seen = (tokens == eos_index).cumsum(1)
    after = (seen > 0) & ~((seen == 1) & (tokens == eos_index))
    return tokens.masked_fill(after, pad_index)


# --- correct attention ------------------------------------------------------------------------


def attention_einsum(query, keys, values, mask=None):
    scores = torch.einsum("nle,nse->nls", query, keys) / math.sqrt(query.shape[-1])  # (N, L, S)
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = scores.softmax(dim=-1)
    return torch.einsum("nls,nsv->nlv", weights, values), weights


def attention_bmm_where(query, keys, values, mask=None):
    scores = torch.bmm(query, keys.transpose(1, 2)) * query.size(-1) ** -0.5
    if mask is not None:
        scores = torch.where(mask.unsqueeze(1), scores, torch.finfo(scores.dtype).min)
    weights = F.softmax(scores, dim=2)
    return torch.bmm(weights, values), weights


def attention_by_hand_softmax(query, keys, values, mask=None):
    scores = query @ keys.mT / query.shape[-1] ** 0.5
    scores = scores - scores.max(dim=-1, keepdim=True).values
    e = scores.exp()
    if mask is not None:
        e = e * mask[:, None, :]
        e = e * (1 / e.sum(-1, keepdim=True)) * e.sum(-1, keepdim=True)  # no-op kept on purpose
    weights = e / e.sum(dim=-1, keepdim=True)
    return weights @ values, [weights][0]


CORRECT = {
    "seq2seq_loss": (loss_stack_then_cross_entropy, loss_step_by_step_sums, loss_gather_log_probs),
    "greedy_decode": (decode_list_and_flags, decode_preallocated, decode_then_cut),
    "attention": (attention_einsum, attention_bmm_where, attention_by_hand_softmax),
}


def _learner_args(exercise_id, case):
    if exercise_id == "attention":
        return case.args
    return (decoder_step(case.args[0]), *case.args[1:])


def test_the_cases_are_torch_in_float64():
    """The expected answers come from torch: the adapters' decoder is nn.GRU's, the weights are the
    context of identity values, and nn.MultiheadAttention with identity projections agrees."""
    for case in get_exercise("seq2seq_loss").cases():
        params, h = case.args[0], case.args[1]
        step = decoder_step(params)
        gru = nn.GRUCell(params["cell.weight_ih"].shape[1], h.shape[1], dtype=torch.float64)
        gru.load_state_dict(
            {k.removeprefix("cell."): v for k, v in params.items() if k.startswith("cell.")}
        )
        y = case.args[2][:, 0]
        torch.testing.assert_close(step(y, h)[1], gru(params["embedding.weight"][y], h))
        assert case.expected.dtype == torch.float64 and case.expected.dim() == 0
    for case in get_exercise("attention").cases():
        query, keys, values, mask = case.args
        n, source, size = keys.shape
        mha = nn.MultiheadAttention(
            size, 1, bias=False, kdim=size, vdim=values.shape[-1], dtype=torch.float64
        )
        if values.shape[-1] != size:
            continue  # nn.MultiheadAttention's output size is E; the other cases are checked below
        with torch.no_grad():
            mha.in_proj_weight.copy_(torch.eye(size).repeat(3, 1))
            mha.out_proj.weight.copy_(torch.eye(size))
        padding = None if mask is None else ~mask
        context, weights = mha(
            query.transpose(0, 1),
            keys.transpose(0, 1),
            values.transpose(0, 1),
            key_padding_mask=padding,
        )
        torch.testing.assert_close(context.transpose(0, 1), case.expected[0])
        torch.testing.assert_close(weights, case.expected[1])


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_the_correct_solutions_match_torch_directly(exercise_id):
    for fn in CORRECT[exercise_id]:
        for case in get_exercise(exercise_id).cases():
            got = fn(*_learner_args(exercise_id, case))
            expected = case.expected
            if isinstance(expected, tuple):
                for a, b in zip(got, expected):
                    torch.testing.assert_close(a, b, rtol=1e-7, atol=1e-9)
            else:
                torch.testing.assert_close(got, expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "exercise_id, fn",
    [(e, f) for e, fns in CORRECT.items() for f in fns],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_correct_solutions_pass(exercise_id, fn):
    result = check(exercise_id, fn)
    assert result.passed, str(result)
    exercise = get_exercise(exercise_id)
    assert diagnose(exercise, exercise.cases(), run_learner(exercise, fn, exercise.cases())) is None


@pytest.mark.parametrize(
    "exercise_id, fn, named", WRONG, ids=lambda v: getattr(v, "__name__", None)
)
def test_wrong_answers_fail_with_the_mistake_named(exercise_id, fn, named):
    result = check(exercise_id, fn)
    assert not result.passed and result.points == 0
    assert "likely mistake: " in str(result) and named in str(result), str(result)


def test_there_are_enough_independent_wrong_answers():
    for exercise_id in EXERCISES:
        assert sum(e == exercise_id for e, _, _ in WRONG) >= 10


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_catalogued_mistake_is_named_by_its_own_message(exercise_id):
    exercise = get_exercise(exercise_id)
    cases = exercise.cases()
    assert len({m.message for m in exercise.mistakes}) == len(exercise.mistakes) >= 8
    for mistake in exercise.mistakes:
        fn = getattr(mistake.fn, "learner_fn", mistake.fn)
        result = judge(exercise, cases, run_learner(exercise, fn, cases, use_guard=False))
        assert not result.passed, mistake.message
        assert f"likely mistake: {mistake.message}" in result.feedback, str(result)


def test_the_decoding_cases_show_both_ways_of_stopping():
    """Some case stops before max_len with its rows ending at different steps; in some other case a
    row reaches max_len while another has ended."""
    all_end = some_run_on = False
    for case in get_exercise("greedy_decode").cases():
        eos, max_len = case.args[3], case.args[5]
        ends = [(row == eos).nonzero().flatten()[:1].tolist() for row in case.expected]
        if all(ends) and len({e[0] for e in ends}) > 1 and case.expected.shape[1] < max_len:
            all_end = True
        if any(ends) and not all(ends) and case.expected.shape[1] == max_len:
            some_run_on = True
    assert all_end and some_run_on


def test_the_cases_sizes_are_distinct_and_masks_pad():
    for exercise_id in EXERCISES:
        for case in get_exercise(exercise_id).cases():
            sizes = [
                int(v)
                for v in case.label.replace(",", " ").split()
                if v.split("=")[-1].isdigit()
                for v in [v.split("=")[-1]]
            ]
            assert len(sizes) == len(set(sizes)), case.label
    masks = [c.args[3] for c in get_exercise("attention").cases()]
    assert any(m is None for m in masks) and any(m is not None and not m.all() for m in masks)
    assert any(m is not None and (~m).sum(1).unique().numel() > 1 for m in masks)


def _sdpa(query, keys, values, mask=None):
    attn_mask = None if mask is None else mask[:, None, :]
    context = F.scaled_dot_product_attention(query, keys, values, attn_mask=attn_mask)
    return context, None


def _renamed_sdpa(query, keys, values, mask=None):
    from torch._C._nn import scaled_dot_product_attention as sdpa

    return sdpa(query, keys, values, attn_mask=None if mask is None else mask[:, None, :]), None


def _mha(query, keys, values, mask=None):
    """nn.MultiheadAttention on the raw inputs (its projections make the answer wrong anyway: the
    point is that the call is seen)."""
    mha = nn.MultiheadAttention(
        query.shape[-1], 1, kdim=keys.shape[-1], vdim=values.shape[-1], batch_first=True
    ).to(query.dtype)
    padding = None if mask is None else ~mask
    return mha(query, keys, values, key_padding_mask=padding)


def _functional_mha(query, keys, values, mask=None):
    try:
        return _mha(query, keys, values, mask)
    except Exception:
        return attention_einsum(query, keys, values, mask)


@pytest.mark.parametrize("fn", [_sdpa, _renamed_sdpa, _mha, _functional_mha])
def test_torchs_attention_is_off_limits(fn):
    result = check("attention", fn)
    assert not result.passed and "off-limits" in str(result), str(result)


def test_the_guard_sees_a_forbidden_torch_function_however_it_is_reached():
    """One mechanism for every exercise: the guard's Tripwire, here reached from C (partial)."""
    from functools import partial

    from rnn_course.exercises.guard import Guard

    query, keys, values = torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 6)
    for forbid, expected in ((("scaled_dot_product",), "forbidden"), ((), None)):
        with Guard(forbid_rnn=False, forbid_functions=forbid) as guard:
            partial(F.scaled_dot_product_attention, query, keys)(values)
            attention_einsum(query, keys, values)
        kinds = [kind for kind, _ in guard.report.violations]
        assert kinds == ([expected] if expected else []), guard.report.violations


def _assert_equal_answers(a, b):
    for x, y in zip(a, b) if isinstance(a, tuple) else [(a, b)]:
        torch.testing.assert_close(x, y, rtol=1e-7, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_the_catalogues_computation_in_parts_is_the_course_function_and_torch(exercise_id):
    """Every catalogued mistake swaps a part of the checker's own computation (_seq2seq_loss,
    _greedy_decode, _attention). With no part swapped, it equals rnn_course.seq2seq's function, which
    the lessons read without parts, and torch's answer: on the hidden cases and on salted ones."""
    from rnn_course import seq2seq
    from rnn_course.exercises import seq2seq as checker

    in_parts = getattr(checker, f"_{exercise_id}")
    for salt in (0, 17, 4242):
        for case in get_exercise(exercise_id).cases(salt):
            args = _learner_args(exercise_id, case)
            ours = in_parts(*args)
            _assert_equal_answers(ours, getattr(seq2seq, exercise_id)(*args))
            _assert_equal_answers(ours, case.expected)


def test_the_course_versions_are_off_limits():
    from rnn_course import seq2seq

    for exercise_id, name in (
        ("attention", "attention"),
        ("greedy_decode", "greedy_decode"),
        ("seq2seq_loss", "seq2seq_loss"),
    ):
        result = check(exercise_id, getattr(seq2seq, name))
        assert not result.passed and "rnn_course.seq2seq" in str(result), str(result)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_hints_exist_and_contain_no_solution(exercise_id):
    exercise = get_exercise(exercise_id)
    assert len(exercise.hints) >= 3 and exercise.lesson in ("15_encoder_decoder", "16_attention")
    for level in range(1, len(exercise.hints) + 1):
        text = str(hint(exercise_id, level))
        assert "ignore_index=" not in text and "masked_fill" not in text and "argmax(" not in text
        assert "sqrt(" not in text and "softmax(" not in text


def test_salted_cases_keep_their_shapes_and_change_their_numbers():
    for exercise_id in EXERCISES:
        exercise = get_exercise(exercise_id)
        plain, salted = exercise.cases(), exercise.cases(salt=4242)
        assert [c.label for c in plain] == [c.label for c in salted]
        assert not torch.equal(plain[0].args[1], salted[0].args[1])


# ---------------------------------------------------------------------------------------------
# The grader: the adapters and the attention tripwire run in its sandbox too
# ---------------------------------------------------------------------------------------------

_SETUP = """import math
import torch
import torch.nn.functional as F
from rnn_course.exercises import check, hint
"""

_LOSS = """def seq2seq_loss(step, h, tgt, sos_index, pad_index):
    inputs = torch.cat([torch.full_like(tgt[:, :1], sos_index), tgt[:, :-1]], dim=1)
    logits = []
    for t in range(tgt.shape[1]):
        out, h = step(inputs[:, t], h)
        logits.append(out)
    return F.cross_entropy(torch.stack(logits, 2), tgt, ignore_index=pad_index)
"""

_DECODE_NO_STOP = """def greedy_decode(step, h, sos_index, eos_index, pad_index, max_len):
    y, done, out = torch.full((h.shape[0],), sos_index), torch.zeros(h.shape[0], dtype=torch.bool), []
    for _ in range(max_len):
        logits, h = step(y, h)
        y = logits.argmax(-1).masked_fill(done, pad_index)
        out.append(y)
        done |= y == eos_index
    return torch.stack(out, 1)
"""

_ATTENTION = """def attention(query, keys, values, mask=None):
    scores = query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = scores.softmax(-1)
    return weights @ values, weights
"""

_SDPA = """def attention(query, keys, values, mask=None):
    m = None if mask is None else mask[:, None, :]
    return F.scaled_dot_product_attention(query, keys, values, attn_mask=m), None
"""


def test_the_grader_grades_all_three_through_their_adapters(tmp_path):
    import nbformat

    from rnn_course.grading import Limits, grade

    def write(name, lesson, *cells):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["rnn_course"] = {"lesson": lesson, "kind": "learner"}
        nbformat.write(nb, str(tmp_path / name))

    write("a.ipynb", "15_encoder_decoder", _SETUP, _LOSS, _DECODE_NO_STOP)
    write("b.ipynb", "16_attention", _SETUP, _ATTENTION)
    write("c.ipynb", "16_attention", _SETUP, _SDPA)
    rows = {r.submission.path.name: r for r in grade([tmp_path], limits=Limits(timeout=300))}
    a, b, c = rows["a.ipynb"], rows["b.ipynb"], rows["c.ipynb"]
    assert a.results["seq2seq_loss"].passed and not a.results["greedy_decode"].passed
    assert "always runs max_len steps" in " ".join(a.results["greedy_decode"].feedback)
    assert b.results["attention"].passed
    assert not c.results["attention"].passed
    # The grader's allowlist refuses torch's attention before anything runs (docs/security.md).
    refusal = " ".join(c.results["attention"].feedback)
    assert "`.scaled_dot_product_attention` is not in the allowlist for attention" in refusal
