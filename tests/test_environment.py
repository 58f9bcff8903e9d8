"""README.md, ./course, .ci/run, pyproject.toml and the conda files must agree with each other."""

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ["python3 -m venv .venv", '.venv/bin/pip install --no-compile -e ".[dev]"']
TEST = "OMP_NUM_THREADS=1 .venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder"


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda_lines(name="environment.yml"):
    lines = [line.split("#", 1)[0].strip() for line in (ROOT / name).read_text().splitlines()]
    return [line for line in lines if line]


def _requirement_name(requirement):
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def _torch_requirement():
    torch = [r for r in _pyproject()["project"]["dependencies"] if _requirement_name(r) == "torch"]
    assert len(torch) == 1
    return torch[0]


def _readme():
    return (ROOT / "README.md").read_text()


def _readme_commands():
    blocks = re.findall(r"```bash\n(.*?)```", _readme(), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


# --- pyproject and the conda files ---------------------------------------------------------------


def test_torch_is_capped_below_2_14():
    assert _torch_requirement() == "torch>=2.2,<2.14"


def test_environment_uses_the_python_that_pyproject_allows():
    for name in ("environment.yml", "environment-cpu.yml"):
        assert [line for line in _conda_lines(name) if line.startswith("- python")] == [
            "- python=3.11"
        ]
    assert _pyproject()["project"]["requires-python"] == ">=3.11"


def test_every_dependency_reaches_a_conda_user_through_pip():
    """environment.yml installs only Python and pip; everything else comes from pyproject, so they never drift."""
    project = _pyproject()["project"]
    wanted = {
        _requirement_name(r)
        for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    }
    assert {
        "torch",
        "numpy",
        "matplotlib",
        "jupyterlab",
        "pytest",
        "nbval",
        "hypothesis",
        "playwright",
    } <= wanted
    assert _conda_lines() == [
        "name: rnn-course",
        "channels:",
        "- conda-forge",
        "dependencies:",
        "- python=3.11",
        "- pip",
        "- pip:",
        '- -e ".[dev]"',
    ]


def test_the_cpu_environment_takes_conda_forges_cpu_pytorch_with_the_same_cap():
    lines = _conda_lines("environment-cpu.yml")
    low, high = re.fullmatch(r"torch>=([\d.]+),<([\d.]+)", _torch_requirement()).groups()
    assert f"- pytorch[version='>={low},<{high}', build='cpu_*']" in lines
    assert lines[-2:] == ["- pip:", '- -e ".[dev]"'] and "- conda-forge" in lines


def test_dev_extras_include_what_the_site_needs():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert "jupyter-server-mathjax" in {_requirement_name(r) for r in extras["site"]}
    assert "rnn-course[site]" in extras["dev"]


# --- README, ./course and .ci/run ------------------------------------------------------------------


def test_readme_gives_the_two_commands_and_ci_runs_the_second():
    commands = _readme_commands()
    assert "./course lab" in commands and "./course test" in commands
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "./course test" in ci


def test_course_runs_the_readme_install_and_test_commands_by_hand():
    commands = _readme_commands()
    assert all(step in commands for step in INSTALL) and TEST in commands
    script = (ROOT / "course").read_text()
    assert (
        '"$PYTHON" -m venv .venv' in script
        and '.venv/bin/python -m pip install --no-compile -e ".[dev]"' in script
    )
    assert (
        "export OMP_NUM_THREADS=1" in script
        and "exec .venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder" in script
    )
    assert os.access(ROOT / "course", os.X_OK) and os.access(ROOT / ".ci" / "run", os.X_OK)


def test_readme_shows_no_bare_venv_program():
    """Every command block runs from the clone: venv programs by path (or after activating)."""
    for command in _readme_commands():
        first = command.split()[0] if "=" not in command.split()[0] else command.split()[1]
        assert first not in {"rnn-course", "jupyter", "pytest", "pip"}, (
            f"bare venv program in README: {command}"
        )


def test_readme_covers_root_conda_activation_windows_and_tested_versions():
    readme = _readme()
    assert "--allow-root" in readme
    assert "conda activate rnn-course" in readme and "conda activate rnn-course-cpu" in readme
    assert ".venv\\Scripts\\" in readme
    tested = re.search(r"\*\*Tested\*\*(.*?)\n\n", readme, flags=re.S).group(1)
    assert "Python 3.11" in tested  # the lowest version requires-python allows is tested


# --- ./course itself, with a stand-in Python -------------------------------------------------------

FAKE_PYTHON = """#!/bin/sh
# stands in for python3 and .venv/bin/python: logs what it was asked, makes .venv like venv would
echo "$0 $*" >> "$LOG"
case "$*" in
  "-c "*) exit "${TOO_OLD:-0}" ;;
  "--version") echo "Python 3.FAKE" ;;
  "-m venv .venv") mkdir -p .venv/bin && cp "$0" .venv/bin/python ;;
esac
"""


@pytest.fixture
def clone(tmp_path):
    for name in ("course", "pyproject.toml"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    (tmp_path / "course").chmod(0o755)
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return tmp_path


def _course(clone, *args, **env):
    environment = dict(os.environ, PYTHON=str(clone / "fake-python"), LOG=str(clone / "log"), **env)
    result = subprocess.run(
        ["sh", "./course", *args],
        cwd=clone,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    log = (clone / "log").read_text() if (clone / "log").exists() else ""
    (clone / "log").unlink(missing_ok=True)
    return result, log


def test_course_setup_installs_once_and_again_only_when_pyproject_changes(clone):
    result, log = _course(clone, "setup")
    assert result.returncode == 0, result.stderr
    assert "-m venv .venv" in log and "-m pip install --no-compile -e .[dev]" in log
    result, log = _course(clone, "setup")
    assert result.returncode == 0 and "pip install" not in log and "venv" not in log
    (clone / "pyproject.toml").write_text((clone / "pyproject.toml").read_text() + "\n# changed\n")
    result, log = _course(clone, "setup")
    assert (
        "-m pip install --no-compile -e .[dev]" in log and "-m venv" not in log
    )  # the venv is kept, pip runs again


def test_course_refuses_a_python_older_than_3_11_and_says_how_to_pick_one(clone):
    result, _ = _course(clone, "setup", TOO_OLD="1")
    assert result.returncode == 1
    assert (
        "needs Python 3.11 or newer" in result.stderr
        and "PYTHON=python3.12 ./course setup" in result.stderr
    )
    assert not (clone / ".venv").exists()


def test_course_without_a_command_prints_its_usage(clone):
    result, _ = _course(clone)
    assert result.returncode == 2 and "./course lab | ./course test" in result.stderr


def test_the_workers_schedule_names_test_files_that_exist():
    """``tests/conftest.py`` orders (``LONG_FIRST``) and groups (``SAME_WORKER``) test files by path;
    a renamed or removed file would lose its place without a word."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tests_conftest", ROOT / "tests" / "conftest.py")
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    named = [*settings.LONG_FIRST, *settings.SAME_WORKER]
    assert named and not [path for path in named if not (ROOT / path).is_file()]
    assert set(settings.SAME_WORKER) <= set(settings.LONG_FIRST)
