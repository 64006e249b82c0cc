"""Utilities mirroring ``torch.utils``: only ``data`` (datasets, samplers, DataLoader)."""
from . import data

__all__ = ["data"]
