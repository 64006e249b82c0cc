"""The tutorial's CIFAR-10 network, written exactly as the PyTorch tutorial writes it.

``reference/models.py`` holds its PyTorch twin; both give the same ``state_dict`` keys, so
weights move between them unchanged.
"""
from .. import nn

ACTIVATIONS = ("none", "relu")


def cifar10_cnn_state_keys(activation="none"):
    """The ``state_dict`` keys of ``CIFAR10CNN(activation)``, in order.

    ``activation="none"`` (the tutorial): ``model.0``, ``model.2``, ``model.4`` (convolutions)
    and ``model.7`` (linear). ``"relu"`` puts a ReLU after each convolution, which shifts the
    indices to ``model.0``, ``model.3``, ``model.6`` and ``model.10``.
    """
    step = 2 if activation == "none" else 3
    indices = (0, step, 2 * step, 3 * step + 1)
    return [f"model.{i}.{name}" for i in indices for name in ("weight", "bias")]


def check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"CIFAR10CNN: activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def tutorial_sequential(nn_module, activation="none"):
    """The tutorial's ``nn.Sequential``, built from ``nn_module``: ``minitorch_cv.nn`` or ``torch.nn``.

    The two APIs match, so this one builder serves both the model and its PyTorch twin.
    """
    def block(in_channels, out_channels):
        conv = [nn_module.Conv2d(in_channels, out_channels, 5, 1, 2)]
        relu = [nn_module.ReLU()] if check_activation(activation) == "relu" else []
        return conv + relu + [nn_module.MaxPool2d(2, 2)]

    return nn_module.Sequential(*block(3, 32), *block(32, 32), *block(32, 64),
                                nn_module.Flatten(), nn_module.Linear(1024, 10))


class CIFAR10CNN(nn.Module):
    """Three 5x5 convolutions, each followed by 2x2 max pooling, then one linear layer.

    Args:
        activation (str): ``"none"`` (default, the tutorial's model: no non-linearity
            between layers) or ``"relu"`` (a ReLU after each convolution).

    Shape:
        - Input: ``(N, 3, 32, 32)`` float32 images.
        - Output: ``(N, 10)`` class scores (logits).

    Example::

        model = CIFAR10CNN()
        logits = model(torch.zeros(64, 3, 32, 32))   # [64, 10]
    """

    def __init__(self, activation="none"):
        super().__init__()
        self.activation = check_activation(activation)
        self.model = tutorial_sequential(nn, activation)

    def forward(self, x):
        return self.model(x)

    def extra_repr(self):
        return f"activation={self.activation!r}"
