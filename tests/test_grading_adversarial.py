"""The grader against hostile and broken submissions: every attack asserts the score AND the
status/reason. One batch grading run (jobs=2, one zygote) serves every test, to stay fast.

Since issue 16 the grader grades functions, not notebooks: none of a notebook's cells runs, only
each exercise's function, its helpers and literal constants, and only if every name, attribute and
construct in them is in the allowlist (rnn_course/allowlist.py). Attacks written in a cell
(patching torch or the checker, os._exit, fork bombs, writing files, killing the grader, turning the
guard off) are therefore impossible by construction: they stay here, next to a correct or a wrong
function, and must change nothing. Attacks inside the function are refused with a message that
names the construct and the rule.
"""

import csv
import json
import os
import re

import nbformat
import pytest

from rnn_course.grading import Limits, grade
from rnn_course.grading.gradebook import POINTS_POSSIBLE, feedback_name

TIMEOUT = 5.0
SIGNATURE = "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
GOOD = (
    "import torch\n"
    + SIGNATURE
    + '    """One step. x: (N, H_in), h: (N, H) -> h_next: (N, H)."""\n'
    "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)\n"
)
WRONG = GOOD.replace(" + bias_hh)", ")")
BLANK = SIGNATURE + '    """One step."""\n    # YOUR CODE HERE\n    raise NotImplementedError\n'
SETUP = "import torch\nimport inspect\nfrom rnn_course.exercises import check, hint\ntorch.manual_seed(0)"
CHECK = 'check("rnn_cell", rnn_cell)'
ARGS = "(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"


def notebook(*cells, lesson="01_rnn_cell", kind="learner"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 1")] + [
        nbformat.v4.new_code_cell(c) for c in cells
    ]
    if lesson:
        nb.metadata["rnn_course"] = {"lesson": lesson, "kind": kind}
    return nbformat.writes(nb)


def lesson01(*middle):
    """A lesson-01 notebook: setup, the given cells, then the check cell."""
    return notebook(SETUP, *middle, CHECK)


def function(body):
    return lesson01(SIGNATURE + body)


# Cells that attacked the grader when it ran the notebook. None of them runs now.
CELL_ATTACKS = {
    "huge_print": "print('x' * 50_000_000)",
    "sys_exit_cell": "import sys\nsys.exit(1)",
    "os_exit_cell": "import os\nos._exit(3)",
    "loop_cell": "while True:\n    pass",
    "memory_cell": "hoard = [torch.empty(50_000_000, dtype=torch.uint8) for _ in range(1000)]",
    "fork_bomb": "import os\nfork = getattr(os, 'fo' + 'rk')\nwhile True:\n    fork()",
    "kills_parent": "import os\ngetattr(os, 'ki' + 'll')(os.getppid(), 9)",
    "patches_torch": "setattr(torch, 'all' + 'close', lambda *a, **k: True)\n"
    "setattr(torch.Tensor, '__' + 'eq__', lambda *a, **k: True)",
    "patches_check": "import rnn_course.exercises\nrnn_course.exercises.check = lambda *a: print('passed')",
    "prints_passed": "print('[PASSED] rnn_cell: 10/10 points')",
    "guard_off": "import sys\nsetattr(sys, 'setpro' + 'file', lambda f: None)",
    "event_pipe_swapped": "import os\nfor fd in range(3, 64):\n    try:\n        os.dup2(os.open('/dev/null', 1), fd)\n"
    "    except OSError:\n        pass",
    "make_fx_traced": "from torch.fx.experimental.proxy_tensor import make_fx\ntraced = None",
    "magics": "%matplotlib inline\n!ls /",
    "cell_errors": "1 / 0\nundefined_name",
}

