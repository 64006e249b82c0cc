"""Index-driven ops against torch: gather/scatter/scatter_add/scatter_reduce, index_select/index_add/
index_fill, take_along_dim, masked_fill/masked_select, nonzero, where, and basic/advanced indexing and
index assignment with autograd; values, dtypes, every gradient (random upstream), errors, gradcheck."""
import zlib

import numpy as np
import pytest
import torch

import minitorch_cv as mt
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, same_error

DTYPES = ["float32", "float64"]


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _distinct(key, shape):
    size = int(np.prod(shape))
    return (_rng(key).permutation(size).reshape(shape) - size / 2) * 0.31 + 0.05


def _unique_index(rng, shape, dim, size):
    """An index of ``shape`` whose entries along ``dim`` are distinct (scatter without duplicates)."""
    moved = list(shape)
    moved.insert(0, moved.pop(dim))
    flat = np.stack([rng.permutation(size)[:moved[0]] for _ in range(int(np.prod(moved[1:])))], axis=-1)
    return np.moveaxis(flat.reshape(moved), 0, dim)


GATHER_CASES = [((3, 4), 1, (3, 2)), ((3, 4), 0, (2, 4)), ((2, 3, 4), -1, (2, 3, 5)), ((2, 3, 4), 1, (1, 2, 3))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim,index_shape", GATHER_CASES, ids=str)
def test_gather_and_take_along_dim(shape, dim, index_shape, dtype):
    rng = _rng("gather", shape, dim)
    x, index = rng.standard_normal(shape), rng.integers(0, shape[dim], index_shape)
    compare(lambda T, a, i: T.gather(a, dim, i), [x, index], op="gather", dtype=dtype)
    compare(lambda T, a, i: a.gather(dim, i - shape[dim] * 0), [x, index], op="gather method", dtype=dtype)
    full = rng.integers(0, shape[dim], tuple(s if d != (dim % len(shape)) else index_shape[d]
                                               for d, s in enumerate(shape)))
    compare(lambda T, a, i: T.take_along_dim(a, i, dim), [x, full], op="take_along_dim", dtype=dtype)
    compare(lambda T, a, i: T.take_along_dim(a, i), [x, full], op="take_along_dim flat", dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim,index_shape", GATHER_CASES[:3], ids=str)
def test_scatter_src_value_and_add(shape, dim, index_shape, dtype):
    rng = _rng("scatter", shape, dim)
    index_shape = tuple(min(i, s) for i, s in zip(index_shape, shape))
    x, src = rng.standard_normal(shape), rng.standard_normal(tuple(s + 1 for s in index_shape))
    unique = _unique_index(rng, index_shape, dim % len(shape), shape[dim])
    repeated = rng.integers(0, shape[dim], index_shape)
    exact_src = src[tuple(slice(0, n) for n in index_shape)]
    compare(lambda T, a, i, s: T.scatter(a, dim, i, s), [x, unique, exact_src], op="scatter src", dtype=dtype)
    compare(lambda T, a, i, s: T.scatter(a, dim, i, s), [x, unique, src], op="scatter larger src", dtype=dtype,
            grad=[True, False, False])
    compare(lambda T, a, i: a.scatter(dim, i, 2.5), [x, unique], op="scatter value", dtype=dtype)
    compare(lambda T, a, i, s: T.scatter_add(a, dim, i, s), [x, repeated, exact_src], op="scatter_add", dtype=dtype)
    compare(lambda T, a, i, s: a.scatter(dim, i, s, reduce="add"), [x, repeated, src], op="scatter add",
            dtype=dtype, grad=[False, False, False])


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_reduce(reduce, include_self, dtype):
    rng = _rng("scatter_reduce", reduce)
    x, src = _distinct(("x", reduce), (3, 5)), _distinct(("s", reduce), (3, 4))
    index = rng.integers(0, 3, (3, 4))  # repeated targets, and columns 3-4 never written
    compare(lambda T, a, i, s: a.scatter_reduce(1, i, s, reduce, include_self=include_self),
            [x, index, src], op=f"scatter_reduce {reduce}", dtype=dtype)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax"])
def test_scatter_reduce_gradcheck_and_integers(reduce):
    index = mt.tensor([[0, 1, 0, 2], [2, 2, 0, 1]])
    x = mt.tensor(_distinct("gx", (2, 4)), requires_grad=True, dtype=mt.float64)
    src = mt.tensor(_distinct("gs", (2, 4)), requires_grad=True, dtype=mt.float64)
    assert gradcheck(lambda a, s: a.scatter_reduce(1, index, s, reduce, include_self=False), [x, src])
    ints = np.array([[5, -3, 7, 2], [1, 0, 9, 4]])
    compare(lambda T, a, i, s: a.scatter_reduce(1, i, s, reduce), [ints, index.numpy(), ints * 2 + 1],
            op=f"scatter_reduce int {reduce}", kind="exact")


def test_scatter_prod_with_zeros():
    x = np.array([[2.0, 0.0, 3.0, 1.5]])
    src = np.array([[0.0, 4.0, 0.0, 2.0, 5.0]])
    index = np.array([[0, 0, 1, 2, 2]])
    for include_self in (True, False):
        compare(lambda T, a, i, s: a.scatter_reduce(1, i, s, "prod", include_self=include_self),
                [x, index, src], op="scatter prod zeros", dtype="float64", kind="exact")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim", [((4, 3), 0), ((4, 3), 1), ((2, 3, 4), -1), ((5,), 0)], ids=str)
def test_index_select_add_fill(shape, dim, dtype):
    rng = _rng("index", shape, dim)
    x = rng.standard_normal(shape)
    index = np.array([1, 0, 1, shape[dim] - 1])
    source_shape = list(shape)
    source_shape[dim] = len(index)
    source = rng.standard_normal(source_shape)
    compare(lambda T, a, i: T.index_select(a, dim, i), [x, index], op="index_select", dtype=dtype)
    compare(lambda T, a, i, s: a.index_add(dim, i, s, alpha=2.0), [x, index, source], op="index_add", dtype=dtype)
    compare(lambda T, a, i: a.index_fill(dim, i, -1.5), [x, index], op="index_fill", dtype=dtype)
    compare(lambda T, a, i: a.index_select(dim, i.int()), [x, index], op="index_select int32", dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1)), ((), ())], ids=str)
