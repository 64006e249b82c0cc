"""2-D max pooling, ``torch.nn.functional.max_pool2d``, with torch's argmax indices.

The forward keeps, per output, the flat position ``ih * W + iw`` of the chosen input element
(torch's ``return_indices`` format); the backward scatters the output gradient there. Ties go
to the first maximum in row-major window order and NaN always wins, as in torch's CPU kernel.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..kernels.maxpool import (max_pool2d_backward, max_pool2d_direct, max_pool2d_forward, max_pool2x2_forward,
                               max_pool2x2_values)
from ..kernels.sizes import pool_output_size
from ..tensor import Tensor
from .conv import as_pair
from .tiles import items_per_tile, run_tiles


class MaxPool2d(Function):
    """Max pooling of ``x`` [..., H, W] (any leading dims, pooled plane by plane); fills ``indices``.

    ``indices`` is an int64 array of the output's shape that the caller allocates (and may
    return to the user), or None when neither the caller nor a backward will read it (then no
    indices are written: inference's 3x3 stride-2 pool runs 5x faster without them); ``window`` is (kernel, stride, padding, dilation),
    each an (h, w) pair; ``out_size`` the output's (height, width).
    """

    backward_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, indices, window, out_size):
        kernel, stride, padding, dilation = window
        height, width = x.shape[-2:]
        planes = x.reshape(-1, height, width)
        if not planes.flags.c_contiguous:
            planes = np.ascontiguousarray(planes)
        out_shape = x.shape[:-2] + tuple(out_size)
        out = np.empty(out_shape, dtype=x.dtype)
        out_planes = out.reshape(-1, *out.shape[-2:])
        fast = _is_plain_2x2(window, out.shape[-2:], (height, width))
        index_planes = None if indices is None else indices.reshape(out_planes.shape)
        direct = width <= (DIRECT_MAX_WIDTH_INDEXED if indices is not None else DIRECT_MAX_WIDTH)
        empty = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min

        def pool_tiles(tiles):
            for start, stop in tiles:
                index_tile = None if index_planes is None else index_planes[start:stop]
                if fast and index_tile is None:
                    max_pool2x2_values(planes[start:stop], out_planes[start:stop])
                elif fast:
                    max_pool2x2_forward(planes[start:stop], out_planes[start:stop], index_tile)
                else:
                    general = max_pool2d_direct if direct else max_pool2d_forward
                    general(planes[start:stop], out_planes[start:stop], index_tile,
                            *kernel, *stride, *padding, *dilation, empty)

        count = planes.shape[0]
        run_tiles(pool_tiles, count, _planes_per_tile(count, height * width * x.itemsize))
        ctx.save_for_backward(index_planes)
        ctx.x_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_arrays
        count, out_h, out_w = indices.shape
        plane_size = ctx.x_shape[-2] * ctx.x_shape[-1]
        grad_x = np.empty(ctx.x_shape, dtype=grad.dtype)
        flat_grad = np.ascontiguousarray(grad).reshape(count, out_h * out_w)
        flat_indices, flat_grad_x = indices.reshape(count, out_h * out_w), grad_x.reshape(count, plane_size)

        def unpool_tiles(tiles):
            for start, stop in tiles:
                max_pool2d_backward(flat_grad[start:stop], flat_indices[start:stop], flat_grad_x[start:stop])

        run_tiles(unpool_tiles, count, _planes_per_tile(count, plane_size * grad.itemsize))
        return grad_x, None


DIRECT_MAX_WIDTH_INDEXED = 64
DIRECT_MAX_WIDTH = 16
"""Up to these plane widths (with indices, values only) the general case visits window by window
(``max_pool2d_direct``); wider planes take the separable kernel. Measured, 3x3 stride 2 padding 1,
float32, one thread (ms, separable -> direct): with indices 4096 planes 16x16 15.7 -> 6.6, 1024
of 32x32 11.7 -> 9.1, 256 of 56x56 7.8 -> 6.5, 64 of 112x112 4.5 -> 5.4; values only 4096 of 8x8
2.5 -> 0.9, 16x16 3.8 -> 3.6, 1024 of 32x32 4.0 -> 6.2."""


def _planes_per_tile(count, plane_bytes):
    """Planes per tile: small inputs stay in one tile (run inline), large ones split for the workers."""
    return items_per_tile(count, plane_bytes, budget=256 * 1024)


def _is_plain_2x2(window, out_size, in_size):
    """The unrolled forward applies (4x faster than the general one): 2x2 windows, stride 2,
    no padding or dilation, none partial."""
    kernel, stride, padding, dilation = window
    return (kernel == (2, 2) and stride == (2, 2) and padding == (0, 0) and dilation == (1, 1)
            and out_size == (in_size[0] // 2, in_size[1] // 2))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over (dilated) windows of ``input`` [N, C, H, W] or unbatched [C, H, W], as torch.

    ``stride`` defaults to ``kernel_size``; ``padding`` (implicit -inf) is at most half the
    kernel; with ``ceil_mode`` a partial last window counts unless it would start in the right
    padding. Output size: floor((H + 2*padding - dilation*(k-1) - 1) / stride) + 1 (or ceil).
    With ``return_indices`` also returns the int64 argmax positions ``ih * W + iw`` per plane.
    """
    check_planes(input, "max_pool2d")
    if input.dtype.name == "bool":
        raise RuntimeError("max_pool2d: expected a floating point or int64 input, got bool")
    window = pool_window(kernel_size, stride, padding, dilation)
    kernel, stride, padding, dilation = window
    height, width = input.shape[-2:]
    out_h = pool_output_size(height, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    out_w = pool_output_size(width, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    if out_h < 1 or out_w < 1:
        raise RuntimeError(f"max_pool2d: input of shape {list(input.shape)} is too small for kernel_size={kernel}, "
                           f"stride={stride}, padding={padding}, dilation={dilation}: output would be "
                           f"{out_h} x {out_w}")
    index_shape = tuple(input.shape[:-2]) + (out_h, out_w)
    if return_indices:
        indices = np.empty(index_shape, dtype=np.int64)
    elif input.requires_grad and is_grad_enabled():
        indices = np.empty(index_shape, dtype=_internal_index_dtype(height * width))
    else:
        indices = None
    out = MaxPool2d.apply(input, indices, window=window, out_size=(out_h, out_w))
    return (out, Tensor._wrap(indices)) if return_indices else out


def check_planes(input, function):
    """``input`` must be a Tensor of shape [N, C, H, W] or [C, H, W] with non-zero C, H, W."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{function}: expected input to be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(f"{function}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input with non-zero "
                           f"C, H, W (N may be 0), got input of shape {list(input.shape)}")


def _internal_index_dtype(plane_size):
    """The narrowest integer type for argmax positions only the backward reads: the backward's
    memory traffic is mostly these indices (int16 for CIFAR's planes instead of int64: 1/4)."""
    return next(dtype for dtype in (np.int16, np.int32, np.int64) if plane_size <= np.iinfo(dtype).max)


def pool_window(kernel_size, stride, padding, dilation, function="max_pool2d"):
    """Validated (kernel, stride, padding, dilation) pairs, with torch's checks and defaults
    (shared by max and average pooling; ``function`` names the caller in errors)."""
    kernel = as_pair(kernel_size, "kernel_size", function)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else as_pair(stride, "stride", function)
    padding = as_pair(padding, "padding", function)
    dilation = as_pair(dilation, "dilation", function)
    for name, pair in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if min(pair) < 1:
            raise RuntimeError(f"{function}: {name} must be positive, got {name}={pair}")
    if min(padding) < 0:
        raise RuntimeError(f"{function}: padding must be non-negative, got padding={padding}")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise RuntimeError(f"{function}: padding should be at most half of kernel_size, "
                           f"got padding={padding}, kernel_size={kernel}")
    return kernel, stride, padding, dilation
