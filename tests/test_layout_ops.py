"""Rearranging ops and einsum against torch: repeat/tile/repeat_interleave, flip/roll, tril/triu,
diag/diagonal/diag_embed/trace, Tensor.unfold, unflatten, split/chunk/tensor_split/unbind/narrow,
movedim/swapaxes, broadcast helpers, einsum; values, every gradient, errors, float64 gradcheck."""
import zlib

import numpy as np
import pytest
import torch

import minitorch_cv as mt
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, compare_or_same_error, same_error

DTYPES = ["float32", "float64"]


def _x(key, shape):
    return np.random.default_rng(zlib.crc32(repr(key).encode())).standard_normal(shape)


LAYOUT = {
    "repeat": ((2, 3), lambda T, a: a.repeat(2, 1, 3)),
    "repeat tuple": ((2, 3), lambda T, a: a.repeat((1, 2))),
    "tile": ((2, 3), lambda T, a: T.tile(a, (2,))),
    "repeat_interleave int": ((2, 3), lambda T, a: a.repeat_interleave(2, dim=1)),
    "repeat_interleave flat": ((2, 3), lambda T, a: T.repeat_interleave(a, 3)),
    "repeat_interleave tensor": ((3, 2), lambda T, a: a.repeat_interleave(T.tensor([1, 0, 3]), dim=0)),
    "flip": ((2, 3, 4), lambda T, a: a.flip(0, 2)),
    "flip list": ((2, 3, 4), lambda T, a: T.flip(a, [-1])),
    "fliplr": ((2, 3), lambda T, a: T.fliplr(a)),
    "flipud": ((2, 3), lambda T, a: a.flipud()),
    "roll": ((3, 4), lambda T, a: a.roll(1, 0)),
    "roll flat": ((3, 4), lambda T, a: T.roll(a, -5)),
    "roll dims": ((3, 4), lambda T, a: a.roll((2, -1), (1, 0))),
    "tril": ((4, 5), lambda T, a: a.tril()),
    "tril offset": ((2, 4, 5), lambda T, a: T.tril(a, -1)),
    "triu": ((4, 5), lambda T, a: T.triu(a, 2)),
    "diagonal": ((4, 5), lambda T, a: a.diagonal()),
    "diagonal offset": ((3, 4, 5), lambda T, a: T.diagonal(a, -1, 1, 2)),
    "diagonal dims": ((3, 4, 5), lambda T, a: a.diagonal(1, 2, 0)),
    "diag 1-d": ((4,), lambda T, a: T.diag(a)),
    "diag 1-d offset": ((3,), lambda T, a: a.diag(-2)),
    "diag 2-d": ((4, 3), lambda T, a: T.diag(a, 1)),
    "diag_embed": ((2, 3), lambda T, a: T.diag_embed(a)),
    "diag_embed offset": ((2, 3), lambda T, a: T.diag_embed(a, 1, 0, 2)),
    "trace": ((3, 3), lambda T, a: a.trace()),
    "unfold": ((2, 7), lambda T, a: a.unfold(1, 3, 2)),
    "unfold dim 0": ((6, 2), lambda T, a: a.unfold(0, 2, 1)),
    "unflatten": ((2, 12), lambda T, a: a.unflatten(1, (3, -1))),
    "unflatten function": ((2, 12), lambda T, a: T.unflatten(a, -1, (2, 2, 3))),
    "movedim": ((2, 3, 4), lambda T, a: T.movedim(a, 0, -1)),
    "movedim tuple": ((2, 3, 4), lambda T, a: a.movedim((0, 1), (2, 0))),
    "swapaxes": ((2, 3, 4), lambda T, a: a.swapaxes(0, 2)),
    "narrow": ((4, 3), lambda T, a: a.narrow(0, 1, 2)),
    "narrow negative start": ((4, 3), lambda T, a: T.narrow(a, 1, -2, 2)),
    "broadcast_to": ((3, 1), lambda T, a: a.broadcast_to((2, 3, 4))),
    "outer": ((3,), lambda T, a: T.outer(a, a * 2)),
    "ravel": ((2, 3), lambda T, a: a.T.ravel()),
    "take": ((3, 4), lambda T, a: T.take(a, T.tensor([[0, 11], [5, 5]]))),
    "split": ((7, 2), lambda T, a: T.cat([p * (i + 1) for i, p in enumerate(a.split(3))])),
    "split sizes": ((7, 2), lambda T, a: T.cat([p * (i + 1) for i, p in enumerate(T.split(a, [2, 5]))])),
    "chunk": ((2, 7), lambda T, a: T.cat([p * (i + 1) for i, p in enumerate(a.chunk(3, 1))], 1)),
    "tensor_split": ((7, 2), lambda T, a: T.cat([p * (i + 1) for i, p in enumerate(a.tensor_split(3))])),
    "tensor_split indices": ((7, 2), lambda T, a: T.cat([p * (i + 1) for i, p in enumerate(T.tensor_split(a, [1, 5]))])),
    "unbind": ((3, 2), lambda T, a: T.stack([p * (i + 1) for i, p in enumerate(a.unbind(1))])),
    "meshgrid ij": ((3,), lambda T, a: T.stack(T.meshgrid(a, a[:2] * 2, indexing="ij"))),
    "meshgrid xy": ((3,), lambda T, a: T.stack(T.meshgrid(a, a[:2] * 2, indexing="xy"))),
    "broadcast_tensors": ((3, 1), lambda T, a: T.broadcast_tensors(a, a[:1, 0] * 2)[1]),
    "hstack": ((2, 3), lambda T, a: T.hstack([a, a * 2])),
    "vstack": ((3,), lambda T, a: T.vstack([a, a * 2])),
    "cartesian_prod": ((3,), lambda T, a: T.cartesian_prod(a, a[:2])),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(LAYOUT))
