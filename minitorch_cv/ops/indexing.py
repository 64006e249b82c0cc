"""Index-driven ops: gather, scatter (src/value, reduce), scatter_add, scatter_reduce, index_select,
index_add, index_fill, take_along_dim, masked_fill, masked_select, nonzero, each forward beside its
backward (a gather's backward is a scatter-add, and the other way round).
"""
import numpy as np

from .. import _dtype
from ..autograd.function import Function, tensor_type
from .elementwise import unbroadcast
from .promotion import cast, check_broadcast, operand
from .reduce import one_dim


def full_index(index, axis):
    """An advanced-indexing tuple addressing, for every element of ``index``, that position along ``axis``."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


def _index_array(index, name, one_dim=False):
    Tensor = tensor_type()
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"{name}(): Expected dtype int64 for index" if name != "index_select"
                           else "index_select(): Expected dtype int32/int64 for index")
    if one_dim and index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    return index._data.astype(np.int64)


def _check_bounds(index, size, name):
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index[(index < -size) | (index >= size)].reshape(-1)[0]
        raise RuntimeError(f"{name}(): index {bad} is out of bounds for dimension with size {size}")


class Gather(Function):
    """``out[i][j] = x[i][index[i][j]]`` (for dim 1); the backward adds each gradient back at its index."""

    @staticmethod
    def forward(ctx, x, axis, index):
        ctx.shape, ctx.where = x.shape, full_index(index, axis) if x.ndim else ()
        return x[ctx.where] if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad):
        if not ctx.shape:
            return grad
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, ctx.where, grad)
        return out


def _check_index_shape(tensor, axis, index, name, other=None):
    if index.ndim != max(tensor.ndim, 1) and not (index.ndim <= 1 and tensor.ndim == 0):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {name} tensor")
    for d in range(index.ndim):
        if tensor.ndim and d != axis and index.shape[d] > tensor.shape[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                               f"no larger than self {list(tensor.shape)} apart from dimension {axis}")
        if other is not None and index.shape[d] > (other.shape[d] if other.ndim else 1):
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                               f"no larger than src {list(other.shape)}")


def gather(tensor, dim, index, sparse_grad=False):
    axis = one_dim(tensor, dim)
    index = _index_array(index, "gather")
    _check_index_shape(tensor, axis, index, "input")
    if tensor.ndim:
        _check_bounds(index, tensor.shape[axis], "gather")
        index = index % tensor.shape[axis] if index.size else index
    else:
        index = index.reshape(())
    return Gather.apply(tensor, axis=axis, index=index)


def take_along_dim(tensor, indices, dim=None):
    """gather with broadcasting of the other dims; without ``dim`` both are flattened."""
    if dim is None:
        return gather(tensor.reshape(-1), 0, indices.reshape(-1))
    axis = one_dim(tensor, dim)
    shape_x, shape_i = list(tensor.shape), list(indices.shape)
    if len(shape_x) != len(shape_i):
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {len(shape_x)} dimensions for input, and {len(shape_i)} "
                           f"dimensions for indices")
    shape_x[axis] = shape_i[axis] = 1
    common = list(np.broadcast_shapes(tuple(shape_x), tuple(shape_i)))
    x_shape, i_shape = list(common), list(common)
    x_shape[axis], i_shape[axis] = tensor.shape[axis], indices.shape[axis]
    return gather(tensor.expand(*x_shape), axis, indices.expand(*i_shape))


class Scatter(Function):
    """``out = x`` with ``src`` written (or reduced) at ``index`` along ``axis``.

    ``reduce`` is None (overwrite), "sum", "prod", "mean", "amax" or "amin"; ``include_self``
    says whether x's own values at the written positions take part in the reduction. ``src``
    may be larger than ``index`` (only its leading block is read) or a 0-d value.
    """
    backward_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, src, axis, index, reduce=None, include_self=True):
        where = full_index(index, axis)
        ctx.src_full_shape = np.shape(src)
        src = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else src[tuple(slice(0, s) for s in index.shape)]
        out = x.copy()
        touched = np.zeros(x.shape, dtype=bool)
        touched[where] = True
        ctx.where, ctx.reduce, ctx.include_self = where, reduce, include_self
        if reduce is None:
            out[where] = src
        else:
            if not include_self:
                out[touched] = _identity(reduce, x.dtype)
            ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}
            ufunc[reduce].at(out, where, src)
            if reduce == "mean":
                count = np.zeros(x.shape, dtype=np.int64)
                np.add.at(count, where, 1)
                count = count + (1 if include_self else 0)
                count = np.maximum(count, 1)
                out = out / count if x.dtype.kind == "f" else out // count
                out = out.astype(x.dtype)
                ctx.count = count
        ctx.save_for_backward(x, src, out)
        ctx.touched = touched
        return out

    @staticmethod
    def backward(ctx, grad):
        x, src, out = ctx.saved_arrays
        where, reduce, touched = ctx.where, ctx.reduce, ctx.touched
        keep_self = ctx.include_self or reduce is None
        zero = grad.dtype.type(0)
        if reduce is None:
            grad_x = np.where(touched, zero, grad)
            grad_src = grad[where]
        elif reduce == "sum":
            grad_x = grad if keep_self else np.where(touched, zero, grad)
            grad_src = grad[where]
        elif reduce == "mean":
            scaled = grad / ctx.count
            grad_x = np.where(touched, scaled if keep_self else zero, grad)
            grad_src = scaled[where]
        elif reduce == "prod":
            grad_x, grad_src = _prod_grads(x, src, where, touched, grad, keep_self)
        else:
            ties = np.zeros(x.shape, dtype=grad.dtype)
            np.add.at(ties, where, (src == out[where]).astype(grad.dtype))
            self_wins = (x == out) & (keep_self | ~touched)
            ties += self_wins
            share = grad / np.maximum(ties, 1)
            grad_x = np.where(self_wins, share, zero)
            grad_src = np.where(src == out[where], share[where], zero)
        if ctx.needs_input_grad[1] and np.ndim(src):
            full = np.zeros(ctx.src_full_shape, grad.dtype)
            full[tuple(slice(0, s) for s in grad_src.shape)] = grad_src
            grad_src = full
        return grad_x, grad_src if ctx.needs_input_grad[1] else None


def _identity(reduce, dtype):
    """The value a reduction starts from when the tensor's own values are left out."""
    if reduce in ("sum", "mean", "prod"):
        return 1 if reduce == "prod" else 0
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:
        return reduce == "amin"
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    return info.min if reduce == "amax" else info.max


