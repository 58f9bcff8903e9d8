"""Every learner notebook runs top to bottom as released, and an untouched exercise says so.

A learner notebook ships without outputs (``rnn-course release``), so there is nothing to compare:
what matters is that Run All works on it and that each check cell right after an untouched exercise
(``raise NotImplementedError``) reports "not attempted" instead of failing or passing. Answer keys
are compared output by output by nbval (``addopts`` in pyproject.toml); the root ``conftest.py``
keeps nbval off the learner notebooks, which run here once and are then shared with the website's
browser test (``executed_notebooks.py``).
"""

import nbformat
import pytest
from executed_notebooks import LEARNER_NOTEBOOKS, executed_learner_or_help


def _text(cell):
    """Everything a code cell showed, as text (streams, plain text and HTML)."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


@pytest.mark.parametrize("name", LEARNER_NOTEBOOKS)
def test_learner_notebook_runs_and_untouched_exercises_are_not_attempted(name, tmp_path_factory):
    nb = nbformat.read(executed_learner_or_help(name, tmp_path_factory), as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    skipped = [i for i, c in enumerate(code) if c.source.strip() and c.execution_count is None]
    assert not skipped, f"{name}: code cells {skipped} did not run"
    errors = [i for i, c in enumerate(code) if any(o.output_type == "error" for o in c.outputs)]
    assert not errors, f"{name}: code cells {errors} raised"
    for exercise, check in zip(code, code[1:]):
        if "raise NotImplementedError" in exercise.source and check.source.startswith("check("):
            assert "not attempted" in _text(check), (
                f"{name}: {check.source.strip()!r} after an untouched exercise shows "
                f"{_text(check)[:200]!r}, not 'not attempted'"
            )
