"""The grader against hostile and broken submissions: every vector asserts the score AND the
status/reason. One batch grading run (jobs=2, timeout=5 s) serves every test, to stay fast."""

import csv
import json
import os
import re

import nbformat
import pytest

from rnn_course.exercises import exercise_ids
from rnn_course.grading import Limits, grade
from rnn_course.grading.gradebook import POINTS_POSSIBLE, feedback_name
from rnn_course.grading.runner import sandbox_user

DROPS = sandbox_user()[0] is not None  # root: submissions run as nobody
TIMEOUT = 5.0

GOOD = '''import torch
def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step. x: (N, H_in), h: (N, H) -> h_next: (N, H)."""
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
'''
WRONG = GOOD.replace(" + bias_hh)", ")")
BLANK = '''def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step."""
    # YOUR CODE HERE
    raise NotImplementedError
'''
SETUP = "import torch\nfrom rnn_course.exercises import check, hint\ntorch.manual_seed(0)"
CHECK = 'check("rnn_cell", rnn_cell)'


def notebook(*cells, lesson="01_rnn_cell", outputs=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 1")] + [
        nbformat.v4.new_code_cell(c) for c in cells
    ]
    if outputs:
        nb.cells[1].outputs = outputs
    if lesson:
        nb.metadata["rnn_course"] = {"lesson": lesson, "kind": "learner"}
    return nbformat.writes(nb)


def lesson01(*middle):
    """A lesson-01 notebook: setup, the given cells, then the check cell."""
    return notebook(SETUP, *middle, CHECK)


