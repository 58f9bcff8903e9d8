"""JupyterLab in a browser: the answer keys of lessons 00-05 and a learner typing into an exercise (see lab_support.py)."""

from browser_support import browser, require_browser  # noqa: F401  (browser: a fixture)
from lab_support import answer_key_test, check_learner_feedback, lab, lab_app, notebook_page  # noqa: F401

require_browser()

test_answer_key_opens_clean_and_shows_clean_in_jupyterlab = answer_key_test("00", "05")


def test_learner_sees_failure_feedback_then_passed(notebook_page):
    check_learner_feedback(notebook_page)
