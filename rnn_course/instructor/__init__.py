"""Running a class with the course: what an instructor hands out, grades with and reads back.

Modules: ``bundle`` (the student bundle: learner notebooks, the package as a wheel, START.md),
``nbgrader_export`` (answer keys as nbgrader source notebooks), ``gradescope`` (Gradescope's
autograder zip and its ``run_autograder``), ``report`` (the class report from a grading run),
``roster`` (student ids and Canvas's import columns), ``slides`` (every lesson as reveal.js slides).
Nothing here runs at import time.
"""
