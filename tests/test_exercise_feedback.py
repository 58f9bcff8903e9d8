"""Feedback that names the right cause (issue 18): every named cause is right, in words.

* each realistic attempt of ``wrong_feedback.NAMED`` is named by its identifier and the words of its cause;
* the messages that pointed the wrong way no longer do, and where two causes fit, both are said;
* every registered case has sizes that give each letter a message can print one reading only, and a
  number is labelled with a letter only when that reading is unique;
* every message and hint counts time as x_1..x_L (``x[t - 1]`` in code), never from 0.
"""

import re
import sys
from pathlib import Path

import pytest

from rnn_course.exercises import check, exercise_ids, get_exercise
from rnn_course.exercises.diagnosis import explain_answer, explain_error, size_names
from rnn_course.exercises.registry import Case

sys.path.insert(0, str(Path(__file__).parent))
import wrong_feedback as attempts  # noqa: E402  (tests/ is not a package)
from wrong_feedback import NAMED  # noqa: E402


def _likely(result):
    lines = [line for line in result.feedback if line.startswith("likely mistake: ")]
    return lines[0] if lines else ""


@pytest.mark.parametrize(
    "exercise_id, fn, identifier, words", NAMED, ids=[f"{e}-{i}" for e, _, i, _ in NAMED]
)
def test_each_attempt_is_named_by_its_cause(exercise_id, fn, identifier, words):
    result = check(exercise_id, fn)
    assert not result.passed
    assert result.mistake == identifier, str(result)
    assert words in _likely(result), str(result)


# ---------------------------------------------------------------------------------------------
# Messages that pointed the wrong way
# ---------------------------------------------------------------------------------------------

MISLEADING = [
    ("last_valid_output", attempts.last_arange_whatever_the_layout, ["off by one", "past the end"]),
    ("last_valid_output", attempts.last_gather_axis_1, ["off by one", "past the end"]),
    ("rnn_layer", attempts.layer_keeps_h0, ["tanh", "(H, N, H)"]),
    ("rnn_forward", attempts.forward_h0_transposed, ["off by one"]),
    ("final_states", attempts.final_h_is_whole_axis, ["one per step"]),
    ("final_states", attempts.final_two_directions, ["one per step"]),
    ("sample", attempts.sample_softmax_dim_0, ["stop", "end_index"]),
    ("gru_cell", attempts.gru_precedence, ["as in the original paper;"]),
]


@pytest.mark.parametrize(
    "exercise_id, fn, wrong_way", MISLEADING, ids=[f.__name__ for _, f, _ in MISLEADING]
)
def test_no_message_points_the_wrong_way(exercise_id, fn, wrong_way):
    result = check(exercise_id, fn)
    likely = _likely(result)
    assert likely and result.mistake != "unnamed", str(result)
    assert not [phrase for phrase in wrong_way if phrase in likely], str(result)


def test_a_constant_factor_names_the_direction_the_evidence_shows():
    """Too big by N reads as a sum where a mean belongs; too small by N as a mean where a sum belongs."""
    from rnn_course.exercises.diagnosis import _describe_factor

    names = size_names(Case((), None, "N=3, H=5", ("(N, H)",)))
    assert "a sum where a mean belongs" in _describe_factor(3.0, names)
    assert "a mean where a sum belongs" in _describe_factor(1 / 3, names)
    assert "a sum where a mean belongs" not in _describe_factor(1 / 3, names)


def test_greedy_decode_names_max_len_and_max_len_plus_one_apart():
    """7 was once printed as H where it was max_len + 1: both are sizes of their own now."""
    for case in get_exercise("greedy_decode").cases():
        names = size_names(case)
        max_len = case.args[5]
        assert names[max_len] == ["max_len"] and names[max_len + 1] == ["max_len + 1"], names


def test_an_index_that_fits_another_axis_names_both_causes():
    """Index 4 on an axis of size N=4 where L=5: off by one, or the wrong axis; both are said."""
    case = Case((), None, "N=4, L=5, H=3", ("(N, H)",))
    detail = "RuntimeError: index 4 is out of bounds for dimension 1 with size 4"
    message = explain_error(detail, case)
    assert "off by one" in message and "wrong axis" in message, message
    lone = Case((), None, "N=3, L=2, H=2", ("(N, H)",))  # no longer axis: the index alone is wrong
    assert "off by one" in explain_error(detail.replace("4", "3"), lone)


