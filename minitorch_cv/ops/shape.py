"""Shape ops: reshape/view, flatten, (un)squeeze, permute/transpose, expand, indexing, cat/stack.

Reshapes, permutes, expands and basic indexing return NumPy views, so (as in torch) they share
memory with their input.
"""
import numpy as np

from .. import _dtype
from ..autograd.function import Function, tensor_type
from .elementwise import unbroadcast
from .promotion import cast
from .reduce import dims


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"expected a shape of ints, got {shape!r}") from None


class Reshape(Function):
    backward_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Unsqueeze(Reshape):
    backward_name = "UnsqueezeBackward0"


class SqueezeAll(Reshape):
    backward_name = "SqueezeBackward0"


class SqueezeDim(Reshape):
    backward_name = "SqueezeBackward1"


def _checked_shape(shape, size):
    """``shape`` with its -1 filled in, or torch's error when it can't hold ``size`` elements."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        return tuple(size // known if s == -1 else s for s in shape)
    if known != size:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return shape


def reshape(tensor, shape, function=Reshape):
    shape = _checked_shape(_shape_arg(shape), tensor._data.size)
    return function.apply(tensor, shape=shape)


def flatten(tensor, start_dim=0, end_dim=-1):
    if tensor.ndim == 0:
        dims(start_dim, 0)
        dims(end_dim, 0)
        return reshape(tensor, (1,))
    start, end = dims(start_dim, tensor.ndim)[0], dims(end_dim, tensor.ndim)[0]
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tensor.shape
    merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
    return reshape(tensor, tuple(shape[:start]) + (merged,) + tuple(shape[end + 1:]))


def unsqueeze(tensor, dim):
    ndim = tensor.ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    dim %= ndim
    shape = tuple(tensor.shape)
    return Unsqueeze.apply(tensor, shape=shape[:dim] + (1,) + shape[dim:])


def squeeze(tensor, dim=None):
    shape = tuple(tensor.shape)
    axes = dims(dim, tensor.ndim)
    new_shape = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return (SqueezeAll if dim is None else SqueezeDim).apply(tensor, shape=new_shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, order):
        ctx.inverse = tuple(np.argsort(order))
        return np.transpose(x, order)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, ctx.inverse)


class Transpose(Permute):
    backward_name = "TransposeBackward0"


class TransposeMatrix(Permute):
    backward_name = "TBackward0"


def permute(tensor, order, function=Permute):
    order = _shape_arg(order)
    if len(order) != tensor.ndim:
        raise RuntimeError(f"permute(): number of dims don't match: the tensor has {tensor.ndim} dims "
                           f"but {len(order)} were given ({list(order)})")
    order = tuple(dims(d, tensor.ndim)[0] for d in order)
    if len(set(order)) != len(order):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return function.apply(tensor, order=order)


def transpose(tensor, dim0, dim1, function=Transpose):
    if tensor.ndim == 0:
        dims(dim0, 0)
        dims(dim1, 0)
        return function.apply(tensor, order=())
    order = list(range(tensor.ndim))
    a, b = dims(dim0, tensor.ndim)[0], dims(dim1, tensor.ndim)[0]
    order[a], order[b] = order[b], order[a]
    return function.apply(tensor, order=tuple(order))


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape)


def expand(tensor, sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < tensor.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
                           f"to the number of dimensions in the tensor ({tensor.ndim})")
    lead = len(sizes) - tensor.ndim
    shape = []
    for i, size in enumerate(sizes):
        existing = tensor.shape[i - lead] if i >= lead else None
        if size == -1:
            if existing is None:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension {i}")
            size = existing
        elif existing not in (None, 1, size):
            raise RuntimeError(f"The expanded size of the tensor ({size}) must match the existing size "
                               f"({existing}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                               f"Tensor sizes: {list(tensor.shape)}")
        shape.append(size)
    return Expand.apply(tensor, shape=tuple(shape))


# ----- indexing -----
def raw_index(index):
    """The NumPy index for a torch-style one: tensors become arrays (long or bool only)."""
    Tensor = tensor_type()

    if isinstance(index, Tensor):
        if index.dtype.is_floating_point:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return index._data.astype(bool) if index._data.dtype == np.uint8 else index._data  # byte: a mask
    if isinstance(index, tuple):
        return tuple(raw_index(i) for i in index)
    if isinstance(index, list):
        array = np.asarray([raw_index(i) for i in index])
        if array.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return array
    return index


def _check_steps(index):
    """torch has no negative slice steps (use flip)."""
    for part in index if isinstance(index, tuple) else (index,):
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError("step must be greater than zero")


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


class GetItem(Function):
    """Indexing; the gradient is scattered back (added, for repeated advanced indices)."""
    backward_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, index, basic):
        ctx.shape, ctx.index, ctx.basic = x.shape, index, basic
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if ctx.basic:
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out


class Select(GetItem):
    backward_name = "SelectBackward0"


class Slice(GetItem):
    backward_name = "SliceBackward0"


class IndexUnsqueeze(GetItem):
    backward_name = "UnsqueezeBackward0"


def _index_function(index, basic):
    if not basic:
        return GetItem
    parts = [p for p in (index if isinstance(index, tuple) else (index,)) if p is not Ellipsis]
    if not parts or all(p is None for p in parts):
        return IndexUnsqueeze if parts else Slice
    last = [p for p in parts if p is not None][-1]
    return Slice if isinstance(last, slice) else Select


def _integers_first(index):
    """torch applies integer indices before advanced ones, so ``x[idx, 0, idx2]`` or ``x[0, :, idx]``
    places the advanced dims as if the integers were gone (NumPy counts them as advanced): the
    index split into an integer-only step and the rest, or None when there is nothing to split."""
    parts = index if isinstance(index, tuple) else (index,)
    is_int = [isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) for p in parts]
    if not any(is_int) or not any(isinstance(p, np.ndarray) for p in parts):
        return None
    first, second = [], []
    for p, integer in zip(parts, is_int):
        if integer:
            first.append(p)
        elif p is None or p is Ellipsis:
            first.append(p)
            second.append(slice(None) if p is None else p)
        else:
            first.extend([slice(None)] * (p.ndim if isinstance(p, np.ndarray) and p.dtype == np.bool_ else 1))
            second.append(p)
    return tuple(first), tuple(second)


def getitem(tensor, index):
    index = raw_index(index)
    _check_steps(index)
    split = _integers_first(index)
    if split is not None:
        return getitem(getitem(tensor, split[0]), split[1])
    basic = _is_basic(index)
    function = _index_function(index, basic)
    if basic:
        parts = index if isinstance(index, tuple) else (index,)
        if Ellipsis not in parts:
            index = parts + (Ellipsis,)
    return function.apply(tensor, index=index, basic=basic)


class SetItem(Function):
    """``x[index] = value`` recorded out of place: the old ``x`` and ``value`` both get gradients."""
    backward_name = "CopySlices"

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index, ctx.value_shape = index, np.shape(value)
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad.copy()
        grad_x[ctx.index] = 0
        grad_value = None
        if ctx.needs_input_grad[1]:
            selected = grad[ctx.index]
            missing = len(ctx.value_shape) - selected.ndim
            if missing > 0:
                selected = selected.reshape((1,) * missing + selected.shape)
            grad_value = unbroadcast(selected, ctx.value_shape)
        return grad_x, grad_value


# ----- joining -----
class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim, ctx.splits = dim, np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return (None,) + tuple(np.split(grad, ctx.splits, axis=ctx.dim))


class Stack(Function):
    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return (None,) + tuple(np.moveaxis(grad, ctx.dim, 0))


def _promoted_list(tensors, name):
    Tensor = tensor_type()

    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, but element {i} is {type(t).__name__}")
    out = tensors[0].dtype
    for t in tensors[1:]:
        out = _dtype.promote(out, t.dtype)
    return [cast(t, out) for t in tensors]


def cat(tensors, dim=0):
    tensors = _promoted_list(tensors, "cat")
    reference = next((t for t in tensors if t.shape != (0,)), tensors[0])
    if reference.ndim == 0:
        raise RuntimeError("zero-dimensional tensor cannot be concatenated")
    (axis,) = dims(dim, reference.ndim)
    tensors = [t for t in tensors if t.shape != (0,) or reference.shape == (0,)]
    for i, t in enumerate(tensors):
        if t.ndim != reference.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {reference.ndim} and {t.ndim}")
        for d in range(t.ndim):
            if d != axis and t.shape[d] != reference.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. Expected size "
                                   f"{reference.shape[d]} but got size {t.shape[d]} for tensor number {i} in the list.")
    return Cat.apply(axis, *tensors)


def stack(tensors, dim=0):
    tensors = _promoted_list(tensors, "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                               f"at entry 0 and {list(t.shape)} at entry {i}")
    ndim = tensors[0].ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    return Stack.apply(dim % ndim, *tensors)
