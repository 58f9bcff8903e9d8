"""nbval runs the answer keys only.

Answer keys (``notebooks/solutions/``) keep their outputs and nbval compares them cell by cell
(strict mode, from ``addopts`` in pyproject.toml). Learner notebooks are released without outputs, so
there is nothing to compare: ``tests/test_learner_notebooks.py`` runs each of them once top to bottom
and shares the executed copy with the website's browser test, so nbval leaves them alone here.
"""

collect_ignore_glob = ["notebooks/[0-9][0-9]_*.ipynb"]