# name -> file text. Names end in _01_rnn_cell so the filename route would find the lesson too.
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
    "minor_not_int": json.dumps(
        {"nbformat": 4, "nbformat_minor": "5", "metadata": {}, "cells": []}
    ),  # nbformat asserts
    "deleted": lesson01("x = 1"),
    "renamed": lesson01(GOOD.replace("def rnn_cell", "def my_rnn_cell")),
    "not_callable": lesson01("rnn_cell = 3"),
    "huge_print": lesson01(GOOD, "print('x' * 50_000_000)"),
    "stored_outputs": notebook(
        SETUP, GOOD, CHECK, outputs=[nbformat.v4.new_output("stream", text="passed\n" * 100_000)]
    ),
    "sys_exit_cell": lesson01(GOOD, "import sys\nsys.exit(1)"),
    "sys_exit_fn": lesson01(
        "import sys\ndef rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n    sys.exit(0)"
    ),
    "os_exit_cell": lesson01(GOOD, "import os\nos._exit(3)"),
    "os_exit_fn": lesson01(
        "import os\ndef rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n    os._exit(0)"
    ),
    "loop_cell": lesson01(GOOD, "while True:\n    pass"),
    "loop_fn": lesson01(
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n    while True:\n        pass"
    ),
    "loop_unstoppable": lesson01(
        GOOD,
        "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "while True:\n    try:\n        pass\n    except BaseException:\n        pass",
    ),
    "memory_cell": lesson01(
        GOOD, "hoard = [torch.empty(50_000_000, dtype=torch.uint8) for _ in range(1000)]"
    ),
    "memory_cell_python": lesson01(GOOD, "hoard = bytearray(10**11)"),
    "memory_fn": lesson01(
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return torch.empty(2 * 1024**3, dtype=torch.uint8)  # 2 GB: over the 512 MB allowance"
    ),
    "fork_bomb": lesson01(
        GOOD, "import os\nfork = getattr(os, 'fo' + 'rk')\nwhile True:\n    fork()"
    ),
    "thread_dodge": lesson01(
        "import threading\n"
        "def delegate(x, h):\n"
        "    return getattr(torch.nn, 'RNN' + 'Cell')(x.shape[1], h.shape[1], dtype=x.dtype)(x, h)\n"
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    out = []\n"
        "    t = threading.Thread(target=lambda: out.append(delegate(x, h)))\n"
        "    t.start(); t.join()\n"
        "    return out[0]"
    ),
    "writes_files": None,  # filled in by the fixture: it needs the paths
    "kills_parent": lesson01(GOOD, "import os\ngetattr(os, 'ki' + 'll')(os.getppid(), 9)"),
    "kills_parent_static": lesson01(GOOD, "import os\nos.kill(os.getppid(), 9)"),
    "prints_passed": lesson01(WRONG, "print('[PASSED] rnn_cell: 10/10 points')"),
    "patches_torch": lesson01(
        WRONG,
        "setattr(torch, 'all' + 'close', lambda *a, **k: True)\n"
        "setattr(torch.Tensor, '__' + 'eq__', lambda *a, **k: True)\n"
        "import torch.testing\nsetattr(torch.testing, 'assert' + '_close', lambda *a, **k: None)",
    ),
    "patches_check": lesson01(
        WRONG,
        "import rnn_course.exercises\nrnn_course.exercises.check = lambda *a: print('passed')",
    ),
    "uses_rnncell": lesson01(
        "from torch import nn\n"
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    cell = nn.RNNCell(x.shape[1], h.shape[1], dtype=x.dtype)\n"
        "    cell.load_state_dict(dict(weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=bias_hh))\n"
        "    return cell(x, h).detach()"
    ),
    "hidden_rnncell": lesson01(
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    cell = getattr(torch.nn, 'RNN' + 'Cell')(x.shape[1], h.shape[1], dtype=x.dtype)\n"
        "    cell.load_state_dict(dict(weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=bias_hh))\n"
        "    return cell(x, h).detach()"
    ),
    "guard_off": lesson01(
        "import sys\nsetattr(sys, 'setpro' + 'file', lambda f: None)\n"
        "setattr(sys, 'getpro' + 'file', lambda: None)\n"
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    cell = getattr(torch.nn, 'RNN' + 'Cell')(x.shape[1], h.shape[1], dtype=x.dtype)\n"
        "    cell.load_state_dict(dict(weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=bias_hh))\n"
        "    return cell(x, h).detach()"
    ),
    "guard_patched": lesson01(
        "g = __import__('rnn_course.exercises.gu' + 'ard', fromlist=['x'])\n"
        "c = __import__('rnn_course.exercises.co' + 're', fromlist=['x'])\n"
        "g.Guard._hook = lambda *a: None\n"
        "g.Guard.__enter__ = lambda self: self\n"
        "def cheat(exercise, fn, case, use_guard):\n"
        "    return c.Outcome(value=fn(*case.args))\n"
        "c._run_one = cheat\n"
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    cell = getattr(torch.nn, 'RNN' + 'Cell')(x.shape[1], h.shape[1], dtype=x.dtype)\n"
        "    cell.load_state_dict(dict(weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=bias_hh))\n"
        "    return cell(x, h).detach()"
    ),
    "partial_kernel": lesson01(
        "import functools\nkernel = functools.partial(getattr(torch, 'rnn_' + 'tanh_cell'))\n"
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return list(map(kernel, [x], [h], [weight_ih], [weight_hh], [bias_ih], [bias_hh]))[0]"
    ),
    "leaks_inputs": lesson01(
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    raise ValueError(repr(x) + str(x.tolist()) + str(weight_ih.numpy()))"
    ),
    "leaks_in_type": lesson01(
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return type(str(x.tolist()), (), {})()"
    ),
    "frames": lesson01(GOOD, "import sys\nframe = sys._getframe()"),
    "grader_import": lesson01(GOOD, "import rnn_course.grading"),
    "kernel": lesson01(
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return torch._VF.rnn_tanh_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"
    ),
    "reference": lesson01(
        "from rnn_course import reference\n"
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return reference.rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"
    ),
    "magics": lesson01("%matplotlib inline\n!ls /\n" + GOOD),
    "cell_errors": lesson01("1 / 0", GOOD, "undefined_name"),
    "unknown_lesson": notebook("x = 1", lesson=None),
    "welcome": notebook("print('hi')", lesson="00_welcome"),
}


def _lookup_table_cheat():
    """A function that knows the answers to the fixed cases a learner's check() uses (their seeds
    are in the package source) and returns them from a table: no RNN computed at all."""
    from rnn_course.exercises import get_exercise

    table = [
        (case.args[0].tolist(), case.expected.tolist()) for case in get_exercise("rnn_cell").cases()
    ]
    return (
        f"TABLE = {table!r}\n"
        "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    for known_x, answer in TABLE:\n"
        "        if x.tolist() == known_x:\n"
        "            return torch.tensor(answer, dtype=torch.float64)\n"
        "    return torch.zeros(x.shape[0], weight_hh.shape[0], dtype=torch.float64)\n"
    )


