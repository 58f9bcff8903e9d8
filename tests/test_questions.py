"""The prediction questions of the lessons: every question a notebook asks is registered, and a learner
notebook shows nothing of an answer before the learner has written a prediction."""

import re

import pytest

from rnn_course import predict, release

KEYS = release.answer_keys(release.default_notebooks_dir())
ASKS = re.compile(r"check_(?:prediction|shapes)\(\s*[\"']([^\"']+)[\"']")


def asked(nb):
    """(cell index, question id) for every prediction check in a notebook."""
    return [(i, qid) for i, c in enumerate(nb.cells) if c.cell_type == "code" for qid in ASKS.findall(c.source)]


@pytest.mark.parametrize("key", KEYS, ids=[k.stem for k in KEYS])
def test_every_question_a_lesson_asks_is_registered_with_a_reason(key):
    for index, qid in asked(release.read_notebook(key)):
        entry = predict.question(qid)
        assert entry is not None, f"{key.name} cell {index} asks {qid!r}, which no rnn_course/questions module registers"
        assert entry.why.strip(), f"{qid}: a question needs a reason to show after a wrong guess"
        assert qid.split(".")[0] == key.stem[:2], f"{key.name} cell {index}: question {qid!r} belongs to another lesson"


def test_every_registered_question_is_asked_by_a_lesson():
    used = {qid for key in KEYS for _, qid in asked(release.read_notebook(key))}
    unused = sorted(set(predict._registry()) - used)
    assert not unused, f"registered but never asked in a lesson: {unused}"


def _question_text(cells, index):
    """The markdown a learner reads between the question (from its "Predict" on) and the check at ``index``."""
    texts = []
    for cell in reversed(cells[:index]):
        if cell.cell_type != "markdown":
            continue
        if "Predict" in cell.source:
            texts.append(cell.source[cell.source.rindex("Predict"):])
            break
        texts.append(cell.source)
    return texts


@pytest.mark.parametrize("key", KEYS, ids=[k.stem for k in KEYS])
def test_a_learner_writes_the_prediction_before_any_answer_shows(key):
    learner = release.read_notebook(release.learner_path(key))
    for index, qid in asked(learner):
        cell = learner.cells[index]
        assert "assert" not in cell.source, f"{qid}: an assert in the learner's prediction cell can state the answer"
        assert not any("<details" in text for text in _question_text(learner.cells, index)), (
            f"{key.name}: a folded answer sits between question {qid!r} and its check; put it after the check cell"
        )
