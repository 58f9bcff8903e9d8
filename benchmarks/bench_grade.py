"""Benchmark: grade 40 lesson-01 submissions with --jobs 2 and report throughput and memory.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_grade.py [--count 40] [--jobs 2] [--keep DIR]
        [--sandbox auto|basic] [--compare N] [--lesson SLUG] [--preimport]

Per child it reports each phase's median: ``isolate_ms`` (fork to sandbox entered), ``load_ms``
(compiling the exercise's Program), ``run_ms`` (the hidden cases), as the child reports them, and
the child's whole wall time by the grader's clock. For the grader itself, its CPU time per phase
(``GraderPhases``); ``--preimport`` does the imports (torch, the exercises, torch's first optimizer)
before the clock, so that ``grader_cpu_s`` is the per-submission work and the event loop only.

``--sandbox auto`` (default) grades with the full sandbox (namespaces, cgroups, a user per child
where the machine offers them); ``basic`` with the uid-and-rlimits fallback only. ``--compare N``
runs both N times, alternating, and reports medians and their ratio: the cost of isolation per child.

The 40 submissions (correct, wrong in several catalogued ways, blank) are generated from
notebooks/01_rnn_cell.ipynb when it exists, else from a minimal lesson-01-like notebook (setup,
a few demo cells, a figure, the exercise, its check, and cells that use nn.RNNCell afterwards).
``--lesson SLUG`` (another lesson) grades copies of that lesson's answer key instead, each expected
to score full marks: the cost of a lesson's children against lesson 01's.
Prints the numbers and writes them to benchmarks/results/bench_grade.json (git-ignored).
Not a test: timings depend on the machine.
"""

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SIGNATURE = "def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
BODIES = {
    "correct": "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)\n",
    "no_b_hh": "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T)\n",
    "no_tanh": "    return x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh\n",
    "untransposed": "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh + bias_hh)\n",
    "blank": "    # YOUR CODE HERE\n    raise NotImplementedError\n",
}
MIX = ["correct"] * 20 + ["no_b_hh", "no_tanh", "untransposed"] * 4 + ["blank"] * 8  # 40

MINIMAL = [
    ("markdown", "# Lesson 1: the RNN cell\n\nLearning objectives: ..."),
    (
        "code",
        "import torch\nfrom torch import nn\nimport matplotlib.pyplot as plt\n"
        "from rnn_course.exercises import check, hint\ntorch.manual_seed(0)",
    ),
    (
        "code",
        "x = torch.randn(3, 4)\nW = torch.randn(5, 4)\nassert (x @ W.T).shape == (3, 5)\nprint((x @ W.T).shape)",
    ),
    (
        "code",
        "h = torch.zeros(3, 5)\nfor t in range(4):\n    h = torch.tanh(x @ W.T + h @ torch.eye(5))\nprint(h.abs().max().item() <= 1)",
    ),
    (
        "code",
        "fig, ax = plt.subplots(figsize=(6, 3), dpi=80)\nz = torch.linspace(-4, 4, 200)\n"
        "ax.plot(z, torch.tanh(z))\nax.set_title('tanh')\nplt.show()",
    ),
    (
        "code",
        SIGNATURE + '    """One step. x: (N, H_in), h: (N, H) -> h_next: (N, H)."""\n' + "{body}",
    ),
    ("code", 'check("rnn_cell", rnn_cell)'),
    (
        "code",
        "cell = nn.RNNCell(4, 5)\nout = cell(x, torch.zeros(3, 5))\nassert out.shape == (3, 5)\nprint(out.shape)",
    ),
    ("markdown", "## Summary\n..."),
]


def make_notebook(kind):
    body = BODIES[kind]
    lesson = ROOT / "notebooks" / "01_rnn_cell.ipynb"
    if lesson.exists():
        nb = nbformat.read(str(lesson), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and SIGNATURE.strip() in cell.source:
                cell.source = SIGNATURE + body
        return nb, "notebooks/01_rnn_cell.ipynb"
    nb = nbformat.v4.new_notebook()
    for cell_type, source in MINIMAL:
        if cell_type == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source.replace("{body}", body)))
    nb.metadata["rnn_course"] = {"lesson": "01_rnn_cell", "kind": "learner"}
    return nb, "minimal lesson-01-like notebook"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--keep", help="write the submissions here instead of a temp folder")
    parser.add_argument("--sandbox", choices=("auto", "basic"), default="auto")
    parser.add_argument("--lesson", default="01_rnn_cell", help="grade copies of its answer key")
    parser.add_argument(
        "--compare", type=int, default=0, metavar="N", help="run auto and basic N times each"
    )
    parser.add_argument(
        "--preimport",
        action="store_true",
        help="import torch, the exercises and torch's first optimizer before the clock starts, so "
        "that the grader's CPU is its per-submission work only",
    )
    args = parser.parse_args(argv)
    if args.preimport:
        preimport()
    if args.compare:
        return compare(args)
    return report(run_once(args), "bench_grade.json")


