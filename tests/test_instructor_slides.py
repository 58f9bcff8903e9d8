"""``rnn-course slides``: slide metadata is derived at render time from headings and predictions."""

import nbformat

from rnn_course.instructor.slides import as_slides
from rnn_course.release import default_notebooks_dir, read_notebook


def kinds(nb):
    return [c.metadata.slideshow.slide_type for c in nb.cells]


def test_a_heading_starts_a_slide_and_a_prediction_and_its_why_are_pauses():
    v4 = nbformat.v4
    key = v4.new_notebook()
    key.cells = [
        v4.new_markdown_cell("# Lesson 4 · Shapes"),
        v4.new_markdown_cell("Some prose."),
        v4.new_markdown_cell("## Puzzle A\nWhat shape is `output`?"),
        v4.new_code_cell(
            "my_prediction = (5, 4, 7)  ### PREDICTION: output shape\n"
            'check_shapes("04.a", my_prediction, rnn, x)\n'
            "### BEGIN HIDDEN TESTS\nassert output.shape == (5, 4, 7)\n### END HIDDEN TESTS"
        ),
        v4.new_markdown_cell("<details><summary>Why</summary>L comes first.</details>"),
        v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"),
        v4.new_code_cell("secret = 1", metadata={"tags": ["solution-only"]}),
        v4.new_markdown_cell("<details><summary>Why</summary>not after a prediction</details>"),
    ]
    key.cells[5].outputs = [v4.new_output("stream", text="solved")]
    deck = as_slides(key)
    assert kinds(deck) == ["slide", "-", "slide", "fragment", "fragment", "-", "-"]
    prediction, exercise = deck.cells[3].source, deck.cells[5].source
    assert "(5, 4, 7)" not in prediction and "HIDDEN" not in prediction
    assert "return x" not in exercise and deck.cells[5].outputs == []
    assert all("secret" not in c.source for c in deck.cells)
    assert "### PREDICTION" in key.cells[3].source  # the answer key is not changed


def test_every_lesson_has_a_slide_per_section_and_a_pause_per_prediction():
    for key in sorted((default_notebooks_dir() / "solutions").glob("[0-9][0-9]_*.ipynb")):
        nb = read_notebook(key)
        deck = as_slides(nb)
        headings = sum(
            c.cell_type == "markdown" and c.source.lstrip().startswith(("# ", "## "))
            for c in deck.cells
        )
        assert kinds(deck).count("slide") == headings, key.name
        predictions = sum("### PREDICTION" in c.source for c in nb.cells if c.cell_type == "code")
        assert kinds(deck).count("fragment") >= predictions, key.name
        for cell in deck.cells:
            assert "### PREDICTION" not in cell.source and "BEGIN SOLUTION" not in cell.source