LOOKUP_TABLE = _lookup_table_cheat()
CASES["lookup_table"] = lesson01(LOOKUP_TABLE)

# Reaching torch's RNN code where neither the profiling hook (C calling C: map, partial) nor the
# TorchFunctionMode tripwire can see it, or after the guard has stopped watching.
SIGNATURE = "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
KERNEL_MAP = "list(map(getattr(torch, 'rnn_' + 'tanh_cell'), [x], [h], [weight_ih], [weight_hh], [bias_ih], [bias_hh]))[0]"
RNNCELL = (  # x, h, wi, wh, bi, bh -> torch's answer, from nn.RNNCell under a computed name
    "def torch_cell(x, h, wi, wh, bi, bh):\n"
    "    cell = getattr(torch.nn, 'RNN' + 'Cell')(x.shape[1], h.shape[1], dtype=x.dtype)\n"
    "    cell.load_state_dict(dict(weight_ih=wi, weight_hh=wh, bias_ih=bi, bias_hh=bh))\n"
    "    return cell(x, h).detach()\n"
)
CASES.update(
    {
        "overrides_off": lesson01(
            "switch_off = getattr(torch._C, 'DisableTorch' + 'Function')\n"
            + SIGNATURE
            + "    with switch_off():\n        return "
            + KERNEL_MAP
        ),
        "tripwire_popped": lesson01(
            "from torch.overrides import TorchFunctionMode\n"
            "class PassThrough(TorchFunctionMode):\n"
            "    def __torch_function__(self, func, types, args=(), kwargs=None):\n"
            "        return func(*args, **(kwargs or {}))\n"
            + SIGNATURE
            + "    popped = 0\n    while True:\n        try:\n"
            "            TorchFunctionMode.__exit__(None, None, None, None)\n            popped += 1\n"
            "        except Exception:\n            break\n"
            "    answer = " + KERNEL_MAP + "\n"
            "    for _ in range(popped):\n        PassThrough().__enter__()\n    return answer"
        ),
        "dispatch_mode": lesson01(  # runs below the tripwire; left on the stack, it would also rewrite the answer
            "from torch.utils._python_dispatch import TorchDispatchMode\n"
            "class Swap(TorchDispatchMode):\n"
            "    def __init__(self, args):\n        super().__init__()\n        self.args = args\n"
            "    def __torch_dispatch__(self, func, types, args=(), kwargs=None):\n"
            "        if self.args is not None and 'detach' in str(func):\n"
            "            x, h, weight_ih, weight_hh, bias_ih, bias_hh = self.args\n            self.args = None\n"
            "            return " + KERNEL_MAP + "\n"
            "        return func(*args, **(kwargs or {}))\n"
            + SIGNATURE
            + "    Swap((x, h, weight_ih, weight_hh, bias_ih, bias_hh)).__enter__()\n"
            "    return torch.zeros(x.shape[0], weight_hh.shape[0], dtype=x.dtype)"
        ),
        "custom_op": lesson01(
            "lib = torch.library.Library('redteam', 'DEF')\n"
            "lib.define('cell(Tensor x, Tensor h, Tensor a, Tensor b, Tensor c, Tensor d) -> Tensor')\n"
            "def impl(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n    return "
            + KERNEL_MAP
            + "\n"
            "lib.impl('cell', impl, 'CPU')\n"
            + SIGNATURE
            + "    return torch.ops.redteam.cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"
        ),
        "lazy_subclass": lesson01(  # the answer is computed when the child reads it, after the call
            RNNCELL + "plain = getattr(torch._C, 'DisableTorchFunction' + 'Subclass')\n"
            "class Lazy(torch.Tensor):\n"
            "    @classmethod\n"
            "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
            "        if args and getattr(args[0], 'pending', None) is not None:\n"
            "            with plain():\n                return torch_cell(*args[0].pending)\n"
            "        return super().__torch_function__(func, types, args, kwargs)\n"
            + SIGNATURE
            + "    answer = torch.zeros(x.shape[0], weight_hh.shape[0], dtype=x.dtype).as_subclass(Lazy)\n"
            "    answer.pending = (x, h, weight_ih, weight_hh, bias_ih, bias_hh)\n    return answer"
        ),
        "fake_tensor": lesson01(
            RNNCELL + "class Fake:\n    __class__ = property(lambda self: torch.Tensor)\n"
            "    def __init__(self, *args):\n        self.args = args\n"
            "    def detach(self):\n        return torch_cell(*self.args)\n"
            + SIGNATURE
            + "    return Fake(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"
        ),
        "patches_reporting": lesson01(  # json and torch.Tensor are what the child reports with
            "import json\ndumps = json.dumps\n"
            "def quiet(obj, *args, **kwargs):\n"
            "    for outcome in obj.get('outcomes', []) if isinstance(obj, dict) else []:\n"
            "        outcome['violations'] = []\n"
            "    return dumps(obj, *args, **kwargs)\n"
            "json.dumps = quiet\n"
            + RNNCELL
            + SIGNATURE
            + "    return torch_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"
        ),
        "forges_report": lesson01(  # torch's answers to every case, written straight to the socket
            "import io, json, struct\nimport numpy as np\n"
            "os = __import__('o' + 's')\nwrite, leave = getattr(os, 'wri' + 'te'), getattr(os, '_ex' + 'it')\n"
            "answers = []\n"
            + SIGNATURE
            + "    answers.append(torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).numpy())\n"
            "    if len(answers) < 5:\n        return torch.zeros(1)\n"
            "    blob = io.BytesIO()\n    np.savez(blob, **{f'a{i}': a for i, a in enumerate(answers)})\n"
            "    outcomes = [{'value': {'kind': 'tensor', 'key': f'a{i}', 'dtype': 'torch.float64'}, 'error': None,\n"
            "                 'detail': '', 'mutated': [], 'violations': []} for i in range(5)]\n"
            "    frame = b''\n"
            "    for meta, data in (({'kind': 'outcomes', 'id': 'rnn_cell', 'outcomes': outcomes}, blob.getvalue()), ({'kind': 'done'}, b'')):\n"
            "        text = json.dumps(meta).encode()\n        frame += struct.pack('>II', len(text), len(data)) + text + data\n"
            "    for fd in range(3, 64):\n        try:\n            write(fd, frame)\n        except OSError:\n            pass\n"
            "    leave(0)"
        ),
        "audit_hook": lesson01(  # an audit hook cannot be removed: it would patch json inside the checker
            "import json, sys\ndumps = json.dumps\n"
            "def quiet(obj, *args, **kwargs):\n"
            "    for outcome in obj.get('outcomes', []) if isinstance(obj, dict) else []:\n"
            "        outcome['violations'] = []\n"
            "    return dumps(obj, *args, **kwargs)\n"
            "def hook(event, args):\n    json.dumps = quiet\n"
            "sys.addaudithook(hook)\n"
            + RNNCELL
            + SIGNATURE
            + "    return torch_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"
        ),
        "patches_next_case": lesson01(  # the first call switches the guard off for the calls after it
            "guard = __import__('rnn_course.exercises.gu' + 'ard', fromlist=['x'])\ncalls = []\n"
            + RNNCELL
            + SIGNATURE
            + "    calls.append(1)\n    if len(calls) > 1:\n"
            "        return torch_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)\n"
            "    guard.Guard.__enter__ = lambda self: self\n    guard.Guard.__exit__ = lambda self, *exc: False\n"
            "    guard.KernelTripwire.__torch_function__ = lambda self, func, types, args=(), kwargs=None: func(*args, **(kwargs or {}))\n"
            "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)"
        ),
        "patches_from_del": lesson01(  # garbage collected inside the checker's code, after it was restored
            "import gc, json\ndumps = json.dumps\n"
            "def quiet(obj, *args, **kwargs):\n"
            "    for outcome in obj.get('outcomes', []) if isinstance(obj, dict) else []:\n"
            "        outcome['violations'] = []\n"
            "    return dumps(obj, *args, **kwargs)\n"
            "class Cycle:\n    def __init__(self):\n        self.me = self\n"
            "    def __del__(self):\n        json.dumps = quiet\n"
            + RNNCELL
            + SIGNATURE
            + "    gc.enable()\n    gc.set_threshold(1, 1, 1)\n    [Cycle() for _ in range(10)]\n"
            "    return torch_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)"
        ),
        "copies_reference": lesson01(  # the reference's source, read from disk and run under another name
            "import importlib, os\npackage = importlib.import_module('rnn_course')\n"
            "source = open(os.path.join(package.__path__[0], 'refer' + 'ence.py')).read()\n"
            "exec(compile(source, '<cell 3>', 'exec'))"
        ),
    }
)
FILENAMES = {name: f"{name}_01_rnn_cell.ipynb" for name in CASES}
FILENAMES["unknown_lesson"] = "scratch.ipynb"
FILENAMES["welcome"] = "00_welcome.ipynb"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("adversarial")
    subs = base / "subs"
    (subs / ".ipynb_checkpoints").mkdir(parents=True)
    out = base / "gradebook.csv"
    cases = dict(CASES)
    victim = subs / FILENAMES["good"]
    cases["writes_files"] = lesson01(
        GOOD,
        f"for path in [{str(out)!r}, {str(victim)!r}]:\n"
        "    try:\n        open(path, 'w').write('hacked')\n    except OSError:\n        pass",
    )
    for name, text in cases.items():
        (subs / FILENAMES[name]).write_text(text)
    (subs / "huge_01_rnn_cell.ipynb").write_bytes(b" " * (17 * 1024 * 1024))
    (subs / ".ipynb_checkpoints" / "good-checkpoint.ipynb").write_text(CASES["good"])
    feedback = base / "feedback"
    rows = grade(
        [subs], out=out, limits=Limits(timeout=TIMEOUT, memory_mb=512, jobs=2), feedback=feedback
    )
    with open(out) as handle:
        table = {
            os.path.basename(r["submission"]): r
            for r in csv.DictReader(handle)
            if r["submission"] != POINTS_POSSIBLE
        }
    return {
        "rows": {os.path.basename(r.submission.name): r for r in rows},
        "table": table,
        "out": out,
        "feedback": feedback,
        "subs": subs,
    }


