"""PyTorch twins of minitorch_cv's models and the conversions between the two.

This package may import torch; ``minitorch_cv`` itself never does.
"""
