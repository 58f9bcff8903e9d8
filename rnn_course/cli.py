"""The ``rnn-course`` command line: ``grade``, ``check``, ``release``, ``site``, ``report``,
``gradescope`` and ``slides``.

rnn-course grade submissions/ --out gradebook.csv --jobs 2 --feedback feedback/
rnn-course check 01_rnn_cell.ipynb
rnn-course release [--check] [--no-execute] [--timeout S] [--notebooks DIR] [LESSON ...]
rnn-course site OUT [--with-solutions] [--jobs N]

For instructors (rnn_course/instructor/, docs/instructors.md):
rnn-course release --bundle OUT.zip | --nbgrader OUT [LESSON ...]
rnn-course grade ... [--student-id REGEX | --roster CSV] [--format canvas]
rnn-course report GRADEBOOK --out report.html [--names]
rnn-course gradescope LESSON --out autograder.zip
rnn-course slides OUT
"""

import argparse
import os
import sys

from .allowlist import PROMISE


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
        description=f"Grade submitted notebooks. The promise: {PROMISE}. Each submission's "
        "functions run in their own sandboxed process; the gradebook has one row per file: "
        "lesson, points per exercise, total, max_total, status (ok, not-attempted, "
        "timeout, memory, error, invalid-notebook, unknown-lesson) and a short reason; its "
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
        help="wall-clock seconds per submission, all its exercise functions together (default 120)",
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
    _add_roster_options(grade)
    grade.set_defaults(command_parser=grade)

    check = commands.add_parser(
        "check",
        help="run every exercise check of your notebook",
        description="Check every exercise function in your notebook as the grader would: only the "
        "exercise's function, the helpers it calls and its literal constants are taken out and run "
        "on hidden inputs (the notebook's other cells do not run), and print the results. Exit "
        "status: 0 when every exercise passed; 1 when one failed, "
        "was not attempted, or the notebook could not be graded; 2 for a usage error; 3 when the "
        "grading worker could not start.",
    )
    check.add_argument("notebook", metavar="NOTEBOOK")
    check.add_argument(
        "--timeout",
        type=_positive_float,
        default=120.0,
        help="wall-clock seconds for running your exercise functions (default 120; starting the "
        "worker, which imports torch, is not counted)",
    )
    check.add_argument("--sandbox", choices=("auto", "strict"), default="auto", help=SANDBOX_HELP)
    check.set_defaults(command_parser=check)

    from .release import DESCRIPTION, add_arguments  # nbformat and nbclient load only when run

    release = commands.add_parser(
        "release", help="build learner notebooks from the answer keys", description=DESCRIPTION
    )
    add_arguments(release)
    _add_instructor_release_options(release)
    _add_site_parser(commands)
    _add_instructor_parsers(commands)
    _add_report_parser(commands)
    _add_slides_parser(commands)
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


def _add_instructor_release_options(release):
    """``release --bundle`` and ``release --nbgrader``: what an instructor hands out or grades with."""
    release.add_argument(
        "--bundle",
        metavar="OUT.zip",
        help="instead of releasing, write the student bundle: learner notebooks, the package as a "
        "wheel and START.md, no answer keys",
    )
    release.add_argument(
        "--nbgrader",
        metavar="OUT",
        help="instead of releasing, write the answer keys as nbgrader source notebooks in "
        "OUT/source/LESSON/, for every lesson with a graded exercise (or the LESSONs given)",
    )


def _add_roster_options(grade):
    """``grade --student-id REGEX | --roster CSV [--format canvas]``: who handed in each file."""
    who = grade.add_mutually_exclusive_group()
    who.add_argument(
        "--student-id",
        metavar="REGEX",
        help="read each student's id from the submission's name (its path in the folder): the "
        "group named 'student', else the first group, else the match; adds a 'student' column",
    )
    who.add_argument(
        "--roster",
        metavar="CSV",
        help="a CSV with the columns 'file' (a submission's name or file name) and 'student'; "
        "adds a 'student' column",
    )
    grade.add_argument(
        "--format",
        choices=("csv", "canvas"),
        default="csv",
        help="canvas: also write NAME.canvas.csv beside the gradebook, in the columns Canvas's "
        "gradebook import reads (needs --student-id or --roster)",
    )


def _roster_source(args, parser):
    """The compiled pattern and the roster from ``grade``'s options, checked before grading."""
    from .instructor.roster import RosterError, compile_pattern, read_roster

    if args.format == "canvas" and not (args.student_id or args.roster):
        parser.error("--format canvas needs --student-id or --roster")
    try:
        pattern = compile_pattern(args.student_id) if args.student_id else None
        roster = read_roster(args.roster) if args.roster else None
    except RosterError as exc:
        parser.error(str(exc))
    return pattern, roster


def _write_students(args, out, pattern, roster):
    """Add the student column to the gradebook and write Canvas's file when asked."""
    from .grading.gradebook import write_atomic
    from .instructor.roster import canvas_path, canvas_text, with_student_column

    with open(out, encoding="utf-8") as handle:
        text, unknown = with_student_column(handle.read(), pattern, roster)
    write_atomic(out, text)
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        _notice(f"no student id for {len(unknown)} submission(s): {shown}")
    if args.format == "canvas":
        write_atomic(canvas_path(out), canvas_text(text, roster))
        print(f"Canvas import file: {canvas_path(out)}")


