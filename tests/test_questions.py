"""The prediction questions of the lessons: every question a notebook asks is registered, and a learner
notebook shows nothing of an answer before the learner has written a prediction."""

import re

import pytest

from rnn_course import predict, release

KEYS = release.answer_keys(release.default_notebooks_dir())
ASKS = re.compile(r"check_(?:prediction|shapes)\(\s*[\"']([^\"']+)[\"']")
HINTS = re.compile(r"hint\(\s*[\"'](\d\d\.[^\"']+)[\"']")


def asked(nb):
    """(cell index, question id) for every prediction check in a notebook."""
    return [
        (i, qid)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        for qid in ASKS.findall(c.source)
    ]


@pytest.mark.parametrize("key", KEYS, ids=[k.stem for k in KEYS])
def test_every_question_a_lesson_asks_is_registered_with_a_reason(key):
    for index, qid in asked(release.read_notebook(key)):
        entry = predict.question(qid)
        assert entry is not None, (
            f"{key.name} cell {index} asks {qid!r}, which no rnn_course/questions module registers"
        )
        assert entry.why.strip(), f"{qid}: a question needs a reason to show after a wrong guess"
        assert qid.split(".")[0] == key.stem[:2], (
            f"{key.name} cell {index}: question {qid!r} belongs to another lesson"
        )


def test_every_registered_question_is_asked_by_a_lesson():
    notebooks = [release.read_notebook(key) for key in KEYS]
    used = {qid for nb in notebooks for _, qid in asked(nb)}
    used |= {qid for nb in notebooks for cell in nb.cells for qid in HINTS.findall(cell.source)}
    unused = sorted(set(predict._registry()) - used)
    assert not unused, f"registered but never asked in a lesson: {unused}"


LEADING_ANSWER = re.compile(r"^\s*<details>.*?</details>", re.S)


def _question_text(cells, index):
    """The markdown a learner reads between the code cell before the check at ``index`` and the check,
    less the folded answers at its very start (those belong to the question before)."""
    texts = []
    for cell in reversed(cells[:index]):
        if cell.cell_type != "markdown":
            break
        texts.insert(0, cell.source)
    text = "\n".join(texts)
    while LEADING_ANSWER.match(text):
        text = LEADING_ANSWER.sub("", text, count=1)
    return text


@pytest.mark.parametrize("key", KEYS, ids=[k.stem for k in KEYS])
def test_a_learner_writes_the_prediction_before_any_answer_shows(key):
    learner = release.read_notebook(release.learner_path(key))
    for index, qid in asked(learner):
        cell = learner.cells[index]
        for line in cell.source.split("\n"):
            if line.strip().startswith("my_prediction ="):
                assert line.split("=", 1)[1].strip().startswith("..."), (
                    f"{key.name} cell {index}: {line.strip()!r} shows an answer"
                )
        assert "<details" not in _question_text(learner.cells, index), (
            f"{key.name}: a folded answer sits between question {qid!r} and its check; put it after the check cell"
        )


def test_the_leak_check_itself_catches_a_folded_answer_after_the_question():
    from nbformat.v4 import new_code_cell, new_markdown_cell

    leaky = [
        new_code_cell("x = 1"),
        new_markdown_cell("<details>the last answer</details>\n\n**Predict** the shape."),
        new_markdown_cell("<details><summary>Answer</summary>(5, 3, 4)</details>"),
        new_code_cell("check_prediction('01.a', my_prediction, x)"),
    ]
    assert "<details" in _question_text(leaky, 3)
    honest = leaky[:2] + leaky[3:]
    assert "<details" not in _question_text(honest, 2)


# ---------------------------------------------------------------------------------------------
# The answer, as the answer key writes it, must not show anywhere a learner reads before answering
# ---------------------------------------------------------------------------------------------

PREDICTION = re.compile(r"^\s*my_prediction\s*=\s*(.+?)\s*###\s*PREDICTION", re.M)


def answers(key):
    """{question id: the answer key's literal prediction} for every question of a lesson."""
    import ast

    found = {}
    for cell in release.read_notebook(key).cells:
        match = PREDICTION.search(cell.source) if cell.cell_type == "code" else None
        if match and ASKS.search(cell.source):
            found[ASKS.search(cell.source).group(1)] = ast.literal_eval(match.group(1))
    return found


