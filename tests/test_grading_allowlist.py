"""The allowlist, the extraction, the verdict layer and the boundary hygiene: pure functions, no
processes, milliseconds each. (The whole grader against hostile notebooks: test_grading_adversarial.)"""

import csv
import io
import linecache
import re
from pathlib import Path

import pytest

from rnn_course.allowlist import (
    AUTOGRAD_FORBIDDEN,
    EXTRAS,
    Refused,
    extract,
    function_problem,
    load_program,
)
from rnn_course.exercises import check, exercise_ids, get_exercise
from rnn_course.exercises.core import CheckResult
from rnn_course.grading.gradebook import csv_field, details, feedback_name, gradebook_text
from rnn_course.grading.notebook import LESSONS, Submission
from rnn_course.grading.runner import Graded, Limits
from rnn_course.grading.sanitize import clean, without_numbers
from rnn_course.grading.verdict import Observed, process_note, status

CELL = "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
GOOD = CELL + "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)\n"


def program(*cells, exercise_id="rnn_cell"):
    return extract(list(enumerate(cells, start=1)), exercise_id)


def refusal(*cells, exercise_id="rnn_cell"):
    with pytest.raises(Refused) as caught:
        program(*cells, exercise_id=exercise_id)
    return caught.value.message


def run(source, exercise_id="rnn_cell"):
    """The program's function, checked on the exercise's own cases like the grader's child does."""
    from rnn_course.exercises.core import judge, run_learner

    fn = load_program(source, f"<graded {exercise_id}>", exercise_id)
    exercise = get_exercise(exercise_id)
    return judge(exercise, exercise.cases(), run_learner(exercise, fn, exercise.cases()))


# --- the table -----------------------------------------------------------------------------------


def test_the_table_knows_every_exercise_and_the_autograd_rule():
    assert set(exercise_ids()) <= set(EXTRAS)  # a new exercise gets DEFAULT_EXTRAS until listed
    forbidden = {e for e in exercise_ids() if get_exercise(e).forbid_autograd}
    assert forbidden == set(AUTOGRAD_FORBIDDEN)


# --- extraction: only the function, its helpers and literal constants -----------------------------


def test_the_function_its_helpers_and_constants_are_taken_and_nothing_else():
    taken = program(
        "import torch\nSCALE = 1.0\nprint('setup runs nowhere')",
        "def my_rnn_relu_step(pre):\n    return torch.tanh(pre) * SCALE",
        CELL
        + "    reference = x @ weight_ih.T + bias_ih  # a local named like the course's module\n"
        "    return my_rnn_relu_step(reference + h @ weight_hh.T + bias_hh)",
        "unused = open('/etc/passwd')",
    )
    assert [p.name for p in taken.pieces] == ["SCALE", "my_rnn_relu_step", "rnn_cell"]
    assert "print" not in taken.source and "open" not in taken.source
    assert run(taken.source).passed


def test_the_last_definition_wins_as_run_all_would_leave_it():
    taken = program(CELL + "    raise NotImplementedError", GOOD)
    assert run(taken.source).passed


def test_a_missing_function_is_a_key_error_and_a_rebinding_is_refused():
    with pytest.raises(KeyError):
        program("x = 1")
    assert "not defined with `def`" in refusal(GOOD, "rnn_cell = print")


# --- one refusal per rule, each naming the construct and the rule ---------------------------------


@pytest.mark.parametrize(
    "body, words",
    [
        ("    import os\n    return x", "import"),
        ("    return x.__class__", "names starting with _ are private"),
        ("    return torch._VF", "`._VF`"),
        ("    return torch.rnn_tanh_cell(x, h, weight_ih, weight_hh)", "not in the allowlist"),
        ("    return nn.RNNCell", "`.RNNCell` is not in the allowlist"),
        ("    return torch.ops.aten.rnn_tanh_cell(x)", "`.ops` is not in the allowlist"),
        ("    return torch._decomp.decompositions", "`._decomp`"),
        ("    return exec('1')", "`exec` runs code from text"),
        ("    return eval('x')", "`eval` runs code from text"),
        ("    return compile('1', 'f', 'eval')", "`compile` runs code from text"),
        ("    return globals()", "reads a namespace"),
        ("    return getattr(torch, 'rnn_' + 'tanh_cell')", "computed name"),
        ("    g = getattr\n    return g(torch, 'tanh')", "only be called directly"),
        ("    return getattr(torch, 'rnn_tanh_cell')", "not in the allowlist"),
        ("    return __builtins__", "names starting with __"),
        ("    return np.tanh(x)", "`np` is a global that is not taken"),
        ("    global h\n    return x", "global statement"),
        ("    raise ValueError(str(x.tolist()))", "whose message is built from values"),
        ("    assert False, x.sum()", "whose message is built from values"),
        ("    torch.tanh = None\n    return x", "would change torch or math itself"),
        ("    return '{0.__class__}'.format(x)", "`.format` is not in the allowlist"),
        ("    yield x", "yield"),
    ],
)
def test_each_rule_refuses_with_a_clear_message(body, words):
    message = refusal("import numpy as np", CELL + body)
    assert words in message, message
    assert re.match(r"cell \d+, line \d+: ", message), message  # where, in the learner's notebook


