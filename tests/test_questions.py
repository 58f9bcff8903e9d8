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
