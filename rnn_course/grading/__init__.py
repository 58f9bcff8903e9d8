"""The grader: ``rnn-course grade`` and ``rnn-course check``.

    from rnn_course.grading import grade, Limits
    rows = grade(["submissions/"], out="gradebook.csv", limits=Limits(timeout=60, jobs=2))

The promise: a graded function can only call what the allowlist names, and nothing else from your
notebook runs while it is graded.

Modules, by job:

* ``notebook``: find and read every submission (bytes, JSON, the cells' shape) and tell its lesson.
* ``allowlist``: the one table of what a graded function may reach, the AST walk that enforces it,
  and the extraction of an exercise's function, helpers and literal constants from the notebook.
* ``programs``: per submission, the Program each exercise runs, or why it has none; flags.
* ``worker``: the zygote (imports torch once, ``gc.freeze()``, forks) and the child, which enters
  the sandbox, compiles only the Programs in globals holding only the allowlisted modules and
  builtins, runs them on the hidden inputs and sends back plain data.
* ``protocol``: the frames between child and grader, typed and validated once (sizes, counts).
* ``sandbox``: what each child can and cannot reach (namespaces, cgroups, users, rlimits).
* ``scheduler``: the zygote's lifetime and the event loop over jobs (start, read, timer, stop).
* ``runner``: triage, the hidden inputs, and judging what each child sent into its row.
* ``verdict``: from what the grader observed to a row (pure functions).
* ``sanitize``: the one sanitiser for every learner-controlled string.
* ``gradebook``: CSV, the details sidecar and feedback files, each written on its own, atomically.

What a child can reach, and what the grader promises, is in ``docs/security.md``.
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
    if name in ("Limits", "SandboxUnavailable"):
        from . import scheduler

        return getattr(scheduler, name)
    if name in ("Graded", "grade_submissions"):
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


def _relative(path, roots):
    """A submission's name relative to the folder graded (the first given path that holds it)."""
    absolute = os.path.abspath(path)
    for root in roots:
        root = os.path.abspath(root)
        if os.path.isdir(root) and absolute.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(absolute, root)
    return os.path.basename(absolute)


def grade(paths, out=None, limits=None, feedback=None, progress=None, notice=None, workers=None):
    """Grade every notebook under ``paths``; write the gradebook to ``out`` and feedback to the
    folder ``feedback`` when given; return the Graded rows (sorted by submission). ``notice(text)``
    receives the isolation in force and any warning about it. ``workers`` (``scheduler.Workers``)
    shares one zygote between runs (tests, benchmarks); by default one is started and closed here."""
    from .gradebook import UnsafeOutput, write_details, write_feedback, write_gradebook
    from .runner import Limits, grade_submissions
    from .scheduler import Workers

    check_outputs(out, feedback)
    own = workers is None
    workers = workers or Workers()  # the zygote imports torch while the notebooks are read
    try:
        files = discover(paths)
        if not files:
            raise UsageError("no submissions found (*.ipynb)")
        secret = secret_for(out)
        submissions = [read_submission(path, secret=secret) for path in files]
        rows = grade_submissions(submissions, limits or Limits(), progress, notice, workers)
    finally:
        if own:
            workers.close()
    rows.sort(key=lambda row: row.submission.name)
    try:
        if out is not None:
            write_gradebook(rows, out)
            write_details(rows, out, lambda row: _relative(row.submission.path, paths))
        if feedback is not None:
            write_feedback(rows, feedback)
    except UnsafeOutput as exc:
        raise UsageError(str(exc)) from None
    return rows
