"""Scans, products and order statistics against torch: values, indices, result dtypes, gradients
(random upstream), keepdim, negative dims, 0-d and empty tensors; float64 gradcheck."""
import zlib

import numpy as np
import pytest
import torch

import minitorch_cv as mt
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, compare_or_same_error, same_error

DTYPES = ["float32", "float64"]


def _distinct(key, shape):
    """Distinct values (a shuffled, scaled arange) so sorts and maxima have no ties."""
    rng = np.random.default_rng(zlib.crc32(repr(key).encode()))
    size = int(np.prod(shape))
    return (rng.permutation(size).reshape(shape) - size / 2) * 0.37 + 0.05


CASES = {
    "cumsum": lambda T, a, d: T.cumsum(a, d),
    "cumsum method": lambda T, a, d: a.cumsum(dim=d),
    "cumprod": lambda T, a, d: T.cumprod(a * 0.5, d),
    "cummax values": lambda T, a, d: T.cummax(a, d).values,
    "cummax indices": lambda T, a, d: T.cummax(a, d).indices,
    "cummin values": lambda T, a, d: a.cummin(d)[0],
    "logcumsumexp": lambda T, a, d: T.logcumsumexp(a, d),
    "logsumexp": lambda T, a, d: T.logsumexp(a, d),
    "logsumexp keepdim": lambda T, a, d: a.logsumexp(d, keepdim=True),
    "prod dim": lambda T, a, d: T.prod(a, d),
    "prod keepdim": lambda T, a, d: a.prod(d, keepdim=True),
    "amax": lambda T, a, d: T.amax(a, d),
    "amin keepdim": lambda T, a, d: a.amin(d, keepdim=True),
    "sort values": lambda T, a, d: T.sort(a, d).values,
    "sort indices": lambda T, a, d: a.sort(dim=d, descending=True).indices,
    "sort descending values": lambda T, a, d: a.sort(d, True)[0],
    "argsort": lambda T, a, d: T.argsort(a, d),
    "topk values": lambda T, a, d: T.topk(a, 2, d).values,
    "topk smallest": lambda T, a, d: a.topk(2, dim=d, largest=False)[0],
    "topk indices": lambda T, a, d: a.topk(2, d).indices,
    "kthvalue": lambda T, a, d: T.kthvalue(a, 2, d).values,
    "kthvalue keepdim indices": lambda T, a, d: a.kthvalue(2, d, keepdim=True).indices,
    "median dim": lambda T, a, d: T.median(a, d).values,
    "median dim indices": lambda T, a, d: a.median(d, keepdim=True).indices,
    "median all": lambda T, a, d: a.median(),
    "prod all": lambda T, a, d: a.prod(),
    "amax all": lambda T, a, d: a.amax(),
    "logsumexp tuple": lambda T, a, d: T.logsumexp(a, (-1, 0)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim", [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1), ((2, 3, 4), -2), ((5, 2), -1)],
                         ids=str)
@pytest.mark.parametrize("name", list(CASES))
def test_scans_and_order_statistics(name, shape, dim, dtype):
    x = _distinct((name, shape), shape)
    compare(lambda T, a: CASES[name](T, a, dim), [x], op=name, dtype=dtype, kind="reduction")


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax values", "logcumsumexp", "logsumexp", "prod dim",
                                  "amax", "sort values", "topk values", "kthvalue", "median dim", "median all",
                                  "prod all"])
def test_scans_gradcheck(name):
    x = mt.tensor(_distinct(("gc", name), (3, 4)), dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda a: CASES[name](mt, a, 1), [x])


@pytest.mark.parametrize("fn", [lambda T, a: a.prod(), lambda T, a: a.prod(1), lambda T, a: a.cumprod(1),
                                lambda T, a: a.cumprod(0)])
def test_products_with_zeros(fn):
    """One and two zeros in a row: the gradient is the product of the others, never NaN."""
    x = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 3.0, 0.0, 2.0], [1.0, 2.0, 3.0, 4.0]])
    compare(fn, [x], op="prod with zeros", dtype="float64", kind="exact")
    assert gradcheck(lambda a: fn(mt, a), [mt.tensor(x, requires_grad=True)])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8", "bool"])
@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "cumprod", "cumsum dtype", "amax", "sort", "topk",
                                  "logsumexp", "median", "argsort", "cummax", "kthvalue", "mean", "all", "any",
                                  "count_nonzero"])
