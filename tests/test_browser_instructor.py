"""The instructor's pages in Chromium: the class report and every lesson's slides load offline,
their images load, nothing is asked of the network and the console stays free of errors; in the
slides, a prediction's answer stays hidden until the presenter moves on."""

import functools
import http.server
import json
import threading

import pytest
from browser_support import (
    BROKEN_IMAGES_JS,
    MATH_ERRORS_JS,
    ROOT,
    SharedPage,
    browser,  # noqa: F401  (a fixture)
    figure_problems,
    require_browser,
)
from test_instructor_report import class_details

require_browser()

LESSONS = sorted(p.stem for p in (ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))
MATHJAX_DONE_JS = """() => new Promise(resolve => MathJax.Hub.Queue(() => resolve(true)))"""
PRESENT_JS = """() => {
  const s = document.querySelector('.slides > section.present');
  return {index: Array.from(document.querySelectorAll('.slides > section')).indexOf(s),
          fragments: Array.from(s.querySelectorAll('.fragment')).map(f => f.classList.contains('visible'))};
}"""
BLANK_MATH_JS = """() => Array.from(document.querySelectorAll(
        '.slides > section.present .MathJax, .slides > section.present .MathJax_Display'))
    .filter(m => m.getBoundingClientRect().width === 0).length"""
FIRST_PAUSE_JS = """() => Array.from(document.querySelectorAll('.slides > section'))
    .findIndex(s => s.querySelector('.fragment'))"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The report and the slides, written into one folder served on localhost."""
    from rnn_course.instructor.report import write_report
    from rnn_course.instructor.slides import build_slides

    out = tmp_path_factory.mktemp("instructor")
    (out / "gradebook.details.json").write_text(json.dumps(class_details()))
    write_report(out / "gradebook.csv", out / "report.html")
    (out / "report.html").chmod(0o644)  # the server reads it as any file
    build_slides(out, log=lambda line: None)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(out))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _console_error(message):
    """A console error, except MathJax 2's own probe: its HTML-CSS output declares a font
    ``MathJax_Blank`` at ``url('about:blank')``, which Chromium refuses (CORS) and reports twice."""
    probe = message.location.get("url") == "about:blank" or "font at 'about:blank'" in message.text
    return message.type == "error" and not probe


@pytest.fixture(scope="module")
def shared(browser, served):
    """The module's one page; every request outside the served folder is refused."""
    shared = SharedPage(browser, (served,), "instructor", viewport={"width": 1280, "height": 800})
    shared.on("console", lambda m: _console_error(m) and f"console error: {m.text}")
    shared.on("pageerror", lambda e: f"page error: {e}")
    yield shared
    shared.close()


def test_the_report_loads_offline_with_its_figures(shared, served):
    page, problems = shared.open(served + "report.html", "report.html")
    for src in page.evaluate(BROKEN_IMAGES_JS):
        problems.add(f"image did not load: {src!r}")
    if page.locator("img").count() != 2:
        problems.add(f"expected 2 figures, found {page.locator('img').count()}")
    for problem in figure_problems(page, "img"):
        problems.add(problem)
    text = page.inner_text("body")
    if "transposed_w_hh" not in text or "student07" in text:
        problems.add("the mistakes table is missing, or a student is named")
    problems.check()


@pytest.mark.parametrize("lesson", LESSONS)
def test_slides_load_offline_and_a_prediction_pauses_before_its_answer(shared, served, lesson):
    page, problems = shared.open(f"{served}{lesson}.slides.html", f"{lesson}.slides.html")
    page.evaluate(MATHJAX_DONE_JS)
    for src in page.evaluate(BROKEN_IMAGES_JS):
        problems.add(f"image did not load: {src!r}")
    for error in page.evaluate(MATH_ERRORS_JS):
        problems.add(f"math error: {error}")
    if page.locator(".slides > section").count() < 3:
        problems.add("fewer than 3 slides")
    if page.evaluate(PRESENT_JS)["index"] != 0:
        problems.add("the first slide is not the one shown")
    pause = page.evaluate(FIRST_PAUSE_JS)
    if pause >= 0:
        # Go there as a presenter does, with the right arrow: the slides before it have no pause, so
        # one press each. (One load of the deck, not a second one at #pause.)
        for _ in range(pause):
            page.keyboard.press("ArrowRight")
        state = page.evaluate(PRESENT_JS)
        if state["index"] != pause or any(state["fragments"]):
            problems.add(f"slide {pause + 1} shows its answer before the pause: {state}")
        page.keyboard.press("ArrowRight")
        if not page.evaluate(PRESENT_JS)["fragments"][0]:
            problems.add("the right arrow does not reveal the answer")
    page.keyboard.press("ArrowRight")
    if page.evaluate(BLANK_MATH_JS):
        problems.add(f"math drawn with no width on the slide shown: {page.evaluate(BLANK_MATH_JS)}")
    problems.check()
