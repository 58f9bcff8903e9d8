"""The package's layout shows its architecture: each module imports only from its own room or the
rooms below it, never upward. And the browser tests, split over several files, still cover every
answer key."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rnn_course"

# The rooms of rnn_course, lowest first. A module may import from its own row and the rows above it.
ROOMS = [
    # leaves: each imports nothing from rnn_course outside itself
    [
        "files",
        "executor",
        "lessons",
        "card",
        "data",
        "viz",
        "reference",
        "models",
        "gradients",
        "train",
    ],
    ["allowlist"],  # the grader's rules, which check() applies too (imports no course module)
    ["adapters", "gating", "seq2seq", "seq2seq_adapters"],  # course models and tasks on the leaves
    ["predict", "questions"],  # predict-then-run questions (questions are written with predict)
    ["exercises"],  # the exercise checkers
    ["release", "site"],  # building the course: learner notebooks, the website
    ["grading"],  # the grader runs the checkers on submissions
    ["instructor"],  # bundle, nbgrader, Gradescope, report, slides: built on release and grading
    ["cli"],  # the command line reaches everything
]
LEVEL = {room: level for level, rooms in enumerate(ROOMS) for room in rooms}


def _room(path, package_dir):
    """The top-level room of a file in the package: ``exercises/core.py`` -> ``exercises``."""
    return path.relative_to(package_dir).parts[0].removesuffix(".py")


def _imported_rooms(path, package_dir):
    """The rooms of rnn_course that the module at ``path`` imports (names from ``__init__`` excluded)."""
    package = path.relative_to(package_dir.parent).with_suffix("").parts[:-1]  # ("rnn_course", ...)
    targets = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            if node.module:
                targets.append([*base, *node.module.split(".")])
            else:
                targets += [[*base, alias.name] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnn_course"):
            targets.append(node.module.split("."))
        elif isinstance(node, ast.Import):
            targets += [a.name.split(".") for a in node.names if a.name.startswith("rnn_course")]
    return {t[1] for t in targets if len(t) > 1 and t[1] in LEVEL}


def _modules(package_dir):
    return [p for p in sorted(package_dir.rglob("*.py")) if p != package_dir / "__init__.py"]


def _imports_against_the_layout(package_dir):
    """Every import of a higher room, or of another room by a leaf, as "file imports room"."""
    found = []
    for path in _modules(package_dir):
        room = _room(path, package_dir)
        for target in sorted(_imported_rooms(path, package_dir) - {room}):
            if LEVEL[target] > LEVEL[room] or LEVEL[room] == 0:
                found.append(f"{path.relative_to(package_dir)} imports {target}")
    return found


def test_every_room_of_the_package_has_a_place_in_the_layout():
    rooms = {_room(p, PACKAGE) for p in _modules(PACKAGE)}
    assert rooms == set(LEVEL), (
        f"rooms without a row in ROOMS: {sorted(rooms - set(LEVEL))}; "
        f"rows naming no room: {sorted(set(LEVEL) - rooms)}"
    )


def test_no_module_imports_upward_and_leaves_import_no_other_room():
    found = _imports_against_the_layout(PACKAGE)
    assert not found, "imports against the layout:\n" + "\n".join(found)


def test_the_layout_check_names_upward_imports_and_accepts_downward_ones(tmp_path):
    fake = tmp_path / "rnn_course"
    (fake / "exercises").mkdir(parents=True)
    (fake / "reference.py").write_text("from .grading import runner\nimport rnn_course.models\n")
    (fake / "exercises" / "core.py").write_text(
        "from ..reference import RNN\nfrom . import cases\n"
    )
    (fake / "site.py").write_text("from rnn_course.cli import main\nfrom .release import check\n")
    assert _imports_against_the_layout(fake) == [
        "reference.py imports grading",
        "reference.py imports models",
        "site.py imports cli",
    ]
