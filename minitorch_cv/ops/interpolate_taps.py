"""Per-axis tap tables of ``F.interpolate``: which input positions, with which weights.

One function per mode returns ``(index [Out, T] int64, weight [Out, T])`` for one spatial axis.
The arithmetic follows torch's CPU kernels (ATen ``UpSample.h`` and ``UpSampleKernel.cpp``) in
the same precision: positions and weights in the input's float type (float32 stays float32),
``floorf`` (a float32 floor) for the integer part of a source position, and the C++ mixed
float/double steps of the antialiasing filters. So the selected indices agree with torch's
exactly and the weights to the last bit or so.
"""
import math

import numpy as np

from .adaptive_pool import bin_edges


def axis_scale(dt, in_size, out_size, align_corners, scale_factor):
    """torch's ``area_pixel_compute_scale``: input step per output step along one axis."""
    if align_corners:
        return dt(in_size - 1) / dt(out_size - 1) if out_size > 1 else dt(0)
    if scale_factor is not None and scale_factor > 0:
        return dt(1.0 / scale_factor)
    return dt(in_size) / dt(out_size)


def _source(dt, scale, out_size, align_corners, cubic):
    """torch's ``area_pixel_compute_source_index`` for every output position (negative clamped unless cubic)."""
    position = np.arange(out_size).astype(dt)
    if align_corners:
        return scale * position
    source = _fused_multiply_add(scale, position + dt(0.5), dt(-0.5))
    return source if cubic else np.maximum(source, dt(0))


def _fused_multiply_add(a, b, c):
    """``a * b + c`` rounded once, as torch's kernels compute it (compiled with FMA contraction).

    For float32 the product and sum are exact in float64 (the rounding there is far below
    float32's), so one float64 evaluation rounded to float32 is the fused result.
    """
    if np.asarray(b).dtype != np.float32:
        return a * b + c
    return (np.float64(a) * np.asarray(b, np.float64) + np.float64(c)).astype(np.float32)


def _floorf(values):
    """C's ``floorf``: the value is rounded to float32 first, whatever its type."""
    return np.floor(np.asarray(values).astype(np.float32)).astype(np.int64)


def nearest(dt, in_size, out_size, scale_factor):
    """'nearest' (OpenCV's INTER_NEAREST): floor(o * scale)."""
    scale = axis_scale(dt, in_size, out_size, False, scale_factor)
    index = np.minimum(_floorf(scale * np.arange(out_size).astype(dt)), in_size - 1)
    return index[:, None], np.ones((out_size, 1), dt)


def nearest_exact(dt, in_size, out_size, scale_factor):
    """'nearest-exact' (Pillow, scikit-image): round((o + 0.5) * scale - 0.5)."""
    scale = axis_scale(dt, in_size, out_size, False, scale_factor)
    source = _source(dt, scale, out_size, False, cubic=False)
    index = np.minimum(_floorf(source.astype(np.float64) + 0.5), in_size - 1)
    return index[:, None], np.ones((out_size, 1), dt)


def linear(dt, in_size, out_size, align_corners, scale_factor):
    """Two taps around the source position, weights 1 - lambda and lambda (identity when sizes match)."""
    if in_size == out_size:
        index = np.arange(out_size)
        return np.stack([index, index], 1), np.stack([np.ones(out_size, dt), np.zeros(out_size, dt)], 1)
    scale = axis_scale(dt, in_size, out_size, align_corners, scale_factor)
    source = _source(dt, scale, out_size, align_corners, cubic=False)
    index0 = np.minimum(_floorf(source), in_size - 1)
    lambda1 = np.clip(source - index0.astype(dt), dt(0), dt(1))
    index1 = index0 + (index0 < in_size - 1)
    return np.stack([index0, index1], 1), np.stack([dt(1) - lambda1, lambda1], 1)


