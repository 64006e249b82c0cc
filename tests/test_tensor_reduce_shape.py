"""Reductions, shape ops, indexing, cat/stack and matmul against torch (values, dtypes, gradients)."""
import zlib

import numpy as np
import pytest

import minitorch_cv

from torch_parity import compare

DTYPES = ["float32", "float64"]


def _rng(*key):
    """A generator seeded from the case's name, the same in every run."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _normal(rng, shape):
    return rng.standard_normal(shape)


REDUCTIONS = {
    "sum": lambda T, a, dim, keep: a.sum(dim=dim, keepdim=keep),
    "mean": lambda T, a, dim, keep: a.mean(dim=dim, keepdim=keep),
    "torch.sum": lambda T, a, dim, keep: T.sum(a, dim, keepdim=keep),
    "torch.mean": lambda T, a, dim, keep: T.mean(a, dim, keep),
}
REDUCE_DIMS = [None, 0, 1, -1, -3, (0, 2), (-1, 0), [1, 2]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", REDUCE_DIMS, ids=str)
@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_sum_and_mean(name, dim, keepdim, dtype):
    x = _normal(_rng(name, str(dim)), (2, 3, 4))
    compare(lambda T, a: REDUCTIONS[name](T, a, dim, keepdim), [x], op=name, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_reductions_of_0d_empty_int_and_bool(dtype):
    rng = _rng("small reductions")
    compare(lambda T, a: a.sum() * 2, [np.array(1.5)], op="sum", dtype=dtype)
    compare(lambda T, a: a.sum(0) + a.mean(-1), [np.array(1.5)], op="sum", dtype=dtype)
    compare(lambda T, a: a.sum(1), [np.zeros((2, 0))], op="sum", dtype=dtype)
    compare(lambda T, a: a.sum(dim=()), [rng.standard_normal((2, 3))], op="sum", dtype=dtype)
    compare(lambda T, a: (a.sum(), a.sum(0))[1], [rng.integers(0, 9, (3, 2))], op="sum", dtype=dtype)
    compare(lambda T, a: a.sum(), [rng.random((3, 2)) > 0.5], op="sum", dtype=dtype)
    compare(lambda T, a: a.sum(dtype=T.float64), [rng.integers(0, 9, (3, 2))], op="sum", dtype=dtype)
    compare(lambda T, a: a.mean(dtype=T.float64), [rng.standard_normal((3, 2))], op="mean", dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)], ids=str)
@pytest.mark.parametrize("unbiased", [True, False])
def test_var_and_std(dim, unbiased, dtype):
    x = _normal(_rng("var", str(dim)), (4, 5))
    compare(lambda T, a: a.var(dim, unbiased=unbiased), [x], op="var", dtype=dtype)
    compare(lambda T, a: a.std(dim, unbiased=unbiased), [x], op="std", dtype=dtype)


def _no_ties(rng, shape):
    """A shuffled, scaled arange: every value distinct, so max/argmax are unambiguous."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.25 - 3.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, 2, -3], ids=str)
