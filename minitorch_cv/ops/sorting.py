"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, mode.

Every op picks indices along one dim; the values are gathered by ``indexing.Gather``, whose
backward puts each gradient back at the index it came from.
"""
import numpy as np

from .. import _dtype
from ..autograd.function import tensor_type
from .indexing import Gather
from .reduce import MaxAll, _ValuesIndices, one_dim


class MedianAll(MaxAll):
    """The lower median of all elements (NaN if any); ties share the gradient evenly, as torch."""
    backward_name = "MedianBackward0"

    @staticmethod
    def forward(ctx, x):
        flat = np.sort(x.reshape(-1))
        value = flat[(flat.size - 1) // 2]
        if x.dtype.kind == "f" and np.isnan(flat[-1]):
            value = flat[-1]
        ctx.save_for_backward(np.isnan(x) if value != value else x == value)
        return np.asarray(value)


def _pair(name):
    return type(name, (_ValuesIndices,), {"__slots__": (), "op": name})


_Sort, _Topk, _Kthvalue, _Median, _Mode = (_pair(n) for n in ("sort", "topk", "kthvalue", "median", "mode"))


def order(data, axis, descending=False):
    """Stable argsort along ``axis``; NaN counts as the largest value and ties keep their order."""
    if data.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if data.dtype == np.bool_:
        data = data.astype(np.uint8)
    if not descending:
        return np.argsort(data, axis=axis, kind="stable").astype(np.int64)
    n = data.shape[axis]
    reverse = np.flip(np.argsort(np.flip(data, axis), axis=axis, kind="stable"), axis)
    return (n - 1 - reverse).astype(np.int64)


def _result(pair, tensor, axis, index, keepdim=True):
    values = Gather.apply(tensor, axis=axis, index=index)
    if keepdim or not tensor.ndim:
        return pair(values, tensor_type()._wrap(index))
    return pair(values.squeeze(axis), tensor_type()._wrap(np.squeeze(index, axis)))


def sort(tensor, dim=-1, descending=False, stable=False):
    """Always stable here (torch's unstable sort may order ties differently)."""
    axis = one_dim(tensor, dim)
    return _result(_Sort, tensor, axis, order(tensor._data, axis, descending))


def argsort(tensor, dim=-1, descending=False, stable=False):
    return sort(tensor, dim, descending, stable).indices


def _refuse_bool(tensor, name):
    if tensor.dtype is _dtype.bool_:
        if name == "topk":
            raise RuntimeError("topk does not support bool dtypes on CPU")
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')


def topk(tensor, k, dim=-1, largest=True, sorted=True):
    _refuse_bool(tensor, "topk")
    axis = one_dim(tensor, dim)
    size = tensor.shape[axis] if tensor.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    index = order(tensor._data, axis, descending=largest)
    if tensor.ndim:
        index = np.take(index, np.arange(k), axis=axis)
    return _result(_Topk, tensor, axis, index)


def kthvalue(tensor, k, dim=-1, keepdim=False):
    """The k-th smallest value (k from 1) along ``dim`` and its index."""
    _refuse_bool(tensor, "kthvalue")
    axis = one_dim(tensor, dim)
    size = tensor.shape[axis] if tensor.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    index = order(tensor._data, axis)
    if tensor.ndim:
        index = np.take(index, [k - 1], axis=axis)
    return _result(_Kthvalue, tensor, axis, index, keepdim)


def median(tensor, dim=None, keepdim=False):
    """The lower median: of all elements (a 0-d tensor) or along ``dim`` (values, indices)."""
    _refuse_bool(tensor, "median")
    if dim is None:
        if tensor._data.size == 0:
            return tensor_type()._wrap(np.asarray(np.nan, dtype=tensor._data.dtype))
        return MedianAll.apply(tensor)
    axis = one_dim(tensor, dim)
    size = tensor.shape[axis] if tensor.ndim else 1
    if size == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    index = order(tensor._data, axis)
    if tensor.ndim:
        index = np.take(index, [(size - 1) // 2], axis=axis)
    return _result(_Median, tensor, axis, index, keepdim)


def mode(tensor, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and its last index."""
    axis = one_dim(tensor, dim)
    data = tensor._data
    if data.ndim == 0:
        return _result(_Mode, tensor, 0, np.zeros((), dtype=np.int64), keepdim)
    moved = np.moveaxis(data, axis, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    picks = np.empty(len(flat), dtype=np.int64)
    for row, values in enumerate(flat):
        uniques, counts = np.unique(values, return_counts=True)
        picks[row] = np.flatnonzero(values == uniques[np.argmax(counts)])[-1]
    index = np.expand_dims(picks.reshape(moved.shape[:-1]), axis)
    return _result(_Mode, tensor, axis, index, keepdim)