def test_layout_ops(name, dtype):
    shape, fn = LAYOUT[name]
    compare(fn, [_x(name, shape)], op=name, dtype=dtype)


@pytest.mark.parametrize("name", ["repeat", "repeat_interleave tensor", "flip", "roll dims", "tril offset",
                                  "diagonal offset", "diag 1-d offset", "diag_embed offset", "unfold", "chunk"])
def test_layout_gradcheck(name):
    shape, fn = LAYOUT[name]
    assert gradcheck(lambda a: fn(mt, a), [mt.tensor(_x(("gc", name), shape), dtype=mt.float64, requires_grad=True)])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", ["repeat", "flip", "roll", "tril", "diagonal", "unfold", "repeat_interleave int"])
def test_layout_keeps_integer_dtypes(name, dtype):
    shape, fn = LAYOUT[name]
    values = (np.arange(np.prod(shape)).reshape(shape) % 5).astype(dtype)
    compare(fn, [values], op=f"{name} {dtype}", kind="exact")


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("i,i->", [(5,), (5,)]), ("i,j->ij", [(3,), (4,)]), ("ii->i", [(4, 4)]), ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("...ij->...ji", [(2, 3, 4)]), ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("iij->j", [(3, 3, 2)]), ("ij,ij->ij", [(2, 3), (2, 3)]), ("i,jk->ijk", [(2,), (3, 1)]),
    ("ik, kj -> ij", [(2, 3), (3, 2)]), ("->", [()]), ("i,->i", [(3,), ()]), ("dog", [(2, 3, 4)]),
]


@pytest.mark.parametrize("equation,count", [("ij->ji", 1), ("ij->j", 1), ("ij->", 1), ("ii->i", 1), ("ij,jk->ik", 2),
                                            ("ij,ij->i", 2)])
@pytest.mark.parametrize("dtype", ["int32", "bool", "uint8"])
def test_einsum_integer_result_dtypes(equation, count, dtype):
    arrays = [(np.arange(9).reshape(3, 3) % 4).astype(dtype)] * count
    compare_or_same_error(lambda T, *ops: T.einsum(equation, *ops), arrays, "einsum ints")


