"""``rnn-course site`` on a small made-up course: pages, navigation, index, offline assets, answer keys.

The browser checks of the real course's site are in ``test_browser_site.py``.
"""

import re

import nbformat
import pytest

from rnn_course.cli import main
from rnn_course.site import SiteError, build_site, index_markdown, lesson_notebooks

README = """# A tiny course

Opening words, with math: $$h_t = \\tanh(x_t)$$

## Lesson map
| # | Lesson | You will be able to | Exercise |
| --- | --- | --- | --- |
| 00 | Hello | say hello | — |

## Install
not part of the index
"""


def _notebook(title, code):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\nWith $x^2$."),
        nbformat.v4.new_code_cell(code),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    return nb


def _course(root, second_code="print(6 * 7)"):
    (root / "notebooks" / "solutions").mkdir(parents=True)
    (root / "README.md").write_text(README)
    lessons = {
        "00_hello": ("00 · Hello", "print('hello from ' + 'the kernel')"),
        "01_more": ("01 · More", second_code),
    }
    for slug, (title, code) in lessons.items():
        nbformat.write(_notebook(title, code), root / "notebooks" / f"{slug}.ipynb")
        nbformat.write(
            _notebook(title + " (key)", code), root / "notebooks" / "solutions" / f"{slug}.ipynb"
        )
    return root / "notebooks"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    notebooks = _course(root)
    out = root / "site"
    pages = build_site(out, notebooks)
    return out, pages


def test_every_lesson_becomes_an_executed_page_with_its_notebook(built):
    out, pages = built
    assert [p.html_name for p in pages] == ["index.html", "00_hello.html", "01_more.html"]
    assert (
        "hello from the kernel" in (out / "00_hello.html").read_text()
    )  # executed, not just copied
    assert "42" in (out / "01_more.html").read_text()
    assert (out / "00_hello.ipynb").is_file() and (out / "01_more.ipynb").is_file()
    assert 'href="00_hello.ipynb"' in (out / "00_hello.html").read_text()


def test_code_with_markup_in_it_is_shown_as_text(tmp_path):
    """The code of a cell is written as pygments escapes it (the site skips nbconvert's second
    cleaning of it): markup in the source is text on the page, never markup."""
    code = 'shown = "<b>bold</b> & <script>alert(1)</script>"'
    out = tmp_path / "site"
    build_site(out, _course(tmp_path, second_code=code))
    page = (out / "01_more.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp;" in page
    assert "<script>alert" not in page and "<b>bold" not in page


def test_no_answer_keys_without_with_solutions(built):
    out, _ = built
    assert not list(out.glob("*.solution.html")) and not (out / "solutions").exists()
    assert "(key)" not in " ".join(p.read_text() for p in out.glob("*.html"))


def test_pages_link_to_previous_next_and_index(built):
    out, _ = built
    first, second = (out / "00_hello.html").read_text(), (out / "01_more.html").read_text()
    assert 'href="01_more.html" rel="next"' in first and 'rel="prev"' not in first
    assert 'href="00_hello.html" rel="prev"' in second and 'rel="next"' not in second
    assert 'href="index.html"' in first and 'href="index.html"' in second


def test_index_is_the_lesson_map_with_every_lesson_linked(built):
    out, _ = built
    index = (out / "index.html").read_text()
    assert 'href="00_hello.html"' in index  # the README's row, linked
    assert 'href="01_more.html"' in index  # not in the README's table: listed after it
    assert "Opening words" in index and "not part of the index" not in index


def test_pages_fetch_nothing_from_outside_the_site(built):
    out, _ = built
    assert (out / "mathjax" / "MathJax.js").is_file()
    for page in out.glob("*.html"):
        text = page.read_text()
        sources = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', text)
        remote = [s for s in sources if re.match(r"(https?:)?//", s)]
        assert not remote, f"{page.name} loads {remote}"
        assert 'src="mathjax/MathJax.js' in text


def test_with_solutions_adds_an_answer_key_page_beside_each_lesson(tmp_path):
    notebooks = _course(tmp_path)
    pages = build_site(tmp_path / "site", notebooks, with_solutions=True)
    assert {p.html_name for p in pages} >= {"00_hello.solution.html", "01_more.solution.html"}
    assert 'href="00_hello.solution.html"' in (tmp_path / "site" / "00_hello.html").read_text()
    key = (tmp_path / "site" / "00_hello.solution.html").read_text()
    assert "(key)" in key and 'href="solutions/00_hello.ipynb"' in key
    assert (tmp_path / "site" / "solutions" / "00_hello.ipynb").is_file()


def test_an_executed_copy_with_the_lessons_cells_is_shown_and_a_stale_one_is_run_again(tmp_path):
    notebooks = _course(tmp_path)
    executed = tmp_path / "executed"
    executed.mkdir()
    for slug in ("00_hello", "01_more"):
        nb = nbformat.read(notebooks / f"{slug}.ipynb", as_version=4)
        nb.cells[1].outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=f"stored output of {slug}\n")
        ]
        if slug == "01_more":
            nb.cells[1].source += "  # an older version of the lesson"
        nbformat.write(nb, executed / f"{slug}.ipynb")
    build_site(tmp_path / "site", notebooks, executed=executed)
    hello = (tmp_path / "site" / "00_hello.html").read_text()
    more = (tmp_path / "site" / "01_more.html").read_text()
    assert "stored output of 00_hello" in hello and "hello from the kernel" not in hello
    assert "stored output of 01_more" not in more and "42" in more


