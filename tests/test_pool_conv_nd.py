"""F.conv3d, F.max_pool1d/3d, F.avg_pool1d/3d (built on the 2-D ops) and their nn layers,
against torch: outputs, every gradient, argmax indices, printing, errors; float64 gradcheck."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd import gradcheck
from torch_parity import compare, same_error

CONV3D = [  # (input shape, weight shape, options)
    ((1, 4, 9, 9, 9), (4, 4, 3, 3, 3), {}),
    ((2, 4, 5, 6, 7), (6, 2, 2, 3, 1), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(2, 1, 1), groups=2)),
    ((4, 5, 5, 5), (3, 4, 3, 2, 3), dict(padding="same")),
    ((1, 2, 5, 5, 5), (3, 2, 3, 3, 3), dict(padding=1, stride=2)),
    ((2, 2, 4, 4, 4), (2, 2, 1, 1, 1), dict(padding="valid")),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("x_shape, w_shape, options", CONV3D)
def test_conv3d_matches_torch(x_shape, w_shape, options, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])]
    compare(lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, **options), arrays, op="conv3d", dtype=dtype)


def test_conv3d_gradcheck():
    rng = np.random.default_rng(1)
    x, w, b = (minitorch_cv.tensor(rng.standard_normal(s), requires_grad=True)
               for s in [(1, 2, 4, 3, 4), (2, 2, 2, 2, 2), (2,)])
    assert gradcheck(lambda x, w, b: nn.functional.conv3d(x, w, b, stride=(2, 1, 1), padding=1), (x, w, b))


def test_conv_layers_match_torch_and_print_alike():
    for make, shape in [(lambda nn: nn.Conv3d(2, 4, (1, 2, 3), padding="same"), (2, 2, 3, 4, 5)),
                        (lambda nn: nn.Conv3d(3, 4, 3, stride=2, padding=1, bias=False), (2, 3, 5, 5, 5)),
                        (lambda nn: nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2), (2, 2, 9))]:
        ours, theirs = make(nn), make(torch.nn)
        assert repr(ours) == repr(theirs)
        x = np.random.default_rng(2).standard_normal(shape)
        compare(lambda lib, m, a: m(a), [x], op=repr(ours), dtype="float64", our_module=ours, torch_module=theirs)
    assert not isinstance(nn.Conv3d(1, 1, 1), nn.Conv2d) and not isinstance(nn.MaxPool1d(2), nn.MaxPool2d)


POOLS = [  # (function, input shape, options)
    ("avg_pool3d", (1, 1, 16, 16, 16), dict(kernel_size=(8, 8, 8), stride=5, padding=1, count_include_pad=False)),
    ("avg_pool3d", (2, 3, 7, 8, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool3d", (3, 7, 8, 9), dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0), ceil_mode=True,
                                      count_include_pad=False)),
    ("avg_pool3d", (2, 3, 7, 8, 9), dict(kernel_size=3, divisor_override=5, padding=1)),
    ("max_pool3d", (2, 3, 7, 8, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool3d", (3, 7, 8, 9), dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), dilation=(2, 1, 2))),
    ("max_pool1d", (2, 3, 10), dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool1d", (3, 10), dict(kernel_size=2, dilation=2, ceil_mode=True)),
    ("avg_pool1d", (2, 3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool1d", (3, 10), dict(kernel_size=(4,))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, shape, options", POOLS)
def test_pooling_matches_torch_with_ties(name, shape, options, dtype):
    x = np.round(np.random.default_rng(3).standard_normal(shape), 1)   # rounding makes ties: same argmax rule
    compare(lambda lib, a: getattr(lib.nn.functional, name)(a, **options), [x], op=name, dtype=dtype)
    if name.startswith("max"):
        ours = getattr(nn.functional, name)(minitorch_cv.tensor(x), return_indices=True, **options)[1]
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x), return_indices=True, **options)[1]
        assert ours.dtype == minitorch_cv.int64 and np.array_equal(ours.numpy(), theirs.numpy())


def test_max_unpool3d_inverts_max_pool3d_like_torch():
    rng = np.random.default_rng(4)
    x, values = rng.standard_normal((2, 2, 6, 6, 6)), rng.standard_normal((2, 2, 3, 3, 3))
    compare(lambda lib, a, v: lib.nn.MaxUnpool3d(2)(v, lib.nn.functional.max_pool3d(a, 2, return_indices=True)[1]),
            [x, values], op="max_unpool3d", dtype="float64", grad=[False, True])


def test_pooling_gradcheck():
    x = minitorch_cv.tensor(np.random.default_rng(5).standard_normal((1, 2, 4, 5, 3)), requires_grad=True)
    assert gradcheck(lambda a: nn.functional.avg_pool3d(a, 2, 1, 1, ceil_mode=True, count_include_pad=False), (x,))
    assert gradcheck(lambda a: nn.functional.max_pool3d(a, (2, 3, 2), 1, 1), (x,))
    y = minitorch_cv.tensor(np.random.default_rng(6).standard_normal((2, 7)), requires_grad=True)
    assert gradcheck(lambda a: nn.functional.avg_pool1d(a, 3, 2, 1) + nn.functional.max_pool1d(a, 3, 2, 1), (y,))


def test_pool_layers_match_torch_and_print_alike():
    cases = [(lambda nn: nn.MaxPool3d(2), (1, 2, 4, 4, 4)), (lambda nn: nn.AvgPool3d((1, 2, 3), ceil_mode=True),
                                                             (2, 3, 4, 5)),
             (lambda nn: nn.AvgPool1d(3, 2, 1, True, False), (2, 3, 8)), (lambda nn: nn.MaxPool1d((3,), stride=(2,)),
                                                                         (3, 8))]
    for make, shape in cases:
        assert repr(make(nn)) == repr(make(torch.nn))
        x = np.random.default_rng(7).standard_normal(shape)
        compare(lambda lib, a: make(lib.nn)(a), [x], op=repr(make(nn)), dtype="float64")


def test_errors_like_torch():
    same_error(lambda lib, a: lib.nn.functional.avg_pool3d(a, 2), np.ones((2, 3, 8)), check_class=True)
    same_error(lambda lib, a: lib.nn.functional.max_pool1d(a, 2), np.ones(8), check_class=True)
    same_error(lambda lib, a: lib.nn.functional.avg_pool1d(a, (2, 2)), np.ones((2, 8)), check_class=True)
    same_error(lambda lib, a, w: lib.nn.functional.conv3d(a, w), np.ones((1, 1, 2, 2, 2)), np.ones((1, 1, 3, 3, 3)),
               check_class=True)
    same_error(lambda lib, a, w: lib.nn.functional.conv3d(a, w, stride=2, padding="same"), np.ones((1, 1, 4, 4, 4)),
               np.ones((1, 1, 3, 3, 3)), check_class=True)