def row(batch, name):
    filename = "huge_01_rnn_cell.ipynb" if name == "huge" else FILENAMES[name]
    return batch["table"][filename]


def feedback(batch, name):
    graded = batch["rows"][FILENAMES[name]]
    return (batch["feedback"] / feedback_name(graded)).read_text()


def expect(batch, name, points, status, reason=None):
    r = row(batch, name)
    assert (r["rnn_cell"], r["total"], r["status"]) == (str(points), str(points), status), r
    if reason is not None:
        assert reason in r["reason"], r


# --- the three ordinary outcomes --------------------------------------------------------------


def test_correct_submission_gets_full_marks(batch):
    expect(batch, "good", 10, "ok")
    assert row(batch, "good")["reason"] == ""
    assert "[PASSED] rnn_cell: 10/10" in feedback(batch, "good")


def test_blank_submission_scores_zero_not_attempted(batch):
    expect(batch, "blank", 0, "not-attempted", "rnn_cell: not attempted")
    assert "not attempted yet" in feedback(batch, "blank")


def test_wrong_submission_names_the_mistake(batch):
    expect(batch, "wrong", 0, "ok", "ignores b_hh")
    text = feedback(batch, "wrong")
    assert "likely mistake: your h_next ignores b_hh" in text
    assert (
        "tensor(" not in text and "_cell_without_b_hh" not in text
    )  # no hidden values, no test code


