"""Utilities mirroring ``torch.utils``: ``data`` (datasets, samplers, DataLoader) and, imported on
request because it needs the optional ``tensorboard`` package, ``tensorboard`` (SummaryWriter)."""
from . import data

__all__ = ["data"]
