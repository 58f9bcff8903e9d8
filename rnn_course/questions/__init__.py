"""Prediction questions, one module per lesson (``lessonNN.py``), each with a dict ``QUESTIONS``.

See :mod:`rnn_course.predict`. An entry's ``why`` is shown after a wrong guess and its hints on
request; neither may state the answer.
"""
