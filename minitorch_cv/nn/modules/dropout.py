"""``Dropout`` and ``Dropout2d``: random zeroing in training (inverted scaling), identity in eval."""
from .. import functional as F
from ...ops.dropout import check_probability
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        check_probability(p)
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training and scale the rest by 1 / (1 - p).

    Example::

        >>> drop = nn.Dropout(0.5)
        >>> drop.eval()(minitorch_cv.ones(3))   # identity in eval
        tensor([1., 1., 1.])
    """

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of [N, C, H, W] input with probability ``p`` in training (scale the rest)."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)