# Functions that reach for what a graded function may not: each is refused, with its reason.
REFUSED = {
    "sys_exit_fn": ("    import sys\n    sys.exit(0)", "import"),
    "os_exit_fn": ("    return os._exit(0)", "`._exit`: names starting with _ are private"),
    "uses_rnncell": (
        "    return torch.nn.RNNCell(3, 4)(x, h)",
        "the attribute `.nn` is not in the allowlist",
    ),
    "computed_getattr": (
        "    return getattr(torch, 'rnn_' + 'tanh_cell')" + ARGS,
        "`getattr` with a computed name",
    ),
    "kernel_vf": ("    return torch._VF.rnn_tanh_cell" + ARGS, "`._VF`: names starting with _"),
    "kernel_public": (
        "    return torch.rnn_tanh_cell" + ARGS,
        "`.rnn_tanh_cell` is not in the allowlist",
    ),
    "decompositions": (
        "    return torch._decomp.decompositions.rnn_tanh_cell" + ARGS,
        "`._decomp`",
    ),
    "aten_decompose": (
        "    return torch.ops.aten.rnn_tanh_cell.default.decompose" + ARGS,
        "`.ops` is not in the allowlist",
    ),
    "py_kernels": (
        "    return torch.ops.aten.rnn_tanh_cell.default.py_kernels",
        "`.ops` is not in the allowlist",
    ),
    "quantizable": ("    return torch.ao.nn.quantizable.LSTMCell", "`.ao` is not in the allowlist"),
    "make_fx_graph": ("    return traced" + ARGS, "`traced` is a global that is not taken"),
    "exec_source": ("    exec('h_next = 1')\n    return h_next", "`exec` runs code from text"),
    "globals_dict": ("    return globals()['torch']", "reads a namespace"),
    "private_name": ("    return _EVENT_SINK", "`_EVENT_SINK` is a global that is not taken"),
    "dunder_builtins": ("    return __builtins__", "names starting with __"),
    "instance_flag": ("    x._flag = True\n    return x", "`._flag`"),
    "setitimer": ("    return signal.setitimer", "`.setitimer` is not in the allowlist"),
    "signal_alone": ("    return signal", "`signal` is a global that is not taken"),
    "reference": (
        "    return reference.rnn_cell" + ARGS,
        "`.rnn_cell` is not in the allowlist",
    ),
    "leaks_inputs": (
        "    raise ValueError(repr(x) + str(x.tolist()))",
        "whose message is built from values",
    ),
    "leaks_in_type": (
        "    return type(str(x.tolist()), (), {})()",
        "`type` is a global that is not taken",
    ),
    "format_escape": ("    return '{0.__class__}'.format(x)", "`.format` is not in the allowlist"),
    "subclass": ("    return x.as_subclass(Lazy)", "`.as_subclass` is not in the allowlist"),
}

# Honest code that earlier graders scored 0 ("tampering"): each must score full marks.
HONEST = {
    "local_named_reference": "    reference = x @ weight_ih.T + bias_ih\n"
    "    return torch.tanh(reference + h @ weight_hh.T + bias_hh)",
    "helper_named_like_a_kernel": None,  # filled below: a helper my_rnn_relu_step
    "apply_with_math": "    pre = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh\n"
    "    return pre.clone().apply_(lambda v: math.tanh(v))",
    "string_with_proc": '    assert x.dim() == 2, "no /proc/self here"\n'
    "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)",
    "custom_autograd_function": None,
    "vmap_over_own_code": None,
}

CASES = {
    "good": lesson01(GOOD),
    "blank": lesson01(BLANK),
    "wrong": lesson01(WRONG),
    "invalid_json": '{"cells": [',
    "empty": "",
    "nbformat3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}),
    "schema_invalid": json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "nope"}
    ),
    "deleted": lesson01("x = 1"),
    "renamed": lesson01(GOOD.replace("def rnn_cell", "def my_rnn_cell")),
    "not_callable": lesson01(GOOD, "rnn_cell = 3"),
    "loop_fn": function("    while True:\n        pass"),
    "loop_unstoppable": function(  # catches the child's own timer: the grader's wall clock ends it
        "    while True:\n        try:\n            while True:\n                pass\n"
        "        except:\n            pass"
    ),
    "memory_fn": function("    return torch.empty(2 * 1024**3, dtype=torch.uint8)"),
    "memory_message": function(  # a learner's message that looks like the allocator's
        '    raise RuntimeError("DefaultCPUAllocator: can\'t allocate memory: timeout")'
    ),
    # an index made from a hidden input, always out of range (abs), so that the error would echo it
    "leaks_as_integers": function("    return torch.zeros(3)[abs(int(x[0, 0] * 1000)) + 5]"),
    "surrogate_message": function('    raise ValueError("\\ud800 \\x1b[31mred")'),
    "lookup_table": None,  # filled below
    "unknown_lesson": notebook("x = 1", lesson=None),
    "metadata_99": notebook(SETUP, GOOD, lesson="99_unknown"),
    "mismatch": notebook(SETUP, GOOD, lesson="00_welcome"),
    "untouched_learner": None,  # the released lesson-01 notebook, as a new user would submit it
    "answer_key_12": None,  # the answer key of lesson 12, unchanged
    "lesson_14": None,
}
for name, cell in CELL_ATTACKS.items():
    CASES[f"cell_{name}"] = lesson01(GOOD, cell)
