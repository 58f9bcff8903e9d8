"""Tests for rnn_course.predict: predictions are compared with torch, misses are explained without the
answer, and nothing a learner can pass makes the check raise."""

import pytest
import torch
from torch import nn

from rnn_course import predict
from rnn_course.exercises import hint
from rnn_course.predict import Question, check_prediction, check_shapes

QUESTIONS = {
    "t.shape": Question(
        why="the batch axis comes second in a time-major tensor.",
        hints=("Which axis is time?", "Count the axes."),
    ),
    "t.two": Question(why="h_n keeps one row per layer and direction."),
    "t.bool": Question(why="both modules ran the same computation."),
    "t.count": Question(why="each bias has one entry per hidden unit."),
    "t.float": Question(why="tanh stays inside (-1, 1).", rel_tol=0.01),
    "t.choice": Question(why="the reset gate acts before the product.", options=("a", "b", "c")),
    "t.nohints": Question(why="because."),
}


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    monkeypatch.setattr(predict, "_REGISTRY", dict(QUESTIONS))


def test_a_right_guess_passes_whatever_container_holds_the_shape():
    for guess in [(5, 3, 4), [5, 3, 4], torch.Size([5, 3, 4])]:
        result = check_prediction("t.shape", guess, torch.zeros(5, 3, 4).shape)
        assert result and result.status == "right", result


def test_several_kinds_of_answers_are_compared():
    assert check_prediction(
        "t.two", ((5, 3, 7), (2, 3, 7)), (torch.Size([5, 3, 7]), torch.Size([2, 3, 7]))
    )
    assert check_prediction("t.bool", True, torch.tensor(True))
    assert check_prediction("t.count", 640, torch.tensor(640))
    assert check_prediction("t.float", 0.999, 1.0)
    assert not check_prediction("t.float", 0.9, 1.0)
    assert check_prediction("t.choice", " B ", "b")


def test_an_unanswered_prediction_asks_for_one_and_says_what_form_it_takes():
    result = check_prediction("t.two", ..., ((5, 3, 7), (2, 3, 7)))
    assert result.status == "not answered" and not result
    assert (
        "a tuple of 2: (a shape (a tuple of whole numbers), a shape (a tuple of whole numbers))"
        in str(result)
    )


def test_the_form_asked_for_never_counts_the_answer_s_axes():
    # an unbatched input drops the batch axis: saying "a shape of 2 numbers" would give that away
    answer = ((6, 14), (6, 7))
    for guess in [..., 7, "(6, 14), (6, 7)"]:
        text = str(check_prediction("t.two", guess, answer))
        assert "2 numbers" not in text and "a shape (a tuple of whole numbers)" in text, text
    text = str(
        check_prediction("t.two", ((6, 1, 14),), answer)
    )  # the learner's own guess is described in full
    assert (
        "wants a tuple of 2: (a shape (a tuple of whole numbers), a shape (a tuple of whole numbers))"
        in text
    )
    assert "your prediction is a tuple of 1: (a shape of 3 numbers)" in text


def test_a_miss_gives_the_reason_and_where_but_never_the_answer():
    result = check_prediction("t.two", ((5, 3, 7), (3, 2, 7)), ((5, 3, 7), (2, 3, 7)))
    text = str(result) + result._repr_html_()
    assert result.status == "wrong"
    assert "h_n keeps one row per layer and direction." in text
    assert "Your first shape is right." in text
    assert "(2, 3, 7)" not in text and "2, 3, 7" not in text


def test_a_miss_inside_one_shape_says_which_numbers_are_off():
    result = check_prediction("t.shape", (5, 4, 4), (5, 3, 4))
    assert "The second number is off; the rest are right." in str(result)
    assert 'hint("t.shape")' in str(result)
    assert "hint(" not in str(check_prediction("t.nohints", 1, 2))


@pytest.mark.parametrize(
    "guess, says",
    [
        (
            7,
            "This question wants a tuple of 2: (a shape (a tuple of whole numbers),"
            " a shape (a tuple of whole numbers)); "
            "your prediction is a whole number: 7",
        ),
        (((5, 3, 7),), "your prediction is a tuple of 1"),
        ("(5, 3, 7), (2, 3, 7)", "your prediction is a text answer"),
    ],
)
def test_a_guess_of_the_wrong_structure_gets_a_clear_message(guess, says):
    result = check_prediction("t.two", guess, ((5, 3, 7), (2, 3, 7)))
    assert result.status == "wrong" and says in str(result)


def test_a_shape_with_too_few_axes_is_a_wrong_answer_not_a_wrong_form():
    result = check_prediction("t.two", ((5, 3), (2, 3, 7)), ((5, 3, 7), (2, 3, 7)))
    assert result.status == "wrong" and "Your second shape is right." in str(result)
    assert "wrong number of axes" in str(check_prediction("t.shape", (5, 3), (5, 3, 4)))


