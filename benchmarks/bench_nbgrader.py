"""Benchmark: the same 40 lesson-01 answers graded by ``rnn-course grade`` and by ``nbgrader autograde``.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_nbgrader.py [--count 40] [--jobs 2]

nbgrader is not a dependency of the course: install it into the venv you run this with
(``.venv/bin/pip install nbgrader``). Both graders run side by side in this one run, each as its
own command (start-up included): ``rnn-course grade --jobs 2`` on the submissions of
``bench_grade.py``, and ``nbgrader autograde`` on the same function bodies in an nbgrader
assignment (a solution cell and a test cell that asserts ``check("rnn_cell", rnn_cell).passed``).
An untimed ``rnn-course grade`` of one notebook comes first (as nbgrader's ``generate_assignment``
does for nbgrader): a fresh ``--no-compile`` venv compiles torch's bytecode on its first import.
Prints the wall time, the rate of each, their ratio, each command's CPU time (its own and the
processes it waited for: the zygote and its children, nbgrader's kernels) and the load average;
writes them to benchmarks/results/bench_nbgrader.json (git-ignored). Not a test: timings depend
on the machine.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_grade import BODIES, MIX, SIGNATURE, make_notebook  # noqa: E402

SOLUTION = {"grade": False, "solution": True, "locked": False, "schema_version": 3}
TEST = {"grade": True, "solution": False, "locked": True, "points": 10, "schema_version": 3}
SETUP = "import torch\nfrom rnn_course.exercises import check"
TEST_SOURCE = 'assert check("rnn_cell", rnn_cell).passed'


def nbgrader_notebook(body):
    nb = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell(SETUP)
    solution = nbformat.v4.new_code_cell(SIGNATURE + body)
    solution.metadata["nbgrader"] = dict(SOLUTION, grade_id="rnn_cell")
    test = nbformat.v4.new_code_cell(TEST_SOURCE)
    test.metadata["nbgrader"] = dict(TEST, grade_id="test_rnn_cell")
    nb.cells = [setup, solution, test]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _children_cpu_s():
    """CPU seconds (user + system) of the processes this one has waited for, and theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, cwd, env):
    """(wall seconds, CPU seconds of the command and every process it waited for, exit status)."""
    cpu = _children_cpu_s()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return wall, _children_cpu_s() - cpu, done.returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    bin_dir = Path(sys.executable).parent  # nbgrader runs alembic from the venv's bin
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT), PATH=path)
    base = Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    kinds = [MIX[i % len(MIX)] for i in range(args.count)]

    ours = base / "ours"
    ours.mkdir()
    for i, kind in enumerate(kinds):
        nbformat.write(make_notebook(kind)[0], str(ours / f"student{i:03d}_01_rnn_cell.ipynb"))
    course = base / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    nbformat.write(
        nbgrader_notebook(BODIES["correct"]), str(course / "source" / "ps1" / "rnn.ipynb")
    )
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = %r\nc.Exchange.root = %r\n"
        % (str(course), str(base / "exchange"))
    )
    nbgrader = [str(bin_dir / "nbgrader")]
    timed(nbgrader + ["generate_assignment", "ps1", "--force"], course, env)
    for i, kind in enumerate(kinds):
        folder = course / "submitted" / f"student{i:03d}" / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(nbgrader_notebook(BODIES[kind]), str(folder / "rnn.ipynb"))

    grade = [str(bin_dir / "rnn-course"), "grade", str(ours), "--out", str(base / "gradebook.csv")]
    # Untimed, like nbgrader's generate_assignment above: the first import of torch in a fresh
    # --no-compile venv compiles its bytecode, which no later run pays.
    warm = base / "warm"
    warm.mkdir()
    nbformat.write(make_notebook("correct")[0], str(warm / "warm_01_rnn_cell.ipynb"))
    timed([grade[0], "grade", str(warm), "--out", str(warm / "gradebook.csv")], base, env)
    load_before = os.getloadavg()[0]
    ours_s, ours_cpu, ours_rc = timed(grade + ["--jobs", str(args.jobs)], base, env)
    load_ours = os.getloadavg()[0]
    theirs_s, theirs_cpu, theirs_rc = timed(
        nbgrader + ["autograde", "ps1", "--create"], course, env
    )
    load_theirs = os.getloadavg()[0]
    results = {
        "submissions": args.count,
        "jobs": args.jobs,
        "cpus": os.cpu_count(),
        "load_average_before": round(load_before, 2),
        "rnn_course_wall_s": round(ours_s, 1),
        "rnn_course_per_minute": round(60 * args.count / ours_s, 1),
        "rnn_course_exit": ours_rc,
        "load_average_after_rnn_course": round(load_ours, 2),
        "nbgrader_wall_s": round(theirs_s, 1),
        "nbgrader_per_minute": round(60 * args.count / theirs_s, 1),
        "nbgrader_exit": theirs_rc,
        "load_average_after_nbgrader": round(load_theirs, 2),
        "ratio_rnn_course_over_nbgrader": round(theirs_s / ours_s, 1),
        # CPU of each command and the processes it waited for (the zygote, nbgrader's kernels...):
        # less sensitive to a shared machine's load than the wall times
        "rnn_course_cpu_s": round(ours_cpu, 1),
        "nbgrader_cpu_s": round(theirs_cpu, 1),
        "cpu_ratio_nbgrader_over_rnn_course": round(theirs_cpu / ours_cpu, 1) if ours_cpu else None,
    }
    for key, value in results.items():
        print(f"{key:40} {value}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_nbgrader.json").write_text(json.dumps(results, indent=2) + "\n")
    if ours_rc == 0 and theirs_rc == 0:
        shutil.rmtree(base, ignore_errors=True)
        return 0
    print(f"kept for a look: {base}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
