"""What the browser tests share: Debian's Chromium driven by playwright, and the checks on a page.

The browser is ``/usr/bin/chromium`` (or ``$RNN_COURSE_CHROMIUM``); playwright's own browser download
is not used. Without chromium or playwright the browser tests are skipped with the reason, except
under CI (``CI`` set), where ``.ci/run`` installs chromium and a missing browser is a failure.
Screenshots of failed pages go to ``build/browser-artifacts/`` (or ``$RNN_COURSE_ARTIFACTS``).
"""

import base64
import os
import re
import shutil
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("RNN_COURSE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("RNN_COURSE_ARTIFACTS", ROOT / "build" / "browser-artifacts"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MIN_FIGURE_WIDTH = 550  # px at 100 % zoom (developers' guide)
MIN_FIGURE_DPI = 95  # "about 100-110 dpi"


def browser_missing():
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return 'the playwright package is not installed (pip install -e ".[dev]")'
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no chromium at {CHROMIUM} (apt-get install -y --no-install-recommends chromium)"
    return None


def require_browser():
    """Skip the calling module without a browser; under CI, fail instead."""
    reason = browser_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"browser test cannot run under CI: {reason}", pytrace=False)
    if reason:
        pytest.skip(reason, allow_module_level=True)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (import this fixture into the module)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def save_screenshot(page, name):
    """Keep a full-page screenshot as a test artefact; return its path (or None if it failed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True, timeout=20_000)
    except Exception:  # the screenshot is a courtesy; the test's own failure is what matters
        return None
    return path


class PageProblems:
    """Collects what went wrong on a page, and screenshots the page if anything did."""

    def __init__(self, page, name):
        self.page, self.name, self.problems = page, name, []

    def add(self, problem):
        self.problems.append(problem)

    def check(self):
        if self.problems:
            shot = save_screenshot(self.page, self.name)
            where = f"\nscreenshot: {shot}" if shot else ""
            pytest.fail(f"{self.name}:\n  - " + "\n  - ".join(self.problems) + where, pytrace=False)


class SharedPage:
    """One context and one page for a module's tests: a fresh page costs about a second of
    Chromium's time (1.3 s with its context, median at load 6-10), a navigation in this one does not.
    Each test opens its URL with ``open`` and gets a ``PageProblems`` of its own; the module's route
    (requests outside ``allowed`` are refused) and listeners report to the test whose page is open.
    """

    def __init__(self, browser, allowed, name, **context_args):
        self.allowed, self.name, self.problems = allowed, name, None
        self.context = browser.new_context(**context_args)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.on("response", lambda r: r.status >= 400 and f"{r.url} answered {r.status}")

    def on(self, event, problem):
        """Add ``problem(argument)`` (a text, or a false value for none) at each ``event``."""
        self.page.on(event, lambda argument: self._add(problem(argument)))

    def _add(self, problem):
        if problem and self.problems is not None:
            self.problems.add(problem)

    def _route(self, route):
        if route.request.url.startswith((*self.allowed, "data:")):
            route.continue_()
        else:
            self._add(f"the page asked for {route.request.url[:100]} (it must work offline)")
            route.abort()

    def open(self, url, name):
        """Load ``url`` in the page (after a blank page, so the last test's page reports nothing
        to this one); return (page, problems)."""
        self.problems = None
        self.page.goto("about:blank")
        self.problems = PageProblems(self.page, f"{self.name}-{name}")
        response = self.page.goto(url, wait_until="load")
        if response is None or response.status != 200:
            self.problems.add(f"the page did not load ({response and response.status})")
        return self.page, self.problems

    def close(self):
        self.context.close()


BROKEN_IMAGES_JS = """() => Array.from(document.images)
    .filter(img => !img.complete || img.naturalWidth === 0)
    .map(img => (img.getAttribute('src') || '').slice(0, 80))"""

FIGURES_JS = """(selector) => Array.from(document.querySelectorAll(selector))
    .map(img => ({src: img.getAttribute('src') || '', width: img.naturalWidth}))"""

MATH_ERRORS_JS = """() => Array.from(document.querySelectorAll(
        'mjx-merror, .MathJax_Error, .merror, [data-mjx-error]'))
    .map(e => (e.getAttribute('data-mjx-error') || e.getAttribute('title') || e.textContent || '').slice(0, 120))"""


def png_dpi(data):
    """The dots per inch a PNG declares in its pHYs chunk, or None."""
    at = data.find(b"pHYs")
    if at < 0 or at + 13 > len(data):
        return None
    per_metre, _, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
    return round(per_metre * 0.0254) if unit == 1 else None


def figure_problems(page, selector):
    """Figures (PNG images matching ``selector``) that are too narrow or too coarse to read at 100 %."""
    problems = []
    for n, figure in enumerate(page.evaluate(FIGURES_JS, selector), start=1):
        src = figure["src"]
        if not src.startswith("data:image/png;base64,"):
            continue
        dpi = png_dpi(base64.b64decode(src.split(",", 1)[1]))
        if figure["width"] < MIN_FIGURE_WIDTH or (dpi is not None and dpi < MIN_FIGURE_DPI):
            problems.append(
                f"figure {n} is {figure['width']} px wide at {dpi} dpi; expected at least "
                f"{MIN_FIGURE_WIDTH} px at about 100 dpi so its labels read at 100 % zoom"
            )
    return problems


def copy_notebooks(target):
    """A scratch copy of notebooks/ (learner notebooks and answer keys) for JupyterLab to work in."""
    shutil.copytree(ROOT / "notebooks", target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return target
