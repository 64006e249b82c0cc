"""``Flatten``: merge dims start_dim..end_dim (by default everything but the batch dim)."""
from ._checks import check_input
from .module import Module


class Flatten(Module):
    """Flattens dims ``start_dim`` to ``end_dim``: (N, C, H, W) -> (N, C*H*W) by default.

    Example::

        >>> nn.Flatten()(minitorch_cv.zeros(32, 64, 5, 5)).shape
        minitorch_cv.Size([32, 1600])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        check_input(self, input)
        rank = max(input.ndim, 1)
        for dim in (self.start_dim, self.end_dim):
            if not -rank <= dim < rank:
                raise RuntimeError(f"{self!r}: input of shape {list(input.shape)} has no dimension {dim}")
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
