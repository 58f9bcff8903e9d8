"""Exercises for training: loss, the cell's backward pass, gradient clipping, padded batches."""
