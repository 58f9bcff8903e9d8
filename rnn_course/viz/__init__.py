"""Plotting helpers for the lessons, one module per theme (import the module you need):

    graphs    -- the RNN cell and the unrolled graph, hidden-state heatmaps, activation curves
    layouts   -- where each number of the input, output and h_n tensors lives
    training  -- loss curves and gradient norms
    padding   -- padded and packed batches of sequences of different lengths
    gates     -- the LSTM and GRU cells as diagrams, and accuracy per seed (lessons 12-14)
    style     -- the one look they share: 100 dpi, at least 550 px wide, no text below 9 pt

Every function draws into a new figure and returns it; nothing is shown, saved or styled globally.
Figures number time as the course does: inputs x_1..x_L, states h_1..h_L, h_0 the initial state.
"""
