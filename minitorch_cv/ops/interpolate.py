"""``F.interpolate``: resize 1-D, 2-D and 3-D spatial data, forward and backward.

Every mode is a linear map that factors over the spatial axes: along each axis, output
position ``o`` is a weighted sum of a few input positions (the tap tables of
``ops/interpolate_taps.py``). The forward resamples the last axis first, then the ones before
it (torch's nesting order); the backward is the adjoint: the same tables scattered back
(``kernels/resample.py``), the first axis first.
    forward   x --W axis--> t --H axis--> out            out = A_h x A_w^T
    backward  grad --H^T--> s --W^T--> grad_x            grad_x = A_h^T grad A_w
'area' is adaptive average pooling (2-D input goes to ``F.adaptive_avg_pool2d`` itself).
"""
import warnings

import numpy as np

from ..autograd.function import Function
from ..kernels.resample import resample_axis, resample_axis_adjoint
from ..tensor import Tensor
from . import interpolate_taps as taps
from .adaptive_pool import adaptive_avg_pool2d

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "lanczos", "area", "nearest-exact")
_MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5, "lanczos": 4}
_BACKWARD_NAMES = {"nearest": "UpsampleNearest{}DBackward0", "nearest-exact": "UpsampleNearestExact{}DBackward0",
                   "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2D{}Backward0",
                   "bicubic": "UpsampleBicubic2D{}Backward0", "trilinear": "UpsampleTrilinear3DBackward0",
                   "lanczos": "UpsampleLanczos2DAaBackward0", "area": "AdaptiveAvgPool{}DBackward0"}


def _as_three(array, axis):
    """``array`` viewed as [outer, axis, inner] (no copy for a contiguous array)."""
    shape = array.shape
    return array.reshape(int(np.prod(shape[:axis])), shape[axis], int(np.prod(shape[axis + 1:])))


class Resample(Function):
    """Resample ``x`` along each (axis, index, weight) of ``tables``, last axis first."""

    @staticmethod
    def forward(ctx, x, tables):
        result = np.ascontiguousarray(x)
        for axis, index, weight in reversed(tables):
            shape = list(result.shape)
            shape[axis] = index.shape[0]
            out = np.empty(shape, dtype=x.dtype)
            resample_axis(_as_three(result, axis), index, weight, _as_three(out, axis))
            result = out
        ctx.tables, ctx.x_shape = tables, x.shape
        return result

    @staticmethod
    def backward(ctx, grad):
        result = np.ascontiguousarray(grad)
        for axis, index, weight in ctx.tables:
            shape = list(result.shape)
            shape[axis] = ctx.x_shape[axis]
            grad_x = np.empty(shape, dtype=grad.dtype)
            resample_axis_adjoint(_as_three(result, axis), index, weight, _as_three(grad_x, axis))
            result = grad_x
        return result, None


_named = {}  # grad_fn name -> Resample subclass


def _resample_function(name):
    """``Resample`` under torch's ``grad_fn`` name for this mode and rank."""
    if name not in _named:
        _named[name] = type(name.replace("Backward0", ""), (Resample,), {"backward_name": name})
    return _named[name]


def _axis_table(mode, dt, in_size, out_size, align_corners, scale_factor, antialias):
    """(index, weight) of one spatial axis for ``mode`` (see ``ops/interpolate_taps.py``)."""
    if mode == "nearest":
        return taps.nearest(dt, in_size, out_size, scale_factor)
    if mode == "nearest-exact":
        return taps.nearest_exact(dt, in_size, out_size, scale_factor)
    if mode == "area":
        return taps.area(dt, in_size, out_size)
    if antialias:
        return taps.antialiased(dt, in_size, out_size, align_corners, scale_factor, mode)
    if mode == "bicubic":
        return taps.cubic(dt, in_size, out_size, align_corners, scale_factor)
    return taps.linear(dt, in_size, out_size, align_corners, scale_factor)


def _size_error(in_sizes, out_sizes):
    """torch's RuntimeError for an empty input or output axis, naming the axes (D, H, W)."""
    names = "DHW"[3 - len(in_sizes):]
    given = ", ".join(f"{n}: {s}" for n, s in zip(names, in_sizes))
    wanted = ", ".join(f"{n}: {s}" for n, s in zip(names, out_sizes))
    joiner = " and output" if len(in_sizes) == 1 else " output"
    return RuntimeError(f"Input and output sizes should be greater than 0, but got input ({given}){joiner} ({wanted})")


def resample(input, out_sizes, scale_factors, mode, align_corners, antialias):
    """Resize ``input`` [N, C, *spatial] to ``out_sizes`` with per-axis ``scale_factors`` (or None)."""
    spatial = len(out_sizes)
    in_sizes = tuple(input.shape[2:])
    if min(out_sizes) <= 0 or min(in_sizes) <= 0:
        raise _size_error(in_sizes, out_sizes)
    if mode == "area" and spatial == 2:
        return adaptive_avg_pool2d(input, tuple(out_sizes))
    dt = np.float64 if input.dtype.name == "float64" else np.float32
    scale_factors = scale_factors or [None] * spatial
    tables = []
    for axis, (in_size, out_size, factor) in enumerate(zip(in_sizes, out_sizes, scale_factors)):
        index, weight = _axis_table(mode, dt, in_size, out_size, align_corners, factor, antialias)
        tables.append((axis + 2, np.ascontiguousarray(index, dtype=np.int64), np.ascontiguousarray(weight, dtype=dt)))
    name = _BACKWARD_NAMES[mode].format(("Aa" if antialias else "") if mode in ("bilinear", "bicubic") else spatial)
    return _resample_function(name).apply(input, tables=tables)


def _is_integer(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize ``input`` [N, C, L], [N, C, H, W] or [N, C, D, H, W] to ``size`` or by ``scale_factor``.

    Modes: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' / 'bicubic' (4-D, also with
    ``antialias``), 'lanczos' (4-D, antialias only), 'trilinear' (5-D), 'area'. With
    ``scale_factor`` the output size is floor(size * scale_factor) and the index mapping uses
    1 / scale_factor, unless ``recompute_scale_factor`` (then it uses in_size / out_size), as torch.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            if not all(_is_integer(s) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
                                 f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 "format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
        output_size = [int(n * s) for n, s in zip(input.shape[2:], scale_factors)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor or mode == "area":
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires "
                         "a 4-D tensor as input")
    if mode not in _MODES or not 3 <= input.ndim <= 5:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    needed = _MODE_RANK.get(mode, input.ndim)
    if needed != input.ndim:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {needed}D input")
    if mode == "lanczos":
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"interpolate(): mode {mode!r} is not implemented for {input.dtype!r} input "
                                  "(minitorch_cv resamples floating-point tensors)")
    if input.dtype.name not in ("float32", "float64"):
        # float16 / bfloat16: computed in float32 and rounded back, as torch's CPU kernels do.
        return resample(input.float(), output_size, scale_factors, mode, align_corners, antialias).to(input.dtype)
    return resample(input, output_size, scale_factors, mode, align_corners, antialias)


def _deprecated(name):
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated name of ``interpolate`` (warns, as torch)."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')`` (warns, as torch)."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)`` (warns, as torch)."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