CASES["cell_patches_with_wrong"] = lesson01(WRONG, CELL_ATTACKS["patches_torch"])
for name, (body, _) in REFUSED.items():
    CASES[name] = lesson01("import os, signal\nfrom rnn_course import reference", SIGNATURE + body)
HONEST["helper_named_like_a_kernel"] = (
    "    return my_rnn_relu_step(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)"
)
HONEST["custom_autograd_function"] = (
    "    return Tanh.apply(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)"
)
HONEST["vmap_over_own_code"] = (
    "    return torch.vmap(one, in_dims=(0, 0, None, None, None, None))" + ARGS
)
HELPERS = (
    "import math\n"
    "def my_rnn_relu_step(pre):\n    return torch.tanh(pre)\n\n"
    "class Tanh(torch.autograd.Function):\n"
    "    @staticmethod\n    def forward(ctx, a):\n        out = torch.tanh(a)\n"
    "        ctx.save_for_backward(out)\n        return out\n\n"
    "    @staticmethod\n    def backward(ctx, grad):\n        (out,) = ctx.saved_tensors\n"
    "        return grad * (1 - out * out)\n\n"
    "def one(x1, h1, weight_ih, weight_hh, bias_ih, bias_hh):\n"
    "    return torch.tanh(weight_ih @ x1 + bias_ih + weight_hh @ h1 + bias_hh)\n"
)
for name, body in HONEST.items():
    CASES[f"honest_{name}"] = lesson01(HELPERS, SIGNATURE + body)


def _lookup_table_cheat():
    """The answers to the fixed cases a learner's check() uses (their seeds are in the package
    source), returned from a table: no RNN computed. The grader's cases are salted: it fails."""
    from rnn_course.exercises import get_exercise

    table = [
        (case.args[0].tolist(), case.expected.tolist()) for case in get_exercise("rnn_cell").cases()
    ]
    return (
        f"TABLE = {table!r}\n" + SIGNATURE + "    for known_x, answer in TABLE:\n"
        "        if x.tolist() == known_x:\n"
        "            return torch.tensor(answer, dtype=torch.float64)\n"
        "    return torch.zeros(x.shape[0], weight_hh.shape[0], dtype=torch.float64)\n"
    )


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES["lookup_table"] = lesson01(_lookup_table_cheat())
CASES["untouched_learner"] = open(os.path.join(ROOT, "notebooks", "01_rnn_cell.ipynb")).read()
CASES["answer_key_12"] = open(os.path.join(ROOT, "notebooks", "solutions", "12_lstm.ipynb")).read()
CASES["lesson_14"] = open(os.path.join(ROOT, "notebooks", "14_when_gating_helps.ipynb")).read()
FILENAMES = {name: f"{name}_01_rnn_cell.ipynb" for name in CASES}
FILENAMES["unknown_lesson"] = "scratch.ipynb"
FILENAMES["metadata_99"] = "homework.ipynb"
FILENAMES["answer_key_12"] = "key_12_lstm.ipynb"
FILENAMES["lesson_14"] = "14_when_gating_helps.ipynb"
FILENAMES["surrogate_message"] = "cr\rname \x1b[31mansi_01_rnn_cell.ipynb"


@pytest.fixture(scope="module")
def workers():
    """One zygote for the module's grading runs (each start costs seconds; issue 19)."""
    from rnn_course.grading.scheduler import Workers

    shared = Workers()
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def batch(tmp_path_factory, workers):
    base = tmp_path_factory.mktemp("adversarial")
    subs = base / "subs"
    (subs / ".ipynb_checkpoints").mkdir(parents=True)
    out = base / "gradebook.csv"
    for name, text in CASES.items():
        (subs / FILENAMES[name]).write_text(text)
    (subs / "huge_01_rnn_cell.ipynb").write_bytes(b" " * (17 * 1024 * 1024))
    (subs / ".ipynb_checkpoints" / "good-checkpoint.ipynb").write_text(CASES["good"])
    feedback = base / "feedback"
    notices = []
    limits = Limits(timeout=TIMEOUT, memory_mb=512, jobs=2)
    rows = grade(
        [subs], out=out, limits=limits, feedback=feedback, notice=notices.append, workers=workers
    )
    with open(out, newline="") as handle:
        table = {
            os.path.basename(r["submission"]): r
            for r in csv.DictReader(handle)
            if r["submission"] != POINTS_POSSIBLE
        }
    return {
        "rows": {r.submission.path.name: r for r in rows},
        "table": table,
        "out": out,
        "feedback": feedback,
        "subs": subs,
        "notices": notices,
        "details": json.loads(out.with_name("gradebook.details.json").read_text()),
    }


