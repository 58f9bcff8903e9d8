"""The grader: ``rnn-course grade`` and ``rnn-course check``.

    from rnn_course.grading import grade, Limits
    rows = grade(["submissions/"], out="gradebook.csv", limits=Limits(timeout=60, jobs=2))

Modules: ``notebook`` (find, read and validate submissions; tell their lesson), ``scan`` (static
checks), ``sandbox`` (what each child can and cannot reach: namespaces, cgroups, users, and the
fallback where they are missing), ``worker`` (the zygote and the sandboxed child), ``runner``
(scheduling, limits, judging), ``gradebook`` (CSV and feedback files, written safely).

Security model (every submission is untrusted code):

* The grader reads every file into memory first, makes the hidden cases and torch's answers itself,
  and judges in its own process. A student's process only ever receives its own code and, after its
  cells ran, the hidden inputs; it sends back plain data (JSON + ``.npz``, loaded with
  ``allow_pickle=False``), size-capped and validated. Expected answers never leave the grader, so
  patching ``torch.allclose``, the checker or ``check`` in a notebook, or printing "passed", changes
  nothing. Only the grader writes the gradebook (atomically, ``os.replace``) and feedback.
* Each submission runs in its own process forked from a zygote (started with ``python -I`` in ``/``)
  that imported torch once; as root on Linux the child enters new namespaces, cgroups and a root of
  its own (``sandbox.py`` says exactly what it can reach). Then, in its own
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
* The salt is a hash of a secret and the file's bytes; the secret (``RNN_COURSE_GRADING_SECRET``, or
  one kept 0600 beside the gradebook) never reaches a child, so a notebook cannot rebuild its cases.
* While a from-scratch exercise meets its hidden cases, torch's recurrent kernels raise at the
  dispatcher and TorchScript cannot run (``guard.KernelDenial``, ``guard.block_torchscript``);
  violations go to the grader as they happen over a write-only pipe, and a pipe closed without the
  child's token-bearing end line counts as tampering.
"""

import os
import secrets as _secrets
import stat as _stat

from .notebook import SECRET_VARIABLE, UsageError, discover, read_submission

__all__ = [
    "Graded",
    "Limits",
    "UsageError",
    "grade",
    "discover",
    "read_submission",
    "grade_submissions",
    "secret_for",
    "SandboxUnavailable",
]


def __getattr__(name):  # the runner imports torch: only when grading really starts
    if name in ("Graded", "Limits", "grade_submissions", "SandboxUnavailable"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(name)


def secret_for(out):
    """The grading secret: RNN_COURSE_GRADING_SECRET when set; else the one kept beside the gradebook
    in ``<out>.secret`` (mode 0600, made on the first run), so that re-runs meet the same hidden
    cases; a fresh random one when there is no gradebook. Never passed to a student's process."""
    if os.environ.get(SECRET_VARIABLE):
        return os.environ[SECRET_VARIABLE]
    if out is None:
        return _secrets.token_hex(32)
    path = f"{out}.secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        fd = None
    if fd is not None:
        secret = _secrets.token_hex(32)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret + "\n")
        return secret
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise UsageError(f"cannot read the grading secret {path} ({exc.strerror})") from None
    with os.fdopen(fd) as handle:
        info = os.fstat(handle.fileno())
        if not _stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            raise UsageError(
                f"the grading secret {path} is not a private file of yours (mode 0600); remove it "
                "to start afresh (new hidden cases) or fix its owner and mode"
            )
        secret = handle.read(4096).strip()
    if not secret:
        raise UsageError(f"the grading secret {path} is empty")
    return secret


def check_outputs(out=None, feedback=None):
    """Refuse, before anything is graded, outputs the grader should not write (UsageError)."""
    from .gradebook import UnsafeOutput, check_output_folder

    try:
        if out is not None:
            out = os.path.abspath(out)
            if os.path.isdir(out) or os.path.islink(out):
                raise UnsafeOutput(f"--out {out} is a folder or a link; give a file name")
            check_output_folder(os.path.dirname(out))
        if feedback is not None:
            feedback = os.path.abspath(feedback)
            if os.path.lexists(feedback) and (
                os.path.islink(feedback) or not os.path.isdir(feedback)
            ):
                raise UnsafeOutput(f"--feedback {feedback} exists and is not a folder")
            check_output_folder(os.path.dirname(feedback), "--feedback")
    except UnsafeOutput as exc:
        raise UsageError(str(exc)) from None


def grade(paths, out=None, limits=None, feedback=None, progress=None, notice=None):
    """Grade every notebook under ``paths``; write the gradebook to ``out`` and feedback to the
    folder ``feedback`` when given; return the Graded rows (sorted by submission). ``notice(text)``
    receives the isolation in force and any warning about it."""
    from .gradebook import UnsafeOutput, write_feedback, write_gradebook
    from .runner import Limits, grade_submissions

    check_outputs(out, feedback)
    files = discover(paths)
    if not files:
        raise UsageError("no submissions found (*.ipynb)")
    secret = secret_for(out)
    submissions = [
        read_submission(path, secret=secret) for path in files
    ]  # every file, before any student code
    rows = grade_submissions(submissions, limits or Limits(), progress, notice)
    rows.sort(key=lambda row: row.submission.name)
    try:
        if out is not None:
            write_gradebook(rows, out)
        if feedback is not None:
            write_feedback(rows, feedback)
    except UnsafeOutput as exc:
        raise UsageError(str(exc)) from None
    return rows
