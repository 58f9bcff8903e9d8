"""The grader: ``rnn-course grade`` and ``rnn-course check``.

    from rnn_course.grading import grade, Limits
    rows = grade(["submissions/"], out="gradebook.csv", limits=Limits(timeout=60, jobs=2))

Modules: ``notebook`` (find, read and validate submissions; tell their lesson), ``scan`` (static
checks), ``worker`` (the zygote and the sandboxed child), ``runner`` (scheduling, limits, judging),
``gradebook`` (CSV and feedback files).

Security model (every submission is untrusted code):

* The grader reads every file into memory first, makes the hidden cases and torch's answers itself,
  and judges in its own process. A student's process only ever receives its own code and, after its
  cells ran, the hidden inputs; it sends back plain data (JSON + ``.npz``, loaded with
  ``allow_pickle=False``), size-capped and validated. Expected answers never leave the grader, so
  patching ``torch.allclose``, the checker or ``check`` in a notebook, or printing "passed", changes
  nothing. Only the grader writes the gradebook (atomically, ``os.replace``) and feedback.
* Each submission runs in its own process forked from a zygote that imported torch once, in its own
  session (killed as a group at the end or at the wall-clock limit), with RLIMIT_AS, RLIMIT_CPU,
  RLIMIT_FSIZE, no core files, a fresh temp folder, stdin/stdout/stderr on /dev/null, a trimmed
  environment, and (when the grader runs as root) as ``nobody`` with RLIMIT_NPROC 0: it cannot
  signal the grader, write the instructor's files, fork or start threads.
* The notebook's own ``check(...)`` cells do nothing while grading and ``Exercise.cases`` raises in
  the child: the zygote never made a hidden case, so no expected answer exists in a student process.
* The from-scratch guard runs inside the child, from references taken before student code ran; the
  checker's modules, classes, functions, ``builtins`` and ``sys`` hooks are restored from snapshots
  before each exercise is called. While a from-scratch exercise runs, a TorchFunctionMode tripwire
  also notes torch's RNN kernels reached C-to-C (``functools.partial``/``map`` around
  ``torch.rnn_tanh_cell``), which the guard's profiling hook cannot see. A static scan (``scan.py``)
  zeroes submissions that reach for the grader's or checker's internals and exercises that name
  torch's RNN modules.
* The zygote imports torch, numpy, matplotlib, the course package and (when ``nobody`` cannot read
  the Python installation, e.g. pyenv under /root) the standard library, and runs the library paths
  lessons use once (warm-up), so a child running as ``nobody`` does not need to read them from disk.

Known limits:

* Not root: the child runs as the instructor's user. It cannot be stopped from signalling the grader
  or writing files that user can write (the scan zeroes the obvious ways; the gradebook is still
  written atomically from memory, and a killed zygote is restarted and its jobs retried once), and
  RLIMIT_NPROC 0 only blocks new processes and threads for that child.
* As ``nobody`` the child can still read world-readable files (keep submissions in a private folder),
  and it can fill the disk of the temp folder with many files under RLIMIT_FSIZE each.
* Where ``nobody`` cannot read the Python installation, a module that neither the zygote nor its
  warm-up imported cannot be imported by a submission (the cell fails with ImportError, listed in
  the gradebook's reason as "cells with errors"). All answer keys run clean on this setup.
* The exercise function runs in the same process as the code that reports its outcomes. A function
  that writes a forged report straight to its socket can get past the guard; the scan zeroes raw file
  descriptors, sockets, /proc, frames, gc and ctypes, but obfuscated code may evade a static scan.
* The hidden inputs are generated from seeds in the package source, so they are not secret from a
  student who reads that source; expected answers are never sent, but could be recomputed.
"""

from .notebook import UsageError, discover, read_submission
from .runner import Graded, Limits, grade_submissions

__all__ = ["Graded", "Limits", "UsageError", "grade", "discover", "read_submission", "grade_submissions"]


def grade(paths, out=None, limits=None, feedback=None, progress=None):
    """Grade every notebook under ``paths``; write the gradebook to ``out`` and feedback to the
    folder ``feedback`` when given; return the Graded rows (sorted by submission)."""
    from .gradebook import write_feedback, write_gradebook

    files = discover(paths)
    if not files:
        raise UsageError("no submissions found (*.ipynb)")
    submissions = [read_submission(path) for path in files]  # every file, before any student code
    rows = grade_submissions(submissions, limits or Limits(), progress)
    rows.sort(key=lambda row: row.submission.name)
    if out is not None:
        write_gradebook(rows, out)
    if feedback is not None:
        write_feedback(rows, feedback)
    return rows