def test_masked_fill_select_and_where(shapes, dtype):
    rng = _rng("mask", shapes)
    x, mask = rng.standard_normal(shapes[0]), rng.random(shapes[1]) > 0.5
    other = rng.standard_normal(shapes[1])
    compare(lambda T, a, m: a.masked_fill(m, 0.5), [x, mask], op="masked_fill", dtype=dtype)
    compare(lambda T, a, m: T.masked_fill(a, m, T.tensor(-2.0, dtype=a.dtype)), [x, mask],
            op="masked_fill 0-d", dtype=dtype)
    compare(lambda T, a, m: T.masked_select(a, m), [x, mask], op="masked_select", dtype=dtype)
    compare(lambda T, a, m, b: T.where(m, a, b), [x, mask, other], op="where", dtype=dtype)
    compare(lambda T, a, m: T.where(m, a, 0.0), [x, mask], op="where scalar", dtype=dtype)
    compare(lambda T, a, m: a.where(m, -a), [x, mask], op="Tensor.where", dtype=dtype)


def test_masked_fill_tensor_value_gets_gradient():
    compare(lambda T, a, v: a.masked_fill(a > 0, v), [np.array([[1.0, -2.0], [3.0, -0.5]]), np.array(0.7)],
            op="masked_fill tensor value", dtype="float64", kind="exact")


@pytest.mark.parametrize("types", [("int64", "float32"), ("int32", "int64"), ("float64", "float32"), ("bool", "int8"),
                                   ("uint8", "int8")], ids=str)
def test_where_promotion(types):
    a, b = np.array([1, 2, 3]).astype(types[0]), np.array([[0], [1]]).astype(types[1])
    mask = np.array([True, False, True])
    compare(lambda T, m, x, y: T.where(m, x, y), [mask, a, b], op="where promotion", kind="exact",
            grad=[False, False, False])
    compare(lambda T, m, x: T.where(m, x, 2.5), [mask, a], op="where scalar promotion", kind="exact",
            grad=[False, False])


@pytest.mark.parametrize("shape", [(3, 4), (5,), (), (0, 3), (2, 2, 2)], ids=str)
def test_nonzero_argwhere_where_single(shape):
    x = (_rng("nz", shape).random(shape) > 0.5).astype(np.float64) * 2.0
    ours, theirs = mt.nonzero(mt.tensor(x)), torch.nonzero(torch.tensor(x))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype is mt.int64
    for o, t in zip(mt.nonzero(mt.tensor(x), as_tuple=True), torch.nonzero(torch.tensor(x), as_tuple=True)):
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    for o, t in zip(mt.where(mt.tensor(x) > 0), torch.where(torch.tensor(x) > 0)):
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    np.testing.assert_array_equal(mt.argwhere(mt.tensor(x)).numpy(), torch.argwhere(torch.tensor(x)).numpy())


