"""Tests for the capstone's exercises (lesson 11): train_step and sample.

A checker must accept differently written correct answers, reject wrong ones with the mistake named,
catch delegation to the course's own versions, and survive misbehaviour. The wrong answers live in
``wrong_capstone.py``.
"""

import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_course import train
from rnn_course.exercises import check, get_exercise, hint
from rnn_course.exercises.core import run_learner
from rnn_course.exercises.judge import judge

sys.path.insert(0, str(Path(__file__).parent))
from wrong_capstone import WRONG  # noqa: E402

EXERCISES = ("train_step", "sample")

# ---------------------------------------------------------------------------------------------
# Correct answers, three or more per exercise, each written differently
# ---------------------------------------------------------------------------------------------


def step_packed(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    logits = model(inputs, lengths)  # (sum(lengths), V)
    packed = pack_padded_sequence(targets, lengths, batch_first=True, enforce_sorted=False)
    loss = F.cross_entropy(logits, packed.data)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def step_ignore_index_and_zero_grad_last(model, optimizer, inputs, targets, lengths, max_norm):
    logits, _ = model.step(inputs)  # (N, L, V) over the padded batch
    loss = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)  # padding targets are 0
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm=max_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
    return loss.detach()


def step_own_clipping_and_gather(model, optimizer, inputs, targets, lengths, max_norm):
    model.zero_grad()
    log_probs = model(inputs, lengths).log_softmax(dim=-1)
    order = pack_padded_sequence(targets, lengths, batch_first=True, enforce_sorted=False).data
    loss = -log_probs.gather(1, order[:, None]).mean()
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = torch.sqrt(sum((g * g).sum() for g in grads))
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(scale)
    optimizer.step()
    return loss


