"""Every lesson as slides, through nbconvert's reveal template: ``rnn-course slides OUT``.

Slide metadata is set at render time, never stored in the answer keys: a markdown cell that opens
with a heading (``#`` or ``##``) starts a slide; every other cell continues it; in a
predict-then-run question, the prediction cell and the folded "Why" after it are *fragments*, so
the class sees the question, pauses, and only then the run and its explanation. The slides come
from the answer keys (their outputs: figures, shapes, printed numbers), shown as the learner sees
them: exercise regions blanked and their outputs dropped, predictions emptied, hidden tests and
``solution-only`` cells left out.

Offline: nbconvert's reveal template loads reveal.js, require.js and jQuery from a CDN, and no
installed package ships reveal.js. Rather than vendor reveal.js, the template here keeps nbconvert's
slide structure (``<section>`` per slide, ``.fragment`` per pause) and replaces the CDN scripts with
a presenter of a few lines written for the course (arrow keys, space, Page Up/Down, a click;
``#N`` in the address opens slide N). MathJax is copied in from jupyter-server-mathjax, as for
``rnn-course site``. Nothing is fetched from the network.
"""

import copy
import json
import re
from pathlib import Path

from ..release import (
    SOLUTION_ONLY_TAG,
    answer_keys,
    blank_solutions,
    default_notebooks_dir,
    read_notebook,
)

_HEADING = re.compile(r"^\s*#{1,2} ")
_SOLUTION = re.compile(r"### BEGIN SOLUTION")
_PREDICTION = re.compile(r"### PREDICTION|check_prediction\(|check_shapes\(")
_WHY = re.compile(r"^\s*<details>\s*<summary>\s*Why", re.IGNORECASE)

PRESENTER = r"""
(function () {
  const slides = Array.from(document.querySelectorAll('.reveal .slides > section'));
  let slide = 0, shown = 0;
  const steps = (s) => Array.from(slides[s].querySelectorAll('.fragment'));
  function show() {
    slides.forEach((s, i) => s.classList.toggle('present', i === slide));
    steps(slide).forEach((f, i) => f.classList.toggle('visible', i < shown));
    document.getElementById('slide-number').textContent = (slide + 1) + ' / ' + slides.length;
    history.replaceState(null, '', '#' + (slide + 1));
  }
  function next() {
    if (shown < steps(slide).length) shown += 1;
    else if (slide < slides.length - 1) { slide += 1; shown = 0; }
    show();
  }
  function back() {
    if (shown > 0) shown -= 1;
    else if (slide > 0) { slide -= 1; shown = steps(slide).length; }
    show();
  }
  document.addEventListener('keydown', (e) => {
    if (['ArrowRight', 'ArrowDown', ' ', 'PageDown'].includes(e.key)) { e.preventDefault(); next(); }
    if (['ArrowLeft', 'ArrowUp', 'PageUp'].includes(e.key)) { e.preventDefault(); back(); }
  });
  document.addEventListener('click', (e) => { if (!e.target.closest('a, summary, details')) next(); });
  const wanted = parseInt(location.hash.slice(1), 10);
  if (wanted >= 1 && wanted <= slides.length) slide = wanted - 1;
  show();
})();
"""

# Slides that are not shown keep their layout (visibility, not display: none), so that MathJax
# measures and typesets every slide once, at load.
CSS = """
html, body { margin: 0; height: 100%; }
.reveal .slides > section { position: absolute; top: 0; left: 0; right: 0; visibility: hidden;
  box-sizing: border-box; height: 100vh; overflow-y: auto; padding: 2vh 4vw; font-size: 20px; }
.reveal .slides > section.present { visibility: visible; }
.reveal .fragment { visibility: hidden; }
.reveal .fragment.visible { visibility: visible; }
#slide-number { position: fixed; right: 12px; bottom: 8px; font: 14px system-ui, sans-serif;
  color: #57606a; }
"""

_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block header -%}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<link rel="icon" href="data:,">
<title>{{ resources.slides_title | escape_html }}</title>
{% for css in resources.inlining.css -%}<style type="text/css">{{ css }}</style>{% endfor %}
{{ resources.include_css("static/index.css") }}
{{ resources.include_css("static/theme-light.css") }}
<style>{{ resources.slides_css }}</style>
{{ mathjax(resources.mathjax_url) }}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  NativeMML: {styles: {{ resources.native_mml_styles }}},
  TeX: {noErrors: {disabled: true}, noUndefined: {disabled: true}}
});
</script>
</head>
{%- endblock header -%}
{% block body_footer %}
</div>
</div>
</main>
<div id="slide-number"></div>
</body>
{% endblock body_footer %}
{% block footer_js %}
<script>{{ resources.presenter }}</script>
{% endblock footer_js %}
"""


def slide_type(cell, previous):
    """reveal's slide type for a cell: "slide", "fragment" or "-" (continue the slide)."""
    if cell.cell_type == "markdown" and _HEADING.match(cell.source):
        return "slide"
    if cell.cell_type == "code" and _PREDICTION.search(cell.source):
        return "fragment"
    if cell.cell_type == "markdown" and _WHY.match(cell.source) and previous == "fragment":
        return "fragment"
    return "-"


def as_slides(answer_key):
    """The answer key as a slide deck: slide metadata set, as the learner would see it."""
    nb = copy.deepcopy(answer_key)
    cells, previous = [], None
    for cell in nb.cells:
        if SOLUTION_ONLY_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            if _SOLUTION.search(cell.source):
                cell.outputs = []
            cell.source = blank_solutions(cell.source)
        previous = slide_type(cell, previous)
        cell.metadata["slideshow"] = {"slide_type": previous}
        cells.append(cell)
    if cells:
        cells[0].metadata["slideshow"] = {"slide_type": "slide"}
    nb.cells = cells
    return nb


def _exporter():
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    from ..site import CODE_INPUT_BLOCK, MATHJAX_URL

    template = _TEMPLATE + CODE_INPUT_BLOCK
    exporter = SlidesExporter(extra_loaders=[DictLoader({"course-slides.html.j2": template})])
    exporter.template_file = "course-slides.html.j2"
    exporter.mathjax_url = MATHJAX_URL
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    return exporter


def build_slides(out, notebooks_dir=None, log=print):
    """Write ``OUT/NN_slug.slides.html`` for every answer key, and MathJax; returns the pages."""
    from ..site import _NATIVE_MML_STYLES, _copy_mathjax

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _copy_mathjax(out / "mathjax")
    exporter = _exporter()
    pages = []
    for key in answer_keys(notebooks_dir or default_notebooks_dir()):
        deck = as_slides(read_notebook(key))
        resources = {
            "slides_title": f"{key.stem} slides",
            "slides_css": CSS,
            "presenter": PRESENTER,
            "native_mml_styles": json.dumps(_NATIVE_MML_STYLES),
        }
        body, _ = exporter.from_notebook_node(deck, resources=resources)
        page = out / f"{key.stem}.slides.html"
        page.write_text(body, encoding="utf-8")
        log(f"wrote {page}")
        pages.append(page)
    return pages