def _prod_grads(x, src, where, touched, grad, keep_self):
    """Product of the other contributors at each target, exact when some of them are zero."""
    zeros = np.zeros(x.shape, dtype=np.int64)
    nonzero_prod = np.where(keep_self | ~touched, np.where(x == 0, 1, x), 1).astype(grad.dtype)
    zeros += (keep_self | ~touched) & (x == 0)
    np.multiply.at(nonzero_prod, where, np.where(src == 0, 1, src).astype(grad.dtype))
    np.add.at(zeros, where, src == 0)

    def others(values, count, prod):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(values != 0, np.where(count > 0, 0, prod / np.where(values == 0, 1, values)),
                            np.where(count == 1, prod, 0))

    grad_x = np.where(keep_self | ~touched, grad * others(x, zeros, nonzero_prod), 0)
    grad_src = grad[where] * others(src, zeros[where], nonzero_prod[where])
    return grad_x.astype(grad.dtype), grad_src.astype(grad.dtype)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def scatter(tensor, dim, index, src=None, value=None, reduce=None, include_self=True, name="scatter"):
    """scatter / scatter_add / scatter_reduce: ``src`` a tensor (or a number as ``value``)."""
    Tensor = tensor_type()
    axis = one_dim(tensor, dim)
    index = _index_array(index, name)
    if src is None and value is None:
        raise TypeError(f"{name}() missing 1 required positional argument: 'src' or 'value'")
    if src is not None and not isinstance(src, Tensor):
        value, src = src, None
    _check_index_shape(tensor, axis, index, "self", src)
    if tensor.ndim:
        _check_bounds(index, tensor.shape[axis], name)
        index = index % tensor.shape[axis] if index.size else index
    else:
        index = index.reshape(())
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if reduce is not None and reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if src is not None:
        if src.dtype is not tensor.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        result = Scatter.apply(tensor, src, axis=axis, index=index, reduce=reduce, include_self=include_self)
    else:
        fill = np.asarray(operand(value), dtype=tensor._data.dtype)
        result = Scatter.apply(tensor, fill, axis=axis, index=index, reduce=reduce, include_self=include_self)
    return result


def scatter_legacy_reduce(reduce):
    """scatter's old ``reduce="add"/"multiply"`` argument in scatter_reduce's terms."""
    if reduce is None:
        return None
    names = {"add": "sum", "multiply": "prod"}
    if reduce not in names:
        raise RuntimeError("reduce argument must be either add or multiply.")
    return names[reduce]


class IndexSelect(Function):
    """Slices at ``index`` along ``axis``; repeated indices add their gradients."""

    @staticmethod
    def forward(ctx, x, axis, index):
        ctx.shape, ctx.axis, ctx.index = x.shape, axis, index
        return np.take(x, index, axis=axis) if x.ndim else x.reshape(index.shape).copy()

    @staticmethod
    def backward(ctx, grad):
        if not ctx.shape:
            return grad.sum().reshape(())
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, (slice(None),) * ctx.axis + (ctx.index,), grad)
        return out