def graded(batch, name):
    return batch["rows"]["huge_01_rnn_cell.ipynb" if name == "huge" else FILENAMES[name]]


def feedback(batch, name):
    return (batch["feedback"] / feedback_name(graded(batch, name))).read_text()


def expect(batch, name, points, status, reason=None):
    g = graded(batch, name)
    assert (g.total, g.status) == (points, status), (name, g.total, g.status, g.reason)
    if reason is not None:
        assert reason in g.reason, (name, g.reason)


# --- the ordinary outcomes ------------------------------------------------------------------------


def test_correct_blank_and_wrong(batch):
    expect(batch, "good", 10, "ok")
    assert graded(batch, "good").reason == "" and "[PASSED] rnn_cell: 10/10" in feedback(
        batch, "good"
    )
    expect(batch, "blank", 0, "not-attempted", "rnn_cell: not attempted")
    expect(batch, "wrong", 0, "ok", "ignores b_hh")
    text = feedback(batch, "wrong")
    assert "likely mistake: your h_next ignores b_hh" in text and "tensor(" not in text


def test_every_file_gets_one_row_sorted_and_the_csv_has_one_line_per_row(batch):
    names = [
        r.submission.name for r in sorted(batch["rows"].values(), key=lambda r: r.submission.name)
    ]
    assert len(batch["rows"]) == len(CASES) + 1 and len(batch["table"]) == len(CASES) + 1
    assert not any(".ipynb_checkpoints" in n for n in names)
    assert len(os.listdir(batch["feedback"])) == len(batch["rows"])
    lines = batch["out"].read_text().splitlines()
    assert len(lines) == len(CASES) + 3  # header, points possible, one line per submission
    assert not any(re.search(r",'?[=+@-]", line.split(",", 1)[0]) for line in lines)


@pytest.mark.parametrize(
    "name, reason",
    [
        ("invalid_json", "invalid JSON"),
        ("empty", "empty file"),
        ("nbformat3", "nbformat 3"),
        ("schema_invalid", "not a valid nbformat 4 notebook"),
        ("huge", "file too large"),
    ],
)
def test_unusable_files_are_invalid_notebooks(batch, name, reason):
    expect(batch, name, 0, "invalid-notebook", reason)


def test_missing_renamed_and_rebound_functions(batch):
    expect(batch, "deleted", 0, "ok", "function rnn_cell not found")
    expect(batch, "renamed", 0, "ok", "function rnn_cell not found")
    expect(batch, "not_callable", 0, "ok", "rnn_cell is not defined with `def`")


# --- cells never run: every attack written in a cell changes nothing ----------------------------


@pytest.mark.parametrize("name", sorted(CELL_ATTACKS))
def test_attacks_in_cells_change_nothing_because_no_cell_runs(batch, name):
    expect(batch, f"cell_{name}", 10, "ok")
    assert graded(batch, f"cell_{name}").reason == ""


def test_patching_the_checker_in_a_cell_cannot_pass_a_wrong_answer(batch):
    expect(batch, "cell_patches_with_wrong", 0, "ok", "ignores b_hh")


# --- the allowlist: each route is refused with the construct and the rule -------------------------


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_functions_that_reach_outside_the_allowlist_are_refused(batch, name):
    expect(batch, name, 0, "ok", "rnn_cell: cannot be graded: cell 4, line 2: ")
    message = graded(batch, name).results["rnn_cell"].feedback[0]
    assert REFUSED[name][1] in message, message
    assert any(f.startswith("refused in rnn_cell: cell 4") for f in graded(batch, name).flags)


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_controls_score_full_marks(batch, name):
    expect(batch, f"honest_{name}", 10, "ok")
    assert graded(batch, f"honest_{name}").flags == []


def test_answers_known_in_advance_score_zero(batch):
    expect(batch, "lookup_table", 0, "ok", "`h_next`")


# --- what the grader observed, never what the learner said ----------------------------------------


def test_a_function_that_never_returns_is_stopped(batch):
    expect(batch, "loop_fn", 0, "timeout", "did not finish within")
    expect(batch, "loop_unstoppable", 0, "timeout", f"did not finish within {TIMEOUT:g} s")


def test_memory_and_exception_names_never_set_the_status(batch):
    expect(batch, "memory_fn", 0, "ok", "your function raised RuntimeError")
    expect(batch, "memory_message", 0, "ok", "DefaultCPUAllocator")