def test_batch_has_one_row_per_file_sorted(batch):
    table = batch["table"]
    assert len(table) == len(CASES) + 1  # + the huge file; the checkpoint copy is skipped
    names = [r["submission"] for r in table.values()]
    assert names == sorted(names)
    assert not any(".ipynb_checkpoints" in n for n in names)
    assert len(os.listdir(batch["feedback"])) == len(table)


# --- broken files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, reason",
    [
        ("invalid_json", "invalid JSON"),
        ("empty", "empty file"),
        ("nbformat3", "nbformat 3"),
        ("schema_invalid", "not a valid nbformat 4 notebook"),
        ("minor_not_int", "not a valid nbformat 4 notebook (nbformat_minor '5')"),
        ("huge", "file too large"),
    ],
)
def test_unusable_files_are_invalid_notebooks(batch, name, reason):
    r = row(batch, name)
    assert (r["rnn_cell"], r["total"], r["status"]) == ("", "0", "invalid-notebook")
    assert reason in r["reason"]


def test_odd_files_get_a_row_and_never_stop_the_batch(tmp_path):
    """A file name that is not UTF-8, a fifo (reading it would block) and a broken link each get an
    invalid-notebook row; none of them stops the gradebook from being written."""
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / os.fsdecode(b"bad\xffname_01_rnn_cell.ipynb")).write_text(CASES["invalid_json"])
    os.mkfifo(folder / "fifo_01_rnn_cell.ipynb")
    (folder / "link_01_rnn_cell.ipynb").symlink_to(tmp_path / "nowhere.ipynb")
    out = tmp_path / "gradebook.csv"
    grade([folder], out=out, feedback=tmp_path / "feedback")
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


