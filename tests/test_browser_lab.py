"""JupyterLab in a browser: every answer key as stored, and a learner typing into an exercise (see
lab_support.py). One file, so one server, one browser and one JupyterLab page serve all its tests."""

import pytest
from browser_support import browser, require_browser  # noqa: F401  (browser: a fixture)
from lab_support import (  # noqa: F401  (lab, lab_app: fixtures)
    ANSWER_KEYS,
    WATCH_KERNEL_JS,
    check_answer_key,
    check_learner_feedback,
    kernel_changed,
    lab,
    lab_app,
    notebook_page,
)

require_browser()


@pytest.mark.parametrize("name", ANSWER_KEYS)
def test_answer_key_opens_clean_and_shows_clean_in_jupyterlab(notebook_page, name):
    check_answer_key(notebook_page, name)


def test_learner_sees_failure_feedback_then_passed(notebook_page):
    check_learner_feedback(notebook_page)


def test_the_kernel_watch_sees_a_restart(notebook_page):
    """The answer-key test does not wait for the kernel to stay idle; it watches it instead. A
    restart while the notebook is open must be seen."""
    page = notebook_page("solutions/06_bidirectional_rnns.ipynb", hold=0)
    kernel = page.evaluate(WATCH_KERNEL_JS)
    assert kernel_changed(page, kernel) is None
    page.evaluate("() => jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    assert "restarting" in kernel_changed(page, kernel)
