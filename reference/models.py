"""The PyTorch twin of ``minitorch_cv.models.CIFAR10CNN``: same layers, same state_dict keys.

The layers come from the same builder, ``tutorial_sequential``, given ``torch.nn``.
"""
from torch import nn

from minitorch_cv.models import check_activation, tutorial_sequential


class CIFAR10CNN(nn.Module):
    """The tutorial's CIFAR-10 network in PyTorch; ``activation="relu"`` adds a ReLU per convolution."""

    def __init__(self, activation="none"):
        super().__init__()
        self.activation = check_activation(activation)
        self.model = tutorial_sequential(nn, activation)

    def forward(self, x):
        return self.model(x)

    def extra_repr(self):
        return f"activation={self.activation!r}"


def _cifar_resnet_class():
    import torch.nn.functional as F

    from minitorch_cv.models.cifar_resnet import resnet_classes
    return resnet_classes(nn, F)[1]


CIFARResNet = _cifar_resnet_class()
