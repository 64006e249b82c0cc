"""Tensor methods for index-driven and rearranging ops (a mixin of ``Tensor``): gather/scatter,
index_select/index_add, masked_fill/masked_select, nonzero, repeat, flip, roll, tril/triu,
diagonal, unfold, split/chunk, movedim ...; the ops live in ``ops/indexing.py`` and ``ops/layout.py``.
"""
import numpy as np

from ._tensor_more_math import inplace
from .ops import indexing as ix
from .ops import layout
from .ops.reduce import axis_alias


class TensorIndexing:
    def gather(self, dim, index, sparse_grad=False):
        return ix.gather(self, dim, index)

    def take_along_dim(self, indices, dim=None):
        return ix.take_along_dim(self, indices, dim)

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        return ix.scatter(self, dim, index, src, value, ix.scatter_legacy_reduce(reduce))

    def scatter_add(self, dim, index, src):
        return ix.scatter(self, dim, index, src, reduce="sum", name="scatter_add")

    def scatter_reduce(self, dim, index, src, reduce, include_self=True):
        return ix.scatter(self, dim, index, src, reduce=reduce, include_self=include_self, name="scatter_reduce")

    def index_select(self, dim, index):
        return ix.index_select(self, dim, index)

    def index_add(self, dim, index, source, alpha=1):
        return ix.index_add(self, dim, index, source, alpha)

    def index_fill(self, dim, index, value):
        mask = self.new_zeros(self.shape[dim] if self.ndim else 1, dtype="bool")
        mask[index] = True
        shape = [1] * self.ndim
        if shape:
            shape[dim] = -1
        return self.masked_fill(mask.reshape(shape), value)

    def index_put(self, indices, values, accumulate=False):
        """A copy with ``values`` written (or added, with ``accumulate``) at the advanced index ``indices``."""
        if not accumulate:
            result = self.clone()
            result[tuple(indices)] = values
            return result
        arrays = np.broadcast_arrays(*[np.asarray(getattr(i, "_data", i)) for i in indices])
        lead, rest = tuple(self.shape[:len(arrays)]), tuple(self.shape[len(arrays):])
        linear = np.ravel_multi_index(tuple(a % n for a, n in zip(arrays, lead)), lead)
        values = values if hasattr(values, "_data") else self.new_tensor(values)
        source = values.expand(*(linear.shape + rest)).reshape((-1,) + rest)
        rows = self.reshape((-1,) + rest)
        return rows.index_add(0, self.new_tensor(linear.reshape(-1), dtype="int64"), source).reshape(tuple(self.shape))

    def masked_fill(self, mask, value):
        return ix.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return ix.masked_select(self, mask)

    def nonzero(self, as_tuple=False):
        return ix.nonzero(self, as_tuple)

    def argwhere(self):
        return ix.nonzero(self)

    def where(self, condition, other):
        from .ops.elementwise import where
        return where(condition, self, other)

    def take(self, index):
        if self.numel() == 0 and index.numel():
            raise IndexError("take(): tried to take from an empty tensor")
        return ix.gather(self.reshape(-1), 0, index.reshape(-1)).reshape(tuple(index.shape))

    # ----- rearranging -----
    def repeat(self, *sizes):
        return layout.repeat(self, *sizes)

    def tile(self, *sizes, dims=None):
        dims = sizes if dims is None else dims
        return layout.tile(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)

    def repeat_interleave(self, repeats, dim=None, output_size=None):
        return layout.repeat_interleave(self, repeats, dim)

    def flip(self, *axes, dims=None):
        return layout.flip(self, *(axes if dims is None else (dims,)))

    def fliplr(self):
        return layout.fliplr(self)

    def flipud(self):
        return layout.flipud(self)

    def roll(self, shifts, dims=None):
        return layout.roll(self, shifts, dims)

    def tril(self, diagonal=0):
        return layout.tril(self, diagonal)

    def triu(self, diagonal=0):
        return layout.triu(self, diagonal)

    def diag(self, diagonal=0):
        return layout.diag(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return layout.diagonal(self, offset, dim1, dim2)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return layout.diag_embed(self, offset, dim1, dim2)

    def trace(self):
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        if self.dtype.name == "bool":
            raise NotImplementedError("\"trace\" not implemented for 'Bool'")
        return layout.diagonal(self).sum()

    def unfold(self, dimension, size, step):
        return layout.unfold(self, dimension, size, step)

    def unflatten(self, dim, sizes):
        return layout.unflatten(self, dim, sizes)

    def split(self, split_size, dim=0):
        return layout.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return layout.chunk(self, chunks, dim)

    def tensor_split(self, indices_or_sections, dim=0):
        return layout.tensor_split(self, indices_or_sections, dim)

    def unbind(self, dim=0):
        return layout.unbind(self, dim)

    def narrow(self, dim, start, length):
        return layout.narrow(self, dim, start, length)

    def movedim(self, source, destination):
        return layout.movedim(self, source, destination)

    moveaxis = movedim

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def broadcast_to(self, size):
        return self.expand(*size)

    def outer(self, other):
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"outer: expected 1D tensors, got {self.ndim}D and {other.ndim}D")
        return self.reshape(-1, 1) * other

    ger = outer

    def ravel(self):
        return self.reshape(-1)


for _name in ("scatter", "scatter_add", "scatter_reduce", "index_add", "index_fill", "masked_fill", "tril", "triu",
              "index_put"):
    setattr(TensorIndexing, _name + "_", inplace(_name))


# torch accepts NumPy's ``axis=`` for ``dim`` in these too
for _name in ("unbind", "chunk", "gather", "index_select", "narrow"):
    setattr(TensorIndexing, _name, axis_alias(getattr(TensorIndexing, _name)))