def test_einsum_refuses_mixed_dtypes_as_torch():
    same_error(lambda T, a, b: T.einsum("ij,j->i", a, b.double()), _x("m", (2, 3)).astype(np.float32),
               _x("n", (3,)).astype(np.float32), check_class=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("equation,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(equation, shapes, dtype):
    arrays = [_x((equation, i), s) for i, s in enumerate(shapes)]
    compare(lambda T, *ops: T.einsum(equation, *ops), arrays, op="einsum", dtype=dtype)
    compare(lambda T, *ops: T.einsum(equation, list(ops)), arrays, op="einsum list", dtype=dtype)


@pytest.mark.parametrize("equation,shapes", [e for e in EINSUM if e[0] in ("bij,bjk->bik", "ii->i", "iij->j",
                                                                          "ij,jk,kl->il", "i,jk->ijk")],
                         ids=str)
def test_einsum_gradcheck(equation, shapes):
    tensors = [mt.tensor(_x(("gc", equation, i), s), dtype=mt.float64, requires_grad=True) for i, s in enumerate(shapes)]
    assert gradcheck(lambda *ops: mt.einsum(equation, *ops), tensors)


@pytest.mark.parametrize("fn", [
    lambda T, a: a.repeat(2), lambda T, a: a.unfold(1, 9, 1), lambda T, a: a.unfold(1, 2, 0),
    lambda T, a: a.diagonal(0, 1, 1), lambda T, a: a[0].tril(), lambda T, a: a.unflatten(1, (2, 2)),
    lambda T, a: a.split([1, 2]), lambda T, a: a.chunk(0), lambda T, a: a.narrow(0, 2, 2),
    lambda T, a: a.roll((1, 2), 0), lambda T, a: T.einsum("ij,jk->ik", a, a), lambda T, a: T.einsum("ijk", a),
    lambda T, a: T.einsum("ij,ij->i", a, a[0]), lambda T, a: a.repeat_interleave(T.tensor([1, 2])),
    lambda T, a: a.movedim((0, 1), 0), lambda T, a: T.diag(a[None])],
    ids=["repeat dims", "unfold size", "unfold step", "diagonal same dims", "tril 1-d", "unflatten sizes",
         "split sizes", "chunk 0", "narrow range", "roll align", "einsum shapes", "einsum subscripts",
         "einsum operand dims", "repeat_interleave counts", "movedim counts", "diag 3-d"])
def test_errors_match_torch(fn):
    same_error(fn, np.ones((2, 3), dtype=np.float32), check_class=True)


@pytest.mark.parametrize("fn", [
    lambda T, a: a.chunk(2), lambda T, a: a.split(1), lambda T, a: a.narrow(0, 0, 1), lambda T, a: a.unflatten(0, (1,)),
    lambda T, a: a.movedim(0, -1), lambda T, a: a.index_select(0, T.tensor([0])), lambda T, a: a.scatter(0, T.tensor(0), 9.0),
    lambda T, a: a.index_add(0, T.tensor([0]), a * 2), lambda T, a: a.flip(0), lambda T, a: a.roll(1),
    lambda T, a: a.gather(0, T.tensor(0)), lambda T, a: a.repeat_interleave(3)],
    ids=["chunk", "split", "narrow", "unflatten", "movedim", "index_select", "scatter", "index_add", "flip", "roll",
         "gather", "repeat_interleave"])
def test_zero_dim_tensors_as_torch(fn):
    import torch
    try:
        fn(torch, torch.tensor(2.5))
    except RuntimeError:
        same_error(fn, np.array(2.5, dtype=np.float32), check_class=True)
        return
    compare(fn, [np.array(2.5)], op="0-d layout", dtype="float64", kind="exact")


@pytest.mark.parametrize("fn", [lambda T, a: a.index_select(0, T.tensor([0])), lambda T, a: a.kthvalue(1, 0),
                                lambda T, a: a.mode(0), lambda T, a: a.take(T.tensor([0]))],
                         ids=["index_select", "kthvalue", "mode", "take"])
def test_empty_tensor_errors_as_torch(fn):
    same_error(fn, np.zeros((0, 3), dtype=np.float32), check_class=True)


KEYWORDS = {
    "flip dims=": lambda T, a, i: a.flip(dims=(0,)), "torch.flip dims=": lambda T, a, i: T.flip(a, dims=[1]),
    "tile dims=": lambda T, a, i: T.tile(a, dims=(2,)), "split sections=": lambda T, a, i: T.split(a, split_size_or_sections=2)[1],
    "Tensor.split split_size=": lambda T, a, i: a.split(split_size=2)[0],
    "where input/other=": lambda T, a, i: T.where(condition=a > 0, input=a, other=-a),
    "scatter dim/index/src=": lambda T, a, i: a.scatter(dim=1, index=i, src=a[:, :2] * 2),
    "gather dim/index=": lambda T, a, i: T.gather(a, dim=1, index=i),
    "unfold dimension/size/step=": lambda T, a, i: a.unfold(dimension=0, size=2, step=1),
    "movedim source/destination=": lambda T, a, i: T.movedim(a, source=0, destination=1),
    "lerp end/weight=": lambda T, a, i: T.lerp(a, end=a * 2, weight=0.3),
    "take_along_dim indices=": lambda T, a, i: T.take_along_dim(a, indices=i, dim=1),
}


@pytest.mark.parametrize("name", list(KEYWORDS))
def test_keyword_arguments_have_torch_names(name):
    x = _x("kw", (3, 4))
    index = np.array([[0, 1], [2, 3], [1, 1]])
    compare(KEYWORDS[name], [x, index], op="keywords", dtype="float64")


VIEW_WRITES = {  # in-place writes through a view must reach the base, as in torch
    "diagonal_add": lambda lib, x: x.diagonal().add_(1),
    "diagonal_offset_fill": lambda lib, x: x.diagonal(1).fill_(5),
    "diagonal_dims_setitem": lambda lib, x: x.diagonal(-1, 2, 0).__setitem__(slice(None), 7),
    "unfold_add": lambda lib, x: x.unfold(2, 2, 2).add_(1),
    "unfold_gap_setitem": lambda lib, x: x.unfold(1, 2, 3).__setitem__((Ellipsis, 1), 2),
    "unfold_window_fill": lambda lib, x: x.unfold(2, 3, 1)[0, 0, 1].fill_(4),
}


@pytest.mark.parametrize("name", list(VIEW_WRITES))
def test_diagonal_and_unfold_are_views_like_torch(name):
    results = []
    for lib in (torch, mt):
        x = lib.zeros(2, 3, 4, dtype=lib.float64)
        VIEW_WRITES[name](lib, x)
        results.append(np.asarray(x.numpy()))
    np.testing.assert_array_equal(results[1], results[0])


@pytest.mark.parametrize("fn", [lambda x: x.diagonal(1, 2, 0), lambda x: x.diagonal(-2), lambda x: x.unfold(1, 3, 1),
                                lambda x: x.unfold(2, 2, 3), lambda x: x.transpose(0, 2).unfold(0, 2, 1)])
def test_diagonal_and_unfold_views_backward(fn):
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    compare(lambda lib, a: fn(a * 1), [x], op="diagonal/unfold view", dtype="float64")
    assert gradcheck(fn, (mt.tensor(x, requires_grad=True),))