def test_a_refused_helper_refuses_the_exercise_and_says_where():
    message = refusal("def helper(a):\n    return a.__dict__", CELL + "    return helper(x)")
    assert message.startswith("cell 1, line 2: the attribute `.__dict__`")


def test_autograd_is_per_exercise():
    backward = "def cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):\n"
    assert "`.backward` is not in the allowlist for cell_backward" in refusal(
        backward + "    x.sum().backward()", exercise_id="cell_backward"
    )
    assert program(CELL + "    x.sum().backward()\n    return x")


def test_rnn_loss_runs_the_learners_own_loop_not_the_reference():
    loss = "def rnn_loss(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, weight_out, bias_out, targets):\n"
    delegating = (
        loss
        + "    output, _ = reference.rnn_layer(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)\n"
    )
    message = refusal(
        "from rnn_course import reference", delegating + "    return output", exercise_id="rnn_loss"
    )
    assert "`.rnn_layer` is not in the allowlist for rnn_loss" in message, message
    own_loop = (
        "def layer(x, h):\n    return [torch.tanh(x[0] + h)]",
        loss + "    return layer(x, h0)[0]",
    )
    assert program(*own_loop, exercise_id="rnn_loss")


def test_a_class_is_refused_unless_it_is_an_autograd_function_where_autograd_is_allowed():
    assert "a class" in refusal("class Sneaky(object):\n    pass", CELL + "    return Sneaky")
    backward = "def cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):\n"
    fn_class = (
        "class Tanh(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, a):\n"
        "        ctx.out = torch.tanh(a)\n        return ctx.out\n"
    )
    assert "a class" in refusal(fn_class, backward + "    return Tanh", exercise_id="cell_backward")


# --- honest controls: every one of these must pass ------------------------------------------------

HONEST = {
    "local_named_reference": CELL + "    reference = x @ weight_ih.T + bias_ih\n"
    "    return torch.tanh(reference + h @ weight_hh.T + bias_hh)",
    "apply_with_math": CELL + "    pre = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh\n"
    "    return pre.clone().apply_(lambda v: math.tanh(v))",
    "string_with_proc": CELL + '    assert x.dim() == 2, "see /proc/self for nothing"\n'
    "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)",
    "custom_autograd_function": "class Tanh(torch.autograd.Function):\n"
    "    @staticmethod\n    def forward(ctx, a):\n        out = torch.tanh(a)\n"
    "        ctx.save_for_backward(out)\n        return out\n"
    "    @staticmethod\n    def backward(ctx, grad):\n        (out,) = ctx.saved_tensors\n"
    "        return grad * (1 - out * out)\n\n"
    + CELL
    + "    return Tanh.apply(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)",
    "vmap_over_own_code": "def one(x1, h1, weight_ih, weight_hh, bias_ih, bias_hh):\n"
    "    return torch.tanh(weight_ih @ x1 + bias_ih + weight_hh @ h1 + bias_hh)\n\n"
    + CELL
    + "    return torch.vmap(one, in_dims=(0, 0, None, None, None, None))"
    "(x, h, weight_ih, weight_hh, bias_ih, bias_hh)",
    "annotated_with_constant": "H_SCALE: float = 1.0\n"
    + CELL.replace("):", ") -> 'Tensor':")
    + "    out: torch.Tensor = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh\n"
    "    return torch.tanh(out * H_SCALE)",
}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_controls_pass(name):
    assert run(program("import torch, math", HONEST[name]).source).passed


def test_vmap_of_torch_outer_in_a_hand_derived_cell_backward_passes():
    source = (
        "def cell_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next):\n"
        "    h_next = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)\n"
        "    grad_a = grad_h_next * (1 - h_next**2)  # (N, H)\n"
        "    outer = torch.vmap(torch.outer)\n"
        "    return {\n"
        "        'x': grad_a @ weight_ih, 'h': grad_a @ weight_hh,\n"
        "        'weight_ih': outer(grad_a, x).sum(0), 'weight_hh': outer(grad_a, h).sum(0),\n"
        "        'bias_ih': grad_a.sum(0), 'bias_hh': grad_a.sum(0),\n"
        "    }\n"
    )
    result = run(program(source, exercise_id="cell_backward").source, "cell_backward")
    assert result.passed or "keys" not in " ".join(result.feedback), result.feedback
    assert program(source, exercise_id="cell_backward")  # accepted by the walk either way