def _add_instructor_parsers(commands):
    """``gradescope``: the commands an instructor runs around grading."""
    gradescope = commands.add_parser(
        "gradescope",
        help="build Gradescope's autograder zip for one lesson",
        description="Write the zip Gradescope's autograder expects: setup.sh installs the course "
        "with the CPU build of PyTorch; run_autograder grades the submitted notebook with the same "
        "grader and limits as `rnn-course grade` and writes results.json, a test per exercise.",
    )
    gradescope.add_argument("lesson", metavar="LESSON", help="the lesson slug, e.g. 01_rnn_cell")
    gradescope.add_argument("--out", required=True, help="the zip to write (autograder.zip)")
    gradescope.add_argument(
        "--timeout",
        type=_positive_float,
        default=120.0,
        help="wall-clock seconds per submission, all its exercise functions together (default 120)",
    )
    gradescope.add_argument(
        "--memory",
        type=_positive_int,
        default=1024,
        metavar="MB",
        help="as for grade (default 1024)",
    )


def _add_report_parser(commands):
    report = commands.add_parser(
        "report",
        help="a class report (HTML and JSON) from a grading run",
        description="Read the details the grader keeps beside the gradebook (GRADEBOOK.details.json) "
        "and write one self-contained HTML page (and the same numbers as JSON beside it): per "
        "exercise the points, the pass rate and the most frequent named mistakes with the message "
        "students saw; statuses and flags; time per submission. No student is named unless --names.",
    )
    report.add_argument(
        "gradebook", metavar="GRADEBOOK", help="the gradebook CSV (or its details JSON)"
    )
    report.add_argument(
        "--out", required=True, help="the HTML file to write; the JSON goes beside it"
    )
    report.add_argument("--names", action="store_true", help="add a table naming every submission")


def _add_slides_parser(commands):
    slides = commands.add_parser(
        "slides",
        help="every lesson as slides, for projecting in class",
        description="Render every lesson's answer key, as the learner sees it, as slides in OUT "
        "(OUT/NN_slug.slides.html): a slide per section, each prediction a pause before its answer. "
        "The slides work offline; arrow keys, space or a click move on.",
    )
    slides.add_argument("out", metavar="OUT", help="the folder to write the slides into")


def _slides(args, parser):
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"{args.out} exists and is not a folder")
    from .instructor.slides import build_slides

    pages = build_slides(args.out, log=lambda line: None)
    print(f"wrote {len(pages)} slide decks in {args.out}; open {pages[0]} in a browser")
    return 0


def _report(args, parser):
    from .instructor.report import ReportError, write_report

    try:
        write_report(args.gradebook, args.out, names=args.names)
    except ReportError as exc:
        print(f"rnn-course report: {exc}", file=sys.stderr)
        return 1
    json_out = os.path.splitext(args.out)[0] + ".json"
    print(f"wrote {args.out} and {json_out}")
    return 0


def _gradescope(args, parser):
    from .instructor.bundle import BundleError
    from .instructor.gradescope import GradescopeError, build_autograder

    try:
        build_autograder(args.lesson, args.out, timeout=args.timeout, memory_mb=args.memory)
    except (GradescopeError, BundleError) as exc:
        print(f"rnn-course gradescope: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: upload it as the assignment's autograder on Gradescope")
    return 0


def _release_for_instructors(args, parser):
    """``--bundle`` or ``--nbgrader``; None when neither was asked for."""
    if args.bundle and args.nbgrader:
        parser.error("--bundle and --nbgrader are separate runs; give one")
    if (args.bundle or args.nbgrader) and (args.check or args.no_execute):
        parser.error("--check and --no-execute do not apply to --bundle or --nbgrader")
    if args.bundle:
        if args.lessons:
            parser.error("--bundle holds every lesson; give no LESSON")
        from .instructor.bundle import BundleError, build_bundle

        try:
            names = build_bundle(args.bundle)
        except BundleError as exc:
            print(f"rnn-course release --bundle: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {args.bundle} ({len(names)} files): hand it out; students open START.md")
        return 0
    if args.nbgrader:
        from .instructor.nbgrader_export import NbgraderError, export_course

        try:
            written = export_course(args.nbgrader, args.lessons)
        except NbgraderError as exc:
            print(f"rnn-course release --nbgrader: {exc}", file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}")
        return 0
    return None


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
    if args.command == "gradescope":
        return _gradescope(args, parser)
    if args.command == "report":
        return _report(args, parser)
    if args.command == "slides":
        return _slides(args, parser)
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
    pattern, roster = _roster_source(args, parser)
    from .grading import UsageError, check_outputs, discover

    try:
        check_outputs(out, args.feedback)
        if not discover(args.paths):
            parser.error("no submissions found (*.ipynb)")
    except UsageError as exc:
        parser.error(str(exc))
    from .grading import grade
    from .grading.scheduler import Limits

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
    if pattern is not None or roster is not None:
        _write_students(args, out, pattern, roster)
    print(
        f"graded {len(rows)} submission{'s' if len(rows) != 1 else ''} ({summary}); gradebook: {args.out}"
    )
    return EXIT_OK


def _check(args, parser):
    if not os.path.isfile(args.notebook):
        parser.error(f"no such notebook: {args.notebook}")
    from .grading import UsageError, grade
    from .grading.gradebook import feedback_text
    from .grading.scheduler import Limits

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
    instructor = _release_for_instructors(args, parser)
    if instructor is not None:
        return instructor
    from . import release

    return release.run(args)


if __name__ == "__main__":
    sys.exit(main())