def test_hidden_inputs_are_never_echoed_even_as_integers(batch):
    text = feedback(batch, "leaks_as_integers") + graded(batch, "leaks_as_integers").reason
    assert "index <number> is out of bounds" in text, text
    assert not re.search(r"index -?\d", text)


def test_surrogates_ansi_and_cr_in_names_and_messages_lose_nothing(batch):
    g = graded(batch, "surrogate_message")
    assert g.status == "ok" and "\x1b" not in g.reason and "\ud800" not in g.reason
    assert "\r" not in g.submission.name and "\x1b" not in g.submission.name
    text = feedback(batch, "surrogate_message")
    assert "\x1b" not in text and "\ud800" not in text
    batch["out"].read_text(encoding="utf-8")  # the gradebook was written, in strict UTF-8


# --- lessons, metadata, flags, the sidecar ----------------------------------------------------------


def test_lessons_come_from_one_list_and_odd_metadata_is_noted(batch):
    expect(batch, "unknown_lesson", 0, "unknown-lesson", "cannot tell the lesson")
    expect(batch, "metadata_99", 10, "ok", "its metadata names lesson '99_unknown', which does not")
    g = graded(batch, "lesson_14")
    assert g.lesson == "14_when_gating_helps" and g.status == "ok"
    assert "has no graded exercises" in g.reason


def test_only_what_the_learner_wrote_is_flagged(batch):
    untouched = graded(batch, "untouched_learner")  # the course's setup cell imports inspect
    assert (untouched.status, untouched.flags) == ("not-attempted", [])
    key = graded(batch, "answer_key_12")
    assert key.lesson == "12_lstm" and key.total == key.max_total == 30  # three exercises
    assert any(f.startswith("answer key: lstm_cell") for f in key.flags) and "flagged" in key.reason


def test_the_details_sidecar_names_submissions_relative_to_the_folder(batch):
    data = batch["details"]
    assert data["version"] == 1 and data["lesson_points"]["01_rnn_cell"] == 10
    rows = {r["submission"]: r for r in data["submissions"]}
    wrong = rows[FILENAMES["wrong"]]["exercises"]["rnn_cell"]
    assert wrong["outcome"] == "failed" and wrong["points"] == 0 and wrong["mistake"]
    assert rows[FILENAMES["good"]]["exercises"]["rnn_cell"]["outcome"] == "passed"
    assert os.stat(batch["out"].with_name("gradebook.details.json")).st_mode & 0o777 == 0o600


def test_odd_files_get_a_row_and_never_stop_the_batch(tmp_path, workers):
    """A file name that is not UTF-8, a fifo (reading it would block) and a broken link each get an
    invalid-notebook row; none of them stops the gradebook from being written."""
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / os.fsdecode(b"bad\xffname_01_rnn_cell.ipynb")).write_text(CASES["invalid_json"])
    os.mkfifo(folder / "fifo_01_rnn_cell.ipynb")
    (folder / "link_01_rnn_cell.ipynb").symlink_to(tmp_path / "nowhere.ipynb")
    out = tmp_path / "gradebook.csv"
    grade([folder], out=out, feedback=tmp_path / "feedback", workers=workers)
    with open(out, encoding="utf-8") as handle:
        table = {
            os.path.basename(r["submission"]): r
            for r in csv.DictReader(handle)
            if r["submission"] != POINTS_POSSIBLE
        }
    assert {name: r["status"] for name, r in table.items()} == {
        "bad\\xffname_01_rnn_cell.ipynb": "invalid-notebook",
        "fifo_01_rnn_cell.ipynb": "invalid-notebook",
        "link_01_rnn_cell.ipynb": "invalid-notebook",
    }
    assert "not a regular file" in table["fifo_01_rnn_cell.ipynb"]["reason"]
    assert (
        "symbolic link" in table["link_01_rnn_cell.ipynb"]["reason"]
    )  # refused before it is followed


def test_the_grader_says_which_isolation_is_in_force(batch):
    assert batch["notices"][0].startswith("isolation: ") and "rlimits" in batch["notices"][0]
    assert all(n.startswith("warning: weaker isolation: ") for n in batch["notices"][1:])


def test_a_lesson_metadata_mismatch_is_graded_by_content(batch):
    expect(batch, "mismatch", 10, "ok", "its metadata says lesson 00_welcome, but it defines")


def test_gradebook_sidecar_and_secret_are_private(batch):
    out = batch["out"]
    for path in (
        out,
        out.with_name("gradebook.csv.secret"),
        out.with_name("gradebook.details.json"),
    ):
        assert os.stat(path).st_mode & 0o777 == 0o600, path
