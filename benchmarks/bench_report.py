"""Check: on the 40-submission batch of bench_grade.py, the class report's top three mistakes are
the three planted ones (4 submissions each), and time the report.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_report.py [--jobs 2] [--keep DIR]

Grades the batch with ``rnn-course grade``, then runs ``rnn-course report``. It needs a grader that
writes ``gradebook.details.json`` beside the gradebook; with an older grader it says so and exits 2.
Exit status 0 when the top three are the planted mistakes with 4 each, 1 otherwise.
"""

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grade import MIX, make_notebook  # noqa: E402  (the same batch)

from rnn_course.cli import main as cli  # noqa: E402

PLANTED = Counter(kind for kind in MIX if kind not in ("correct", "blank"))


def write_batch(folder):
    for index, kind in enumerate(MIX):
        nb, _ = make_notebook(kind)
        path = folder / f"student{index:02d}" / "01_rnn_cell.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))


def run(work, jobs):
    write_batch(work / "submissions")
    gradebook = work / "gradebook.csv"
    started = time.monotonic()
    cli(["grade", str(work / "submissions"), "--out", str(gradebook), "--jobs", str(jobs)])
    graded = time.monotonic() - started
    if not (work / "gradebook.details.json").exists():
        print("the grader wrote no gradebook.details.json: this grader predates the class report")
        return 2
    started = time.monotonic()
    cli(["report", str(gradebook), "--out", str(work / "report.html")])
    reported = time.monotonic() - started
    summary = json.loads((work / "report.json").read_text())
    (exercise,) = summary["exercises"]
    top = [(m["mistake"], m["count"], m["message"]) for m in exercise["mistakes"][:3]]
    print(f"graded {len(MIX)} in {graded:.1f} s; report in {reported:.1f} s")
    print(f"planted: {dict(PLANTED)}")
    for mistake, count, message in top:
        print(f"  {count} x {mistake}: {message}")
    ok = len(top) == 3 and all(count == 4 for _, count, _ in top)
    print("top three = the planted mistakes, 4 each" if ok else "MISMATCH")
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run(args.keep, args.jobs)
    with tempfile.TemporaryDirectory() as work:
        return run(Path(work), args.jobs)


if __name__ == "__main__":
    sys.exit(main())
