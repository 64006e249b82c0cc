"""``diagonal`` and ``Tensor.unfold`` as views, as in torch: the result shares the input's memory
(through NumPy strides), so in-place writes to it outside the graph reach the base tensor.

Backward: diagonal writes the gradient onto the diagonal of zeros; unfold adds each window
offset's gradient back onto the strided positions it came from (windows may overlap).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function


def _diagonal_view(x, offset, a, b):
    moved = np.moveaxis(x, (a, b), (-2, -1))
    rows, cols = moved.shape[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    length = max(min(rows - start_row, cols - start_col), 0)
    start = moved[..., min(start_row, rows):, min(start_col, cols):]
    return as_strided(start, moved.shape[:-2] + (length,), moved.strides[:-2] + (sum(moved.strides[-2:]),))


class Diagonal(Function):
    """The diagonal over axes ``a``/``b`` (offset above the main one if positive), as a new last dim."""

    backward_name = "DiagonalBackward0"

    @staticmethod
    def forward(ctx, x, offset, a, b):
        ctx.shape, ctx.dtype, ctx.args = x.shape, x.dtype, (offset, a, b)
        return _diagonal_view(x, offset, a, b)

    @staticmethod
    def backward(ctx, grad):
        grad_x = np.zeros(ctx.shape, dtype=grad.dtype)
        _diagonal_view(grad_x, *ctx.args)[...] = grad
        return grad_x


def _windows(x, axis, size, step):
    count = (x.shape[axis] - size) // step + 1
    shape = x.shape[:axis] + (count,) + x.shape[axis + 1:] + (size,)
    strides = x.strides[:axis] + (x.strides[axis] * step,) + x.strides[axis + 1:] + (x.strides[axis],)
    return as_strided(x, shape, strides)


class Unfold(Function):
    """Windows of ``size`` every ``step`` along ``axis``, as a new last dim."""

    backward_name = "UnfoldBackward0"

    @staticmethod
    def forward(ctx, x, axis, size, step):
        ctx.shape, ctx.args = x.shape, (axis, size, step)
        return _windows(x, axis, size, step)

    @staticmethod
    def backward(ctx, grad):
        axis, size, step = ctx.args
        grad_x = np.zeros(ctx.shape, dtype=grad.dtype)
        count = grad.shape[axis]
        moved_x, moved_grad = np.moveaxis(grad_x, axis, 0), np.moveaxis(grad, axis, 0)
        for offset in range(size):    # window element ``offset`` of window i sits at i * step + offset
            moved_x[offset:offset + (count - 1) * step + 1:step] += moved_grad[..., offset]
        return grad_x