@pytest.mark.parametrize("which", ["max", "min"])
def test_max_min_with_dim_return_values_and_indices(which, dim, keepdim, dtype):
    x = _no_ties(_rng(which, dim), (2, 3, 4))
    compare(lambda T, a: getattr(a, which)(dim, keepdim).values, [x], op=which + " dim", dtype=dtype)
    compare(lambda T, a: getattr(a, which)(dim=dim, keepdim=keepdim)[1], [x], op=which + " dim", dtype=dtype)
    compare(lambda T, a: getattr(T, which)(a, dim)[0] * 2, [x], op=which + " dim", dtype=dtype)
    arg = "arg" + which
    compare(lambda T, a: getattr(a, arg)(dim, keepdim), [x], op=arg, dtype=dtype)
    compare(lambda T, a: getattr(T, arg)(a, dim=dim, keepdim=keepdim), [x], op=arg, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("which", ["max", "min"])
def test_max_min_over_all_elements_share_gradient_on_ties(which, dtype):
    x = _no_ties(_rng(which), (3, 4))
    compare(lambda T, a: getattr(a, which)(), [x], op=which + " all", dtype=dtype)
    compare(lambda T, a: getattr(T, which)(a), [x], op=which + " all", dtype=dtype)
    ties = np.array([[1.0, 5.0, 5.0], [-5.0, 5.0, -5.0]])
    compare(lambda T, a: getattr(a, which)(), [ties], op=which + " all", dtype=dtype)
    compare(lambda T, a: getattr(a, which)(1).values, [ties], op=which + " dim", dtype=dtype)
    compare(lambda T, a: getattr(a, "arg" + which)(), [ties], op="arg" + which, dtype=dtype)
    compare(lambda T, a: getattr(a, "arg" + which)(0), [ties], op="arg" + which, dtype=dtype)


def test_max_of_int_tensor_and_0d():
    ints = _rng("max int").integers(-9, 9, (3, 4))
    compare(lambda T, a: a.max(), [ints], op="max all")
    compare(lambda T, a: a.max(1).indices, [ints], op="max dim")
    compare(lambda T, a: a.max(0).values * 1.5, [np.array(2.0)], op="max dim")
    compare(lambda T, a: a.argmax(0, keepdim=True), [np.array(2.0)], op="argmax")


SHAPE_OPS = {
    "reshape": (lambda T, a: a.reshape(4, 6), (2, 3, 4)),
    "reshape tuple -1": (lambda T, a: a.reshape((-1, 4)), (2, 3, 4)),
    "view": (lambda T, a: a.view(6, -1), (2, 3, 4)),
    "view to 0-d": (lambda T, a: a.view(()), (1,)),
    "view_as": (lambda T, a: a.view_as(T.zeros(3, 8)), (2, 3, 4)),
    "flatten": (lambda T, a: a.flatten(), (2, 3, 4)),
    "flatten 1": (lambda T, a: T.flatten(a, 1), (2, 3, 4)),
    "flatten 0 1": (lambda T, a: a.flatten(0, 1), (2, 3, 4)),
    "flatten -2 -1": (lambda T, a: a.flatten(-2, -1), (2, 3, 4)),
    "flatten 0-d": (lambda T, a: a.flatten(), ()),
    "unsqueeze 0": (lambda T, a: a.unsqueeze(0), (2, 3)),
    "unsqueeze -1": (lambda T, a: T.unsqueeze(a, -1), (2, 3)),
    "unsqueeze 1": (lambda T, a: a.unsqueeze(1), (2, 3)),
    "squeeze": (lambda T, a: a.squeeze(), (1, 3, 1, 2)),
    "squeeze dim": (lambda T, a: a.squeeze(2), (1, 3, 1, 2)),
    "squeeze non-1 dim": (lambda T, a: T.squeeze(a, 1), (1, 3, 1, 2)),
    "squeeze tuple": (lambda T, a: a.squeeze((0, -2)), (1, 3, 1, 2)),
    "permute": (lambda T, a: a.permute(2, 0, 1), (2, 3, 4)),
    "permute tuple negative": (lambda T, a: a.permute((-1, 0, 1)), (2, 3, 4)),
    "transpose": (lambda T, a: a.transpose(0, 2), (2, 3, 4)),
    "transpose negative": (lambda T, a: a.transpose(-1, -2), (2, 3, 4)),
    "T": (lambda T, a: a.T, (3, 4)),
    "t": (lambda T, a: a.t(), (3, 4)),
    "t of 1-d": (lambda T, a: a.t(), (3,)),
    "expand": (lambda T, a: a.expand(2, 3, 4), (3, 1)),
    "expand -1": (lambda T, a: a.expand(-1, 5), (3, 1)),
    "expand tuple": (lambda T, a: a.expand((2, 3, 4)), (4,)),
    "expand_as": (lambda T, a: a.expand_as(T.zeros(2, 3, 4)), (1, 4)),
    "contiguous": (lambda T, a: a.transpose(0, 1).contiguous().view(-1), (2, 3)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op(name, dtype):
    fn, shape = SHAPE_OPS[name]
    compare(fn, [_normal(_rng(name), shape)], op="shape " + name.split()[0], dtype=dtype)


INDEXING = {
    "int": lambda T, a: a[1],
    "negative int": lambda T, a: a[-1],
    "two ints": lambda T, a: a[1, -2],
    "three ints": lambda T, a: a[0, 1, 2],
    "slice": lambda T, a: a[1:3],
    "slice step": lambda T, a: a[:, ::2],
    "negative slice": lambda T, a: a[-2:, :-1],
    "None": lambda T, a: a[None],
    "None middle": lambda T, a: a[:, None, 1],
    "Ellipsis": lambda T, a: a[..., 1],
    "Ellipsis slice": lambda T, a: a[0, ..., 1:],
    "bool mask": lambda T, a: a[a > 0],
    "bool mask rows": lambda T, a: a[T.tensor([True, False, True])],
    "long index": lambda T, a: a[T.tensor([2, 0])],
    "repeated index": lambda T, a: a[T.tensor([1, 1, 0, 1])],
    "list index": lambda T, a: a[[0, 2, 2]],
    "2-d long index": lambda T, a: a[T.tensor([[0, 1], [1, 1]])],
    "paired long index": lambda T, a: a[T.tensor([0, 2, 0]), T.tensor([1, 1, 1])],
    "index with slice": lambda T, a: a[:, T.tensor([3, 0, 3])],
    "0-d long index": lambda T, a: a[T.tensor(1)],
    "empty slice": lambda T, a: a[2:1],
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(INDEXING))
def test_indexing(name, dtype):
    x = _normal(_rng(name), (3, 4, 5))
    compare(INDEXING[name], [x], op="index", dtype=dtype)


def test_indexing_int_and_bool_tensors():
    ints = np.arange(12).reshape(3, 4)
    compare(lambda T, a: a[1:, T.tensor([0, 0])], [ints], op="index")
    compare(lambda T, a: a[a % 2 == 0], [ints], op="index")
    compare(lambda T, a: a[0, 0], [np.ones((2, 2), dtype=bool)], op="index")


CAT_STACK = {
    "cat 0": (lambda T, a, b: T.cat([a, b]), (2, 3), (4, 3)),
    "cat 1": (lambda T, a, b: T.cat((a, b, a), dim=1), (2, 3), (2, 1)),
    "cat -1": (lambda T, a, b: T.cat([a, b], -1), (2, 2, 3), (2, 2, 1)),
    "stack 0": (lambda T, a, b: T.stack([a, b]), (2, 3), (2, 3)),
    "stack 1": (lambda T, a, b: T.stack((a, b, a), dim=1), (2, 3), (2, 3)),
    "stack -1": (lambda T, a, b: T.stack([a, b], dim=-1), (2, 3), (2, 3)),
    "stack 0-d": (lambda T, a, b: T.stack([a, b]), (), ()),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CAT_STACK))
def test_cat_and_stack(name, dtype):
    fn, sa, sb = CAT_STACK[name]
    rng = _rng(name)
    compare(fn, [_normal(rng, sa), _normal(rng, sb)], op=name.split()[0], dtype=dtype)


MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 5)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)),
                 ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes, dtype):
    rng = _rng("matmul", shapes)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    compare(lambda T, x, y: x @ y, [a, b], op="matmul", dtype=dtype)
    compare(lambda T, x, y: T.matmul(x, y), [a, b], op="matmul", dtype=dtype)
    if len(shapes[0]) == len(shapes[1]) == 2:
        compare(lambda T, x, y: x.mm(y), [a, b], op="matmul", dtype=dtype)


