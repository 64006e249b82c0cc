"""Rearranging ops: repeat/tile, repeat_interleave, flip, roll, tril/triu, diag/diagonal/diag_embed,
Tensor.unfold (views, ``strided_views.py``), unflatten, split/chunk/unbind, movedim, narrow,
broadcast_to.

Most are compositions of index_select, getitem, reshape and expand, whose backwards are written
by hand in ``indexing.py`` and ``shape.py``; the index arrays they build are the whole forward.
"""
import numpy as np

from ..autograd.function import tensor_type
from .indexing import index_select
from .reduce import dims, one_dim
from .strided_views import Diagonal, Unfold


def _long(array):
    return tensor_type()._wrap(np.asarray(array, dtype=np.int64))


def _sizes(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def repeat(tensor, *sizes):
    """Tile the tensor ``sizes`` times along each dim (leading new dims allowed), as torch's repeat."""
    sizes = _sizes(sizes)
    if len(sizes) < tensor.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    shape = (1,) * (len(sizes) - tensor.ndim) + tuple(tensor.shape)
    interleaved = tuple(x for s in shape for x in (1, s))
    expanded = tuple(x for r, s in zip(sizes, shape) for x in (r, s))
    return tensor.reshape(interleaved).expand(*expanded).reshape(tuple(r * s for r, s in zip(sizes, shape)))


def tile(tensor, dims_):
    dims_ = _sizes((dims_,))
    return repeat(tensor, (1,) * (tensor.ndim - len(dims_)) + dims_)


def repeat_interleave(tensor, repeats, dim=None, output_size=None):
    """Repeat each element (or slice along ``dim``) ``repeats`` times (an int or one count per element)."""
    Tensor = tensor_type()
    if not isinstance(tensor, Tensor):
        raise TypeError("repeat_interleave(): expected a tensor")
    if dim is None:
        tensor, dim = tensor.reshape(-1), 0
    axis = one_dim(tensor, dim)
    size = tensor.shape[axis] if tensor.ndim else 1
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim > 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if counts.ndim == 1 and counts.size not in (1, size):
        raise RuntimeError("repeats must have the same size as input along dim")
    if np.any(counts < 0):
        raise RuntimeError("repeats can not be negative")
    return index_select(tensor, axis, _long(np.repeat(np.arange(size), counts)))


def flip(tensor, *dims_):
    result = tensor
    for axis in dims(_sizes(dims_), tensor.ndim):
        result = index_select(result, axis, _long(np.arange(tensor.shape[axis] - 1, -1, -1)))
    return result if result is not tensor else tensor.clone()


def fliplr(tensor):
    if tensor.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(tensor, 1)


def flipud(tensor):
    if tensor.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(tensor, 0)


def roll(tensor, shifts, dims_=None):
    """Shift elements cyclically; without ``dims`` over the flattened tensor."""
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims_ is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return roll(tensor.reshape(-1), shifts, 0).reshape(tuple(tensor.shape))
    dims_ = (dims_,) if isinstance(dims_, (int, np.integer)) else tuple(dims_)
    if len(shifts) != len(dims_):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims_)}")
    result = tensor
    for shift, dim in zip(shifts, dims_):
        axis = one_dim(tensor, dim)
        size = tensor.shape[axis]
        if size:
            result = index_select(result, axis, _long((np.arange(size) - shift) % size))
    return result if result is not tensor else tensor.clone()


def _triangle(tensor, diagonal, lower):
    if tensor.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
    rows, cols = tensor.shape[-2:]
    keep = (np.tri(rows, cols, diagonal, dtype=bool) if lower
            else ~np.tri(rows, cols, diagonal - 1, dtype=bool))
    return tensor.masked_fill(tensor_type()._wrap(~keep), 0)


def tril(tensor, diagonal=0):
    return _triangle(tensor, diagonal, lower=True)


def triu(tensor, diagonal=0):
    return _triangle(tensor, diagonal, lower=False)


def diagonal(tensor, offset=0, dim1=0, dim2=1):
    """The diagonal over dims ``dim1``/``dim2``, as a new last dim (a view, as in torch)."""
    a, b = dims(dim1, tensor.ndim)[0], dims(dim2, tensor.ndim)[0]
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(tensor, offset=int(offset), a=a, b=b)


