"""Reductions: sum, mean, var/std, max/min (with and without dim), argmax/argmin."""
import functools
import inspect
from collections import namedtuple

import numpy as np

from ..autograd.function import Function, tensor_type
from .promotion import quiet


def axis_alias(fn):
    """Let ``fn`` (with a ``dim`` parameter) take NumPy's ``axis=`` as torch does: an alias of
    ``dim``; both at once is a TypeError, as in torch."""
    position = list(inspect.signature(fn).parameters).index("dim")

    @functools.wraps(fn)
    def with_axis(*args, **kwargs):
        if "axis" in kwargs:
            if "dim" in kwargs or len(args) > position:
                raise TypeError(f"{fn.__name__}() got both 'dim' and its alias 'axis'; give one of them")
            kwargs["dim"] = kwargs.pop("axis")
        return fn(*args, **kwargs)
    return with_axis


def dims(dim, ndim):
    """Normalise ``dim`` (None, int or tuple, negatives allowed) to a sorted tuple of axes.

    A 0-d tensor accepts dims 0 and -1 (as torch does) and has no axes to reduce.
    """
    if dim is None:
        return tuple(range(ndim))
    dim = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    bound = max(ndim, 1)
    out = []
    for d in dim:
        if not -bound <= d < bound:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-bound}, {bound - 1}], but got {d})")
        out.append(int(d) % bound)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim else ()


def one_dim(tensor, dim):
    """The axis for an op along one dim (negatives allowed); a 0-d tensor accepts 0 and -1 and gives 0."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"expected dim to be an int, got {type(dim).__name__}")
    axes = dims(dim, tensor.ndim)
    return axes[0] if axes else 0


def reduced_dims(dim, ndim):
    """Axes for sum/mean: like ``dims``, except that an empty tuple means all (torch's rule)."""
    if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) == 0:
        dim = None
    return dims(dim, ndim)


def _expand_back(grad, shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        out = x.sum(axis=axes, keepdims=keepdim)
        return out.astype(np.int64) if x.dtype.kind in "biu" else out

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim)


class SumDim(Sum):
    backward_name = "SumBackward1"