def index_select(tensor, dim, index):
    axis = one_dim(tensor, dim)
    index = _index_array(index, "index_select", one_dim=True).reshape(-1)
    if tensor.ndim:
        if index.size and (index.min() < -tensor.shape[axis] or index.max() >= tensor.shape[axis]):
            raise IndexError("index out of range in self")
        index = index % max(tensor.shape[axis], 1)
    elif index.size and index.max() > 0:
        raise IndexError("index_select(): Index to scalar can have only 1 value, got "
                         f"{index.size} value(s)")
    return IndexSelect.apply(tensor, axis=axis, index=index)


class IndexAdd(Function):
    """``out = x`` plus ``alpha * source`` slices added at ``index`` along ``axis``."""

    @staticmethod
    def forward(ctx, x, source, axis, index, alpha=1):
        ctx.axis, ctx.index, ctx.alpha = axis, index, alpha
        out = x.copy()
        np.add.at(out, (slice(None),) * axis + (index,), source * x.dtype.type(alpha) if alpha != 1 else source)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_source = np.take(grad, ctx.index, axis=ctx.axis)
        return grad, grad_source * grad.dtype.type(ctx.alpha) if ctx.alpha != 1 else grad_source


def index_add(tensor, dim, index, source, alpha=1):
    axis = one_dim(tensor, dim)
    index = _index_array(index, "index_add", one_dim=True).reshape(-1)
    _check_bounds(index, tensor.shape[axis] if tensor.ndim else 1, "index_add")
    source = cast(source, tensor.dtype)
    expected = list(tensor.shape)
    if expected:
        expected[axis] = index.size
    if list(source.shape) != expected:
        raise RuntimeError(f"index_add_(): source of shape {list(source.shape)} doesn't match the expected "
                           f"shape {expected}")
    return IndexAdd.apply(tensor, source, axis=axis, index=index, alpha=alpha)


class MaskedFill(Function):
    """``x`` with ``value`` where ``mask``; x's gradient flows elsewhere, a tensor value gets the sum."""

    @staticmethod
    def forward(ctx, x, value, mask):
        ctx.mask, ctx.shapes = mask, (np.shape(x), np.shape(value))
        return np.where(mask, value, x)

    @staticmethod
    def backward(ctx, grad):
        zero = grad.dtype.type(0)
        grad_x = unbroadcast(np.where(ctx.mask, zero, grad), ctx.shapes[0])
        grad_value = np.where(ctx.mask, grad, zero).sum().reshape(ctx.shapes[1]) if ctx.needs_input_grad[1] else None
        return grad_x, grad_value


def _bool_mask(mask, name):
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.type_name.lower() if mask.dtype is not _dtype.uint8 else 'unsigned char'}")
    return mask._data


def masked_fill(tensor, mask, value):
    Tensor = tensor_type()
    mask_data = _bool_mask(mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        value = cast(value, tensor.dtype)
    else:
        value = np.asarray(operand(value)).astype(tensor._data.dtype)
    try:
        np.broadcast_shapes(mask_data.shape, tuple(tensor.shape))
    except ValueError:
        check_broadcast(tuple(tensor.shape), mask_data.shape)
        raise
    return MaskedFill.apply(tensor, value, mask=mask_data)


class MaskedSelect(Function):
    """The elements where ``mask`` holds, as a 1-D tensor (after broadcasting)."""

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.shape, ctx.mask = x.shape, np.broadcast_to(mask, shape)
        return np.broadcast_to(x, shape)[ctx.mask]

    @staticmethod
    def backward(ctx, grad):
        full = np.zeros(ctx.mask.shape, dtype=grad.dtype)
        full[ctx.mask] = grad
        return unbroadcast(full, ctx.shape)


def masked_select(tensor, mask):
    mask_data = _bool_mask(mask, "masked_select:")
    try:
        np.broadcast_shapes(mask_data.shape, tuple(tensor.shape))
    except ValueError:
        check_broadcast(tuple(tensor.shape), mask_data.shape)
        raise
    return MaskedSelect.apply(tensor, mask=mask_data)


def one_hot(tensor, num_classes=-1):
    """int64 class indices -> an int64 tensor with a trailing dim of ``num_classes`` (max + 1 when -1)."""
    Tensor = tensor_type()
    if not isinstance(tensor, Tensor) or tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    data = tensor._data
    if data.size and data.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not data.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    elif data.size and data.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._wrap((data[..., None] == np.arange(num_classes)).astype(np.int64))


def nonzero(tensor, as_tuple=False):
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    Tensor = tensor_type()
    data = tensor._data
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    if data.ndim == 0:
        return Tensor._wrap(np.zeros((int(data != 0), 0), dtype=np.int64))
    return Tensor._wrap(np.argwhere(data).astype(np.int64))