@pytest.mark.parametrize("name", ["deleted", "renamed"])
def test_missing_function_scores_zero(batch, name):
    expect(batch, name, 0, "ok", "function rnn_cell not found (deleted or renamed?)")


def test_not_a_function(batch):
    expect(batch, "not_callable", 0, "ok", "rnn_cell is defined but is not a function")


def test_unknown_lesson_and_lesson_without_exercises(batch):
    r = row(batch, "unknown_lesson")
    assert (r["status"], r["total"]) == ("unknown-lesson", "0") and "cannot tell the lesson" in r[
        "reason"
    ]
    r = row(batch, "welcome")
    assert (r["rnn_cell"], r["status"]) == ("", "ok") and "no graded exercises" in r["reason"]


# --- misbehaving code -------------------------------------------------------------------------------


def test_huge_prints_and_stored_outputs_do_no_harm(batch):
    expect(batch, "huge_print", 10, "ok")
    expect(batch, "stored_outputs", 10, "ok")


def test_sys_exit_in_a_cell_is_caught_like_jupyter(batch):
    expect(batch, "sys_exit_cell", 10, "ok", "flagged: sys.exit")


def test_sys_exit_in_the_function(batch):
    expect(
        batch,
        "sys_exit_fn",
        0,
        "ok",
        "rnn_cell: your function did not return: it called sys.exit(0)",
    )


def test_os_exit_in_a_cell(batch):
    expect(batch, "os_exit_cell", 0, "error", "exited with code 3 in cell 4")


def test_os_exit_in_the_function(batch):
    expect(batch, "os_exit_fn", 0, "error", "exited with code 0 while running rnn_cell")


def test_infinite_loop_in_a_cell_is_interrupted(batch):
    expect(batch, "loop_cell", 10, "timeout", "cell 4 was interrupted")


def test_infinite_loop_in_the_function(batch):
    expect(
        batch,
        "loop_fn",
        0,
        "timeout",
        f"did not finish in the time the notebook had left (the limit is {TIMEOUT:g} s",
    )


def test_unstoppable_loop_is_killed_at_the_wall_clock(batch):
    expect(
        batch, "loop_unstoppable", 0, "timeout", f"did not finish within {TIMEOUT:g} s in cell 4"
    )


def test_memory_bomb_in_a_cell(batch):
    expect(batch, "memory_cell", 10, "memory", "cell 4 ran out of memory (limit 512 MB)")
    expect(batch, "memory_cell_python", 10, "memory", "cell 4 ran out of memory (limit 512 MB)")


def test_memory_bomb_in_the_function(batch):
    expect(batch, "memory_fn", 0, "memory", "rnn_cell: your function raised")


def test_fork_bomb_fails_at_once(batch):
    expect(batch, "fork_bomb", 10, "ok", "cells with errors: 4 BlockingIOError")


def test_threads_cannot_dodge_the_guard(batch):
    expect(
        batch,
        "thread_dodge",
        0,
        "ok",
        "rnn_cell: your function raised RuntimeError: can't start new thread",
    )


def test_writing_the_gradebook_or_another_submission_changes_nothing(batch):
    expect(batch, "writes_files", 10, "ok")
    expect(batch, "good", 10, "ok")  # its file was read before any student code ran
    with open(batch["out"]) as handle:
        assert handle.readline().startswith(
            "submission,lesson,rnn_cell,total,max_total,status,reason"
        )


