"""Bilinear resize of tensor images [..., C, H, W], antialiased as torch's ``interpolate``.

torchvision resizes a tensor with ``F.interpolate(mode="bilinear", antialias=...)`` in float
(uint8 images are converted, resized, rounded and converted back). That resampling is separable:
each output pixel along one axis is a normalised triangle-filter average of the input pixels
whose centres lie within ``support`` of its own centre, where ``support`` widens with the
downscale factor when antialiasing (so every input pixel contributes); without antialiasing it
is plain two-tap bilinear interpolation. Width is resampled first, then height, as torch does.
"""
import numpy as np


def resampling_matrix(in_size, out_size, antialias, dtype=np.float64):
    """(out_size, in_size) weights: row i averages the inputs that output pixel i covers.

    Computed in ``dtype`` (positions included), as torch computes them in the image's dtype.
    """
    one, half = dtype(1), dtype(0.5)
    scale = dtype(in_size) / dtype(out_size)
    if not antialias:
        return _bilinear_matrix(in_size, out_size, scale, dtype)
    widen = scale >= 1
    support = scale if widen else one
    inv_scale = one / scale if widen else one
    weights = np.zeros((out_size, in_size), dtype=dtype)
    for i in range(out_size):
        center = scale * (dtype(i) + half)
        lo = max(int(center - support + half), 0)
        hi = min(int(center + support + half), in_size)
        taps = np.maximum(dtype(0), one - np.abs((np.arange(lo, hi, dtype=dtype) - center + half) * inv_scale))
        total = taps.sum(dtype=dtype)
        weights[i, lo:hi] = taps / total if total != 0 else taps
    return weights


def _bilinear_matrix(in_size, out_size, scale, dtype):
    """Plain bilinear (align_corners=False): two taps at source position scale*(i+0.5)-0.5, clamped."""
    weights = np.zeros((out_size, in_size), dtype=dtype)
    for i in range(out_size):
        src = max(scale * (dtype(i) + dtype(0.5)) - dtype(0.5), dtype(0))
        i0 = int(src)
        lam = src - dtype(i0)
        weights[i, i0] += dtype(1) - lam
        weights[i, min(i0 + 1, in_size - 1)] += lam
    return weights


def resize_array(data, new_h, new_w, antialias):
    """``data`` [..., H, W] (float, or uint8 resized in float32 and rounded back) at (new_h, new_w)."""
    out_dtype = data.dtype
    work = data.astype(np.float32) if not np.issubdtype(out_dtype, np.floating) else data
    height, width = work.shape[-2:]
    if new_w != width:
        work = work @ resampling_matrix(width, new_w, antialias, work.dtype.type).T
    if new_h != height:
        work = np.swapaxes(np.swapaxes(work, -1, -2) @ resampling_matrix(height, new_h, antialias, work.dtype.type).T,
                           -1, -2)
    if work.dtype != out_dtype:
        info = np.iinfo(out_dtype)
        work = np.clip(np.round(work), info.min, info.max).astype(out_dtype)
    return np.ascontiguousarray(work)