def test_a_broadcast_error_names_its_two_operands_only_when_the_line_shows_them():
    """`per * mask` alone in brackets: both names are the operands. In `(1 - z) * n + z * h` the
    pair `n + z` is no operation of the line (z * h binds first): no operand is named."""
    case = Case((), None, "L=3, N=5, C=6", ("()",))
    error = "RuntimeError: The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 0"
    named = explain_error(f"{error} (in your code: `return (per * mask).sum() / mask.sum()`)", case)
    assert "in `per * mask`" in named, named
    for line in ("return (1 - z) * n + z * h", "y = a.x * b", "return f(a) + b"):
        message = explain_error(f"{error} (in your code: `{line}`)", case)
        assert "(in `" not in message, message


def test_index_tensors_of_two_lengths_are_a_swap_only_when_they_are_l_and_n():
    from rnn_course.exercises.diagnosis import error_name

    detail = "IndexError: shape mismatch: indexing tensors could not be broadcast together with shapes [{}], [{}]"
    swapped = Case((), None, "N=4, L=5, H=3", ("(N, H)",))
    assert error_name(detail.format(5, 4), swapped) == "index_axes_swapped"
    assert "time and batch are swapped" in explain_error(detail.format(5, 4), swapped)
    other = Case((), None, "N=4, L=5, H=3, C=7", ("(N, H)",))
    assert error_name(detail.format(7, 3), other) == "error_as_cause"
    assert "swapped" not in explain_error(detail.format(7, 3), other)


def test_the_precedence_slip_and_the_paper_are_both_named():
    likely = _likely(check("gru_cell", attempts.gru_precedence))
    assert "operator precedence" in likely and "original paper" in likely, likely


def test_an_extra_step_is_not_read_as_a_missing_tanh():
    import torch

    expected = torch.rand(4, 3, 5, dtype=torch.float64) * 2 - 1
    got = torch.cat([torch.full((1, 3, 5), 3.0, dtype=torch.float64), expected])
    case = Case((), None, "L=4, N=3, H_in=2, H=6", ("(L, N, H)",))
    message = explain_answer([("output", expected, got, "(L, N, H)")], case)
    assert "tanh" not in (message or ""), message


def test_one_wrong_final_states_does_not_give_the_rest_away():
    """A final_states message explains where a direction stops, never which step holds the answer."""
    for mistake in get_exercise("final_states").mistakes:
        text = mistake.message
        assert not re.search(r"(is|are) at the (first|last) (time )?step", text), text
        assert "final state is at" not in text and "finishes at" not in text, text


# ---------------------------------------------------------------------------------------------
# Sizes that make every label unique
# ---------------------------------------------------------------------------------------------


def _dims(case):
    dims = {k: int(v) for k, v in re.findall(r"\b([A-Za-z_]\w*)=(\d+)(?![.\d])", case.label)}
    if "bidirectional=" in case.label:
        dims["D"] = 2 if "bidirectional=True" in case.label else 1
    return dims


def _readings(case):
    """{size: {names}} for every size a message about this case may name (sizes above 1)."""
    dims = _dims(case)
    exprs = list(dims) + list(case.named_sizes)
    exprs += [
        axis.strip() for s in case.shapes for axis in s.strip("()").split(",") if axis.strip()
    ]
    if (
        dims.get("L", 1) > 1
    ):  # with L = 1, L + 1 is 2, the number of directions: no step is kept twice
        exprs.append("L + 1")
    readings = {}
    for expr in exprs:
        try:
            value = eval(expr, {}, dims)  # noqa: S307  (letters, * and + only: the checker's own cases)
        except NameError:  # an axis the label does not size, such as the T of a sampled sequence
            continue
        # One reading under two spellings is no clash: with D=2, D*H is 2*H; with D=1 it is H.
        canon = expr
        for name, size in dims.items():
            if name == "D" or size == 1:
                canon = re.sub(rf"\b{name}\b", str(size), canon)
        canon = re.sub(r"^1\*|\*1$", "", canon.replace(" ", ""))
        if isinstance(value, int) and value > 1:
            readings.setdefault(value, set()).add(canon)
    return readings


