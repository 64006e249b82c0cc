"""Dropout (elementwise) and feature dropout (whole channels): inverted scaling by 1 / (1 - p).

In training each element (or each [N, C] channel) is kept with probability ``1 - p`` and the
kept values are scaled by ``1 / (1 - p)``, so eval mode is the identity. The mask comes from
the project's generator (``minitorch_cv.manual_seed``); the backward multiplies the upstream
gradient by the same scaled mask.
"""
import numpy as np

from ..autograd.function import Function
from ..random import numpy_generator
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
    """0 / (1 / (1 - p)) values of ``shape``: each kept with probability 1 - p."""
    keep = numpy_generator(generator).random(shape) < 1.0 - p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return keep.astype(dtype) * dtype.type(scale)


def check_probability(p):
    """torch's check of a dropout probability (module constructor and functional)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False, feature=False):
    """Zero elements (``feature``: whole channels [N, C, 1, ...]) with probability ``p``, scale the rest."""
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): argument 'input' must be a Tensor, not {type(input).__name__}")
    check_probability(p)
    if not training or input.numel() == 0:
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
