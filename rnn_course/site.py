"""The course as a static website: ``rnn-course site OUT``.

Every learner notebook (``notebooks/NN_*.ipynb``) is executed in a fresh kernel, so figures and
outputs show and untouched exercises say "not attempted" (``executed=DIR`` takes the executed copy of
a lesson from DIR instead, when its cells are those of the lesson: the tests run each notebook once
and hand the site what they ran), then exported to HTML with nbconvert's
JupyterLab template. ``index.html`` is the README's lesson map with links to the pages. Each page has
links to the previous and next lesson, the index and its own notebook (copied beside it).

The site works offline: MathJax comes from the ``jupyter-server-mathjax`` package and is copied into
``OUT/mathjax/``; the template's only other remote scripts (require.js, widgets, mermaid) are left
out, because no lesson needs them. Answer keys are only published with ``with_solutions=True``, as
``NN_slug.solution.html`` beside the lesson; their pages show the outputs stored in them (``rnn-course
release`` executed them), so they are not run again.
"""

import html
import json
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .executor import NotebookError, execute_notebook
from .files import write_atomic

MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
LESSON_GLOB = "[0-9][0-9]_*.ipynb"

# nbconvert's JupyterLab template, with a navigation bar and without the scripts it would fetch
# from a CDN.
_NATIVE_MML_STYLES = {
    selector: {"font-family": "serif"}
    for selector in [
        f'[class="MJX-tex-{name}"]'
        for name in ("oldstyle", "oldstyle-bold", "caligraphic", "caligraphic-bold")
    ]
    + [f'[mathvariant="{name}"]' for name in ("script", "bold-script", "fraktur", "bold-fraktur")]
}

# A code cell's input as nbconvert's lab template writes it, but without its clean_html filter: pygments'
# highlighting escapes the source already, and cleaning it again with bleach changed nothing while it
# took a quarter of the site's build (the slides use it too).
CODE_INPUT_BLOCK = r"""{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}
"""

