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
  environment, and (when the grader runs as root) as a user of its own in ``nobody``'s group (as
  ``nobody`` where a user namespace maps no such user) with RLIMIT_NPROC 0: it cannot
  signal the grader or the other submissions, write the instructor's files, fork or start threads.
* The notebook's own ``check(...)`` cells do nothing while grading and ``Exercise.cases`` raises in
  the child: the zygote never made a hidden case, so no expected answer exists in a student process.
* The from-scratch guard runs inside the child, from references taken before student code ran; the
  checker's modules, classes, functions, ``builtins`` and ``sys`` hooks, and the modules the child
  reports with (json, struct, io, numpy's .npz writer, ``torch.Tensor``...), are restored from
  snapshots before every case, as are torch's mode stacks and function-override state, signal
  handlers, timers and gc callbacks; the cyclic garbage collector is off once the cells ran and the
  child refuses audit hooks, so no learner's code runs inside the checker's. While a from-scratch
  exercise runs, a TorchFunctionMode tripwire also notes torch's RNN kernels reached C-to-C
  (``functools.partial``/``map`` around ``torch.rnn_tanh_cell``), which the guard's profiling hook
  cannot see; switching overrides off, popping the tripwire, a ``__torch_dispatch__`` handler or
  the learner's code run inside a torch op (a custom op) count as tampering, and a byte-for-byte
  copy of a reference function (``exec`` of its source) as calling the reference. The answer is
  read as plain data while the guard still watches (a tensor subclass cannot compute it later).
  Every report must carry a token sent with the hidden inputs, so a frame written blindly to the
  socket is refused. A static scan (``scan.py``) zeroes submissions that reach for the grader's
  or checker's internals and exercises that name torch's RNN modules.
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
  that reads the report token from the child's memory (gc, frames, /proc/self/mem) or reads the
  hidden inputs from the socket during the cells, and then writes a forged report, can get past the
  guard; the scan zeroes raw file descriptors, sockets, /proc, frames, gc and ctypes, but obfuscated
  code may evade a static scan. Likewise a kernel reached C-to-C from inside a C slot while torch's
  overrides are off with no Python call in between, or reached through a path torch exposes that
  neither hook sees, is not noticed; and a reference copy edited before it is run is code the
  learner "wrote".
* The salt is a hash of the file's bytes: a notebook that reproduces its own bytes (a quine) could
  compute its hidden inputs, and torch's answers, during its cells, outside the guard.
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
