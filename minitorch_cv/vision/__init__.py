"""Vision: ``datasets`` (CIFAR10, ImageFolder), ``transforms`` and ``models`` (the ImageNet zoo), as in torchvision."""
from . import datasets, models, transforms

__all__ = ["datasets", "models", "transforms"]
