"""Plotting helpers for the lessons, one module per theme (import the module you need):

    graphs    -- the RNN cell and the unrolled graph, hidden-state heatmaps, activation curves
    layouts   -- where each number of the input, output and h_n tensors lives
    training  -- loss curves and gradient norms
    padding   -- padded and packed batches of sequences of different lengths
    real_task -- train and validation loss per epoch against a baseline (lesson 11)

Every function draws into a new figure and returns it; nothing is shown, saved or styled globally.
"""
