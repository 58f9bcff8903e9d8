"""The course website (``rnn-course site``) in a real browser: every page loads offline, no link or
image is broken, and the math renders.

The site is built once, answer keys included, from the learner notebooks this test run executed
(``executed_notebooks.py``: each runs once, whichever test needs it first) and served on 127.0.0.1;
``RNN_COURSE_SITE=DIR`` checks a site already built with ``rnn-course site DIR --with-solutions``.
Any request that leaves the site fails the test: the site must work without a network.
"""

import functools
import http.server
import json
import os
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
from browser_support import (
    BROKEN_IMAGES_JS,
    MATH_ERRORS_JS,
    ROOT,
    SharedPage,
    browser,  # noqa: F401  (a fixture)
    require_browser,
)
from executed_notebooks import all_executed_learners

require_browser()

LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = (
    ["index"]
    + LESSONS
    + [
        f"{lesson}.solution"
        for lesson in LESSONS
        if (ROOT / "notebooks" / "solutions" / f"{lesson}.ipynb").is_file()
    ]
)

LINKS_JS = (
    """() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"""
)
MATH_RENDERED_JS = """() => document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML, .MathJax_SVG').length"""
MATHJAX_DONE_JS = """() => new Promise(resolve => MathJax.Hub.Queue(() => resolve(true)))"""
# The site lays out only the cells near the screen (``content-visibility: auto`` in rnn_course/site.py),
# and innerText leaves out what is not laid out: every cell is laid out first, as scrolling through
# the page would, before the test reads the text a learner sees.
LAY_OUT_EVERY_CELL_JS = """() => document.querySelectorAll('.jp-Cell')
    .forEach(cell => { cell.style.contentVisibility = 'visible'; })"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from rnn_course.site import build_site

    if os.environ.get("RNN_COURSE_SITE"):  # check a site already built with --with-solutions
        out = Path(os.environ["RNN_COURSE_SITE"])
    else:
        out = tmp_path_factory.mktemp("site")
        executed = all_executed_learners(tmp_path_factory)
        build_site(out, ROOT / "notebooks", with_solutions=True, executed=executed)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(out))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"out": out, "base": f"http://127.0.0.1:{server.server_address[1]}/"}
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def link_status():
    """HTTP status of each site URL already fetched, shared by all pages."""
    return {}


@pytest.fixture(scope="module")
def shared(browser, site):
    """The module's one page; every request outside the site is refused."""
    shared = SharedPage(browser, (site["base"],), "site")
    shared.on(
        "requestfailed",
        lambda r: r.url.startswith(site["base"]) and f"{r.url} failed to load",
    )
    yield shared
    shared.close()


def _check_links(page, url, site, link_status, problems):
    for href in page.evaluate(LINKS_JS):
        target, fragment = urldefrag(urljoin(url, href))
        if not target.startswith(site["base"]):
            continue  # a link to the outside world is allowed; only the site itself must be whole
        if target == url:
            if fragment and not page.query_selector(f'[id="{fragment}"], [name="{fragment}"]'):
                problems.add(f"link {href!r} points to no anchor on this page")
            continue
        if target not in link_status:
            link_status[target] = page.request.get(target).status
        if link_status[target] != 200:
            problems.add(f"link {href!r} is broken ({link_status[target]})")


def _expects_math(page_name):
    """Whether the page's source has LaTeX: the README's opening for the index, markdown cells for a lesson."""
    if page_name == "index":
        return "$" in (ROOT / "README.md").read_text().split("\n## ", 1)[0]
    lesson = page_name.split(".")[0]
    folder = ROOT / "notebooks" / ("solutions" if page_name.endswith(".solution") else "")
    nb = json.loads((folder / f"{lesson}.ipynb").read_text())
    return any("$" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _check_math(page, page_name, problems):
    has_math = page.evaluate("() => !!window.MathJax")
    if not has_math:
        problems.add("MathJax did not load")
        return
    page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.isReady")
    page.evaluate(MATHJAX_DONE_JS)
    problems_found = page.evaluate(MATH_ERRORS_JS)
    for text in problems_found:
        problems.add(f"MathJax error: {text!r}")
    if _expects_math(page_name) and page.evaluate(MATH_RENDERED_JS) == 0:
        problems.add("the source has LaTeX but no formula was rendered")


@pytest.mark.parametrize("page_name", PAGES)
def test_site_page_loads_offline_with_links_images_and_math(shared, site, link_status, page_name):
    page, problems = shared.open(site["base"] + f"{page_name}.html", page_name)
    url = page.url.split("#")[0]
    _check_math(page, page_name, problems)
    for src in page.evaluate(BROKEN_IMAGES_JS):
        problems.add(f"image did not load: {src!r}")
    _check_links(page, url, site, link_status, problems)
    hrefs = set(page.evaluate(LINKS_JS))
    if page_name == "index":
        missing = [f"{lesson}.html" for lesson in LESSONS if f"{lesson}.html" not in hrefs]
        if missing:
            problems.add(f"the index does not link to {missing}")
    else:
        if "index.html" not in hrefs:
            problems.add("no link back to the index")
        notebook = (
            f"solutions/{page_name.split('.')[0]}.ipynb"
            if page_name.endswith(".solution")
            else f"{page_name}.ipynb"
        )
        if notebook not in hrefs:
            problems.add(f"no link to its notebook {notebook}")
    if (
        page_name in LESSONS
        and "NotImplementedError" in (ROOT / "notebooks" / f"{page_name}.ipynb").read_text()
    ):
        page.evaluate(LAY_OUT_EVERY_CELL_JS)
        if "not attempted" not in page.inner_text("body"):
            problems.add("the untouched exercises do not show 'not attempted'")
    problems.check()