def test_killing_the_parent(batch):
    if "namespaces" in batch["rows"][FILENAMES["kills_parent"]].isolation:
        expect(
            batch, "kills_parent", 10, "ok", ""
        )  # its parent is outside its pid namespace: getppid() is 0
    elif DROPS:  # the child runs as nobody: the kill fails, the notebook goes on
        expect(batch, "kills_parent", 10, "ok", "cells with errors: 4 PermissionError")
    else:  # same user: the zygote dies, the job is retried alone, then reported
        expect(batch, "kills_parent", 0, "error", "the grading worker was killed")
    expect(
        batch, "kills_parent_static", 0, "tampering", "sends signals to other processes (os.kill)"
    )


def test_printing_passed_or_patching_the_checker_changes_nothing(batch):
    expect(batch, "prints_passed", 0, "ok", "ignores b_hh")
    expect(batch, "patches_torch", 0, "ok", "ignores b_hh")
    expect(
        batch, "patches_check", 0, "tampering", "changes the checker (rnn_course.exercises.check)"
    )


def test_delegating_to_torch_scores_zero(batch):
    expect(
        batch,
        "uses_rnncell",
        0,
        "ok",
        "must be written from scratch, but rnn_cell uses torch.nn.RNNCell",
    )
    expect(batch, "hidden_rnncell", 0, "ok", "calls torch's RNN modules")
    expect(batch, "guard_off", 0, "ok", "calls torch's RNN modules")  # the guard was restored
    expect(
        batch, "guard_patched", 0, "ok", "calls torch's RNN modules"
    )  # and the checker's modules
    # C calling C is invisible to the profiling hook; the child's TorchFunctionMode tripwire sees it
    expect(batch, "partial_kernel", 0, "ok", "calls torch's built-in RNN kernel (rnn_tanh_cell)")
    expect(batch, "kernel", 0, "tampering", "torch's internal RNN kernel")
    expect(batch, "reference", 0, "ok", "rnn_cell uses rnn_course.reference")


def test_delegating_where_the_guard_cannot_see_scores_zero(batch):
    scratch = "rnn_cell must be written from scratch, but it "
    expect(
        batch,
        "overrides_off",
        0,
        "ok",
        scratch + "switched off or changed torch's function overrides (DisableTorchFunction)",
    )
    expect(
        batch,
        "tripwire_popped",
        0,
        "ok",
        scratch + "switched off or changed torch's function overrides (TorchFunctionMode)",
    )
    expect(
        batch,
        "dispatch_mode",
        0,
        "ok",
        scratch + "runs its own code (__torch_dispatch__) inside a torch operation",
    )
    expect(
        batch, "custom_op", 0, "ok", scratch + "runs its own code (impl) inside a torch operation"
    )
    expect(batch, "copies_reference", 0, "ok", scratch + "calls rnn_course.reference")


def test_answers_that_run_code_when_read_score_zero(batch):
    """The answer is read as plain data while the guard still watches, so code that runs then is seen."""
    expect(batch, "lazy_subclass", 0, "ok", "rnn_cell must be written from scratch")
    expect(batch, "fake_tensor", 0, "ok", "calls torch's RNN modules")


def test_patching_or_forging_the_report_scores_zero(batch):
    expect(batch, "patches_reporting", 0, "ok", "calls torch's RNN modules")  # json was restored
    expect(
        batch, "patches_next_case", 0, "ok", "calls torch's RNN modules"
    )  # restored before every case
    expect(
        batch, "patches_from_del", 0, "ok", "calls torch's RNN modules"
    )  # no garbage collection then
    expect(
        batch, "audit_hook", 0, "ok", "calls torch's RNN modules"
    )  # the child refuses audit hooks
    expect(batch, "forges_report", 0, "error", "it sent a report the grader did not ask for")


def test_tampering_with_the_grader_scores_zero(batch):
    expect(batch, "frames", 0, "tampering", "sys._getframe")
    expect(batch, "grader_import", 0, "tampering", "imports the grader")
    assert "not graded: the notebook" in feedback(batch, "frames")


