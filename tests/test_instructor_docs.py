"""The README and docs/: every rnn-course command in them parses as written, the README links the
guides, and the instructor's guide covers what issue 21 asks of it. The commands themselves run in
tests/test_instructor_*.py with the same arguments."""

import re
import shlex
from pathlib import Path

import pytest

from rnn_course.cli import build_parser
from rnn_course.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
STATUSES = (
    "ok",
    "not-attempted",
    "timeout",
    "memory",
    "error",
    "invalid-notebook",
    "unknown-lesson",
)


def code_lines(path):
    """Lines of the fenced code blocks of a markdown file."""
    blocks = re.findall(r"^ *```[a-z]*\n(.*?)^ *```", path.read_text(), flags=re.M | re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def rnn_course_commands():
    commands = []
    for path in DOCS:
        for line in code_lines(path):
            words = shlex.split(line)
            if words and words[0].endswith("rnn-course"):
                commands.append(pytest.param(words[1:], id=f"{path.name}: {line[:60]}"))
    return commands


@pytest.mark.parametrize("argv", rnn_course_commands())
def test_every_documented_command_parses(argv):
    build_parser().parse_args(argv)  # a usage error exits, failing the test


def test_the_guide_documents_the_commands_the_tests_run():
    guide = "\n".join(code_lines(ROOT / "docs" / "instructors.md"))
    for command in ("release --bundle", "grade submissions/", "report grades/gradebook.csv",
                    "gradescope 01_rnn_cell --out autograder.zip", "release --nbgrader",
                    "slides slides/", "--format canvas", "--student-id",
                    "nbgrader generate_assignment 01_rnn_cell --create",
                    "nbgrader autograde 01_rnn_cell --create"):  # fmt: skip
        assert command in guide, command


def test_the_readme_is_for_learners_and_links_the_guides():
    readme = (ROOT / "README.md").read_text()
    headings = re.findall(r"^## (.+)$", readme, flags=re.M)
    assert headings[:4] == ["Who it is for", "Lesson map", "Quick start", "Troubleshooting"]
    assert "## Security" not in readme and "## For instructors" not in readme
    for link in ("docs/instructors.md", "docs/security.md"):
        assert f"]({link})" in readme and (ROOT / link).is_file()


def test_the_guide_explains_every_status_and_times_every_lesson():
    guide = (ROOT / "docs" / "instructors.md").read_text()
    for status in STATUSES:
        assert f"| `{status}` |" in guide, status
    grade_help = build_parser()._subparsers._group_actions[0].choices["grade"].description
    assert all(status in grade_help for status in STATUSES)  # the same list as the grader's help
    timing = guide.split("## 10.")[1]
    for lesson in LESSONS:
        assert f"| {lesson.number} " in timing, lesson.slug
    for question in re.findall(r"`(\d\d\.\w+)`", timing):
        module = __import__(f"rnn_course.questions.lesson{question[:2]}", fromlist=["QUESTIONS"])
        assert question in module.QUESTIONS, question
