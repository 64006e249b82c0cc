"""The PyTorch twin of ``minitorch_cv.models.CIFAR10CNN``: same layers, same state_dict keys."""
from torch import nn



class CIFAR10CNN(nn.Module):
    """The tutorial's CIFAR-10 network in PyTorch; ``activation="relu"`` adds a ReLU per convolution."""

    def __init__(self, activation="none"):
        super().__init__()
        if activation not in ("none", "relu"):
            raise ValueError(f"CIFAR10CNN: activation must be one of ('none', 'relu'), got {activation!r}")
        self.activation = activation

        def block(in_channels, out_channels):
            conv = [nn.Conv2d(in_channels, out_channels, 5, 1, 2)]
            return conv + ([nn.ReLU()] if activation == "relu" else []) + [nn.MaxPool2d(2, 2)]

        self.model = nn.Sequential(*block(3, 32), *block(32, 32), *block(32, 64),
                                   nn.Flatten(), nn.Linear(1024, 10))

    def forward(self, x):
        return self.model(x)

    def extra_repr(self):
        return f"activation={self.activation!r}"
