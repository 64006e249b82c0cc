"""Reductions: sum, mean, max/min (with and without dim), argmax/argmin."""
from collections import namedtuple

import numpy as np

from ..autograd.function import Function

values_indices = namedtuple("values_indices", ["values", "indices"])


def dims(dim, ndim):
    """Normalise ``dim`` (None, int or tuple, negatives allowed) to a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dim:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {d})")
        out.append(d % max(ndim, 1))
    return tuple(sorted(set(out))) if ndim else ()


def _expand_back(grad, shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        axes = dims(dim, x.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        out = x.sum(axis=axes, keepdims=keepdim)
        return out.astype(np.int64) if x.dtype == np.bool_ else out

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        axes = dims(dim, x.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
        return x.mean(axis=axes, keepdims=keepdim, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / grad.dtype.type(ctx.count), ctx.shape, ctx.axes, ctx.keepdim)


class MaxAll(Function):
    """Max (or min) of all elements; ties share the gradient evenly, as torch's amax does."""

    @staticmethod
    def forward(ctx, x, largest=True):
        if x.size == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0.")
        out = x.max() if largest else x.min()
        ctx.save_for_backward(x == out)
        return np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_arrays
        return np.where(mask, grad / mask.sum(), 0).astype(grad.dtype)


class MaxDim(Function):
    """Values of the max (or min) along one dim; the gradient goes to the returned index."""

    @staticmethod
    def forward(ctx, x, dim, keepdim=False, largest=True):
        index = np.argmax(x, axis=dim) if largest else np.argmin(x, axis=dim)
        index = np.expand_dims(index, dim)
        values = np.take_along_axis(x, index, axis=dim)
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        ctx.indices = index if keepdim else np.squeeze(index, dim)
        return values if keepdim else np.squeeze(values, dim)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.put_along_axis(out, ctx.index, grad.reshape(ctx.index.shape), axis=ctx.dim)
        return out


def extreme(tensor, dim, keepdim, largest):
    """``max``/``min``: a scalar without ``dim``, a (values, indices) pair with it."""
    from ..tensor import Tensor

    if dim is None:
        return MaxAll.apply(tensor, largest=largest)
    if isinstance(dim, Tensor):
        raise TypeError("max(other) is not supported; use minitorch_cv.maximum")
    (axis,) = dims(dim, tensor.ndim)
    if tensor._data.ndim == 0:
        return values_indices(tensor, Tensor._wrap(np.zeros((), dtype=np.int64)))
    values = MaxDim.apply(tensor, dim=axis, keepdim=keepdim, largest=largest)
    indices = np.argmax(tensor._data, axis=axis) if largest else np.argmin(tensor._data, axis=axis)
    if keepdim:
        indices = np.expand_dims(indices, axis)
    return values_indices(values, Tensor._wrap(indices.astype(np.int64)))


def arg_extreme(tensor, dim, keepdim, largest):
    """``argmax``/``argmin`` as int64; over the flattened tensor when ``dim`` is None."""
    from ..tensor import Tensor

    data = tensor._data
    pick = np.argmax if largest else np.argmin
    if dim is None:
        index = np.asarray(pick(data.reshape(-1)))
        if keepdim:
            index = index.reshape((1,) * data.ndim)
        return Tensor._wrap(index.astype(np.int64))
    if data.ndim == 0:
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    (axis,) = dims(dim, data.ndim)
    index = pick(data, axis=axis)
    if keepdim:
        index = np.expand_dims(index, axis)
    return Tensor._wrap(np.asarray(index).astype(np.int64))