def test_every_answer_key_passes_its_own_exercise():
    from rnn_course.allowlist import _program
    from rnn_course.grading.programs import _answer_key_pieces

    for exercise_id in exercise_ids():
        lesson = get_exercise(exercise_id).lesson
        taken = _program(exercise_id, _answer_key_pieces(lesson))
        if get_exercise(exercise_id).adapter:
            continue  # a model and an optimizer: the adversarial batch runs lesson 11 whole
        assert run(taken.source, exercise_id).passed, exercise_id


# --- check() in a notebook runs the same walk -----------------------------------------------------


def _notebook_function(source, name):
    filename = f"<ipython-input-{abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    exec("import torch\n", namespace)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def test_check_in_a_notebook_refuses_what_the_grader_refuses():
    sneaky = _notebook_function(
        CELL + "    return getattr(torch, 'rnn_' + 'tanh_cell')", "rnn_cell"
    )
    result = check("rnn_cell", sneaky)
    assert not result.passed and "computed name" in result.feedback[0]
    assert function_problem("rnn_cell", _notebook_function(GOOD, "rnn_cell")) is None
    assert check("rnn_cell", _notebook_function(GOOD, "rnn_cell")).passed


# --- verdict: status only from what the grader observed ------------------------------------------


def _results(status_text="failed"):
    return {"rnn_cell": CheckResult("rnn_cell", False, 0, 10, ["x"], status_text)}


@pytest.mark.parametrize(
    "observed, expected",
    [
        (Observed(done=True), "ok"),
        (Observed(done=False, timed_out=True), "timeout"),
        (Observed(done=False, out_of_memory=True), "memory"),
        (Observed(done=False, exit_code=-24), "timeout"),  # SIGXCPU: its CPU limit
        (Observed(done=False, exit_code=3), "error"),
        (
            Observed(done=True, protocol_error="it sent more messages than a graded run does"),
            "error",
        ),
    ],
)
def test_status_comes_from_observations_only(observed, expected):
    assert status(observed, _results()) == expected


def test_a_learner_exception_named_timeout_or_memory_error_is_just_a_failure():
    results = {
        "rnn_cell": CheckResult(
            "rnn_cell", False, 0, 10, ["your function raised timeout: x"], "failed"
        )
    }
    assert status(Observed(done=True), results) == "ok"
    assert status(Observed(done=True), _results("not attempted")) == "not-attempted"
    assert process_note(Observed(done=True), Limits()) is None
    assert "did not finish within 7 s while running rnn_cell" in process_note(
        Observed(timed_out=True, where=("exercise", "rnn_cell")), Limits(timeout=7)
    )


# --- the sanitiser and what reaches the instructor ------------------------------------------------


def test_the_sanitiser_removes_surrogates_controls_and_ansi_and_caps():
    text = clean("a\ud800b\x1b[31mred\x1b[0m\r\n=cmd\x07" + "z" * 500, 60)
    assert "\ud800" not in text and "\x1b" not in text and "\r" not in text and "\n" not in text
    assert text.startswith("a?bred =cmd") and len(text) == 60
    text.encode("utf-8")  # strict UTF-8 works now


def test_numbers_other_than_the_case_sizes_are_blanked_in_any_format():
    text = without_numbers("size 4 vs 734, 0x2de, 1e3, 7.5, ٣, 1_000", sizes={4})
    assert "734" not in text and "0x2de" not in text and "1e3" not in text and "7.5" not in text
    assert "٣" not in text and "1_000" not in text and "size 4 vs" in text


def test_a_minus_sign_goes_with_its_number_but_a_subtraction_keeps_its_minus():
    text = without_numbers("index -7 is out of bounds; x[t-1]; (-0.5); L=4", sizes={4})
    assert text == "index <number> is out of bounds; x[t-<number>]; (<number>); L=4"


def _row(name, reason="", flags=()):
    graded = Graded(Submission(path=None, name=name), lesson="01_rnn_cell", reason=reason)
    graded.expected = ["rnn_cell"]
    graded.results = {"rnn_cell": CheckResult("rnn_cell", False, 0, 10, ["msg"], "failed")}
    graded.flags = list(flags)
    return graded


def test_csv_fields_are_one_line_and_no_line_can_start_a_formula():
    text = gradebook_text([_row("a\rb.ipynb", reason="ok\n=HYPERLINK(1)\r+2")])
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3 and rows[2][0] == "a b.ipynb" and "\n" not in rows[2][-1]
    assert csv_field("x\r=1") == "x =1" and csv_field("\r=1") == "'=1"
    assert rows[1][-4:-2] == ["10", "10"]  # the (points possible) row has its totals


def test_feedback_names_keep_the_whole_hash():
    assert re.fullmatch(r"a__b\.[0-9a-f]{64}\.txt", feedback_name(_row("a/b.ipynb")))


