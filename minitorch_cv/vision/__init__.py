"""Vision: ``datasets`` (CIFAR10, ImageFolder), ``transforms``, ``models`` (the ImageNet zoo) and
``utils`` (make_grid, save_image), as in torchvision."""
from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
