"""Vision data: ``datasets`` (CIFAR10, ImageFolder), ``transforms`` and ``utils`` (make_grid,
save_image), as in torchvision."""
from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
