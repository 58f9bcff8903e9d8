"""JupyterLab in a browser: the answer keys of lessons 06-16 (see lab_support.py)."""

from browser_support import browser, require_browser  # noqa: F401  (browser: a fixture)
from lab_support import (  # noqa: F401  (lab, lab_app: fixtures)
    WATCH_KERNEL_JS,
    answer_key_test,
    kernel_changed,
    lab,
    lab_app,
    notebook_page,
)

require_browser()

test_answer_key_opens_clean_and_shows_clean_in_jupyterlab = answer_key_test("06", "16")


def test_the_kernel_watch_sees_a_restart(notebook_page):
    """The answer-key test does not wait for the kernel to stay idle; it watches it instead. A
    restart while the notebook is open must be seen."""
    page = notebook_page("solutions/06_bidirectional_rnns.ipynb", hold=0)
    kernel = page.evaluate(WATCH_KERNEL_JS)
    assert kernel_changed(page, kernel) is None
    page.evaluate("() => jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    assert "restarting" in kernel_changed(page, kernel)
