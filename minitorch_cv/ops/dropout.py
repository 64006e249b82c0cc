"""Dropout (elementwise) and feature dropout (whole channels): inverted scaling by 1 / (1 - p).

In training each element (or each [N, C] channel) is kept with probability ``1 - p`` and the
kept values are scaled by ``1 / (1 - p)``, so eval mode is the identity. The mask is drawn as
torch's CPU dropout draws it: ``bernoulli_(1 - p)`` on a tensor of the mask's shape from the
project's generator (``minitorch_cv.manual_seed``), divided by ``1 - p`` in the data type; p = 0
returns the input and p = 1 multiplies by zero, both without drawing. So after the same seed
the masks are torch's. The backward multiplies the upstream gradient by the same mask.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor


class Dropout(Function):
    """``x * mask`` where ``mask`` holds 0 or 1 / (1 - p), broadcast against ``x``."""

    backward_name = "MulBackward0"

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        ctx.shape = x.shape
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_arrays
        return np.broadcast_to(grad * mask, ctx.shape), None


def keep_mask(shape, p, dtype, generator=None):
    """0 or 1 / (1 - p) values of ``shape`` (NumPy ``dtype``): each kept with probability 1 - p."""
    if p == 1:
        return np.zeros((), dtype)
    noise = Tensor._wrap(np.empty(shape, dtype)).bernoulli_(1 - p, generator=generator)._data
    return noise / dtype.type(1 - p)


def check_probability(p):
    """torch's check of a dropout probability (module constructor and functional)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False, feature=False):
    """Zero elements (``feature``: whole channels [N, C, 1, ...]) with probability ``p``, scale the rest."""
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): argument 'input' must be a Tensor, not {type(input).__name__}")
    check_probability(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"dropout: expected a floating-point input, got {input.dtype!r}")
    if feature:
        if input.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    else:
        shape = tuple(input.shape)
    out = Dropout.apply(input, keep_mask(shape, p, input._data.dtype))
    return input._update(out) if inplace else out
