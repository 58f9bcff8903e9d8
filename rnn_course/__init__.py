"""rnn-course: a Jupyter course on recurrent neural networks with PyTorch.

Submodules:
    reference  -- exact twins of torch.nn.RNNCell and torch.nn.RNN, built from elementary ops
    exercises  -- exercise checkers: ``check(exercise_id, fn)``, ``hint``, ``exercise_ids``
    viz, data  -- plotting and dataset helpers shared by the notebooks
    cli        -- the ``rnn-course`` command (release, check, grade)
"""

__version__ = "0.1.0"
