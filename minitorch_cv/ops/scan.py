"""Scans and the reductions that need care at zeros or infinities: cumsum, cumprod, cummax/cummin,
logcumsumexp, prod, logsumexp, amax/amin, each with its backward beside its forward.
"""
import numpy as np

from .. import _dtype
from ..autograd.function import Function, tensor_type
from .indexing import Gather
from .promotion import as_float, cast, quiet
from .reduce import _expand_back, _ValuesIndices, dims, one_dim, reduced_dims


def _accumulating_dtype(tensor, dtype):
    """sum-like ops give int64 for integer and bool inputs unless ``dtype`` says otherwise, as torch."""
    if dtype is not None:
        return cast(tensor, _dtype.as_dtype(dtype))
    return tensor if tensor.dtype.is_floating_point else cast(tensor, _dtype.int64)


def _reverse_cumsum(grad, axis):
    return np.flip(np.cumsum(np.flip(grad, axis), axis=axis), axis)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.cumsum(x, axis=axis, dtype=x.dtype) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad):
        return _reverse_cumsum(grad, ctx.axis) if grad.ndim else grad


class Cumprod(Function):
    """Prefix products; the gradient is exact at zeros: grad_i = prod(x_<i) * S_i, with
    S_i = g_i + x_{i+1} * S_{i+1} (no division by x)."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.save_for_backward(x)
        ctx.axis = axis
        return np.cumprod(x, axis=axis, dtype=x.dtype) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        if x.ndim == 0:
            return grad
        x, g = np.moveaxis(x, ctx.axis, 0), np.moveaxis(grad, ctx.axis, 0)
        before = np.ones_like(x)
        if len(x) > 1:
            before[1:] = np.cumprod(x[:-1], axis=0)
        tail = np.empty_like(g)
        running = np.zeros_like(g[0]) if len(g) else None
        for i in range(len(g) - 1, -1, -1):
            running = g[i] + (x[i + 1] * running if i + 1 < len(g) else 0)
            tail[i] = running
        return np.moveaxis(before * tail, 0, ctx.axis)


def cumsum(tensor, dim, dtype=None):
    tensor = _accumulating_dtype(tensor, dtype)
    return Cumsum.apply(tensor, axis=one_dim(tensor, dim))


def cumprod(tensor, dim, dtype=None):
    tensor = _accumulating_dtype(tensor, dtype)
    return Cumprod.apply(tensor, axis=one_dim(tensor, dim))


class _Cummax(_ValuesIndices):
    __slots__ = ()
    op = "cummax"


class _Cummin(_ValuesIndices):
    __slots__ = ()
    op = "cummin"


def cum_extreme(tensor, dim, largest):
    """cummax/cummin: (values, indices); ties take the later index and NaN sticks, as torch."""
    axis = one_dim(tensor, dim)
    data = tensor._data
    index = np.zeros(data.shape, dtype=np.int64)
    if data.ndim:
        moved, moved_index = np.moveaxis(data, axis, 0), np.moveaxis(index, axis, 0)
        best = moved[0] if len(moved) else None
        for i in range(1, len(moved)):
            x = moved[i]
            better = (x >= best) if largest else (x <= best)
            if moved.dtype.kind == "f":
                better = np.isnan(x) | (~np.isnan(best) & better)
            moved_index[i] = np.where(better, i, moved_index[i - 1])
            best = np.where(better, x, best)
    values = Gather.apply(tensor, axis=axis, index=index)
    return (_Cummax if largest else _Cummin)(values, tensor_type()._wrap(index))


class LogCumSumExp(Function):
    @staticmethod
    def forward(ctx, x, axis):
        with quiet():
            out = np.logaddexp.accumulate(x, axis=axis) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_arrays
        if x.ndim == 0:
            return grad
        axis = ctx.axis

        def reverse_logcumsumexp(a):
            return np.flip(np.logaddexp.accumulate(np.flip(a, axis), axis=axis), axis)

        # d out_j / d x_i = exp(x_i - out_j) for j >= i; positive and negative upstream parts are
        # summed in log space so that no exp overflows (as torch does)
        with quiet():
            positive = np.where(grad > 0, np.log(np.abs(grad)), -np.inf) - out
            negative = np.where(grad < 0, np.log(np.abs(grad)), -np.inf) - out
            return (np.exp(x + reverse_logcumsumexp(positive)) - np.exp(x + reverse_logcumsumexp(negative)))


def logcumsumexp(tensor, dim):
    tensor = as_float(tensor)
    return LogCumSumExp.apply(tensor, axis=one_dim(tensor, dim))


class Prod(Function):
    """Product over ``axes``; each input's gradient is the product of the others (exact at zeros)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim=False):
        ctx.save_for_backward(x)
        ctx.axes, ctx.keepdim = axes, keepdim
        return np.asarray(np.prod(x, axis=axes, keepdims=keepdim, dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        grad = _expand_back(grad, x.shape, ctx.axes, ctx.keepdim)
        if not ctx.axes or x.size == 0:
            return np.array(grad, copy=True)
        moved = np.moveaxis(x, ctx.axes, tuple(range(len(ctx.axes))))
        flat = moved.reshape((-1,) + moved.shape[len(ctx.axes):])
        before, after = np.ones_like(flat), np.ones_like(flat)
        before[1:] = np.cumprod(flat[:-1], axis=0)
        after[:-1] = np.flip(np.cumprod(np.flip(flat[1:], 0), axis=0), 0)
        others = np.moveaxis((before * after).reshape(moved.shape), tuple(range(len(ctx.axes))), ctx.axes)
        return grad * others


def prod(tensor, dim=None, keepdim=False, dtype=None):
    tensor = _accumulating_dtype(tensor, dtype)
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    axes = dims(dim, tensor.ndim)
    return Prod.apply(tensor, axes=axes, keepdim=keepdim)


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim=False):
        with quiet():
            peak = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
            peak = np.where(np.isinf(peak), 0, peak)
            out = np.log(np.sum(np.exp(x - peak), axis=axes, keepdims=True)) + peak
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axes)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_arrays
        grad = grad.reshape(out.shape)
        with quiet():
            return grad * np.exp(x - out)


def logsumexp(tensor, dim, keepdim=False):
    tensor = as_float(tensor)
    return LogSumExp.apply(tensor, axes=reduced_dims(dim, tensor.ndim), keepdim=keepdim)


class Amax(Function):
    """amax/amin: ties share the gradient evenly, as torch."""

    @staticmethod
    def forward(ctx, x, axes, keepdim=False, largest=True):
        out = (np.max if largest else np.min)(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x == out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axes)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_arrays
        grad = _expand_back(grad, mask.shape, ctx.axes, ctx.keepdim)
        count = mask.sum(axis=ctx.axes, keepdims=True).astype(grad.dtype)
        with quiet():
            return mask * grad / count  # a NaN maximum matches nothing: 0/0, NaN as in torch


class Amin(Amax):
    pass


def amax(tensor, dim=(), keepdim=False, largest=True):
    axes = reduced_dims(dim, tensor.ndim)
    name = "amax" if largest else "amin"
    if tensor._data.size == 0 and len(axes) == tensor.ndim:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    for axis in axes:
        if tensor.shape[axis] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    return (Amax if largest else Amin).apply(tensor, axes=axes, keepdim=keepdim, largest=largest)