class Mean(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
        with quiet():
            return np.asarray(x.mean(axis=axes, keepdims=keepdim, dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        with quiet():
            return _expand_back(grad / grad.dtype.type(ctx.count), ctx.shape, ctx.axes, ctx.keepdim)


class MeanDim(Mean):
    backward_name = "MeanBackward1"


def sum(tensor, dim=None, keepdim=False):
    axes = reduced_dims(dim, tensor.ndim)
    return (Sum if dim is None else SumDim).apply(tensor, axes=axes, keepdim=keepdim)


def mean(tensor, dim=None, keepdim=False):
    if not tensor.dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {tensor.dtype.type_name}")
    axes = reduced_dims(dim, tensor.ndim)
    return (Mean if dim is None else MeanDim).apply(tensor, axes=axes, keepdim=keepdim)


def var(tensor, dim=None, correction=1, keepdim=False):
    """Variance with ``correction`` (1: unbiased, 0: population), built from differentiable ops."""
    axes = reduced_dims(dim, tensor.ndim)
    count = int(np.prod([tensor.shape[a] for a in axes], dtype=np.int64))
    centred = tensor - mean(tensor, axes, keepdim=True)
    return sum(centred * centred, axes, keepdim=keepdim) / float(max(count - correction, 0))


class Norm(Function):
    """The p-norm over ``axes`` (p > 0 finite); the gradient at a zero vector is 0, as torch, not NaN."""
    backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, axes, p=2, keepdim=False):
        if p == 2:
            out = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
        else:
            out = np.sum(np.abs(x) ** p, axis=axes, keepdims=True) ** (1.0 / p)
        ctx.save_for_backward(x, out)
        ctx.p = p
        return out if keepdim else np.squeeze(out, axes)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_arrays
        p = ctx.p
        grad = grad.reshape(out.shape)
        with quiet():
            if p == 2:
                local = x / out
            else:
                local = np.sign(x) * np.abs(x) ** (p - 1) / out ** (p - 1)
            return np.where(out == 0, grad.dtype.type(0), grad * local)


class CountNonzero(Function):
    """The 0-"norm": how many elements are nonzero, in the input's dtype; its gradient is 0."""
    backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim=False):
        ctx.shape = x.shape
        return np.asarray(np.count_nonzero(x, axis=axes, keepdims=keepdim), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros(ctx.shape, dtype=grad.dtype)


def norm(tensor, p=2, dim=None, keepdim=False):
    """``tensor.norm(p, dim, keepdim)``: the p-norm over all elements or over ``dim``."""
    if not tensor.dtype.is_floating_point:
        raise RuntimeError(f"norm(): input dtype should be floating point, but got {tensor.dtype.type_name}")
    if p in (float("inf"), float("-inf")):
        extreme = tensor.abs().amax if p > 0 else tensor.abs().amin
        return extreme(() if dim is None else dim, keepdim)
    if p == 0:
        return CountNonzero.apply(tensor, axes=reduced_dims(dim, tensor.ndim), keepdim=keepdim)
    return Norm.apply(tensor, axes=reduced_dims(dim, tensor.ndim), p=p, keepdim=keepdim)


class MaxAll(Function):
    """Max (or min) of all elements; ties share the gradient evenly, as torch does."""
    backward_name = "MaxBackward1"

    @staticmethod
    def forward(ctx, x, largest=True):
        out = x.max() if largest else x.min()
        ctx.save_for_backward(x == out)
        return np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_arrays
        return np.where(mask, grad / grad.dtype.type(mask.sum()), grad.dtype.type(0))


class MinAll(MaxAll):
    backward_name = "MinBackward1"


class MaxDim(Function):
    """Values of the max (or min) along one dim; the gradient goes to the returned index."""
    backward_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, keepdim=False):
        values = np.take_along_axis(x, index, axis=dim)
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return values if keepdim else np.squeeze(values, dim)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.put_along_axis(out, ctx.index, grad.reshape(ctx.index.shape), axis=ctx.dim)
        return out


class MinDim(MaxDim):
    backward_name = "MinBackward0"


class _ValuesIndices(namedtuple("values_indices", ["values", "indices"])):
    """What ``max(dim)``/``min(dim)`` return: a (values, indices) pair printed like torch's."""

    __slots__ = ()
    op = "max"

    def __repr__(self):
        return f"minitorch_cv.return_types.{self.op}(\nvalues={self.values!r},\nindices={self.indices!r})"


class _Max(_ValuesIndices):
    __slots__ = ()
    op = "max"


class _Min(_ValuesIndices):
    __slots__ = ()
    op = "min"


def extreme(tensor, dim, keepdim, largest):
    """``max``/``min``: a 0-d tensor without ``dim``; a (values, indices) pair with it."""
    Tensor = tensor_type()

    name = "max" if largest else "min"
    data = tensor._data
    if dim is None:
        if data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return (MaxAll if largest else MinAll).apply(tensor, largest=largest)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}(): dim must be an int, got {type(dim).__name__}")
    pair = _Max if largest else _Min
    if data.ndim == 0:
        dims(dim, 0)
        return pair(tensor.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    (axis,) = dims(dim, data.ndim)
    if data.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    index = np.expand_dims((np.argmax if largest else np.argmin)(data, axis=axis), axis)
    values = (MaxDim if largest else MinDim).apply(tensor, dim=axis, index=index, keepdim=keepdim)
    return pair(values, Tensor._wrap(index if keepdim else np.squeeze(index, axis)))


def arg_extreme(tensor, dim, keepdim, largest):
    """``argmax``/``argmin`` as int64 (first occurrence on ties); over all elements when ``dim`` is None."""
    Tensor = tensor_type()

    data = tensor._data
    pick = np.argmax if largest else np.argmin
    if data.dtype == np.bool_:
        raise RuntimeError(f"{pick.__name__}(): does not support bool input")
    if data.size == 0 and dim is None:
        raise IndexError(f"{pick.__name__}(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is None:
        index = np.asarray(pick(data.reshape(-1)), dtype=np.int64)
        return Tensor._wrap(index.reshape((1,) * data.ndim) if keepdim else index)
    if data.ndim == 0:
        dims(dim, 0)
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    (axis,) = dims(dim, data.ndim)
    if data.shape[axis] == 0:
        raise IndexError(f"{pick.__name__}(): Expected reduction dim {axis} to have non-zero size.")
    index = np.asarray(pick(data, axis=axis), dtype=np.int64)
    return Tensor._wrap(np.expand_dims(index, axis) if keepdim else index)