CASES = [(e, i) for e in exercise_ids() for i in range(len(get_exercise(e).cases()))]


@pytest.mark.parametrize("exercise_id, index", CASES, ids=[f"{e}-{i}" for e, i in CASES])
def test_every_case_gives_each_size_one_reading(exercise_id, index):
    case = get_exercise(exercise_id).cases()[index]
    clashes = {v: sorted(n) for v, n in _readings(case).items() if len(n) > 1}
    assert not clashes, (case.label, clashes)


@pytest.mark.parametrize(
    "label, named, size, reading",
    [
        ("N=3, H_in=4, H=5", ("4*H",), 20, "4*H"),  # was printed as H_in*H
        ("L=4, N=3, H_in=2, H=6", (), 5, "L + 1"),  # was printed as H
        ("L=5, N=3, H_in=4, H=2", (), 6, "L + 1"),  # was printed as N*H
        ("L=6, N=1, H_in=5, H=2", (), 4, "2*H"),  # was printed as H_in
    ],
)
def test_a_size_is_labelled_by_its_one_reading(label, named, size, reading):
    case = Case((), None, label, ("(L, N, 2*H)",) if reading == "2*H" else (), named)
    assert size_names(case)[size] == [reading]


def test_a_size_with_two_readings_gets_no_letter():
    from rnn_course.exercises.diagnosis import letter, name_size, shape_in_letters

    case = Case((), None, "L=4, N=3, H=5", ("(L, N, H)",))  # 5 is H and L + 1
    names = size_names(case)
    assert letter(5, names) == "5" and shape_in_letters((5, 3, 5), names) is None
    assert "H or L + 1" in name_size(5, names)
    # 12 is N*H_in and also 2*L (two sequences joined along time): no pair is named for it
    doubled = size_names(Case((), None, "L=6, N=3, H_in=4, H=5", ("(L, N, 2*H)",)))
    assert letter(12, doubled) == "12" and shape_in_letters((12, 3, 5), doubled) is None


def test_cross_entropys_axis_0_is_labelled_only_as_a_count_of_positions():
    """Axis 0 of cross_entropy's inputs counts positions: a count of real (packed) positions that
    happens to equal V is not labelled V, while N*L keeps its letters."""
    case = Case((), None, "N=3, L=5, V=7", ("(N, L, V)",))
    detail = "ValueError: Expected input batch_size (15) to match target batch_size (7)."
    message = explain_error(detail, case)
    assert "axis 0 (N*L=15)" in message and "axis 0 (7)" in message, message


def _run_decided_axes(case):
    """(position, expected size) of each axis of each output whose length the run decides (T)."""
    from rnn_course.exercises.diagnose import expected_items
    from rnn_course.exercises.diagnosis import _axes, _dims, _evaluate

    for name, expected, symbolic in expected_items(get_exercise(case[0]), case[1]):
        for position, axis in enumerate(_axes(symbolic)):
            if _evaluate(axis, _dims(case[1])) is None:
                yield expected.shape, symbolic, position


RUN_DECIDED = [(e, i) for e, i in CASES if any(_run_decided_axes((e, get_exercise(e).cases()[i])))]


@pytest.mark.parametrize(
    "exercise_id, index", RUN_DECIDED, ids=[f"{e}-{i}" for e, i in RUN_DECIDED]
)
def test_a_size_the_run_decides_gets_no_letter_but_its_own(exercise_id, index):
    """T (tokens drawn before an end token) is no size of the case: T + 1, or a count that equals K,
    V or max_len by chance, must not be printed as that letter."""
    from rnn_course.exercises.diagnosis import answer_shape_in_letters

    case = get_exercise(exercise_id).cases()[index]
    for shape, symbolic, position in _run_decided_axes((exercise_id, case)):
        for size in range(2, max(shape) + 12):
            if size == shape[position]:
                continue
            wrong = tuple(size if i == position else s for i, s in enumerate(shape))
            assert answer_shape_in_letters(wrong, tuple(shape), symbolic, case) is None, (
                case.label,
                wrong,
            )


