"""Each learner notebook executed once per test run, shared by every test (and xdist worker) that needs it.

``tests/test_learner_notebooks.py`` checks that every cell of a learner notebook runs, and the browser
test of the website (``tests/test_browser_site.py``) shows the same executed notebooks. Both ask
``executed_learner``: the first to ask executes the notebook with ``rnn_course.executor`` (the
executor ``rnn-course release`` and ``rnn-course site`` use) and stores the result in a folder that
all the run's workers share; a worker that asks while another runs it waits for that run under a
file lock instead of starting its own (``test_learner_notebooks.py`` runs a notebook nobody has
started in the meantime). The folder belongs to one run: a later run executes again.
"""

import fcntl
import os
from pathlib import Path

import nbformat

from rnn_course.executor import NotebookError, execute_notebook
from rnn_course.files import write_atomic

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CELL_TIMEOUT = 600  # seconds per cell, as `rnn-course site`
# The learner notebooks that take longest to run, longest first (--durations in a fresh-clone
# .ci/run, benchmarks/README.md). test_learner_notebooks.py takes them first; the website's test
# takes the others, shortest first, so the two meet at short lessons and neither waits long for
# the lesson the other is running.
SLOWEST = ["14_when_gating_helps", "16_attention", "15_encoder_decoder", "11_real_task"]
LEARNER_NOTEBOOKS = [f"{stem}.ipynb" for stem in SLOWEST] + sorted(
    p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if p.stem not in SLOWEST
)


def executed_dir(tmp_path_factory):
    """The run's folder of executed learner notebooks: shared by all xdist workers of this run."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # base is <run>/popen-gwN; <run> is this run's own
        base = base.parent
    folder = base / "executed-learner-notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def executed_learner(name, tmp_path_factory, wait=True):
    """The path of learner notebook ``name`` (e.g. "01_rnn_cell.ipynb") after one run top to bottom.

    Executes it unless this run already has. With ``wait=False``, returns None at once when another
    worker is executing it right now. Raises ``rnn_course.executor.NotebookError`` if a cell fails.
    """
    folder = executed_dir(tmp_path_factory)
    done = folder / name
    with open(folder / f"{name}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return None
        if not done.is_file():
            nb = nbformat.read(NOTEBOOKS / name, as_version=4)
            execute_notebook(nb, f"learner notebook {name}", NOTEBOOKS, CELL_TIMEOUT)
            write_atomic(done, nbformat.writes(nb))
    return done


def executed_learner_or_help(name, tmp_path_factory):
    """``executed_learner(name)``; while another worker is running ``name``, this one runs a learner
    notebook that nobody has started (the next in ``LEARNER_NOTEBOOKS`` order) instead of waiting
    idle behind it. ``test_learner_notebooks.py`` takes its notebooks this way."""
    while (done := executed_learner(name, tmp_path_factory, wait=False)) is None:
        if not _run_one_not_started(tmp_path_factory):
            return executed_learner(name, tmp_path_factory)  # nothing left to do but wait
    return done


def _run_one_not_started(tmp_path_factory):
    """Execute one learner notebook that has neither run nor started; False if none is left."""
    folder = executed_dir(tmp_path_factory)
    for name in LEARNER_NOTEBOOKS:
        if (folder / name).is_file():
            continue
        try:
            if executed_learner(name, tmp_path_factory, wait=False):
                return True
        except NotebookError:  # that notebook's own test runs it again and reports the error
            return True
    return False


def all_executed_learners(tmp_path_factory):
    """``executed_learner`` for every learner notebook; returns the folder that holds them all.

    The names are taken from the end of ``LEARNER_NOTEBOOKS``, skipping any that another worker is
    running right now (those are waited for at the end): ``test_learner_notebooks.py`` takes them
    from the start, so when both run at once they meet in the middle instead of one worker idling
    behind the other.
    """
    busy = [
        name
        for name in reversed(LEARNER_NOTEBOOKS)
        if executed_learner(name, tmp_path_factory, wait=False) is None
    ]
    for name in busy:
        executed_learner(name, tmp_path_factory)
    return executed_dir(tmp_path_factory)
