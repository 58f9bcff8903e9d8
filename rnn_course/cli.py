"""The ``rnn-course`` command line: ``grade``, ``check`` and ``release``.

    rnn-course grade submissions/ --out gradebook.csv --jobs 2 --feedback feedback/
    rnn-course check 01_rnn_cell.ipynb
    rnn-course release [--check] [--no-execute] [LESSON ...]
    rnn-course site OUT [--with-solutions] [--jobs N]
"""

import argparse
import os
import sys


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="rnn-course", description="The RNN course: release lessons, check and grade notebooks.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    grade = commands.add_parser(
        "grade", help="grade submitted notebooks into a CSV gradebook",
        description="Grade submitted notebooks. Each runs in its own sandboxed process; the gradebook "
        "has one row per file: points per exercise, total, status (ok, timeout, memory, error, "
        "tampering, invalid-notebook, unknown-lesson) and a short reason. Exit status 0 whenever "
        "grading ran, whatever the scores.",
    )
    grade.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders searched recursively for *.ipynb")
    grade.add_argument("--out", required=True, help="the gradebook CSV to write (replaced atomically)")
    grade.add_argument("--jobs", type=_positive_int, default=1, help="submissions graded at the same time (default 1)")
    grade.add_argument("--timeout", type=_positive_float, default=120.0, help="wall-clock seconds per notebook (default 120)")
    grade.add_argument("--memory", type=_positive_int, default=1024, metavar="MB", help="memory per notebook beyond the preloaded libraries, in MB (default 1024)")
    grade.add_argument("--feedback", metavar="DIR", help="write one feedback file per submission in DIR")

    check = commands.add_parser(
        "check", help="run every exercise check of your notebook",
        description="Run your notebook's code and check every exercise it contains, as the grader "
        "would, and print the results.",
    )
    check.add_argument("notebook", metavar="NOTEBOOK")
    check.add_argument("--timeout", type=_positive_float, default=120.0, help="wall-clock seconds (default 120)")

    release = commands.add_parser(
        "release", help="build learner notebooks from the answer keys",
        description="Rebuild learner notebooks from notebooks/solutions/ and re-execute them.",
    )
    release.add_argument("--check", action="store_true", help="only verify that the learner notebooks are up to date")
    release.add_argument("--no-execute", action="store_true", help="do not execute the notebooks")
    release.add_argument("lessons", nargs="*", metavar="LESSON", help="lesson slugs (default: all)")
    _add_site_parser(commands)
    return parser


def _add_site_parser(commands):
    site = commands.add_parser(
        "site", help="build the course as a static website",
        description="Execute every learner notebook and write the course as static HTML pages in OUT, "
        "with the lesson map as index.html. The site works offline (MathJax is copied into it).",
    )
    site.add_argument("out", metavar="OUT", help="the folder to write the site into (created if missing)")
    site.add_argument("--notebooks", default="notebooks", metavar="DIR", help="the course's notebooks folder (default: notebooks)")
    site.add_argument("--with-solutions", action="store_true", help="publish the answer keys too, one page beside each lesson")
    site.add_argument("--jobs", type=_positive_int, default=1, help="notebooks executed at the same time (default 1)")
    site.add_argument("--timeout", type=_positive_float, default=600.0, help="seconds one cell may run (default 600)")


def _site(args, parser):
    from .site import SiteError, build_site

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"{args.out} exists and is not a folder")
    try:
        build_site(args.out, args.notebooks, with_solutions=args.with_solutions, jobs=args.jobs,
                   timeout=args.timeout, log=lambda line: print(line, file=sys.stderr))
    except SiteError as exc:
        print(f"rnn-course site: {exc}", file=sys.stderr)
        return 1
    print(f"open {os.path.join(args.out, 'index.html')} in a browser")
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "grade":
        return _grade(args, parser)
    if args.command == "check":
        return _check(args, parser)
    if args.command == "site":
        return _site(args, parser)
    return _release(args, parser)


def _progress_bar(stream):
    if not stream.isatty():
        return None

    def show(done, total, row):
        width = 30
        filled = width * done // max(total, 1)
        name = "" if row is None else os.path.basename(row.submission.name)[:40]
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name:<40}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def _grade(args, parser):
    from .grading import Limits, UsageError, grade

    out = os.path.abspath(args.out)
    if os.path.isdir(out):
        parser.error(f"--out {args.out} is a folder; give a file name")
    if not os.path.isdir(os.path.dirname(out)) or not os.access(os.path.dirname(out), os.W_OK):
        parser.error(f"--out {args.out}: the folder does not exist or is not writable")
    if args.feedback and os.path.exists(args.feedback) and not os.path.isdir(args.feedback):
        parser.error(f"--feedback {args.feedback} exists and is not a folder")
    limits = Limits(timeout=args.timeout, memory_mb=args.memory, jobs=args.jobs)
    try:
        rows = grade(args.paths, out=out, limits=limits, feedback=args.feedback, progress=_progress_bar(sys.stderr))
    except UsageError as exc:
        parser.error(str(exc))
    except RuntimeError as exc:  # the grading worker could not start: the environment, not a submission
        print(f"rnn-course grade: {exc}", file=sys.stderr)
        return 1
    counts = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"graded {len(rows)} submission{'s' if len(rows) != 1 else ''} ({summary}); gradebook: {args.out}")
    return 0


def _check(args, parser):
    from .grading import Limits, UsageError, grade
    from .grading.gradebook import feedback_text

    if not os.path.isfile(args.notebook):
        parser.error(f"no such notebook: {args.notebook}")
    try:
        rows = grade([args.notebook], limits=Limits(timeout=args.timeout, jobs=1))
    except UsageError as exc:
        parser.error(str(exc))
    print(feedback_text(rows[0]), end="")
    return 0


def _release(args, parser):
    try:
        from . import release
    except ImportError as exc:
        print(f"rnn-course release is not available: {exc}", file=sys.stderr)
        return 2
    argv = (["--check"] if args.check else []) + (["--no-execute"] if args.no_execute else []) + list(args.lessons)
    result = release.main(argv)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
