"""Image transforms with ``torchvision.transforms``' names (``functional`` holds the ops)."""
from . import functional
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, Lambda, Normalize, RandomCrop,
                         RandomHorizontalFlip, RandomVerticalFlip, Resize, ToTensor, supports_batch)

__all__ = ["CenterCrop", "ColorJitter", "Compose", "InterpolationMode", "Lambda", "Normalize",
           "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "Resize", "ToTensor",
           "functional", "supports_batch"]