def _cubic_near(x, a):
    """Keys' cubic kernel for |x| <= 1."""
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic_far(x, a):
    """Keys' cubic kernel for 1 < |x| < 2."""
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def cubic(dt, in_size, out_size, align_corners, scale_factor):
    """Four taps (A = -0.75) at floor(source) - 1 .. + 2, indices clamped to the border (weights add up there)."""
    scale = axis_scale(dt, in_size, out_size, align_corners, scale_factor)
    source = _source(dt, scale, out_size, align_corners, cubic=True)
    start = np.minimum(_floorf(source), in_size - 1)
    t = np.clip(source - start.astype(dt), dt(0), dt(1))
    a, one = dt(-0.75), dt(1)
    weight = np.stack([_cubic_far(t + one, a), _cubic_near(t, a), _cubic_near(one - t, a),
                       _cubic_far(one - t + one, a)], 1)
    index = np.clip(start[:, None] + np.arange(-1, 3), 0, in_size - 1)
    return index, weight.astype(dt)


def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0).astype(x.dtype)


def _keys_half(x):
    """Keys' cubic with a = -0.5 (Pillow's), which torch's antialiased bicubic uses."""
    x = np.abs(x)
    a = x.dtype.type(-0.5)
    return np.where(x < 1, _cubic_near(x, a), np.where(x < 2, _cubic_far(x, a), 0)).astype(x.dtype)


def _lanczos3(x):
    x = np.abs(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        px, px3 = x * x.dtype.type(math.pi), x / x.dtype.type(3) * x.dtype.type(math.pi)
        sinc = np.where(x == 0, 1, np.sin(px) / px)
        sinc3 = np.where(x == 0, 1, np.sin(px3) / px3)
    return np.where(x < 3, sinc * sinc3, 0).astype(x.dtype)


FILTERS = {"bilinear": (_triangle, 2), "bicubic": (_keys_half, 4), "lanczos": (_lanczos3, 6)}


def antialiased(dt, in_size, out_size, align_corners, scale_factor, mode):
    """Pillow-style resampling: the filter stretched by the downscale factor, weights normalised to sum 1."""
    filter_fn, interp_size = FILTERS[mode]
    scale = axis_scale(dt, in_size, out_size, align_corners, scale_factor)
    widen = scale >= 1
    support = dt(interp_size * 0.5 * float(scale)) if widen else dt(interp_size * 0.5)
    taps = int(math.ceil(support)) * 2 + 1
    inv_scale = dt(1.0 / float(scale)) if widen else dt(1)
    center = (float(scale) * (np.arange(out_size) + 0.5)).astype(dt)
    start = np.maximum(np.trunc((center - support).astype(np.float64) + 0.5).astype(np.int64), 0)
    stop = np.minimum(np.trunc((center + support).astype(np.float64) + 0.5).astype(np.int64), in_size)
    count = np.clip(stop - start, 0, taps)
    offsets = np.arange(taps)
    position = (start[:, None] + offsets).astype(dt)
    distance = (((position - center[:, None]).astype(np.float64) + 0.5) * float(inv_scale)).astype(dt)
    weight = np.where(offsets < count[:, None], filter_fn(distance), dt(0)).astype(dt)
    total = np.zeros(out_size, dt)
    for j in range(taps):
        total += weight[:, j]
    weight = np.where(total[:, None] != 0, weight / np.where(total == 0, dt(1), total)[:, None], weight)
    index = np.minimum(start[:, None] + offsets, in_size - 1)
    return index, weight.astype(dt)


def area(dt, in_size, out_size):
    """Adaptive average pooling bins: floor(o * In / Out) .. ceil((o + 1) * In / Out), equal weights."""
    starts, ends = bin_edges(in_size, out_size)
    taps = int((ends - starts).max())
    offsets = np.arange(taps)
    inside = offsets < (ends - starts)[:, None]
    weight = np.where(inside, dt(1) / (ends - starts).astype(dt)[:, None], dt(0)).astype(dt)
    return np.minimum(starts[:, None] + offsets, in_size - 1), weight