def test_details_sidecar_follows_the_contract():
    data = details([_row("subs/a.ipynb", flags=["answer key: rnn_cell"])], lambda row: "a.ipynb")
    assert data["version"] == 1 and data["lesson_points"] == {"01_rnn_cell": 10}
    (row,) = data["submissions"]
    assert row["submission"] == "a.ipynb" and row["flags"] == ["answer key: rnn_cell"]
    assert row["exercises"]["rnn_cell"] == {
        "points": 0,
        "max_points": 10,
        "outcome": "failed",
        "mistake": "unnamed",
        "message": "msg",
    }


def test_every_lesson_is_known():
    keys = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
    assert list(LESSONS) == sorted(p.stem for p in keys.glob("[0-9][0-9]_*.ipynb"))


def test_a_flood_of_frames_is_the_childs_error():
    from rnn_course.grading.protocol import ProtocolError, Reader, encode

    reader = Reader(max_frames=5)  # ready, two per exercise, done: 3 + 2 * 1
    frames = reader.feed(encode({"kind": "exercise", "id": "rnn_cell"}) * 5)
    assert len(frames) == 5
    with pytest.raises(
        ProtocolError, match="it sent more messages than a graded run does"
    ) as error:
        reader.feed(encode({"kind": "exercise", "id": "rnn_cell"}))
    assert status(Observed(done=True, protocol_error=str(error.value)), {}) == "error"


def test_frames_are_typed_and_checked_once():
    from rnn_course.grading.protocol import (
        MAX_JSON_BYTES,
        Done,
        Outcomes,
        ProtocolError,
        Reader,
        Ready,
        Started,
        parse,
    )

    expected = {"rnn_cell": None}
    ready = parse({"kind": "ready", "functions": {"rnn_cell": "ok", "x": "ok"}}, b"", expected, "t")
    assert ready == Ready({"rnn_cell": "ok"})
    odd = parse({"kind": "ready", "functions": {"rnn_cell": "timeout"}}, b"", expected, "t")
    assert odd == Ready({"rnn_cell": "missing"})  # a state the child may not name
    assert parse({"kind": "exercise", "id": "rnn_cell"}, b"", expected, "t") == Started("rnn_cell")
    sent = parse(
        {"kind": "outcomes", "id": "rnn_cell", "outcomes": [], "token": "t"}, b"z", expected, "t"
    )
    assert sent == Outcomes("rnn_cell", [], b"z")
    done = parse(
        {"kind": "done", "private_kb": True, "run_ms": 3, "token": "t"}, b"", expected, "t"
    )
    assert isinstance(done, Done) and done.private_kb is None and done.phases["run_ms"] == 3.0
    for meta, why in [
        ({"kind": "done", "token": "forged"}, "did not ask for"),
        ({"kind": "exercise", "id": "other"}, "malformed"),
        ({"kind": "outcomes", "id": "rnn_cell", "outcomes": "x", "token": "t"}, "malformed"),
        ({"kind": "timeout"}, "malformed"),
    ]:
        with pytest.raises(ProtocolError, match=why):
            parse(meta, b"", expected, "t")
    with pytest.raises(ProtocolError, match="malformed"):
        Reader(5).feed(b"\x00\x00\x00\x02\x00\x00\x00\x00[]")
    with pytest.raises(ProtocolError, match="too large"):
        Reader(5).feed((MAX_JSON_BYTES + 1).to_bytes(4, "big") + bytes(4))


def test_the_scheduler_takes_frames_only_in_the_protocols_order():
    from rnn_course.grading.protocol import Done, Outcomes, ProtocolError, Ready, Started
    from rnn_course.grading.scheduler import Job, _Run

    run = _Run([], Limits(timeout=10), None, lambda job, ids: b"inputs", None)
    job = Job(0, {"rnn_cell": None})
    for early in (Started("rnn_cell"), Outcomes("rnn_cell", []), Done()):
        with pytest.raises(ProtocolError, match="malformed"):  # nothing before Ready
            run._handle(job, early)
    run._handle(job, Ready({"rnn_cell": "ok"}))
    assert job.outbox == b"inputs" and job.observed.where == ("inputs", None)
    with pytest.raises(ProtocolError, match="malformed"):  # Ready once only
        run._handle(job, Ready({"rnn_cell": "ok"}))
    run._handle(job, Started("rnn_cell"))
    assert job.observed.where == ("exercise", "rnn_cell")
    run._handle(job, Outcomes("rnn_cell", []))
    with pytest.raises(ProtocolError, match="malformed"):  # one report per exercise
        run._handle(job, Outcomes("rnn_cell", []))
    run._handle(job, Done(phases={"run_ms": 1.0}))
    assert job.observed.done and job.finished and job.report.phases == {"run_ms": 1.0}