def test_a_lesson_that_fails_to_run_is_named(tmp_path):
    notebooks = _course(tmp_path, second_code="raise ValueError('broken lesson')")
    with pytest.raises(SiteError, match=r"01_more\.ipynb did not run to the end.*broken lesson"):
        build_site(tmp_path / "site", notebooks)


def test_a_folder_without_lessons_is_an_error(tmp_path):
    with pytest.raises(SiteError, match="no lesson notebooks"):
        build_site(tmp_path / "site", tmp_path)


def test_lessons_are_found_by_glob_in_order(tmp_path):
    for name in ["12_lstm.ipynb", "02_b.ipynb", "notes.ipynb", "10_a.ipynb"]:
        (tmp_path / name).write_text("{}")
    assert [p.name for p in lesson_notebooks(tmp_path)] == [
        "02_b.ipynb",
        "10_a.ipynb",
        "12_lstm.ipynb",
    ]


def test_index_without_a_readme_still_lists_every_lesson(tmp_path):
    from rnn_course.site import Page

    lessons = [Page(tmp_path / "03_x.ipynb", "03_x.html", "03_x.ipynb", "Three")]
    assert "[Three](03_x.html)" in index_markdown(tmp_path / "missing.md", lessons)


def test_cli_site_builds_and_refuses_a_file_as_out(tmp_path, capsys):
    notebooks = _course(tmp_path)
    assert main(["site", str(tmp_path / "out"), "--notebooks", str(notebooks)]) == 0
    assert (tmp_path / "out" / "index.html").is_file()
    (tmp_path / "file").write_text("")
    with pytest.raises(SystemExit) as exc:
        main(["site", str(tmp_path / "file"), "--notebooks", str(notebooks)])
    assert exc.value.code == 2 and "not a folder" in capsys.readouterr().err


def test_a_prediction_s_answer_cells_are_folded_behind_show_the_answer():
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

    from rnn_course.site import STATIC_NOTE, fold_answers

    printed = new_output("stream", name="stdout", text="output: (5, 3, 6) h_n: (1, 3, 6)\n")
    nb = nbformat.v4.new_notebook(
        cells=[
            new_markdown_cell("**Predict, then run.** What shapes?"),
            new_code_cell(
                'my_prediction = ...\ncheck_shapes("00.first_shapes", my_prediction, rnn, x)',
                outputs=[new_output("stream", name="stdout", text="run this cell again")],
            ),
            new_markdown_cell("<details><summary>Why</summary>because</details>"),
            new_code_cell("print('output:', (5, 3, 6))", outputs=[printed]),
            new_markdown_cell("## Next section"),
            new_code_cell("print('not an answer')"),
        ]
    )
    fold_answers(nb)
    sources = [cell.source for cell in nb.cells]
    assert nb.cells[1].outputs[0]["data"]["text/html"] == STATIC_NOTE
    assert sources[2].startswith("<details><summary>Why")
    assert sources[3].startswith("<details><summary>Show the answer</summary>")
    assert "(5, 3, 6)" in sources[3] and sources[3].rstrip().endswith("</details>")
    assert sources[4:] == ["## Next section", "print('not an answer')"]
    assert not any("(5, 3, 6)" in s for s in sources[:3])


def test_names_with_underscores_in_math_render_as_names():
    from rnn_course.site import math_names

    assert (
        math_names(r"$(D \cdot \text{num\_layers}, N, H)$")
        == r"$(D \cdot \mathrm{num\_layers}, N, H)$"
    )
    assert math_names(r"$\text{index} = 2k + d$") == r"$\text{index} = 2k + d$"