def preimport():
    import torch

    import rnn_course.exercises  # noqa: F401
    import rnn_course.grading.gradebook  # noqa: F401
    import rnn_course.grading.runner  # noqa: F401

    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)  # imports torch._dynamo


def report(results, name):
    """Print ``results`` and keep them in benchmarks/results/NAME; 1 if any score was unexpected."""
    for key, value in results.items():
        print(f"{key:50} {value}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if not results["unexpected_scores"] else 1


def compare(args):
    """Both sandboxes, alternating, ``args.compare`` times each: medians and ratios."""
    import statistics

    runs = {"auto": [], "basic": []}
    for _ in range(args.compare):
        for mode in ("basic", "auto"):
            args.sandbox = mode
            runs[mode].append(run_once(args))
            print(
                mode,
                {
                    k: runs[mode][-1][k]
                    for k in (
                        "wall_s",
                        "submissions_per_minute",
                        "steady_state_submissions_per_minute",
                        "child_isolate_ms_median",
                        "load_average_1min_after",
                    )
                },
                flush=True,
            )
    summary = {"isolation": runs["auto"][0]["isolation"], "runs_each": args.compare}
    for key in (
        "submissions_per_minute",
        "steady_state_submissions_per_minute",
        "child_isolate_ms_median",
        "load_average_1min_after",
    ):
        for mode in runs:
            values = [r[key] for r in runs[mode] if r[key] is not None]
            summary[f"{key}_{mode}_median"] = (
                round(statistics.median(values), 1) if values else None
            )
    a, b = (
        summary["steady_state_submissions_per_minute_auto_median"],
        summary["steady_state_submissions_per_minute_basic_median"],
    )
    summary["steady_state_ratio_auto_over_basic"] = round(a / b, 2) if a and b else None
    summary["isolation_cost_per_child_s"] = (
        round(60 / a - 60 / b, 3) if a and b else None
    )  # with --jobs parallel slots
    summary["unexpected_scores"] = sum(r["unexpected_scores"] for rs in runs.values() for r in rs)
    return report(summary, "bench_grade_compare.json")


PHASES = ("isolate_ms", "load_ms", "run_ms", "cpu_ms")  # sandbox, compiling, the cases; CPU


def _median(values):
    values = sorted(v for v in values if v is not None)
    return round(values[len(values) // 2], 1) if values else None


def _cpu_s():
    """This process's CPU seconds so far (user + system), the zygote and children aside."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class GraderPhases:
    """The grader's own CPU time (this process, user + system) per phase, by wrapping the function
    that does each: reading a notebook, triage (extraction and the allowlist), making the hidden
    cases and torch's answers, encoding a child's inputs, judging a child's outcomes, writing."""

    def __init__(self):
        import rnn_course.grading as grading
        from rnn_course.grading import gradebook, runner

        self.cpu, self._originals = {}, []
        self._wrap(grading, "read_submission", "read")
        self._wrap(runner, "_row", "triage")
        self._wrap(runner.Inputs, "for_exercises", "cases")
        self._wrap(runner.Inputs, "frame", "inputs_frame")
        self._wrap(runner, "_conclude", "judge")
        for name in ("write_gradebook", "write_details", "write_feedback"):
            self._wrap(gradebook, name, "write")

    def _wrap(self, owner, name, phase):
        original = getattr(owner, name)
        self.cpu.setdefault(phase, [])

        def timed(*args, **kwargs):
            before = time.process_time()  # finer than getrusage's ticks for calls of a millisecond
            try:
                return original(*args, **kwargs)
            finally:
                self.cpu[phase].append(time.process_time() - before)

        setattr(owner, name, timed)
        self._originals.append((owner, name, original))

    def restore(self):
        for owner, name, original in self._originals:
            setattr(owner, name, original)

    def report(self, submissions, total_cpu_s):
        out = {}
        for phase, values in self.cpu.items():
            out[f"grader_{phase}_cpu_s"] = round(sum(values), 3)
            out[f"grader_{phase}_cpu_ms_per_submission"] = round(
                1000 * sum(values) / submissions, 1
            )
        out["grader_other_cpu_s"] = round(total_cpu_s - sum(map(sum, self.cpu.values())), 3)
        return out


def run_once(args):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from rnn_course.grading import grade
    from rnn_course.grading.scheduler import Limits, Workers

    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-grade-"))
    folder.mkdir(parents=True, exist_ok=True)
    lesson = getattr(args, "lesson", "01_rnn_cell")
    if lesson == "01_rnn_cell":
        kinds = [MIX[i % len(MIX)] for i in range(args.count)]
        for i, kind in enumerate(kinds):
            nb, source = make_notebook(kind)
            nbformat.write(nb, str(folder / f"student{i:03d}_01_rnn_cell.ipynb"))
    else:  # copies of the answer key, a cell apart so that each has its own salt
        kinds, source = ["correct"] * args.count, f"notebooks/solutions/{lesson}.ipynb"
        for i in range(args.count):
            nb = nbformat.read(str(ROOT / source), as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell(f"student = {i}"))
            nbformat.write(nb, str(folder / f"student{i:03d}_{lesson}.ipynb"))

    finished = []
    load_before = round(os.getloadavg()[0], 2)
    cpu_before = _cpu_s()
    start = time.perf_counter()
    workers = Workers()  # as grade() does: the zygote starts first, then the grader imports torch
    phases = GraderPhases()  # imports the runner (torch, the exercises): the grader's start-up
    import_cpu_s = _cpu_s() - cpu_before

    def progress(done, total, row):
        if row is not None:
            finished.append(time.perf_counter())

    notices = []
    try:
        rows = grade(
            [folder],
            out=folder / "gradebook.csv",
            limits=Limits(timeout=args.timeout, jobs=args.jobs, sandbox=args.sandbox),
            progress=progress,
            notice=notices.append,
            workers=workers,
            feedback=folder / "feedback",
        )
    finally:
        workers.close()
        phases.restore()
    wall = time.perf_counter() - start
    grader_cpu_s = _cpu_s() - cpu_before
    # A child's CPU: its first process's (wait4) plus, in a pid namespace, its process 1's own report
    # (an upper bound: when process 1 ended before the grader's kill, wait4 already counted it).
    cpus = [r.cpu_ms + (r.phases.get("cpu_ms") or 0) for r in rows if r.cpu_ms is not None]
    children = sum(1 for r in rows if r.seconds)
    # CPU per submission: its child's (wait4) plus its share of the grader's own (reading, making
    # cases, judging, writing). An estimate of the rate on idle cores, not a measurement.
    per_sub_cpu_s = (sum(cpus) / 1000 * children / max(len(cpus), 1) + grader_cpu_s) / len(rows)

    wrong_scores = [
        r for r, k in zip(rows, kinds) if r.total != (r.max_total if k == "correct" else 0)
    ]
    steady = (
        (finished[-1] - finished[0]) / (len(finished) - 1) if len(finished) > 1 else float("nan")
    )
    peaks = [r.peak_rss_kb for r in rows if r.peak_rss_kb]
    privates = [r.private_kb for r in rows if r.private_kb]
    zygote = next((r.zygote_rss_kb for r in rows if r.zygote_rss_kb), None)
    isolate = sorted(r.phases["isolate_ms"] for r in rows if r.phases.get("isolate_ms") is not None)
    results = {
        "isolation": notices[0] if notices else None,
        "lesson": lesson,
        "submissions": len(rows),
        "children": children,
        "load_average_1min_before": load_before,
        "source": source,
        "jobs": args.jobs,
        "cpus": os.cpu_count(),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
        "running_as_root": os.geteuid() == 0,
        "wall_s": round(wall, 2),
        "submissions_per_minute": round(60 * len(rows) / wall, 1),
        "steady_state_submissions_per_minute": round(60 / steady, 1) if steady == steady else None,
        "zygote_startup_and_first_result_s": round(finished[0] - start, 2) if finished else None,
        "child_peak_rss_mb_max": round(max(peaks) / 1024, 1) if peaks else None,
        "child_peak_rss_mb_mean": round(sum(peaks) / len(peaks) / 1024, 1) if peaks else None,
        "zygote_rss_mb": round(zygote / 1024, 1) if zygote else None,
        "child_private_mb_at_end_max": round(max(privates) / 1024, 1) if privates else None,
        "child_private_mb_at_end_mean": round(sum(privates) / len(privates) / 1024, 1)
        if privates
        else None,
        "grader_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "child_isolate_ms_median": round(isolate[len(isolate) // 2], 1) if isolate else None,
        **{f"child_{k}_median": _median(r.phases.get(k) for r in rows) for k in PHASES},
        "child_wall_ms_median_by_grader": _median(1000 * r.seconds for r in rows if r.seconds),
        "child_first_process_cpu_ms_median": _median(r.cpu_ms for r in rows),
        "child_cpu_ms_total_median": _median(cpus),  # an upper bound: see ``cpus`` above
        "children_with_cpu_report": len(cpus),
        "grader_cpu_s": round(grader_cpu_s, 2),
        "grader_import_cpu_s": round(import_cpu_s, 2),
        **phases.report(len(rows), grader_cpu_s - import_cpu_s),
        "grader_cpu_ms_per_submission_after_imports": round(
            1000 * (grader_cpu_s - import_cpu_s) / len(rows), 1
        ),
        "cpu_s_per_submission": round(per_sub_cpu_s, 3),
        "idle_cores_estimate_per_minute": round(60 * args.jobs / per_sub_cpu_s, 1),
        "statuses": {s: sum(r.status == s for r in rows) for s in sorted({r.status for r in rows})},
        "unexpected_scores": len(wrong_scores),
        "python": platform.python_version(),
    }
    return results


if __name__ == "__main__":
    sys.exit(main())
