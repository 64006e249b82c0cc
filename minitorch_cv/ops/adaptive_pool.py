"""Adaptive average and max pooling (``F.adaptive_avg_pool2d``, ``F.adaptive_max_pool2d``).

Output cell ``i`` of an axis of input size ``In`` and output size ``Out`` covers input
positions ``floor(i * In / Out)`` up to (excluding) ``ceil((i + 1) * In / Out)``; bins may
overlap when the sizes do not divide. The average is separable: ``out = A_h @ x @ A_w^T``
with ``A[i, k] = 1 / len(bin i)`` for ``k`` in bin ``i``, and the backward is
``A_h^T @ grad @ A_w``. The max keeps torch's flat ``ih * W + iw`` argmax per cell.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .pooling import check_planes


def bin_edges(in_size, out_size):
    """(starts, ends) of the ``out_size`` bins over ``in_size`` positions."""
    index = np.arange(out_size)
    return (index * in_size) // out_size, -((-(index + 1) * in_size) // out_size)


def _averaging_matrix(in_size, out_size, dtype):
    starts, ends = bin_edges(in_size, out_size)
    positions = np.arange(in_size)
    inside = (positions >= starts[:, None]) & (positions < ends[:, None])
    return (inside / (ends - starts)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Function):
    backward_name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, out_size):
        rows = _averaging_matrix(x.shape[-2], out_size[0], x.dtype)
        cols = _averaging_matrix(x.shape[-1], out_size[1], x.dtype)
        ctx.matrices = (rows, cols)
        return rows @ (x @ cols.T)

    @staticmethod
    def backward(ctx, grad):
        rows, cols = ctx.matrices
        return rows.T @ (grad @ cols), None


class AdaptiveMaxPool2d(Function):
    """The maximum of each bin (first one on ties, NaN wins); ``indices`` (int64) are filled in."""

    backward_name = "AdaptiveMaxPool2DBackward0"

    @staticmethod
    def forward(ctx, x, indices, out_size):
        height, width = x.shape[-2:]
        planes = x.reshape(-1, height, width)
        out = np.empty((planes.shape[0],) + tuple(out_size), dtype=x.dtype)
        flat_indices = indices.reshape(out.shape)
        row_starts, row_ends = bin_edges(height, out_size[0])
        col_starts, col_ends = bin_edges(width, out_size[1])
        for i, (top, bottom) in enumerate(zip(row_starts, row_ends)):
            for j, (left, right) in enumerate(zip(col_starts, col_ends)):
                window = planes[:, top:bottom, left:right].reshape(planes.shape[0], -1)
                best = np.argmax(window, axis=1)
                nan_rows = np.isnan(window).any(axis=1)
                if nan_rows.any():
                    best[nan_rows] = np.argmax(np.isnan(window[nan_rows]), axis=1)
                out[:, i, j] = window[np.arange(window.shape[0]), best]
                span = right - left
                flat_indices[:, i, j] = (top + best // span) * width + left + best % span
        ctx.save_for_backward(flat_indices)
        ctx.x_shape = x.shape
        return out.reshape(indices.shape)

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_arrays
        count = indices.shape[0]
        grad_x = np.zeros((count, ctx.x_shape[-2] * ctx.x_shape[-1]), dtype=grad.dtype)
        np.add.at(grad_x, (np.arange(count)[:, None], indices.reshape(count, -1)), grad.reshape(count, -1))
        return grad_x.reshape(ctx.x_shape), None


def _output_size(name, input, output_size):
    check_planes(input, name)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}(): expected a floating-point input, got {input.dtype!r}")
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(sizes) != 2:
        raise RuntimeError(f"{name}(): output_size must be 2, got {len(sizes)} ({output_size!r})")
    sizes = tuple(int(input.shape[-2 + axis]) if size is None else int(size) for axis, size in enumerate(sizes))
    if min(sizes) < 0:
        raise RuntimeError(f"{name}(): elements of output_size must be greater than or equal to 0 but received "
                           f"{output_size!r}")
    return sizes


def adaptive_avg_pool2d(input, output_size):
    """Average of ``input`` [N, C, H, W] or [C, H, W] over ``output_size`` bins (int, pair, None = keep)."""
    return AdaptiveAvgPool2d.apply(input, out_size=_output_size("adaptive_avg_pool2d", input, output_size))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum over adaptive bins; with ``return_indices`` also the flat int64 argmax ``ih * W + iw``."""
    out_size = _output_size("adaptive_max_pool2d", input, output_size)
    indices = np.empty(tuple(input.shape[:-2]) + out_size, dtype=np.int64)
    out = AdaptiveMaxPool2d.apply(input, indices, out_size=out_size)
    return (out, Tensor._wrap(indices)) if return_indices else out
