"""2-D average pooling, ``torch.nn.functional.avg_pool2d``: forward and backward.

The input is zero-padded (enough on the right for ceil_mode's partial windows) and the window
sum is built by adding one strided slice per kernel offset (kh * kw slices, as Chainer does);
the backward adds the divided gradient back through the same slices. Divisors follow torch:
``divisor_override`` if given; else with ``count_include_pad`` the window clipped to the padded
input (the ceil_mode overhang beyond the right padding never counts); else only the real
input elements the window covers.
"""
import numpy as np

from ..autograd.function import Function
from ..kernels.sizes import pool_output_size
from .pooling import check_planes, pool_window


def _divisors(size, out_size, kernel, stride, padding, count_include_pad):
    """Per-output-position divisor along one axis (the 2-D divisor is the outer product)."""
    starts = np.arange(out_size) * stride - padding
    ends = np.minimum(starts + kernel, size + padding)
    if count_include_pad:
        return ends - starts
    return np.minimum(ends, size) - np.maximum(starts, 0)


def _offsets(window, out_size):
    """(row slice, col slice) into the padded input for each kernel offset."""
    (kh, kw), (sh, sw) = window[0], window[1]
    oh, ow = out_size
    return [(slice(i, i + (oh - 1) * sh + 1, sh), slice(j, j + (ow - 1) * sw + 1, sw))
            for i in range(kh) for j in range(kw)]


class AvgPool2d(Function):
    """Mean over windows of ``x`` [..., H, W]; ``window`` is (kernel, stride, padding) pairs."""

    backward_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, window, out_size, count_include_pad, divisor_override):
        (kh, kw), (sh, sw), (ph, pw) = window
        height, width = x.shape[-2:]
        padded_shape = (max(height + 2 * ph, (out_size[0] - 1) * sh + kh),
                        max(width + 2 * pw, (out_size[1] - 1) * sw + kw))
        padded = np.zeros(x.shape[:-2] + padded_shape, dtype=x.dtype)
        padded[..., ph:ph + height, pw:pw + width] = x
        total = np.zeros(x.shape[:-2] + tuple(out_size), dtype=x.dtype)
        for rows, cols in _offsets(window, out_size):
            total += padded[..., rows, cols]
        if divisor_override:
            divisor = np.full(tuple(out_size), divisor_override, dtype=x.dtype)
        else:
            divisor = np.outer(_divisors(height, out_size[0], kh, sh, ph, count_include_pad),
                               _divisors(width, out_size[1], kw, sw, pw, count_include_pad)).astype(x.dtype)
        ctx.window, ctx.divisor, ctx.x_shape, ctx.padded_shape = window, divisor, x.shape, padded_shape
        return total / divisor

    @staticmethod
    def backward(ctx, grad):
        (ph, pw) = ctx.window[2]
        height, width = ctx.x_shape[-2:]
        share = grad / ctx.divisor
        grad_padded = np.zeros(ctx.x_shape[:-2] + ctx.padded_shape, dtype=grad.dtype)
        for rows, cols in _offsets(ctx.window, grad.shape[-2:]):
            grad_padded[..., rows, cols] += share
        return grad_padded[..., ph:ph + height, pw:pw + width].copy()


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average over windows of ``input`` [N, C, H, W] or [C, H, W], with torch's arguments.

    Output size as max pooling: floor((H + 2*padding - kernel) / stride) + 1, or ceil with
    ``ceil_mode`` (a last window that would start in the right padding is dropped).
    """
    check_planes(input, "avg_pool2d")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"avg_pool2d: expected a floating-point input, got {input.dtype!r}")
    kernel, stride, padding, _ = pool_window(kernel_size, stride, padding, 1, "avg_pool2d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    height, width = input.shape[-2:]
    out_size = tuple(pool_output_size(size, k, s, p, 1, ceil_mode)
                     for size, k, s, p in zip((height, width), kernel, stride, padding))
    if min(out_size) < 1:
        raise RuntimeError(f"avg_pool2d: Given input size: ({'x'.join(map(str, input.shape[-3:]))}). "
                           f"Calculated output size: ({input.shape[-3]}x{out_size[0]}x{out_size[1]}). "
                           "Output size is too small")
    return AvgPool2d.apply(input, window=(kernel, stride, padding), out_size=out_size,
                           count_include_pad=bool(count_include_pad), divisor_override=divisor_override)
