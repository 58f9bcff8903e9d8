"""Time every notebook (answer key and learner version) in a fresh kernel, as a learner would run it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_notebooks.py [--repeat 3]

Prints one line per notebook: the median wall time over the repeats, kernel start included.
Budgets (issues #4 and #5): lessons 00-06 under 15 s, 07-11 under 60 s on 2 cores.
"""

import argparse
import os
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def run_once(path):
    """Seconds to execute the notebook at ``path`` top to bottom in a new kernel."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    ).execute()
    return time.perf_counter() - start


def budget(path):
    return 15 if int(path.name[:2]) <= 6 else 60


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    paths = sorted(NOTEBOOKS.glob("solutions/[0-9][0-9]_*.ipynb")) + sorted(
        NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
    )
    print(f"{'notebook':<48} {'median s':>8} {'budget s':>8}")
    for path in paths:
        median = statistics.median(run_once(path) for _ in range(args.repeat))
        flag = "" if median < budget(path) else "  OVER BUDGET"
        print(
            f"{str(path.relative_to(ROOT)):<48} {median:8.1f} {budget(path):8d}{flag}", flush=True
        )


if __name__ == "__main__":
    main()