def test_matmul_of_int_tensors():
    rng = _rng("int matmul")
    compare(lambda T, x, y: x @ y, [rng.integers(-3, 4, (2, 3)), rng.integers(-3, 4, (3, 2))], op="matmul")


NORMS = {
    "2-norm": lambda T, a: a.norm(), "2-norm dim": lambda T, a: a.norm(dim=1),
    "keepdim": lambda T, a: a.norm(dim=-1, keepdim=True), "1-norm": lambda T, a: a.norm(1),
    "3-norm dim": lambda T, a: a.norm(3, dim=0), "inf-norm": lambda T, a: a.norm(float("inf")),
    "torch.norm": lambda T, a: T.norm(a, dim=(0, 1)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(NORMS))
def test_norm(name, dtype):
    x = _normal(_rng("norm", name), (3, 4))
    compare(NORMS[name], [x], op="norm", dtype=dtype)
    compare(lambda T, a: NORMS[name](T, a * 0), [x], op="norm at zero", dtype=dtype)


@pytest.mark.parametrize("op", ["matmul", "linear"])
def test_large_products_split_over_workers_match_torch(op):
    """Products above PARALLEL_MIN_FLOPS run their rows on the worker threads (BLAS at one thread)."""
    from minitorch_cv.ops.linalg import PARALLEL_MIN_FLOPS
    rng = np.random.default_rng(21)
    a, b = rng.standard_normal((301, 203)), rng.standard_normal((203, 400))
    assert 2 * 301 * 203 * 400 >= PARALLEL_MIN_FLOPS
    previous = minitorch_cv.get_num_threads()
    minitorch_cv.set_num_threads(2)
    try:
        if op == "matmul":
            compare(lambda T, x, y: T.matmul(x, y), [a, b], op="matmul", dtype="float64")
        else:
            compare(lambda T, x, w: T.nn.functional.linear(x, w), [a, b.T.copy()], op="linear", dtype="float64")
    finally:
        minitorch_cv.set_num_threads(previous)
