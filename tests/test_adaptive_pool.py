"""AdaptiveAvgPool2d and AdaptiveMaxPool2d against torch: divisible and non-divisible sizes,
None entries, unbatched input, indices, ties/NaN, float64 gradcheck, printing and errors."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.nn import functional as F
from test_pooling import distinct_values
from torch_parity import assert_matches, compare, same_error

SIZES = [((2, 3, 7, 7), 1), ((2, 3, 7, 7), (1, 1)), ((1, 2, 10, 9), (3, 4)), ((2, 2, 5, 7), (5, 7)),
         ((1, 3, 4, 6), (6, 9)), ((3, 6, 11), (None, 4)), ((1, 1, 13, 8), (5, None)), ((2, 4, 8, 8), 3),
         ((1, 2, 224, 224), 7), ((2, 1, 3, 3), (2, 2))]


@pytest.mark.parametrize("shape, size", SIZES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adaptive_avg_pool2d_matches_torch(shape, size, dtype):
    x = distinct_values(shape, seed=1)
    compare(lambda lib, t: lib.nn.functional.adaptive_avg_pool2d(t, size), [x], "adaptive_avg_pool2d", dtype=dtype)
    compare(lambda lib, t: lib.nn.AdaptiveAvgPool2d(size)(t), [x], "adaptive_avg_pool2d", dtype=dtype)


@pytest.mark.parametrize("shape, size", SIZES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adaptive_max_pool2d_matches_torch(shape, size, dtype):
    x = distinct_values(shape, seed=2)
    compare(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, size), [x], "adaptive_max_pool2d",
            dtype=dtype, kind="exact")
    ours, ours_idx = F.adaptive_max_pool2d(minitorch_cv.tensor(x), size, return_indices=True)
    theirs, theirs_idx = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
    assert_matches("indices", ours_idx.numpy(), theirs_idx, dtype, "exact", "adaptive_max_pool2d")
    module_out, module_idx = nn.AdaptiveMaxPool2d(size, return_indices=True)(minitorch_cv.tensor(x))
    assert np.array_equal(module_idx.numpy(), theirs_idx.numpy())


def test_max_ties_and_nan_follow_torch():
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 1, 3] = x[0, 0, 3, 1] = 2.0
    x[0, 0, 4, 4] = np.nan
    compare(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, 3), [x], "adaptive_max_pool2d", kind="exact")
    _, ours = F.adaptive_max_pool2d(minitorch_cv.tensor(x), 3, return_indices=True)
    _, theirs = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), 3, return_indices=True)
    assert np.array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("size", [(2, 3), (4, 5), (None, 2), 1])
def test_adaptive_gradcheck(size):
    x = minitorch_cv.tensor(distinct_values((2, 2, 5, 4), seed=3), dtype=minitorch_cv.float64, requires_grad=True)
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, size), [x])
    assert gradcheck(lambda t: F.adaptive_max_pool2d(t, size), [x])


def test_printing_and_errors():
    for args in [(1,), ((None, 7),), ((2, 3),)]:
        assert repr(nn.AdaptiveAvgPool2d(*args)) == repr(torch.nn.AdaptiveAvgPool2d(*args))
        assert repr(nn.AdaptiveMaxPool2d(*args, True)) == repr(torch.nn.AdaptiveMaxPool2d(*args, True))
    same_error(lambda lib, t: lib.nn.functional.adaptive_avg_pool2d(t, 2), np.ones((3, 3), np.float32))
    same_error(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, (1, 2, 3)), np.ones((1, 3, 3), np.float32))
    same_error(lambda lib, t: lib.nn.functional.adaptive_avg_pool2d(t, 2), np.ones((1, 0, 3), np.float32))