def step_masked_mean(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    out, _ = model.rnn(model.embed(inputs))  # (N, L, H)
    per_position = F.cross_entropy(
        model.head(out).permute(0, 2, 1), targets, reduction="none"
    )  # (N, L)
    mask = (torch.arange(inputs.shape[1]) < lengths[:, None]).to(per_position.dtype)
    loss = (per_position * mask).sum() / mask.sum()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


@torch.no_grad()
def sample_step_method(model, prompt, temperature, max_len, end_index, generator):
    logits, state = model.step(prompt)  # (K, V)
    tokens = []
    for _ in range(max_len):
        probs = torch.softmax(logits[-1] / temperature, dim=-1)
        token = torch.multinomial(probs, 1, generator=generator)
        tokens.append(token)
        if token.item() == end_index:
            break
        logits, state = model.step(token, state)
    return torch.cat(tokens)


def sample_batched_layers(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        out, h = model.rnn(model.embed(prompt.unsqueeze(0)))  # (1, K, H)
        drawn = []
        while len(drawn) < max_len:
            scores = model.head(out[:, -1]) / temperature  # (1, V)
            nxt = torch.multinomial(
                F.softmax(scores, dim=1), num_samples=1, generator=generator
            )  # (1, 1)
            drawn.append(int(nxt))
            if drawn[-1] == end_index:
                break
            out, h = model.rnn(model.embed(nxt), h)
    return drawn


def sample_rerun_from_scratch(model, prompt, temperature, max_len, end_index, generator):
    """No state carried: the whole sequence is read again from the start at every step."""
    sequence = prompt.tolist()
    new = []
    with torch.no_grad():
        for _ in range(max_len):
            logits, _ = model.step(torch.tensor(sequence))
            probs = (logits[-1] / temperature).log_softmax(-1).exp()
            token = torch.multinomial(probs, 1, replacement=True, generator=generator).item()
            new.append(token)
            sequence.append(token)
            if token == end_index:
                break
    return torch.tensor(new)


def sample_prompt_token_by_token_and_power(
    model, prompt, temperature, max_len, end_index, generator
):
    """The prompt read one token at a time; the temperature applied as p ** (1 / T), renormalised."""
    state = None
    with torch.no_grad():
        for token in prompt:
            logits, state = model.step(token.reshape(1), state)
        out = []
        while len(out) < max_len:
            p = torch.softmax(logits[-1], -1) ** (1 / temperature)
            token = torch.multinomial(p / p.sum(), 1, generator=generator)
            out.append(token)
            if token.item() == end_index:
                break
            logits, state = model.step(token, state)
    return torch.stack(out)  # (T, 1): the checker reads it as (T,)


CORRECT = {
    "train_step": [
        step_packed,
        step_ignore_index_and_zero_grad_last,
        step_own_clipping_and_gather,
        step_masked_mean,
    ],
    "sample": [
        sample_step_method,
        sample_batched_layers,
        sample_rerun_from_scratch,
        sample_prompt_token_by_token_and_power,
    ],
}


def test_the_course_versions_are_correct_but_may_not_be_handed_in():
    """rnn_course.train's step and sampler match torch (checked without the guard), and the guard
    refuses them as answers."""
    for exercise_id, fn in (("train_step", train.train_step), ("sample", train.sample)):
        exercise = get_exercise(exercise_id)
        cases = exercise.cases()
        assert judge(exercise, cases, run_learner(exercise, fn, cases, use_guard=False)).passed
        result = check(exercise_id, fn)
        assert not result.passed and "rnn_course.train" in str(result)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_the_catalogues_computation_in_parts_is_the_course_function_and_torch(exercise_id):
    """Every catalogued mistake swaps a part of the checker's own computation (_train_step,
    _sample). With no part swapped, it gives what rnn_course.train's function gives (the lesson
    reads that one, without parts) and torch's answer: on the hidden cases and on salted ones."""
    from rnn_course import adapters
    from rnn_course.exercises import capstone as checker

    adapter = getattr(adapters, f"{exercise_id}_adapter")
    in_parts, course = (
        adapter(getattr(checker, f"_{exercise_id}")),
        adapter(getattr(train, exercise_id)),
    )
    for salt in (0, 17):
        for case in get_exercise(exercise_id).cases(salt):
            ours = in_parts(*case.args)
            torch.testing.assert_close(ours, course(*case.args), rtol=0, atol=0)
            torch.testing.assert_close(ours, case.expected, rtol=1e-6, atol=1e-9)


def test_registered_with_lesson_11():
    for exercise_id in EXERCISES:
        exercise = get_exercise(exercise_id)
        assert exercise.lesson == "11_real_task"
        assert exercise.adapter.startswith("rnn_course.adapters:")
        assert len(exercise.hints) >= 3 and all(hint(exercise_id, k) for k in (1, 2, 3))


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_no_hint_can_be_pasted_as_the_answer(exercise_id):
    """Hints climb from the idea to the method: no level compiles as the function's body, not even
    the last, which still leaves a step in angle brackets for the learner to fill in."""
    exercise = get_exercise(exercise_id)
    for level, text in enumerate(exercise.hints, start=1):
        body = "\n".join("    " + part.strip() for part in text.split(";"))
        with pytest.raises(SyntaxError):
            compile(
                f"def {exercise_id}({', '.join(exercise.arg_names)}):\n{body}\n", "hint", "exec"
            )
        if level < len(exercise.hints):
            assert "<" not in text, (
                f"hint {level} of {exercise_id} names a blank: only the last may"
            )
    assert "<" in exercise.hints[-1]


# ---------------------------------------------------------------------------------------------
# Wrong answers: each fails, with its mistake named
# ---------------------------------------------------------------------------------------------


def test_at_least_ten_wrong_answers_per_exercise():
    for exercise_id in EXERCISES:
        assert sum(e == exercise_id for e, _, _ in WRONG) >= 10


def test_the_cases_make_the_mistakes_visible():
    """Clipping is active in some case and max_norm is never 1; some sample stops at the end token and
    some reaches max_len; no temperature is 1."""
    steps = get_exercise("train_step").cases()
    assert all(case.args[5] != 1.0 for case in steps)
    assert {case.args[0]["optimizer"] for case in steps} == {"adam", "sgd"}
    assert {case.args[0]["cell"] for case in steps} == {"rnn", "gru", "lstm"}
    samples = get_exercise("sample").cases()
    ends = [int(case.expected[-1]) == case.args[5] for case in samples]
    assert any(ends) and not all(ends)
    assert any(len(case.expected) == case.args[4] for case in samples)
    assert all(case.args[3] != 1.0 for case in samples)


# ---------------------------------------------------------------------------------------------
# Misbehaviour never crashes the check, and the cases never leak
# ---------------------------------------------------------------------------------------------


def step_raises(model, optimizer, inputs, targets, lengths, max_norm):
    raise ValueError("boom")


def sample_returns_floats(model, prompt, temperature, max_len, end_index, generator):
    return sample_step_method(model, prompt, temperature, max_len, end_index, generator).double()


def sample_not_attempted(model, prompt, temperature, max_len, end_index, generator):
    raise NotImplementedError


def test_errors_and_odd_answers_are_reported():
    assert "ValueError: boom" in str(check("train_step", step_raises))
    assert "dtype torch.int64" in str(check("sample", sample_returns_floats))
    assert check("sample", sample_not_attempted).status == "not attempted"


def test_the_global_random_state_is_untouched_by_a_check():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    check("sample", sample_step_method)
    check("train_step", step_packed)
    assert torch.equal(before, torch.random.get_rng_state())


def test_cases_are_salted_for_the_grader():
    exercise = get_exercise("sample")
    plain, salted = exercise.cases(), exercise.cases(salt=12345)
    assert [c.label for c in plain] == [c.label for c in salted]
    assert any(
        not torch.equal(a.args[1]["head.weight"], b.args[1]["head.weight"])
        for a, b in zip(plain, salted)
    )


# ---------------------------------------------------------------------------------------------
# The grader: the adapters run in its sandbox too
# ---------------------------------------------------------------------------------------------

_SETUP = """import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence
from rnn_course import train
from rnn_course.exercises import check, hint
"""

_STEP = """def train_step(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    packed = pack_padded_sequence(targets, lengths, batch_first=True, enforce_sorted=False)
    loss = F.cross_entropy(model(inputs, lengths), packed.data)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss
"""

_GREEDY = """def sample(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        tokens = []
        while len(tokens) < max_len:
            token = logits[-1].argmax().reshape(1)
            tokens.append(int(token))
            if tokens[-1] == end_index:
                break
            logits, state = model.step(token, state)
    return tokens
"""


def test_the_grader_runs_both_exercises_through_their_adapters(tmp_path):
    import nbformat

    from rnn_course.grading import Limits, grade

    def write(name, *cells):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["rnn_course"] = {"lesson": "11_real_task", "kind": "learner"}
        nbformat.write(nb, str(tmp_path / name))

    write("a.ipynb", _SETUP, _STEP, _GREEDY, 'check("train_step", train_step)')
    write("b.ipynb", _SETUP, "train_step = train.train_step\nsample = train.sample")
    rows = {r.submission.path.name: r for r in grade([tmp_path], limits=Limits(timeout=300))}
    a, b = rows["a.ipynb"], rows["b.ipynb"]
    assert a.results["train_step"].passed and not a.results["sample"].passed
    assert any("argmax" in line for line in a.results["sample"].feedback), a.results[
        "sample"
    ].feedback
    # the grader takes only a `def` out of the notebook: an alias of the course's own is refused
    assert b.total == 0 and all(
        "not defined with `def`" in " ".join(r.feedback) for r in b.results.values()
    )
