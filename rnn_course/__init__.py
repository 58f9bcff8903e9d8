"""rnn-course: a Jupyter course on recurrent neural networks with PyTorch.

Submodules:
    reference  -- exact twins of torch.nn's RNN, LSTM and GRU (and their cells), built from elementary ops
    exercises  -- exercise checkers: ``check(exercise_id, fn)``, ``hint``, ``exercise_ids``
    predict    -- predict-then-run checks that never raise and never show the answer
    models     -- classifiers and a character model that work with nn.RNN, nn.GRU and nn.LSTM
    gradients, gating, train -- measuring gradients, the memory task of lessons 12-14, training loops
    viz, data  -- plotting and dataset helpers shared by the notebooks
    release    -- learner notebooks from answer keys; grading -- the sandboxed grader
    cli        -- the ``rnn-course`` command (release, check, grade, site)
"""

__version__ = "0.1.0"
