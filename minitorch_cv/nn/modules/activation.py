"""Activation layers: ReLU, Sigmoid, Tanh, Softmax, LogSoftmax (thin wrappers over nn.functional)."""
from .. import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0) elementwise; the gradient at exactly 0 is 0, as in torch.

    With ``inplace=True`` the input tensor itself is updated and returned (autograd records it
    as torch does, so ``nn.ReLU(inplace=True)`` after a BatchNorm or a residual sum works).
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise, without overflow for large |x|."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """Softmax along ``dim`` (rows sum to 1); without ``dim`` torch's legacy choice applies, with a warning."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax) along ``dim``, computed stably (pair it with NLLLoss)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"