def test_integer_and_bool_result_dtypes(name, dtype):
    values = np.array([[3, 1, 2], [0, 5, 4]]) if dtype != "bool" else np.array([[True, False, True]] * 2)
    fns = {"sum": lambda T, a: a.sum(), "prod": lambda T, a: T.prod(a, 1), "cumsum": lambda T, a: a.cumsum(1),
           "cumprod": lambda T, a: T.cumprod(a, 0), "cumsum dtype": lambda T, a: a.cumsum(1, dtype=T.float64),
           "amax": lambda T, a: a.amax(1), "sort": lambda T, a: a.sort(1).values, "topk": lambda T, a: a.topk(1).values,
           "logsumexp": lambda T, a: T.logsumexp(a, 1), "median": lambda T, a: a.median(),
           "argsort": lambda T, a: a.argsort(dim=1, stable=True), "cummax": lambda T, a: a.cummax(1).values,
           "kthvalue": lambda T, a: a.kthvalue(1, 1).values, "mean": lambda T, a: a.mean(),
           "all": lambda T, a: a.all(1), "any": lambda T, a: T.any(a), "count_nonzero": lambda T, a: T.count_nonzero(a, 1)}
    compare_or_same_error(fns[name], [values.astype(dtype)], f"{name} on {dtype}")


@pytest.mark.parametrize("fn", [
    lambda T, a: a.cumsum(0), lambda T, a: a.prod(), lambda T, a: a.logsumexp(0), lambda T, a: a.sort().values,
    lambda T, a: a.topk(1).values, lambda T, a: a.median(), lambda T, a: a.amax(), lambda T, a: a.cumprod(-1),
    lambda T, a: a.kthvalue(1).values, lambda T, a: a.cummax(0).indices, lambda T, a: a.argsort()])
def test_zero_dim_inputs(fn):
    compare(fn, [np.array(1.7)], op="0-d", dtype="float64", kind="exact")


@pytest.mark.parametrize("fn", [
    lambda T, a: a.cumsum(1), lambda T, a: a.prod(1), lambda T, a: a.prod(), lambda T, a: a.logsumexp(1),
    lambda T, a: a.sort(0).values, lambda T, a: a.topk(0, 1).values, lambda T, a: a.amax(1),
    lambda T, a: a.cumprod(0)])
def test_empty_inputs(fn):
    compare(fn, [np.zeros((0, 3))], op="empty", dtype="float64", kind="exact")


def test_ties_and_nan_follow_torch():
    x = np.array([[2.0, 1.0, 2.0, np.nan, 1.0], [0.5, 0.5, 0.5, 0.2, 0.9]])
    for fn in (lambda T, a: a.sort(dim=1, stable=True).indices,
               lambda T, a: a.sort(dim=1, descending=True, stable=True)[1],
               lambda T, a: a.sort(1)[0], lambda T, a: a.cummax(1).indices, lambda T, a: a.cummin(1).indices,
               lambda T, a: a.amax(1), lambda T, a: a.median(), lambda T, a: a.argsort(dim=1, stable=True)):
        compare(fn, [x], op="ties and nan", dtype="float64", kind="exact")
    ties = np.array([[3.0, 1.0, 3.0, 2.0]])
    compare(lambda T, a: a.amax(1), [ties], op="amax ties", dtype="float64", kind="exact")
    compare(lambda T, a: a.median(), [ties], op="median ties", dtype="float64", kind="exact")
    compare(lambda T, a: T.mode(a, 1).values, [np.array([[1.0, 3.0, 3.0, 1.0, 2.0]])], op="mode", dtype="float64")


@pytest.mark.parametrize("fn", [lambda T, a: a.topk(5), lambda T, a: a.kthvalue(0), lambda T, a: a.cumsum(2),
                                lambda T, a: a.sort(dim=-3), lambda T, a: a.amax(5), lambda T, a: a.prod((0, 1)),
                                lambda T, a: a.kthvalue(4, 1), lambda T, a: a[0, 0].cumsum(1),
                                lambda T, a: a[0].cumprod(-2), lambda T, a: a.cummax(2)],
                         ids=["topk k", "kthvalue k", "cumsum dim", "sort dim", "amax dim", "prod tuple",
                              "kthvalue too large", "cumsum 0-d dim", "cumprod 1-d dim", "cummax dim"])
def test_errors_match_torch(fn):
    same_error(fn, np.ones((2, 3)), check_class=True)


def test_logcumsumexp_gradient_without_overflow():
    """Values 100 apart: exp(100) overflows float32, the log-space backward does not."""
    for values in ([0.0, 100.0], [100.0, 0.0, -50.0, 80.0]):
        compare(lambda T, a: T.logcumsumexp(a, 0), [np.array(values)], op="logcumsumexp large", kind="exact")
