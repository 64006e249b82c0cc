"""avg_pool2d / AvgPool2d and F.pad against torch: grids over every option (outputs and
gradients), the ceil_mode divisor rule, float64 gradcheck, printing and errors."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.nn import functional as F
from test_conv import covering_grid
from torch_parity import compare, same_error

AVG_SETTINGS = {
    "kernel": [1, 2, 3, 4, (2, 3), (3, 1)],
    "stride": [None, 1, 2, 3, (1, 2)],
    "padding": [0, 1, 2, (1, 0)],
    "ceil_mode": [False, True],
    "count_include_pad": [True, False],
    "divisor_override": [None, 3],
    "shape": [(1, 1, 7, 7), (2, 3, 9, 8), (3, 5, 6), (1, 2, 11, 5)],
    "dtype": ["float32", "float64"],
}
AVG_CASES = covering_grid(AVG_SETTINGS, 36, seed=5)


def _settings(case):
    """The grid case as avg_pool2d keywords, the kernel grown so padding is at most half of it."""
    kernel = (case["kernel"],) * 2 if isinstance(case["kernel"], int) else case["kernel"]
    padding = (case["padding"],) * 2 if isinstance(case["padding"], int) else case["padding"]
    return dict(kernel_size=tuple(max(k, 2 * p) for k, p in zip(kernel, padding)), stride=case["stride"],
                padding=case["padding"], ceil_mode=case["ceil_mode"], count_include_pad=case["count_include_pad"],
                divisor_override=case["divisor_override"])


def test_grid_covers_every_value():
    for name, values in AVG_SETTINGS.items():
        assert {repr(case[name]) for case in AVG_CASES} == {repr(v) for v in values}, name


@pytest.mark.parametrize("case", AVG_CASES, ids=["-".join(map(str, c.values())) for c in AVG_CASES])
def test_avg_pool2d_matches_torch(case):
    settings = _settings(case)
    x = np.random.default_rng(0).standard_normal(case["shape"])
    try:
        torch.nn.functional.avg_pool2d(torch.zeros(case["shape"]), **settings)
    except RuntimeError:
        assert "too small" in same_error(lambda lib, t: lib.nn.functional.avg_pool2d(t, **settings), x)
        return
    compare(lambda lib, t: lib.nn.functional.avg_pool2d(t, **settings), [x], "avg_pool2d", dtype=case["dtype"])
    compare(lambda lib, t: lib.nn.AvgPool2d(**settings)(t), [x], "avg_pool2d", dtype=case["dtype"])


def test_ceil_overhang_never_counts_in_the_divisor():
    """5 wide, kernel 2, stride 2, ceil_mode: the last window holds one element and divides by 1."""
    x = minitorch_cv.tensor([[[[1.0, 2.0, 3.0, 4.0, 10.0]]]])
    for include in (True, False):
        out = F.avg_pool2d(x, (1, 2), ceil_mode=True, count_include_pad=include)
        assert out.numpy().tolist() == [[[[1.5, 3.5, 10.0]]]]
    padded = F.avg_pool2d(x, (1, 2), padding=(0, 1), ceil_mode=True, count_include_pad=True)
    theirs = torch.nn.functional.avg_pool2d(torch.tensor(x.numpy()), (1, 2), padding=(0, 1), ceil_mode=True)
    assert padded.numpy().tolist() == theirs.numpy().tolist()


@pytest.mark.parametrize("case", AVG_CASES[:8])
def test_avg_pool2d_gradcheck(case):
    settings = _settings(case)
    shape = (1, 2, 6, 5)
    x = minitorch_cv.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.avg_pool2d(t, **settings), [x])


def test_avg_pool_printing_and_errors():
    for args in [(3,), (3, 2, 1), ((2, 3), (1, 2), (1, 0), True, False, 4)]:
        assert repr(nn.AvgPool2d(*args)) == repr(torch.nn.AvgPool2d(*args))
    x = np.ones((1, 3, 4, 4), np.float32)
    assert "at most half of" in same_error(lambda lib, t: lib.nn.functional.avg_pool2d(t, 3, padding=2), x)
    assert "divisor must be not zero" in same_error(
        lambda lib, t: lib.nn.functional.avg_pool2d(t, 2, divisor_override=0), x)
    assert "too small" in same_error(lambda lib, t: lib.nn.functional.avg_pool2d(t, 5), x)
    assert "stride must be positive" in same_error(lambda lib, t: lib.nn.functional.avg_pool2d(t, 2, 0), x)


PAD_CASES = [
    ((2, 3), (1, 2), "constant"), ((2, 3, 4), (1, 1, 2, 0), "constant"), ((2, 3, 4, 5), (1, 2, 0, 1, 2, 1), "constant"),
    ((2, 3, 4, 5), (-1, 2, 1, -2), "constant"), ((4,), (0, -2), "constant"), ((2, 2, 2, 2, 2), (1,) * 10, "constant"),
    ((2, 5), (2, 3), "reflect"), ((2, 3, 6), (4, 1), "reflect"), ((2, 3, 5, 4), (3, 2, 1, 4), "reflect"),
    ((3, 4, 5), (1, 2, 2, 1), "reflect"), ((1, 2, 3, 4, 5), (1, 2, 2, 1, 1, 0), "reflect"),
    ((2, 3, 5), (-1, 2), "reflect"),
    ((2, 4), (3, 5), "replicate"), ((2, 3, 5, 4), (2, 0, 3, 1), "replicate"), ((2, 2, 3, 4, 5), (1, 1, 2, 2, 3, 3), "replicate"),
    ((2, 3, 5), (-2, 3), "replicate"),
    ((2, 5), (5, 2), "circular"), ((2, 3, 4, 5), (2, 3, 4, 1), "circular"), ((1, 2, 3, 4, 5), (1, 0, 2, 3, 3, 2), "circular"),
    ((2, 3, 5), (-1, 2), "circular"),
]


@pytest.mark.parametrize("shape, pad, mode", PAD_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pad_matches_torch(shape, pad, mode, dtype):
    x = np.random.default_rng(2).standard_normal(shape)
    compare(lambda lib, t: lib.nn.functional.pad(t, pad, mode=mode), [x], f"pad {mode}", dtype=dtype, kind="exact")


def test_pad_value_and_integers():
    x = np.arange(6.0).reshape(2, 3)
    compare(lambda lib, t: lib.nn.functional.pad(t, (1, 1, 2, 0), value=-2.5), [x], "pad constant", kind="exact")
    ints = F.pad(minitorch_cv.tensor([[0, 1], [2, 3]]), (1, 1), value=2)
    assert ints.dtype is minitorch_cv.int64 and ints.tolist() == [[2, 0, 1, 2], [2, 2, 3, 2]]


@pytest.mark.parametrize("pad, mode", [((1, 2, 2, 1), "constant"), ((-1, 1, 2, 0), "constant"), ((2, 1, 1, 2), "reflect"),
                                       ((3, 1, 0, 4), "replicate"), ((2, 3, 1, 0), "circular")])
def test_pad_gradcheck(pad, mode):
    x = minitorch_cv.tensor(np.random.default_rng(3).standard_normal((2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, pad, mode=mode), [x])


def test_pad_errors_match_torch():
    x3, x4 = np.ones((2, 3, 3), np.float32), np.ones((1, 2, 3, 3), np.float32)
    cases = [
        (lambda lib, t: lib.nn.functional.pad(t, (1,)), x3, "divisible by 2"),
        (lambda lib, t: lib.nn.functional.pad(t, (1,) * 8), x3, "two times the input dimension"),
        (lambda lib, t: lib.nn.functional.pad(t, (3, 3), mode="reflect"), x3, "should be less than"),
        (lambda lib, t: lib.nn.functional.pad(t, (4, 0), mode="circular"), x3, "more than once"),
        (lambda lib, t: lib.nn.functional.pad(t, (1, 1), mode="reflect"), x4, "not supported for 4D"),
        (lambda lib, t: lib.nn.functional.pad(t, (1, 1), mode="reflect", value=2.0), x3, "value argument"),
        (lambda lib, t: lib.nn.functional.pad(t, (1, 1), mode="bad"), x3, "Unrecognised padding mode"),
        (lambda lib, t: lib.nn.functional.pad(t, (-2, -2)), x3, ""),
    ]
    for fn, x, words in cases:
        assert words in same_error(fn, x)
    with pytest.raises(NotImplementedError):
        F.pad(minitorch_cv.tensor(x4), (1, 1), mode="reflect")
