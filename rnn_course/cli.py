"""The ``rnn-course`` command line: ``grade``, ``check``, ``release`` and ``site``.

rnn-course grade submissions/ --out gradebook.csv --jobs 2 --feedback feedback/
rnn-course check 01_rnn_cell.ipynb
rnn-course release [--check] [--no-execute] [--timeout S] [--notebooks DIR] [LESSON ...]
rnn-course site OUT [--with-solutions] [--jobs N]
"""

import argparse
import os
import sys


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


EXIT_OK, EXIT_FAILED, EXIT_ENVIRONMENT, EXIT_USAGE = 0, 1, 3, 2
SANDBOX_HELP = (
    "auto (default): the strongest isolation this machine offers, with a warning naming what is "
    "weaker; strict: refuse to grade unless namespaces, cgroups and a user per child are all available"
)


def build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="rnn-course", description="The RNN course: release lessons, check and grade notebooks."
    )
    parser.add_argument("--version", action="version", version=f"rnn-course {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    grade = commands.add_parser(
        "grade",
        help="grade submitted notebooks into a CSV gradebook",
        description="Grade submitted notebooks. Each runs in its own sandboxed process; the gradebook "
        "has one row per file: lesson, points per exercise, total, max_total, status (ok, not-attempted, "
        "timeout, memory, error, tampering, invalid-notebook, unknown-lesson) and a short reason; its "
        "first row gives each exercise's maximum points. Exit status: 0 whenever grading ran, whatever "
        "the scores; 2 for a usage error (nothing graded); 3 when the sandbox or the grading worker "
        "could not start (nothing graded).",
    )
    grade.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="notebooks, or folders searched recursively for *.ipynb",
    )
    grade.add_argument(
        "--out", required=True, help="the gradebook CSV to write (replaced atomically)"
    )
    grade.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        help="submissions graded at the same time (default 1)",
    )
    grade.add_argument(
        "--timeout",
        type=_positive_float,
        default=120.0,
        help="wall-clock seconds per notebook (default 120)",
    )
    grade.add_argument(
        "--memory",
        type=_positive_int,
        default=1024,
        metavar="MB",
        help="memory per notebook beyond the preloaded libraries, in MB (default 1024)",
    )
    grade.add_argument(
        "--feedback", metavar="DIR", help="write one feedback file per submission in DIR"
    )
    grade.add_argument("--sandbox", choices=("auto", "strict"), default="auto", help=SANDBOX_HELP)
    grade.set_defaults(command_parser=grade)

    check = commands.add_parser(
        "check",
        help="run every exercise check of your notebook",
        description="Run your notebook's code and check every exercise it contains, as the grader "
        "would, and print the results. Exit status: 0 when every exercise passed; 1 when one failed, "
        "was not attempted, or the notebook could not be graded; 2 for a usage error; 3 when the "
        "grading worker could not start.",
    )
    check.add_argument("notebook", metavar="NOTEBOOK")
    check.add_argument(
        "--timeout",
        type=_positive_float,
        default=120.0,
        help="wall-clock seconds for running the notebook (default 120; starting the worker, "
        "which imports torch, is not counted)",
    )
    check.add_argument("--sandbox", choices=("auto", "strict"), default="auto", help=SANDBOX_HELP)
    check.set_defaults(command_parser=check)

    from .release import DESCRIPTION, add_arguments  # nbformat and nbclient load only when run

    release = commands.add_parser(
        "release", help="build learner notebooks from the answer keys", description=DESCRIPTION
    )
    add_arguments(release)
    _add_site_parser(commands)
    return parser


def _add_site_parser(commands):
    site = commands.add_parser(
        "site",
        help="build the course as a static website",
        description="Execute every learner notebook and write the course as static HTML pages in OUT, "
        "with the lesson map as index.html. The site works offline (MathJax is copied into it).",
    )
    site.add_argument(
        "out", metavar="OUT", help="the folder to write the site into (created if missing)"
    )
    site.add_argument(
        "--notebooks",
        default="notebooks",
        metavar="DIR",
        help="the course's notebooks folder (default: notebooks)",
    )
    site.add_argument(
        "--with-solutions",
        action="store_true",
        help="publish the answer keys too, one page beside each lesson",
    )
    site.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        help="notebooks executed at the same time (default 1)",
    )
    site.add_argument(
        "--timeout",
        type=_positive_float,
        default=600.0,
        help="seconds one cell may run (default 600)",
    )


