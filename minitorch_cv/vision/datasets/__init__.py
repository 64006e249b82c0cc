"""Datasets with ``torchvision.datasets``' names: CIFAR10 and ImageFolder."""
from .cifar import CIFAR10
from .download import DownloadError
from .folder import IMG_EXTENSIONS, ImageFolder
from .safe_pickle import UnsafePickleError

__all__ = ["CIFAR10", "DownloadError", "IMG_EXTENSIONS", "ImageFolder", "UnsafePickleError"]
