"""Shared pytest settings: hypothesis profiles tuned for a 2-core CI machine, headless figures, and
how ``./course test`` (``pytest -n 2 --dist loadfile``) shares the test files between its workers."""

import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")  # tests draw figures without a screen; set before any test imports pyplot

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Test files that must run on the same xdist worker, by the name of their shared unit of work. Both
# files run every lesson in the pytest process (``lesson_runner.run_lesson``, cached per process),
# so on one worker each lesson runs once instead of once per worker.
SAME_WORKER = {
    "tests/test_question_sizes.py": "tests/lessons_in_process",
    "tests/test_exercise_leaks.py": "tests/lessons_in_process",
}


# The longest test files, started first (longest first) so that none starts last and leaves one worker
# idle at the end; measured with --durations=0 in a fresh-clone .ci/run (benchmarks/README.md). The
# website's test and test_learner_notebooks.py run at the same time on the two workers and share
# the learner notebooks' executions (executed_notebooks.py: they meet in the middle).
LONG_FIRST = [
    "tests/test_browser_site.py",
    "tests/test_learner_notebooks.py",
    # mostly waiting on nbgrader's commands, one at a time: beside the notebooks, not at the end
    "tests/test_instructor_nbgrader.py",
    "tests/test_exercise_leaks.py",
    "tests/test_question_sizes.py",
    "tests/test_exercise_contract.py",
    "tests/test_attempts.py",
    "tests/test_browser_lab.py",
    "tests/test_browser_instructor.py",
    # the answer keys that take longest under nbval (the other keys, short, fill in at the end)
    "notebooks/solutions/16_attention.ipynb",
    "notebooks/solutions/14_when_gating_helps.ipynb",
    "tests/test_grading_isolation.py",
    "notebooks/solutions/15_encoder_decoder.ipynb",
    "notebooks/solutions/11_real_task.ipynb",
]


def pytest_collection_modifyitems(config, items):
    """The files of ``LONG_FIRST`` first, in its order; the rest keep the order collected."""
    rank = {path: i for i, path in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, with the files of ``SAME_WORKER`` sent to one worker together."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            path = super()._split_scope(nodeid)
            return SAME_WORKER.get(path, path)

    return SharedFileScheduling(config, log)


@pytest.fixture
def close_figures():
    """Close every figure the test drew (the viz tests use it for all their tests)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