_TEMPLATE = (
    r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style>
.site-nav { display: flex; flex-wrap: wrap; gap: 0.4em 1.5em; padding: 8px 16px; margin: 0 0 8px 0;
  border-bottom: 1px solid #d0d7de; font: 14px/1.5 system-ui, sans-serif; background: #f6f8fa; }
.site-nav.bottom { border-top: 1px solid #d0d7de; border-bottom: none; margin: 16px 0 0 0; }
.site-nav a { color: #0969da; text-decoration: none; }
.site-nav a:hover { text-decoration: underline; }
.site-nav .spacer { flex: 1; }
/* The browser lays out only the cells near the screen, and the others when they are scrolled to or
   measured: a long lesson opens sooner, and MathJax, which measures every formula, typesets it in
   about a third less time (benchmarks/README.md). */
.jp-Cell { content-visibility: auto; contain-intrinsic-size: auto 120px; }
@media print { .jp-Cell { content-visibility: visible; } }
</style>
{% endblock extra_css %}
{%- block html_head_js_mathjax -%}
{{ super() }}
<script type="text/x-mathjax-config">
// jupyter-server-mathjax ships the STIX-Web fonts only: use them, never the TeX web fonts. The
// hidden MathML copy for screen readers would ask for TeX fonts too (\mathcal): give it plain serif.
// A TeX mistake shows as a visible error box, not as silently red or raw text.
MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  NativeMML: {styles: {{ resources.native_mml_styles }}},
  TeX: {noErrors: {disabled: true}, noUndefined: {disabled: true}}
});
</script>
{%- endblock html_head_js_mathjax -%}
{%- block body_header -%}
{{ super() }}
{{ resources.site_nav | replace('class="site-nav"', 'class="site-nav top"') }}
{%- endblock body_header -%}
{% block body_footer %}
{{ resources.site_nav | replace('class="site-nav"', 'class="site-nav bottom"') }}
{{ super() }}
{% endblock body_footer %}
"""
    + CODE_INPUT_BLOCK
)


class SiteError(Exception):
    """The site could not be built; the message says which lesson and why."""


@dataclass
class Page:
    """One HTML page of the site and where it comes from."""

    source: Path  # the notebook as it lies in the repository
    html_name: str  # e.g. "01_rnn_cell.html"
    notebook_name: str  # the copy the page links to, e.g. "01_rnn_cell.ipynb"
    title: str = ""


def lesson_notebooks(notebooks_dir):
    """The learner notebooks ``NN_*.ipynb`` in lesson order."""
    return sorted(Path(notebooks_dir).glob(LESSON_GLOB))


def build_site(
    out,
    notebooks_dir="notebooks",
    readme=None,
    with_solutions=False,
    jobs=1,
    timeout=600,
    log=None,
    executed=None,
):
    """Build the site in ``out`` and return the list of pages written (index first).

    ``readme`` is the README whose "Lesson map" becomes the index (default: the one beside
    ``notebooks_dir``). ``jobs`` learner notebooks execute at the same time. ``executed`` is an
    optional folder of learner notebooks already executed: a lesson's copy there is used instead of
    running the lesson again when it has the lesson's cells (type, source, tags).
    """
    import nbformat

    notebooks_dir = Path(notebooks_dir)
    sources = lesson_notebooks(notebooks_dir)
    if not sources:
        raise SiteError(f"no lesson notebooks ({LESSON_GLOB}) in {notebooks_dir}")
    readme = Path(readme) if readme else notebooks_dir.resolve().parent / "README.md"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _copy_mathjax(out / "mathjax")

    lessons = [Page(s, f"{s.stem}.html", s.name) for s in sources]
    notebooks = _executed_lessons(sources, executed, jobs, timeout, log)
    for page, nb in zip(lessons, notebooks):
        page.title = notebook_title(nb, page.source.stem)
        shutil.copyfile(page.source, out / page.notebook_name)

    solutions = {}
    if with_solutions:
        (out / "solutions").mkdir(exist_ok=True)
        for page in lessons:
            key = notebooks_dir / "solutions" / page.source.name
            if key.is_file():
                solutions[page.source.stem] = Page(
                    key, f"{key.stem}.solution.html", f"solutions/{key.name}"
                )
                shutil.copyfile(key, out / "solutions" / key.name)

    exporter = _exporter()
    for i, (page, nb) in enumerate(zip(lessons, notebooks)):
        previous = lessons[i - 1] if i > 0 else None
        following = lessons[i + 1] if i + 1 < len(lessons) else None
        key = solutions.get(page.source.stem)
        nav = _nav(page, previous, following, key and (key.html_name, "Answer key"))
        _write_page(exporter, nb, page, nav, out)
        if key:
            key_nb = nbformat.read(key.source, as_version=4)
            key.title = f"{page.title} (answer key)"
            _write_page(
                exporter,
                key_nb,
                key,
                _nav(key, None, None, (page.html_name, "Back to the lesson")),
                out,
            )

    index = Page(readme, "index.html", "", "Recurrent neural networks with PyTorch")
    index_nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(index_markdown(readme, lessons))]
    )
    _write_page(exporter, index_nb, index, _nav(index, None, lessons[0], None), out)
    if log:
        log(
            f"wrote {len(lessons)} lessons{' and their answer keys' if solutions else ''} and index.html to {out}"
        )
    return [index, *lessons, *solutions.values()]


def notebook_title(nb, default):
    """The text of the notebook's first markdown heading, or ``default``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#+\s+(.+?)\s*$", cell.source, flags=re.M)
            if match:
                return re.sub(r"[*`]", "", match.group(1))
    return default


def index_markdown(readme, lessons):
    """The index page: the README's opening and its lesson map, each lesson linked to its page."""
    text = Path(readme).read_text(encoding="utf-8") if Path(readme).is_file() else ""
    opening = text.split("\n## ", 1)[0].strip() or "# rnn-course"
    lesson_map = _section(text, "Lesson map")
    by_number = {page.source.stem[:2]: page for page in lessons}
    linked = set()

    def link_row(match):
        number, name = match.group(1), match.group(2).strip()
        page = by_number.get(number)
        if page is None:
            return match.group(0)
        linked.add(number)
        return f"| {number} | [{name}]({page.html_name}) |"

    lesson_map = re.sub(r"^\|\s*(\d\d)\s*\|([^|]*)\|", link_row, lesson_map, flags=re.M)
    missing = [p for n, p in by_number.items() if n not in linked]
    if not lesson_map or missing:  # every lesson is reachable from the index, listed or not
        lesson_map += "\n\n" + "\n".join(
            f"- [{p.title}]({p.html_name})" for p in (missing or lessons)
        )
    return f"{opening}\n\n## Lesson map\n{lesson_map}\n"


def _section(markdown, heading):
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", markdown, flags=re.M | re.S)
    return match.group(1).strip() if match else ""


def _nav(page, previous, following, extra):
    """The navigation bar: index, previous, next, the page's notebook and an optional extra link."""
    links = ['<a href="index.html">Course index</a>']
    if previous:
        links.append(
            f'<a href="{previous.html_name}" rel="prev">&larr; {html.escape(previous.title)}</a>'
        )
    if following:
        links.append(
            f'<a href="{following.html_name}" rel="next">{html.escape(following.title)} &rarr;</a>'
        )
    links.append('<span class="spacer"></span>')
    if extra:
        links.append(f'<a href="{extra[0]}">{html.escape(extra[1])}</a>')
    if page.notebook_name:
        links.append(f'<a href="{page.notebook_name}" download>Download the notebook (.ipynb)</a>')
    return f'<nav class="site-nav">{"".join(links)}</nav>'


def _exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab", extra_loaders=[DictLoader({"site.html.j2": _TEMPLATE})]
    )
    exporter.template_file = "site.html.j2"
    exporter.mathjax_url = MATHJAX_URL
    return exporter


PREDICTION_CHECK = re.compile(r"\bcheck_(?:prediction|shapes)\(")
STATIC_NOTE = (
    "On this page the cell cannot run: write your prediction down, then open "
    "<b>Show the answer</b> and <b>Why</b> below."
)


def fold_answers(nb):
    """Hide what a prediction's check reveals behind an explicit "Show the answer" (in place).

    On a static page a learner cannot run a prediction cell, and the cells after it print the
    answer. So the prediction cell's verdict becomes a note, and the code cells after its folded
    *Why* (up to the next markdown cell) become one folded block with their code and outputs.
    """
    import nbformat

    cells, folded, i = nb.cells, [], 0
    while i < len(cells):
        cell = cells[i]
        folded.append(cell)
        i += 1
        if cell.cell_type != "code" or not PREDICTION_CHECK.search(cell.source):
            continue
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": STATIC_NOTE})]
        if i < len(cells) and cells[i].source.lstrip().startswith("<details"):
            folded.append(cells[i])
            i += 1
        answer = []
        while i < len(cells) and cells[i].cell_type == "code":
            answer.append(cells[i])
            i += 1
        if answer:
            folded.append(nbformat.v4.new_markdown_cell(_folded_block(answer)))
    nb.cells = folded
    return nb


def _folded_block(code_cells):
    parts = ["<details><summary>Show the answer</summary>", ""]
    for cell in code_cells:
        parts += ["```python", cell.source, "```", ""]
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            image = output.get("data", {}).get("image/png")
            if text:
                parts += [f"<pre>{html.escape(text)}</pre>", ""]
            if image:
                parts += [f'<img src="data:image/png;base64,{"".join(image).strip()}">', ""]
    parts.append("</details>")
    return "\n".join(parts)


TEXT_WITH_UNDERSCORE = re.compile(r"\\text\{([^{}]*\\_[^{}]*)\}")


def math_names(markdown):
    """``\\text{num\\_layers}`` as ``\\mathrm{num\\_layers}``: MathJax reads ``\\_`` as an
    underscore in math mode, but prints it as a backslash and an underscore inside ``\\text``."""
    return TEXT_WITH_UNDERSCORE.sub(r"\\mathrm{\1}", markdown)


def _write_page(exporter, nb, page, nav, out):
    nb.metadata["title"] = page.title
    fold_answers(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = math_names(cell.source)
    resources = {"site_nav": nav, "native_mml_styles": json.dumps(_NATIVE_MML_STYLES)}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    write_atomic(out / page.html_name, body)


def _copy_mathjax(target):
    try:
        import jupyter_server_mathjax
    except ImportError as exc:
        raise SiteError(
            "the site needs MathJax from the jupyter-server-mathjax package: "
            'pip install -e ".[site]" (or ".[dev]")'
        ) from exc
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(source, target, dirs_exist_ok=True)


def _executed_lessons(sources, executed_dir, jobs, timeout, log):
    """Every lesson executed, in order: the copy in ``executed_dir`` when it has the lesson's cells,
    otherwise run now (``jobs`` at a time)."""
    import nbformat

    notebooks = {source: _ready_copy(source, executed_dir) for source in sources}
    to_run = [source for source, nb in notebooks.items() if nb is None]
    for source, nb in zip(to_run, _execute_all(to_run, jobs, timeout, log)):
        notebooks[source] = nbformat.from_dict(nb)
    return [notebooks[source] for source in sources]


def _ready_copy(source, executed_dir):
    """The executed copy of ``source`` in ``executed_dir``, or None if there is none with its cells."""
    import nbformat

    from .release import cell_signature

    copy = Path(executed_dir) / source.name if executed_dir else None
    if copy is None or not copy.is_file():
        return None
    nb = nbformat.read(copy, as_version=4)
    return nb if cell_signature(nb) == cell_signature(nbformat.read(source, as_version=4)) else None


def _execute_all(sources, jobs, timeout, log):
    """Execute every notebook (``jobs`` at a time) and return them as plain dicts, in order."""
    if jobs <= 1:
        return [_execute_logged(s, timeout, log) for s in sources]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(execute_lesson, str(s), timeout) for s in sources]
        results = []
        for source, future in zip(sources, futures):
            results.append(future.result())
            if log:
                log(f"executed {source.name}")
        return results


def _execute_logged(source, timeout, log):
    nb = execute_lesson(str(source), timeout)
    if log:
        log(f"executed {source.name}")
    return nb


def execute_lesson(path, timeout=600):
    """Run a notebook in a fresh kernel of this environment, in its own folder; return it as a dict."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    try:
        execute_notebook(nb, f"{path.name} did not run to the end", path.parent, timeout)
    except NotebookError as exc:
        raise SiteError(str(exc)) from None
    return dict(nb)