def _site(args, parser):
    from .site import SiteError, build_site

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"{args.out} exists and is not a folder")
    try:
        build_site(
            args.out,
            args.notebooks,
            with_solutions=args.with_solutions,
            jobs=args.jobs,
            timeout=args.timeout,
            log=lambda line: print(line, file=sys.stderr),
        )
    except SiteError as exc:
        print(f"rnn-course site: {exc}", file=sys.stderr)
        return 1
    print(f"open {os.path.join(args.out, 'index.html')} in a browser")
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "grade":  # errors show the command's own usage line
        return _grade(args, args.command_parser)
    if args.command == "check":
        return _check(args, args.command_parser)
    if args.command == "site":
        return _site(args, parser)
    return _release(args, parser)


def _progress(stream, every=5, seconds=10.0):
    """A progress bar on a terminal; elsewhere (a log, CI) a line every few submissions or seconds."""
    import time

    if stream.isatty():

        def show(done, total, row):
            width = 30
            filled = width * done // max(total, 1)
            name = "" if row is None else os.path.basename(row.submission.name)[:40]
            stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name:<40}")
            if done >= total:
                stream.write("\n")
            stream.flush()

        return show
    last = {"count": -every, "time": 0.0}

    def log(done, total, row):
        now = time.monotonic()
        if done >= total or done - last["count"] >= every or now - last["time"] >= seconds:
            last["count"], last["time"] = done, now
            stream.write(f"graded {done}/{total}\n")
            stream.flush()

    return log


def _notice(text):
    print(f"rnn-course: {text}", file=sys.stderr)


def _check_paths(parser, paths):
    """Path errors before anything slow is imported."""
    for path in paths:
        if not os.path.exists(path):
            parser.error(f"no such file or folder: {path}")


def _grade(args, parser):
    out = os.path.abspath(args.out)
    if os.path.isdir(out):
        parser.error(f"--out {args.out} is a folder; give a file name")
    if not os.path.isdir(os.path.dirname(out)) or not os.access(os.path.dirname(out), os.W_OK):
        parser.error(f"--out {args.out}: the folder does not exist or is not writable")
    if args.feedback and os.path.exists(args.feedback) and not os.path.isdir(args.feedback):
        parser.error(f"--feedback {args.feedback} exists and is not a folder")
    _check_paths(parser, args.paths)
    from .grading import UsageError, check_outputs, discover

    try:
        check_outputs(out, args.feedback)
        if not discover(args.paths):
            parser.error("no submissions found (*.ipynb)")
    except UsageError as exc:
        parser.error(str(exc))
    from .grading import grade
    from .grading.runner import Limits

    limits = Limits(
        timeout=args.timeout, memory_mb=args.memory, jobs=args.jobs, sandbox=args.sandbox
    )
    try:
        rows = grade(
            args.paths,
            out=out,
            limits=limits,
            feedback=args.feedback,
            progress=_progress(sys.stderr),
            notice=_notice,
        )
    except UsageError as exc:
        parser.error(str(exc))
    except (
        RuntimeError
    ) as exc:  # the sandbox or the grading worker: the environment, not a submission
        print(f"rnn-course grade: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    counts = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(
        f"graded {len(rows)} submission{'s' if len(rows) != 1 else ''} ({summary}); gradebook: {args.out}"
    )
    return EXIT_OK


def _check(args, parser):
    if not os.path.isfile(args.notebook):
        parser.error(f"no such notebook: {args.notebook}")
    from .grading import UsageError, grade
    from .grading.gradebook import feedback_text
    from .grading.runner import Limits

    try:
        rows = grade(
            [args.notebook],
            limits=Limits(timeout=args.timeout, jobs=1, sandbox=args.sandbox),
            notice=_quiet_notice,
        )
    except UsageError as exc:
        parser.error(str(exc))
    except RuntimeError as exc:
        print(f"rnn-course check: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    row = rows[0]
    print(feedback_text(row), end="")
    passed = row.status == "ok" and all(r.passed for r in row.results.values())
    return EXIT_OK if passed else EXIT_FAILED


def _quiet_notice(text):
    """``check`` is a learner's tool: the isolation in force matters to a grader, not to them."""


def _release(args, parser):
    from . import release

    return release.run(args)


if __name__ == "__main__":
    sys.exit(main())
