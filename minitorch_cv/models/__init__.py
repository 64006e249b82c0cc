"""Ready-made models: the tutorial's CIFAR10CNN."""
from .cifar10_cnn import ACTIVATIONS, CIFAR10CNN, cifar10_cnn_state_keys, check_activation, tutorial_sequential

__all__ = ["ACTIVATIONS", "CIFAR10CNN", "cifar10_cnn_state_keys", "check_activation", "tutorial_sequential"]