def _numbers(value):
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, tuple):
        return [n for v in value for n in _numbers(v)]
    return []


def telltales(answer):
    """Strings that, written where a learner reads before answering, give ``answer`` away.

    A shape is written as its tuple, "(4, 6, 8)"; a number of 10 or more, or with a fraction, as
    itself. True/False and option words are left to the other tests: a word
    heuristic would flag every lesson that names the options of its question.
    """
    found = []
    shapes = (
        [answer]
        if _is_shape(answer)
        else [a for a in answer if _is_shape(a)]
        if isinstance(answer, tuple)
        else []
    )
    found += [str(tuple(s)) for s in shapes if len(s) > 1]
    found += [
        str(n)
        for n in _numbers(answer)
        if not _is_shape_part(n, shapes) and (abs(n) >= 10 or not float(n).is_integer())
    ]
    return found


def _is_shape(value):
    return isinstance(value, tuple) and value and all(type(v) is int for v in value)


def _is_shape_part(number, shapes):
    return any(number in s for s in shapes)


def _reads(text, telltale):
    return re.search(rf"(?<![\w.]){re.escape(telltale)}(?![\w.])", text) is not None


def _before(cells, index):
    """Everything a learner reads above cell ``index``: markdown and code, titles and objectives."""
    return "\n".join(cell.source for cell in cells[:index])


# Known exceptions still to fix, each with its reason (an xfail, not a pass); keep it empty.
NOT_YET_FIXED = {}


def _waived(key):
    reason = NOT_YET_FIXED.get(key.stem)
    marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
    return pytest.param(key, id=key.stem, marks=marks)


@pytest.mark.parametrize("key", [_waived(k) for k in KEYS])
def test_no_answer_shows_above_its_question_in_objectives_titles_prose_or_code(key):
    learner = release.read_notebook(release.learner_path(key))
    truth = answers(key)
    for index, qid in asked(learner):
        above = _before(learner.cells, index)
        for telltale in telltales(truth.get(qid, ())):
            assert not _reads(above, telltale), (
                f"{key.name}: {telltale} is written above question {qid!r} (cell {index})"
            )


def test_no_answer_shows_in_an_earlier_lesson():
    """A question an earlier lesson already answered shows every part of its answer there."""
    earlier = ""
    for key in KEYS:
        for qid, answer in answers(key).items():
            parts = [t for t in telltales(answer) if len(t) > 4]  # shapes, long numbers
            assert not parts or not all(_reads(earlier, t) for t in parts), (
                f"{qid}'s answer {parts} is already written in a lesson before {key.stem}"
            )
        learner = release.read_notebook(release.learner_path(key))
        earlier += "\n".join(cell.source for cell in learner.cells)


def _binary(qid, answer):
    entry = predict.question(qid)
    return isinstance(answer, bool) or len(entry.options) == 2


@pytest.mark.parametrize("key", KEYS, ids=[k.stem for k in KEYS])
def test_a_miss_on_a_non_binary_question_explains_the_rule_not_the_value(key):
    for qid, answer in answers(key).items():
        if _binary(qid, answer):
            continue
        entry = predict.question(qid)
        numbers = [str(n) for n in _numbers(answer) if abs(n) >= 2]
        for number in numbers:
            assert not _reads(entry.why, number), (
                f"{qid}: its why states {number}, part of the answer"
            )
        if entry.options and isinstance(answer, str):
            assert not re.search(
                rf"\({re.escape(answer)}\)|option {re.escape(answer)}\b", entry.why
            ), f"{qid}: its why names the right option {answer!r}"
        for level, text in enumerate(entry.hints[:-1], start=1):
            for telltale in telltales(answer):
                assert not _reads(text, telltale), f"{qid}: hint {level} states {telltale}"


def test_the_answer_heuristics_catch_the_leaks_they_were_written_for():
    assert telltales(((4, 4, 8), (4, 3))) == ["(4, 4, 8)", "(4, 3)"]
    assert telltales(640) == ["640"]
    assert telltales(True) == [] and telltales("tanh") == []
    assert _reads("initial_state is (4, 4, 8) here", "(4, 4, 8)")
    assert not _reads("a shape (14, 4, 8)", "(4, 4, 8)") and not _reads("6400 entries", "640")
    assert not _binary("05.parameter_tensors", (12, (6, 6)))