def test_true_is_not_accepted_for_a_number_nor_one_for_true():
    assert "wants a whole number; your prediction is True or False" in str(
        check_prediction("t.count", True, 1)
    )
    assert "wants True or False" in str(check_prediction("t.bool", 1, True))


def test_an_option_outside_the_list_is_named():
    assert "Answer with one of 'a', 'b', 'c'; you wrote 'd'" in str(
        check_prediction("t.choice", "d", "a")
    )


class Hostile:
    def __eq__(self, other):
        raise RuntimeError("boom")

    def __repr__(self):
        raise RuntimeError("no repr")

    __hash__ = object.__hash__


def test_nothing_the_learner_passes_makes_it_raise():
    for guess in [Hostile(), (Hostile(), Hostile()), object(), None, float("nan")]:
        result = check_prediction("t.two", guess, ((5, 3, 7), (2, 3, 7)))
        assert result.status in ("wrong", "not answered")
        str(result), result._repr_html_()
    assert "no prediction question named 'nope'" in str(check_prediction("nope", 1, 1))


def test_html_escapes_what_it_shows():
    html = check_prediction("t.choice", "<b>", "a")._repr_html_()
    assert "<b>&#x27;" not in html and "&lt;b&gt;" in html


# ---------------------------------------------------------------------------------------------
# check_shapes: torch computes the answer, known shape mistakes are named
# ---------------------------------------------------------------------------------------------

E = nn.RNN(input_size=3, hidden_size=7, num_layers=2, bidirectional=True, batch_first=True)
X_E = torch.randn(3, 5, 3)  # N = 3, L = 5: no two of N, L, D * num_layers are equal


def test_check_shapes_accepts_the_shapes_torch_returns():
    out, h_n = E(X_E)
    assert check_shapes("t.two", (tuple(out.shape), tuple(h_n.shape)), E, X_E)
    uni = nn.RNN(3, 7)
    assert check_shapes("t.two", ((6, 7), (1, 7)), uni, torch.randn(6, 3))


@pytest.mark.parametrize(
    "module, x, guess, named",
    [
        (E, X_E, ((3, 5, 14), (3, 4, 7)), "h_n batch-first"),
        (E, X_E, ((3, 5, 7), (4, 3, 7)), "forgets the two directions"),
        (E, X_E, ((3, 5, 14), (2, 3, 7)), "counts the layers but not the directions"),
        (E, X_E, ((3, 5, 14), (5, 3, 7)), "one entry per time step"),
        (E, X_E, ((5, 3, 14), (4, 3, 7)), "ignores batch_first"),
        (E, X_E, ((3, 5, 3), (4, 3, 7)), "the input's feature size"),
        (
            nn.RNN(3, 7, num_layers=3),
            torch.randn(6, 3),
            ((6, 1, 7), (3, 1, 7)),
            "kept a batch axis",
        ),
    ],
)
def test_check_shapes_names_the_shape_mistake_without_the_answer(module, x, guess, named):
    result = check_shapes("t.two", guess, module, x)
    out, h_n = module(x)
    text = str(result)
    assert result.status == "wrong" and named in text, text
    assert str(tuple(h_n.shape)) not in text and str(tuple(out.shape)) not in text


def test_check_shapes_does_not_invent_a_mistake():
    result = check_shapes("t.two", ((9, 9, 9), (9, 9, 9)), E, X_E)
    assert result.status == "wrong" and "Likely mistake" not in str(result)


def test_check_shapes_never_raises_on_a_broken_module():
    result = check_shapes(
        "t.two", ((1, 2, 3), (1, 2, 3)), nn.RNN(4, 7), X_E
    )  # the input has 3 features
    assert result.status == "wrong" and "could not compare" in str(result)


# ---------------------------------------------------------------------------------------------
# hints for prediction questions go through the course's one hint()
# ---------------------------------------------------------------------------------------------


def test_hint_serves_prediction_questions_and_says_when_a_level_does_not_exist():
    assert "Hint 1/2 for t.shape: Which axis is time?" in str(hint("t.shape"))
    assert "Hint 2/2 for t.shape: Count the axes. (this is the last hint)" in str(
        hint("t.shape", 2)
    )
    assert "there is no hint number 3; ask for a level from 1 to 2" in str(hint("t.shape", 3))
    assert "there is no hint number 0" in str(hint("t.shape", 0))
    assert "no hints for this question" in str(hint("t.nohints"))


def test_no_part_by_part_feedback_for_answers_that_are_not_shapes():
    """Saying which True/False part is right would give the whole answer away after one miss."""
    result = check_prediction("t.two", (True, False, True, True), (True, True, True, True))
    assert result.status == "wrong"
    assert "off" not in str(result) and "right." not in str(result).replace("Right.", "")
