"""Vision data: ``datasets`` (CIFAR10, ImageFolder) and ``transforms``, as in torchvision."""
from . import datasets, transforms

__all__ = ["datasets", "transforms"]
