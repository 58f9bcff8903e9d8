"""rnn_course.lessons is the one list of lessons: the README's lesson map and lesson 00's table are it,
and the checkers' exercises come in its order."""

from pathlib import Path

from rnn_course import release
from rnn_course.exercises import exercise_ids, get_exercise
from rnn_course.lessons import LESSONS, lesson_slugs
from rnn_course.release import lesson_map

ROOT = Path(__file__).resolve().parents[1]


def test_every_answer_key_is_a_listed_lesson_and_every_lesson_has_one():
    keys = [key.stem for key in release.answer_keys(release.default_notebooks_dir())]
    assert keys == list(lesson_slugs())


def test_the_map_lists_every_lesson_and_every_graded_exercise_once():
    table = lesson_map()
    assert len(table.splitlines()) == 2 + len(LESSONS)
    for lesson in LESSONS:
        assert f"| {lesson.number} | {lesson.title} | {lesson.skills} |" in table
    for exercise in exercise_ids():
        assert table.count(f"`{exercise}`") == 1, exercise
        row = next(line for line in table.splitlines() if f"`{exercise}`" in line)
        assert row.startswith(f"| {get_exercise(exercise).lesson[:2]} |")


def test_the_exercises_come_in_lesson_order():
    ids = exercise_ids()
    lessons = [get_exercise(e).lesson for e in ids]
    assert lessons == sorted(lessons, key=list(lesson_slugs()).index)
    assert ids.index("lstm_cell_backward") < ids.index("gru_cell")  # lesson 12 before lesson 13


def test_the_readme_shows_the_lesson_map():
    assert lesson_map() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_lesson_00_shows_the_lesson_map_in_both_copies():
    for path in (
        ROOT / "notebooks" / "solutions" / "00_welcome.ipynb",
        ROOT / "notebooks" / "00_welcome.ipynb",
    ):
        cells = [c.source for c in release.read_notebook(path).cells if c.cell_type == "markdown"]
        assert any(lesson_map() in source for source in cells), (
            f"{path.name}: its lesson table differs from rnn_course.release.lesson_map(); "
            "paste lesson_map() into it and release lesson 00"
        )
