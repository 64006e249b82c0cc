"""``axis=`` as torch's alias of ``dim`` (a NumPy habit torch accepts), in method and function form.

Each reduction with ``axis=`` is compared with torch (values, dtype, gradients); giving both
``dim`` and ``axis`` is a TypeError in both libraries.
"""
import numpy as np
import pytest
import torch

import minitorch_cv
from torch_parity import compare, same_error

# name -> keyword arguments besides axis; the function forms are lib.NAME(x, axis=...)
REDUCTIONS = {"sum": {}, "mean": {}, "std": {}, "var": {"unbiased": False}, "max": {}, "min": {},
              "argmax": {}, "argmin": {}, "softmax": {}, "log_softmax": {}}
BOOLEAN = ["all", "any"]   # methods; minitorch_cv has no function form of these yet
INDEXED = {"max", "min"}   # these return (values, indices) with a dim


def _input(seed=0):
    return np.random.default_rng(seed).permutation(24).reshape(2, 3, 4) / 7.0 - 1.5


@pytest.mark.parametrize("form", ["method", "function"])
@pytest.mark.parametrize("axis", [1, -1])
@pytest.mark.parametrize("name, keepdim", [(name, keepdim) for name in REDUCTIONS
                                           for keepdim in ([None] if "softmax" in name else [False, True])])
def test_reductions_accept_axis_like_torch(name, axis, keepdim, form):
    options = dict(REDUCTIONS[name], **({"keepdim": keepdim} if keepdim is not None else {}))

    def fn(lib, x):
        out = getattr(x, name)(axis=axis, **options) if form == "method" else \
            getattr(lib, name)(x, axis=axis, **options)
        if name in INDEXED:
            assert np.array_equal(np.asarray(out.indices.numpy()), getattr(x, name)(dim=axis, **options)
                                  .indices.numpy()), f"{name}: indices differ between axis and dim"
        return out.values if name in INDEXED else out

    compare(fn, [_input()], op=f"{name}(axis=)", grad=[name not in ("argmax", "argmin")])


def test_sum_and_mean_accept_a_tuple_of_axes_like_torch():
    for name in ("sum", "mean"):
        compare(lambda lib, x: getattr(lib, name)(x, axis=(0, 2), keepdim=True), [_input(1)], op=f"{name}(axis=)")


@pytest.mark.parametrize("name", BOOLEAN)
def test_all_and_any_accept_axis_like_torch(name):
    flags = _input(2) > 0
    ours, theirs = minitorch_cv.tensor(flags), torch.tensor(flags)
    got = getattr(ours, name)(axis=1)
    want = getattr(theirs, name)(axis=1)
    assert got.dtype == minitorch_cv.bool and np.array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("form, name", [(form, name) for name in REDUCTIONS for form in ("method", "function")]
                         + [("method", name) for name in BOOLEAN])
def test_dim_and_axis_together_is_a_type_error_like_torch(name, form):
    x = _input()
    for lib in (torch, minitorch_cv):
        tensor = lib.tensor(x > 0 if name in BOOLEAN else x)
        call = getattr(tensor, name) if form == "method" else (lambda *a, **k: getattr(lib, name)(tensor, *a, **k))
        with pytest.raises(TypeError) as keyword:
            call(dim=1, axis=1)
        if name not in ("std", "var", "all", "any"):   # torch takes their dim positionally in another overload
            with pytest.raises(TypeError):
                call(1, axis=1)
    assert "axis" in str(keyword.value) and name in str(keyword.value)


@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
@pytest.mark.parametrize("axis", [1, (1, 2)])
def test_std_mean_and_var_mean_accept_axis_like_torch(name, axis):
    for part in range(2):
        compare(lambda lib, x: getattr(lib, name)(x, axis=axis, correction=0)[part], [_input(3)],
                op=f"{name}(axis=)")


@pytest.mark.parametrize("name", ["sum", "mean", "prod"])
def test_a_string_that_names_no_dtype_is_a_type_error_like_torch(name):
    same_error(lambda lib, x: getattr(x, name)(dtype=""), np.ones(2, np.float32), check_class=True)
    compare(lambda lib, x: getattr(x, name)(dtype=lib.float64), [_input(4)], op=f"{name}(dtype=)")


MORE_DIM_OPS = {"cumsum": {}, "cumprod": {}, "cummax": {}, "cummin": {}, "logcumsumexp": {}, "logsumexp": {},
                "amax": {}, "amin": {}, "aminmax": {}, "prod": {}, "sort": {}, "argsort": {}, "topk": {"k": 2},
                "kthvalue": {"k": 2}, "median": {}, "mode": {}, "count_nonzero": {}, "unbind": {},
                "chunk": {"chunks": 2}, "narrow": {"start": 1, "length": 2}, "squeeze": {}, "unsqueeze": {},
                "cat": {}, "stack": {}, "index_select": {"index": [0, 2]}, "gather": {"index": [[0], [1]]}}


def _flat(result):
    items = result if isinstance(result, (tuple, list)) else [result]
    return [np.asarray(r.numpy()) for r in items]


@pytest.mark.parametrize("name, form", [(name, form) for name in MORE_DIM_OPS for form in ("function", "method")
                                         if form == "function" or name not in ("cat", "stack")])
def test_more_dim_ops_accept_axis_like_torch(name, form):
    """torch's argument parser takes ``axis=`` for ``dim`` in every native op; ours gives the dim result."""
    x = np.random.default_rng(5).permutation(12).reshape(3, 4).astype(np.float64)
    results = []
    for lib in (torch, minitorch_cv):
        t = lib.tensor(x)
        kwargs = {k: (lib.tensor(v) if k == "index" else v) for k, v in MORE_DIM_OPS[name].items()}
        if name in ("cat", "stack"):
            results.append(_flat(getattr(lib, name)([t, t], axis=1)))
            continue
        call = getattr(lib, name) if form == "function" else getattr(t, name)
        args = (t,) if form == "function" else ()
        results.append(_flat(call(*args, axis=1, **kwargs)))
    for ours, theirs in zip(results[-1], results[0]):
        np.testing.assert_array_equal(ours, theirs)