def diag_embed(tensor, offset=0, dim1=-2, dim2=-1):
    """Put the last dim on the diagonal of two new dims (zeros elsewhere); the inverse of diagonal."""
    from .. import factories
    size = tensor.shape[-1] + abs(offset)
    out = factories.zeros(tuple(tensor.shape[:-1]) + (size, size), dtype=tensor.dtype)
    steps = np.arange(tensor.shape[-1])
    rows, cols = _long(steps + max(-offset, 0)), _long(steps + max(offset, 0))
    out[(Ellipsis, rows, cols)] = tensor
    ndim = tensor.ndim + 1
    return movedim(out, (-2, -1), (dims(dim1, ndim)[0], dims(dim2, ndim)[0]))


def diag(tensor, diagonal_=0):
    """1-D: a square matrix with it on a diagonal; 2-D: that diagonal."""
    if tensor.ndim == 1:
        return diag_embed(tensor, diagonal_)
    if tensor.ndim == 2:
        return diagonal(tensor, diagonal_)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{tensor.ndim}D")


def _needs_dims(tensor, message):
    if tensor.ndim == 0:
        raise RuntimeError(message)


def movedim(tensor, source, destination):
    if isinstance(source, (int, np.integer)) != isinstance(destination, (int, np.integer)):
        raise TypeError("movedim(): source and destination must both be ints or both be tuples of ints")
    source = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    destination = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should "
                           f"contain the same number of dims as destination ({list(destination)} dims)")
    source = [one_dim(tensor, d) for d in source]
    destination = [one_dim(tensor, d) for d in destination]
    if tensor.ndim == 0:
        return tensor.reshape(())
    order = [d for d in range(tensor.ndim) if d not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return tensor.permute(*order) if tensor.ndim else tensor


def unfold(tensor, dimension, size, step):
    """Tensor.unfold: windows of ``size`` every ``step`` along ``dimension``, as a new last dim."""
    axis = one_dim(tensor, dimension)
    length = tensor.shape[axis] if tensor.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if tensor.ndim == 0:
        return tensor.reshape(1)
    return Unfold.apply(tensor, axis=axis, size=int(size), step=int(step))


def unflatten(tensor, dim, sizes):
    _needs_dims(tensor, "unflatten: input tensor must have at least one dimension")
    axis = one_dim(tensor, dim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = int(np.prod([s for s in sizes if s != -1]))
    if -1 not in sizes and known != tensor.shape[axis]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                           f"{dim} ({tensor.shape[axis]}) in the input tensor")
    return tensor.reshape(tuple(tensor.shape[:axis]) + sizes + tuple(tensor.shape[axis + 1:]))


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` (the last one smaller) or of the listed sizes, along ``dim``."""
    _needs_dims(tensor, "split expects at least a 1-dimensional tensor")
    axis = one_dim(tensor, dim)
    length = tensor.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0 and length:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}")
        sections = [min(step, length - s) for s in range(0, length, step)] if length else [0]
    else:
        sections = [int(s) for s in split_size_or_sections]
        if sum(sections) != length:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
                               f"size at dimension {axis}), but got split_sizes={sections}")
    starts = np.concatenate([[0], np.cumsum(sections)[:-1]]).astype(int)
    return tuple(narrow(tensor, axis, start, size) for start, size in zip(starts, sections))


def chunk(tensor, chunks, dim=0):
    _needs_dims(tensor, "chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    length = tensor.shape[one_dim(tensor, dim)]
    return split(tensor, max(-(-length // chunks), 1) if length else 1, dim)


def tensor_split(tensor, indices_or_sections, dim=0):
    axis = one_dim(tensor, dim)
    length = tensor.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        base, extra = divmod(length, n)
        sizes = [base + 1] * extra + [base] * (n - extra)
    else:
        bounds = [min(max(int(i), 0), length) for i in indices_or_sections]
        edges = [0] + bounds + [length]
        sizes = [max(b - a, 0) for a, b in zip(edges[:-1], edges[1:])]
        starts = edges[:-1]
        return tuple(narrow(tensor, axis, min(s, length), n) for s, n in zip(starts, sizes))
    return split(tensor, sizes, axis)


def narrow(tensor, dim, start, length):
    _needs_dims(tensor, "narrow() cannot be applied to a 0-dim tensor.")
    axis = one_dim(tensor, dim)
    size = tensor.shape[axis]
    start = int(start) + (size if int(start) < 0 else 0)
    if not 0 <= start <= size or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return tensor[(slice(None),) * axis + (slice(start, start + length),)]


def unbind(tensor, dim=0):
    axis = one_dim(tensor, dim)
    return tuple(tensor[(slice(None),) * axis + (i,)] for i in range(tensor.shape[axis]))
