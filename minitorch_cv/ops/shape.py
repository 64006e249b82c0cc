"""Shape ops: reshape/view, flatten, (un)squeeze, permute/transpose, expand, indexing, cat/stack."""
import numpy as np

from ..autograd.function import Function
from .reduce import dims


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


def reshape(tensor, shape):
    shape = _shape_arg(shape)
    size = tensor._data.size
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if shape.count(-1) > 1 or (-1 not in shape and known != size) or (-1 in shape and (known == 0 or size % known)):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return Reshape.apply(tensor, shape=shape)


def flatten(tensor, start_dim=0, end_dim=-1):
    shape = tensor.shape
    if tensor.ndim == 0:
        return reshape(tensor, (1,))
    start, end = dims(start_dim, tensor.ndim)[0], dims(end_dim, tensor.ndim)[0]
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
    return reshape(tensor, tuple(shape[:start]) + (merged,) + tuple(shape[end + 1:]))


def unsqueeze(tensor, dim):
    ndim = tensor.ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    dim %= ndim
    shape = tuple(tensor.shape)
    return reshape(tensor, shape[:dim] + (1,) + shape[dim:])


def squeeze(tensor, dim=None):
    shape = tuple(tensor.shape)
    axes = dims(dim, tensor.ndim)
    return reshape(tensor, tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1)))


class Permute(Function):
    @staticmethod
    def forward(ctx, x, order):
        ctx.inverse = tuple(np.argsort(order))
        return np.transpose(x, order)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, ctx.inverse)


def permute(tensor, order):
    order = _shape_arg(order)
    if sorted(d % max(tensor.ndim, 1) for d in order) != list(range(tensor.ndim)):
        raise RuntimeError(f"permute(): dims {list(order)} do not match the tensor's {tensor.ndim} dimensions")
    return Permute.apply(tensor, order=tuple(d % tensor.ndim for d in order))


def transpose(tensor, dim0, dim1):
    order = list(range(tensor.ndim))
    a, b = dims(dim0, tensor.ndim)[0], dims(dim1, tensor.ndim)[0]
    order[a], order[b] = order[b], order[a]
    return Permute.apply(tensor, order=tuple(order))


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import unbroadcast
        return unbroadcast(grad, ctx.shape)


def expand(tensor, sizes):
    sizes = _shape_arg(sizes)
    lead = len(sizes) - tensor.ndim
    shape = tuple(tensor.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return Expand.apply(tensor, shape=shape)


def raw_index(index):
    """Replace tensors inside an index by their arrays."""
    from ..tensor import Tensor

    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(raw_index(i) for i in index)
    if isinstance(index, list):
        return np.asarray([raw_index(i) for i in index])
    return index


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


class GetItem(Function):
    """Indexing; the gradient is scattered back (added, for repeated advanced indices)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        out = x[index]
        return out.copy() if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out


def getitem(tensor, index):
    return GetItem.apply(tensor, index=raw_index(index))


class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim, ctx.splits = dim, np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return (None,) + tuple(np.split(grad, ctx.splits, axis=ctx.dim))


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    (axis,) = dims(dim, tensors[0].ndim)
    return Cat.apply(axis, *tensors)


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack(): expected a non-empty list of Tensors")
    return cat([unsqueeze(t, dim) for t in tensors], dim)
