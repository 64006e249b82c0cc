"""Ready-made models: the tutorial's CIFAR10CNN and the CIFAR ResNets of He et al. 2016."""
from .cifar10_cnn import ACTIVATIONS, CIFAR10CNN, cifar10_cnn_state_keys, check_activation, tutorial_sequential
from .cifar_resnet import (CIFARResNet, cifar_resnet20, cifar_resnet32, cifar_resnet44, cifar_resnet56,
                           cifar_resnet110)

__all__ = ["ACTIVATIONS", "CIFAR10CNN", "cifar10_cnn_state_keys", "check_activation", "tutorial_sequential",
           "CIFARResNet", "cifar_resnet20", "cifar_resnet32", "cifar_resnet44", "cifar_resnet56", "cifar_resnet110"]
