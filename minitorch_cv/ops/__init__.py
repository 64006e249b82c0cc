"""Differentiable ops: each Function's forward and backward side by side, NumPy glue only."""