def test_the_round_4_mislabels_are_gone():
    """T + 1 printed as V and as max_len, a count printed as K."""
    from rnn_course.exercises.diagnosis import answer_shape_in_letters

    sample = Case((), None, "temperature=0.7, max_len=7, K=1, V=8", ("(T,)",))
    assert answer_shape_in_letters((8,), (7,), "(T,)", sample) is None  # T + 1, not V
    counted = Case((), None, "temperature=0.5, max_len=5, K=3, V=7", ("(T,)",))
    assert answer_shape_in_letters((3,), (5,), "(T,)", counted) is None  # not K
    greedy = Case((), None, "N=3, H=4, E=6, C=9, max_len=10", ("(N, T)",))
    assert answer_shape_in_letters((3, 10), (3, 9), "(N, T)", greedy) is None  # not max_len
    layer = Case((), None, "L=4, N=3, H_in=2, H=6", ("(L, N, H)",))  # fixed axes keep their letters
    assert answer_shape_in_letters((5, 3, 6), (4, 3, 6), "(L, N, H)", layer) == "(L + 1, N, H)"


def test_the_four_mislabels_are_gone():
    """The issue's four: 4H printed as H_in*H, L + 1 as H and as N*H, 2H as H_in."""
    lstm = str(check("lstm_cell", attempts.lstm_untransposed_weight_ih))
    assert "H_in*H" not in lstm and "4*H=" in lstm, lstm
    kept = str(check("rnn_layer", attempts.layer_keeps_h0))
    assert "(H, N, H)" not in kept and "(N*H, N, H)" not in kept and "L + 1" in kept, kept
    forward = str(check("rnn_forward", attempts.forward_next_layer_gets_forward_half))
    # the error is now read as its cause (named with the other cause that fits), not as sizes
    assert "only one direction's half is passed up" in forward, forward
    assert "reads D*H" in forward and "H_in" not in forward.split("\n")[1], forward


# ---------------------------------------------------------------------------------------------
# One time notation
# ---------------------------------------------------------------------------------------------

_ZERO_BASED_TIME = re.compile(
    r"\bt\s*=\s*0\b|\bt\s*=\s*L\s*-\s*1\b|\bL\s*-\s*1 down to 0\b|\bdown to 0\b|\bfrom 0 to L\b"
    r"|\bstep 0\b|\bx_0\b|\bx_\{L-1\}|\btime 0\b"
)


def _texts():
    for exercise_id in exercise_ids():
        exercise = get_exercise(exercise_id)
        for mistake in exercise.mistakes:
            yield exercise_id, mistake.name, mistake.message
        for level, text in enumerate(exercise.hints, start=1):
            yield exercise_id, f"hint {level}", text


# Hint strings another change rewrites (issue 18 leaves them to it): scanned once it lands.
def test_every_message_and_hint_counts_time_from_1():
    zero_based = [(e, n, t) for e, n, t in _texts() if _ZERO_BASED_TIME.search(t)]
    assert not zero_based, zero_based


def test_no_string_of_the_checkers_counts_time_from_0():
    """The general causes (diagnosis.py) and every other string the checkers can show, not only the
    catalogue: every string constant of rnn_course/exercises/."""
    import ast

    import rnn_course.exercises as package

    found = []
    for path in sorted(Path(package.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if _ZERO_BASED_TIME.search(text):
                    found.append((path.name, text))
    assert not found, found


def test_the_time_check_can_fail():
    for text in ("finishes at t = 0", "from t = L-1 down to 0", "at t = L - 1"):
        assert _ZERO_BASED_TIME.search(text), text
    assert not _ZERO_BASED_TIME.search("reads x_L first and x_1 last, x[t - 1] in code")


def test_a_relation_read_off_the_returned_cases_says_another_raised():
    """The relation is read off the cases that returned; when another raised, the cause says so
    (round 4's reader found 'right at some positions' odd beside an IndexError)."""
    from rnn_course.exercises.core import Outcome
    from rnn_course.exercises.diagnose import diagnose

    exercise = get_exercise("rnn_layer")
    cases = exercise.cases()
    outcomes = [
        Outcome(value=(case.expected[0], case.args[1].clone())) for case in cases[:-1]
    ]  # h_n is h0 itself
    outcomes.append(Outcome(error="exception", detail="IndexError: index 4 is out of bounds"))
    found = diagnose(exercise, cases, outcomes)
    assert found.name == "relation_to_torch", found
    assert "`h_n` equals your input `h0` itself" in found.message, found.message
    assert found.message.endswith("in another it raised)"), found.message