INDEXES = {
    "int": lambda T: 1, "negative int": lambda T: -1, "slice": lambda T: slice(1, 3),
    "step": lambda T: (slice(None), slice(0, None, 2)), "ellipsis none": lambda T: (Ellipsis, None),
    "none middle": lambda T: (slice(None), None, 0), "bool mask": lambda T: T.tensor([True, False, True]),
    "long tensor": lambda T: T.tensor([2, 0, 2]), "int32 tensor": lambda T: T.tensor([1, 1], dtype=T.int32),
    "list": lambda T: [0, 2], "uint8 mask": lambda T: T.tensor([1, 0, 1], dtype=T.uint8), "two tensors": lambda T: (T.tensor([0, 2]), T.tensor([1, 3])),
    "tensor and slice": lambda T: (slice(None), T.tensor([[0, 1], [3, 3]])),
    "2-d bool mask": lambda T: T.tensor([[True, False, True, False]] * 3),
    "mixed": lambda T: (T.tensor([0, 2]), slice(1, None), None),
}
INDEXES_4D = {
    "int then tensors": lambda T: (1, T.tensor([0, 2]), T.tensor([[1], [0]])),
    "int between tensors": lambda T: (T.tensor([0, 1]), 2, T.tensor([1, 3])),
    "int slice tensor": lambda T: (0, slice(None), T.tensor([3, 0, 1])),
    "ellipsis int tensor": lambda T: (Ellipsis, 1, T.tensor([0, 0])),
    "none int tensor": lambda T: (None, 1, slice(1, 3), T.tensor([2])),
    "mask then int": lambda T: (T.tensor([True, False]), 1, slice(None), T.tensor([0, 3])),
}


@pytest.mark.parametrize("name", list(INDEXES_4D))
def test_integer_indices_apply_before_advanced_ones(name):
    """torch places the advanced dims as if integer indices were applied first (NumPy does not)."""
    compare(lambda T, a: a[INDEXES_4D[name](T)], [_rng("int", name).standard_normal((2, 3, 4, 5))],
            op=f"getitem {name}", dtype="float64")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(INDEXES))
def test_indexing_with_autograd(name, dtype):
    x = _rng("get", name).standard_normal((3, 4))
    compare(lambda T, a: a[INDEXES[name](T)], [x], op=f"getitem {name}", dtype=dtype)


@pytest.mark.parametrize("name", ["int", "slice", "step", "bool mask", "long tensor", "two tensors",
                                  "tensor and slice", "2-d bool mask"])
def test_index_assignment_with_autograd(name):
    rng = _rng("set", name)
    x = rng.standard_normal((3, 4))
    shape = tuple(torch.zeros(3, 4)[INDEXES[name](torch)].shape)
    value = rng.standard_normal(shape)

    def assign(T, a, v):
        out = a * 1.0
        out[INDEXES[name](T)] = v * 2.0
        return out

    compare(assign, [x, value], op=f"setitem {name}", dtype="float64")
    compare(lambda T, a: a.index_put((T.tensor([0, 2]),), T.tensor(5.0, dtype=a.dtype)), [x],
            op="index_put", dtype="float64")
    compare(lambda T, a, v: T.index_put(a, (T.tensor([0, 0, 2]),), v[0], accumulate=True), [x, x * 3],
            op="index_put accumulate", dtype="float64")


@pytest.mark.parametrize("name", ["gather", "index_select", "index_add", "masked_select", "masked_fill",
                                  "scatter_add", "take_along_dim", "getitem"])
def test_indexing_gradcheck(name):
    index = mt.tensor([[0, 2, 2], [1, 1, 0]])
    fns = {"gather": lambda a: a.gather(1, index), "index_select": lambda a: a.index_select(1, index[0]),
           "index_add": lambda a: a.index_add(1, index[0], a[:, :3] * 2),
           "masked_select": lambda a: a.masked_select(a > 0), "masked_fill": lambda a: a.masked_fill(a > 0, 1.0),
           "scatter_add": lambda a: a.scatter_add(1, index, a.exp()), "take_along_dim": lambda a: a.take_along_dim(index, 1),
           "getitem": lambda a: a[index[1], index[0]]}
    x = mt.tensor(_distinct(name, (2, 4)), dtype=mt.float64, requires_grad=True)
    assert gradcheck(fns[name], [x])


@pytest.mark.parametrize("fn", [
    lambda T, a: a.gather(1, T.tensor([[0, 5]])), lambda T, a: a.gather(1, T.tensor([0, 1])),
    lambda T, a: a.gather(1, T.tensor([[0.0]])), lambda T, a: a.index_select(0, T.tensor([3])),
    lambda T, a: a.masked_fill(a > 0, T.ones(2)), lambda T, a: a.masked_fill(T.ones(3), 1.0),
    lambda T, a: a.scatter(1, T.tensor([[7]]), 1.0), lambda T, a: a.scatter_reduce(1, T.tensor([[0]]), a, "maxx"),
    lambda T, a: a[::-1], lambda T, a: a[5], lambda T, a: a[T.tensor([1.0])], lambda T, a: a[:, 4],
    lambda T, a: a.index_select(0, T.tensor([[0]])), lambda T, a: a.scatter(0, T.tensor([[0]]), a.double()),
    lambda T, a: a.take_along_dim(T.tensor([0]), 0)],
    ids=["gather out of range", "gather ndim", "gather float index", "index_select range", "masked_fill value dims",
         "masked_fill float mask", "scatter range", "scatter_reduce name", "negative step", "getitem range",
         "float index", "column range", "index_select 2-d", "scatter dtype", "take_along_dim ndim"])
def test_errors_match_torch(fn):
    same_error(fn, np.ones((3, 4), dtype=np.float32), check_class=True)
