"""1-D and 3-D max and average pooling on top of the 2-D ops (``pooling.py``, ``avg_pool.py``),
whose forward and backward they reuse; autograd differentiates the reshapes between them.

1-D pools [N, C, L] as [N, C, 1, L]. 3-D pools are separable: a box window's max is the max
over depth of the (H, W) maxima, and its mean (whichever divisor rule) is the depth mean of
the (H, W) means, since each rule's window size is a product of per-dimension sizes. So 3-D
pooling runs the 2-D op over (H, W) with depths in the channels, then over (D, 1) with the
pooled plane flattened. Ties keep torch's first maximum in (d, h, w) order.
"""
import numpy as np

from ..tensor import Tensor
from .avg_pool import avg_pool2d
from .pooling import max_pool2d


def _tuple(value, length, name, function, default=None):
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0 and default is not None):
        return default
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        raise TypeError(f"{function}(): argument '{name}' must be an int or a tuple of {length} ints, got {value!r}")
    if len(items) == 1:
        items = items * length
    if len(items) != length:
        raise RuntimeError(f"{function}() argument '{name}' should contain {'one int' if length == 1 else length} "
                           f"(got {len(items)})")
    return tuple(int(v) for v in items)


def _check(input, dims, function):
    if not isinstance(input, Tensor):
        raise TypeError(f"{function}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if input.ndim not in dims or 0 in input.shape[1:]:
        raise RuntimeError(f"{function}: expected a non-empty {dims[0]}D or {dims[1]}D (batch mode) input, got "
                           f"input of shape {list(input.shape)}")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average over windows of ``input`` [N, C, L] or [C, L], as torch."""
    _check(input, (2, 3), "avg_pool1d")
    kernel = _tuple(kernel_size, 1, "kernel_size", "avg_pool1d")
    stride = _tuple(stride, 1, "stride", "avg_pool1d", default=kernel)
    padding = _tuple(padding, 1, "padding", "avg_pool1d")
    out = avg_pool2d(input.unsqueeze(-2), (1,) + kernel, (1,) + stride, (0,) + padding, ceil_mode, count_include_pad)
    return out.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over (dilated) windows of ``input`` [N, C, L] or [C, L]; indices are positions along L."""
    _check(input, (2, 3), "max_pool1d")
    kernel = _tuple(kernel_size, 1, "kernel_size", "max_pool1d")
    stride = _tuple(stride, 1, "stride", "max_pool1d", default=kernel)
    padding = _tuple(padding, 1, "padding", "max_pool1d")
    dilation = _tuple(dilation, 1, "dilation", "max_pool1d")
    result = max_pool2d(input.unsqueeze(-2), (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation,
                        ceil_mode, return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def _batched(input):
    return (input, False) if input.ndim == 5 else (input.unsqueeze(0), True)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average over windows of ``input`` [N, C, D, H, W] or [C, D, H, W], as torch."""
    _check(input, (4, 5), "avg_pool3d")
    kernel = _tuple(kernel_size, 3, "kernel_size", "avg_pool3d")
    stride = _tuple(stride, 3, "stride", "avg_pool3d", default=kernel)
    padding = _tuple(padding, 3, "padding", "avg_pool3d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool3d: divisor must be not zero")
    x, unbatched = _batched(input)
    batch, channels, depth = x.shape[:3]
    summed = divisor_override is not None   # window sums (divisor 1 in both stages), divided once at the end
    divisor = 1 if summed else None
    planes = avg_pool2d(x.reshape(batch, channels * depth, *x.shape[3:]), kernel[1:], stride[1:], padding[1:],
                        ceil_mode, count_include_pad, divisor)
    rows = planes.reshape(batch, channels, depth, -1)
    out = avg_pool2d(rows, (kernel[0], 1), (stride[0], 1), (padding[0], 0), ceil_mode, count_include_pad, divisor)
    out = out.reshape(batch, channels, out.shape[2], *planes.shape[2:])
    if summed:
        out = out / divisor_override
    return out.squeeze(0) if unbatched else out


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over (dilated) windows of ``input`` [N, C, D, H, W] or [C, D, H, W]; indices are flat
    positions ``d * H * W + h * W + w`` per plane, as torch."""
    _check(input, (4, 5), "max_pool3d")
    kernel = _tuple(kernel_size, 3, "kernel_size", "max_pool3d")
    stride = _tuple(stride, 3, "stride", "max_pool3d", default=kernel)
    padding = _tuple(padding, 3, "padding", "max_pool3d")
    dilation = _tuple(dilation, 3, "dilation", "max_pool3d")
    x, unbatched = _batched(input)
    batch, channels, depth, height, width = x.shape
    planes, plane_index = max_pool2d(x.reshape(batch, channels * depth, height, width), kernel[1:], stride[1:],
                                     padding[1:], dilation[1:], ceil_mode, return_indices=True)
    out_hw = planes.shape[2:]
    rows = planes.reshape(batch, channels, depth, -1)
    out, row_index = max_pool2d(rows, (kernel[0], 1), (stride[0], 1), (padding[0], 0), (dilation[0], 1),
                                ceil_mode, return_indices=True)
    out = out.reshape(batch, channels, out.shape[2], *out_hw)
    if return_indices:
        plane_size = rows.shape[3]
        chosen_depth = row_index.numpy() // plane_size
        within = np.take_along_axis(plane_index.numpy().reshape(rows.shape), chosen_depth, axis=2)
        index = Tensor._wrap((chosen_depth * (height * width) + within).reshape(out.shape))
        return (out.squeeze(0), index.squeeze(0)) if unbatched else (out, index)
    return out.squeeze(0) if unbatched else out