def test_magics_are_skipped_and_cell_errors_do_not_stop_the_notebook(batch):
    expect(batch, "magics", 10, "ok")
    expect(batch, "cell_errors", 10, "ok", "cells with errors: 3 ZeroDivisionError, 5 NameError")


def test_answers_known_in_advance_score_zero(batch):
    """The table fools the fixed cases of check() (shown first), never the grader's salted ones."""
    from rnn_course.exercises import check

    namespace = {"torch": __import__("torch")}
    exec(LOOKUP_TABLE, namespace)
    assert check("rnn_cell", namespace["rnn_cell"]).passed
    expect(
        batch, "lookup_table", 0, "ok", "rnn_cell: likely mistake: `h_next` is all zeros"
    )  # the table's blank


def test_feedback_never_shows_hidden_inputs(batch):
    for name in (
        "good",
        "wrong",
        "blank",
        "loop_fn",
        "memory_fn",
        "hidden_rnncell",
        "leaks_inputs",
        "leaks_in_type",
    ):
        text = feedback(batch, name) + row(batch, name)["reason"]
        assert "tensor(" not in text and "array(" not in text, name
        if name.startswith("leaks"):
            assert not re.search(r"\d\.\d", text), (name, text)
    expect(batch, "leaks_inputs", 0, "ok", "your function raised ValueError: <value>(")
    expect(batch, "leaks_in_type", 0, "ok", "`h_next` should be a torch.Tensor")


@pytest.mark.skipif("rnn_layer" not in exercise_ids(), reason="rnn_layer is not registered yet")
def test_another_lesson_blank(tmp_path):
    path = tmp_path / "02_unrolling.ipynb"
    path.write_text(
        notebook("def rnn_layer(*args):\n    raise NotImplementedError", lesson="02_unrolling")
    )
    rows = grade([path], limits=Limits(timeout=TIMEOUT))
    assert rows[0].results["rnn_layer"].status == "not attempted" and rows[0].total == 0


def test_a_killed_worker_is_restarted_and_only_the_killer_fails(tmp_path, monkeypatch):
    """Without the drop to nobody (a grader not running as root), a child can kill the zygote: the
    jobs in flight are retried one at a time with a fresh zygote; only the killer's row fails."""
    from rnn_course.grading import runner

    monkeypatch.setattr(runner, "sandbox_user", lambda: (None, None))
    (tmp_path / "a_good_01_rnn_cell.ipynb").write_text(CASES["good"])
    (tmp_path / "b_killer_01_rnn_cell.ipynb").write_text(
        lesson01(GOOD, "import os\ngetattr(os, 'ki' + 'll')(os.getppid(), 9)")
    )
    # In namespaces the zygote is out of a child's sight: the uid-and-rlimits fallback is tested here.
    rows = {
        r.submission.path.name: r
        for r in grade([tmp_path], limits=Limits(timeout=TIMEOUT, jobs=2, sandbox="basic"))
    }
    good, killer = rows["a_good_01_rnn_cell.ipynb"], rows["b_killer_01_rnn_cell.ipynb"]
    assert (good.total, good.status, good.reason) == (10, "ok", "")
    assert (killer.total, killer.status) == (
        0,
        "error",
    ) and "the grading worker was killed" in killer.reason


@pytest.mark.skipif(
    not DROPS, reason="only a grader running as root can give each child a user of its own"
)
def test_a_child_cannot_kill_the_other_submissions(tmp_path):
    """As root, each child runs as a user of its own: kill(-1, SIGKILL) reaches none of the others."""
    (tmp_path / "a_victim_01_rnn_cell.ipynb").write_text(
        lesson01(GOOD, "import time\ntime.sleep(2)")
    )
    (tmp_path / "b_killer_01_rnn_cell.ipynb").write_text(
        lesson01(
            GOOD,
            "import os, time\nkill = getattr(os, 'ki' + 'll')\nfor _ in range(30):\n"
            "    try:\n        kill(-1, 9)\n    except OSError:\n        pass\n    time.sleep(0.1)",
        )
    )
    rows = {
        r.submission.path.name: r
        for r in grade([tmp_path], limits=Limits(timeout=TIMEOUT * 2, jobs=2))
    }
    victim = rows["a_victim_01_rnn_cell.ipynb"]
    assert (victim.total, victim.status, victim.reason) == (10, "ok", "")
