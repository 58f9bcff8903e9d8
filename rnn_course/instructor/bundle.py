"""The student bundle: what an instructor hands out or puts on a hub, without any answer key.

    rnn-course release --bundle rnn-course-student.zip

The zip holds ``notebooks/NN_slug.ipynb`` (the learner notebooks, as released), the package as a
wheel (``rnn_course-VERSION-py3-none-any.whl``, built from this checkout by setuptools) and a
one-page ``START.md``. Nothing from ``notebooks/solutions/`` goes in, and every notebook is checked
before it is added: one that is not a learner notebook, or that still holds a solution, hidden
tests or an answered prediction, stops the build (``BundleError``) and no zip is written.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]
_ANSWER_MARKS = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)|### PREDICTION")

START = """# The RNN course: start here

A hands-on course on recurrent neural networks with PyTorch, in {count} Jupyter notebooks. Each
exercise is followed by a one-line `check(...)` that tells you, in plain words, what looks wrong;
`hint(...)` gives hints one at a time.

## Set up (once)
With Python 3.11 or newer, in this folder:

```bash
python3 -m venv .venv
.venv/bin/pip install "torch>=2.2,<2.14" --index-url https://download.pytorch.org/whl/cpu
.venv/bin/pip install {wheel}
```

The first install line takes the small CPU build of PyTorch (the course needs no GPU); skip it if
your instructor's hub already has PyTorch. On Windows use `.venv\\Scripts\\pip` instead.

## Work
```bash
.venv/bin/jupyter lab notebooks/
```

Start with `00_welcome.ipynb` and go in order. Before you hand a notebook in, check it as the
grader will:

```bash
.venv/bin/rnn-course check notebooks/01_rnn_cell.ipynb
```

## Hand in
Hand in the notebook file itself (`01_rnn_cell.ipynb`), keeping the lesson's name in the file
name (for example `01_rnn_cell-yourname.ipynb`) unless your instructor says otherwise.

## The lessons
{lessons}
"""


class BundleError(Exception):
    """The bundle cannot be built safely (a missing or unreleased notebook, an answer inside)."""


def learner_problem(nb_json):
    """Why a notebook (parsed JSON) must not go to students, or None when it is a learner copy."""
    meta = nb_json.get("metadata", {}).get("rnn_course", {})
    if meta.get("kind") != "learner":
        return f"its metadata says kind={meta.get('kind')!r}, not 'learner'"
    cells = nb_json.get("cells", [])
    for index, cell in enumerate(cells):
        source = cell.get("source", "")
        mark = _ANSWER_MARKS.search("".join(source) if isinstance(source, list) else source)
        if mark:
            return f"cell {index} still holds {mark.group(0)!r}"
    for index, cell in enumerate(cells):
        if cell.get("outputs"):
            return f"cell {index} holds outputs"
    return None


def learner_notebooks(notebooks_dir):
    """The learner notebooks of every lesson in LESSONS, checked; BundleError names the first bad one."""
    paths = []
    for lesson in LESSONS:
        path = Path(notebooks_dir) / f"{lesson.slug}.ipynb"
        if not path.is_file():
            raise BundleError(f"{path} is missing; run `rnn-course release` first")
        problem = learner_problem(json.loads(path.read_text(encoding="utf-8")))
        if problem:
            raise BundleError(f"{path} is not a clean learner notebook: {problem}")
        paths.append(path)
    return paths


def build_wheel(folder):
    """Build this package's wheel into ``folder`` from a copy of the sources; returns its path."""
    with tempfile.TemporaryDirectory() as source:
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, source)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "rnn_course", Path(source) / "rnn_course", ignore=ignore)
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        command += ["--no-build-isolation", "--wheel-dir", str(folder), source]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise BundleError(f"building the wheel failed: {done.stderr.strip()[-500:]}")
    wheels = sorted(Path(folder).glob("rnn_course-*.whl"))
    if len(wheels) != 1:
        raise BundleError(f"expected one wheel in {folder}, found {len(wheels)}")
    return wheels[0]


def start_text(wheel_name):
    """START.md: set up, work, check, hand in, and the lesson list."""
    lessons = "\n".join(f"- `{lesson.slug}.ipynb`: {lesson.title}" for lesson in LESSONS)
    return START.format(count=len(LESSONS), wheel=wheel_name, lessons=lessons)


def build_bundle(out, notebooks_dir=None):
    """Write the student bundle zip to ``out`` (replaced atomically); returns the names inside."""
    notebooks = learner_notebooks(notebooks_dir or ROOT / "notebooks")
    out = Path(out)
    with tempfile.TemporaryDirectory() as work:
        wheel = build_wheel(work)
        temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        try:
            with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("START.md", start_text(wheel.name))
                archive.write(wheel, wheel.name)
                for path in notebooks:
                    archive.write(path, f"notebooks/{path.name}")
                names = archive.namelist()
            os.replace(temp, out)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    return names
