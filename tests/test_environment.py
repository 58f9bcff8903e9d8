"""environment.yml, pyproject.toml, README.md and .ci/run must agree with each other."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment_lines():
    return [line.strip() for line in (ROOT / "environment.yml").read_text().splitlines()]


def _requirement_name(requirement):
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def test_environment_uses_the_python_that_pyproject_allows():
    python_lines = [line for line in _environment_lines() if line.startswith("- python")]
    assert python_lines == ["- python=3.11"]
    assert _pyproject()["project"]["requires-python"] == ">=3.11"


def test_environment_installs_the_project_with_its_dev_extras_through_pip():
    lines = _environment_lines()
    assert "- pip" in lines
    assert '- -e ".[dev]"' in lines


def test_every_dependency_reaches_a_conda_user():
    """Conda installs nothing by itself here: each dependency must come through the pip section."""
    project = _pyproject()["project"]
    wanted = {_requirement_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    assert {"torch", "numpy", "matplotlib", "jupyterlab", "pytest", "nbval", "hypothesis"} <= wanted
    entries = [line for line in _environment_lines() if line.startswith("- ")]
    # conda itself installs only Python and pip; everything else comes from pyproject via pip,
    # so the two can never drift apart.
    assert entries == ["- conda-forge", "- python=3.11", "- pip", "- pip:", '- -e ".[dev]"']


def test_torch_is_capped_below_2_14():
    torch_requirements = [r for r in _pyproject()["project"]["dependencies"] if _requirement_name(r) == "torch"]
    assert torch_requirements == ["torch>=2.2,<2.14"]


def _code_blocks(markdown):
    return re.findall(r"```bash\n(.*?)```", markdown, flags=re.S)


def test_ci_runs_the_readme_install_and_test_commands():
    readme_commands = [line.strip() for block in _code_blocks((ROOT / "README.md").read_text()) for line in block.splitlines()]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    install = 'python3 -m venv .venv && .venv/bin/pip install -e ".[dev]"'
    test = "OMP_NUM_THREADS=1 .venv/bin/python -m pytest -n 2 --dist loadfile"
    assert install in readme_commands and test in readme_commands
    assert install.split(" && ")[0] in ci_lines and install.split(" && ")[1] in ci_lines
    assert test in ci_lines
