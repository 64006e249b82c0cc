"""Optimizers with torch.optim's names and update rules."""
from .optimizer import Optimizer
from .sgd import SGD
