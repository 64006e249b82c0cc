"""F.conv_transpose2d and nn.ConvTranspose2d against torch: stride, padding, output_padding,
dilation, groups, bias, batch 1-3, unbatched input, output_size, outputs and every gradient
in float32 and float64, float64 gradcheck, initialisation, printing and torch's errors."""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv import nn
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.nn import functional as F
from torch_parity import compare, same_error

# (batch, in, out per group, input H x W, kernel, stride, padding, output_padding, dilation, groups, bias)
CASES = [(1, 3, 4, (5, 5), 3, 1, 0, 0, 1, 1, True), (2, 4, 3, (4, 6), 3, 2, 1, 1, 1, 1, True),
         (3, 4, 2, (3, 5), (3, 2), 2, 0, 0, 2, 2, False), (2, 8, 1, (5, 4), 4, 3, 2, 2, 1, 4, True),
         (1, 2, 3, (4, 4), 2, (2, 1), (1, 0), (1, 0), (1, 2), 1, True), (2, 3, 2, (3, 3), 3, 1, 1, 1, 2, 1, False),
         (2, 6, 2, (6, 7), 5, 2, 2, 1, 1, 3, True), (1, 16, 8, (8, 8), 4, 2, 1, 0, 1, 1, True),
         (2, 4, 4, (1, 1), 4, 1, 0, 0, 1, 1, True), (1, 2, 2, (7, 3), 1, 3, 0, 2, 1, 2, True),
         (3, 4, 16, (24, 24), 4, 2, 1, 0, 1, 1, True)]  # the last: one image per tile, tiles on threads


def _arrays(case, seed):
    batch, channels, out_per_group, (height, width), kernel, *_, groups, bias = case
    kernel = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((batch, channels, height, width)),
              rng.standard_normal((channels, out_per_group) + kernel)]
    return arrays + [rng.standard_normal(out_per_group * groups)] if bias else arrays


def _call(case):
    stride, padding, output_padding, dilation, groups = case[5:10]
    return lambda lib, *t: lib.nn.functional.conv_transpose2d(*t, stride=stride, padding=padding,
                                                              output_padding=output_padding, groups=groups,
                                                              dilation=dilation)


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_transpose2d_matches_torch(case, dtype):
    compare(_call(case), _arrays(case, seed=len(str(case))), "conv_transpose2d", dtype=dtype)


@pytest.mark.parametrize("case", CASES[:6], ids=str)
def test_conv_transpose2d_gradcheck(case):
    inputs = [minitorch_cv.tensor(a, requires_grad=True) for a in _arrays(case, seed=1)]
    assert gradcheck(lambda *t: _call(case)(minitorch_cv, *t), inputs)


def test_unbatched_and_partial_gradients():
    x, w, b = _arrays(CASES[1], seed=2)
    compare(_call(CASES[1]), [x[0], w, b], "conv_transpose2d", dtype="float64")
    compare(_call(CASES[1]), [x, w, b], "conv_transpose2d", dtype="float64", grad=[False, True, False])
    compare(_call(CASES[1]), [x, w, b], "conv_transpose2d", dtype="float64", grad=[True, False, True])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_module_matches_torch(dtype):
    x = np.random.default_rng(3).standard_normal((2, 4, 5, 6))
    for kwargs in [dict(kernel_size=3), dict(kernel_size=4, stride=2, padding=1),
                   dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2,
                        bias=False, dilation=(1, 2))]:
        ours, theirs = nn.ConvTranspose2d(4, 6, **kwargs), torch.nn.ConvTranspose2d(4, 6, **kwargs)
        compare(lambda lib, m, t: m(t), [x], "ConvTranspose2d", dtype=dtype, our_module=ours, torch_module=theirs)
        assert repr(ours) == repr(theirs)


def test_output_size_argument():
    x = np.random.default_rng(4).standard_normal((1, 4, 5, 5))
    ours = nn.ConvTranspose2d(4, 2, 3, stride=3, padding=1)
    theirs = torch.nn.ConvTranspose2d(4, 2, 3, stride=3, padding=1)
    for size in [(13, 13), [14, 15], (1, 2, 15, 13)]:
        compare(lambda lib, m, t: m(t, output_size=size), [x], "ConvTranspose2d", dtype="float64",
                our_module=ours, torch_module=theirs)
    for size in [(12, 13), (16, 13), (13,)]:
        with pytest.raises(ValueError):
            theirs(torch.tensor(x), output_size=size)
        with pytest.raises(ValueError):
            ours(minitorch_cv.tensor(x), output_size=size)


def test_initialisation_matches_torch_after_seed():
    minitorch_cv.manual_seed(0)
    ours = nn.ConvTranspose2d(6, 4, 3, groups=2)
    torch.manual_seed(0)
    theirs = torch.nn.ConvTranspose2d(6, 4, 3, groups=2)
    assert np.array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert np.array_equal(ours.bias.detach().numpy(), theirs.bias.detach().numpy())


@pytest.mark.parametrize("kwargs, shapes", [
    (dict(stride=2, output_padding=2), None), (dict(output_padding=1), None),
    (dict(stride=1, dilation=2, output_padding=2), None), (dict(padding=5), None), (dict(padding=-1), None),
    (dict(stride=0), None), (dict(groups=3), None), (dict(), ((1, 3, 5, 5), (4, 2, 3, 3), (2,))),
    (dict(), ((1, 4, 5, 5), (4, 2, 3, 3), (3,))), (dict(), ((5, 5), (4, 2, 3, 3), (2,))),
])
def test_errors_match_torch(kwargs, shapes):
    shapes = shapes or ((1, 4, 5, 5), (4, 2, 3, 3), (2,))
    arrays = [np.ones(s, np.float32) for s in shapes]
    message = same_error(lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, **kwargs), *arrays,
                         check_class=True)
    assert message


def test_output_padding_below_dilation_is_allowed():
    """output_padding may reach the stride when it stays below the dilation (torch's rule)."""
    arrays = _arrays((1, 2, 2, (3, 3), 3, 1, 0, 0, 2, 1, True), seed=5)
    compare(lambda lib, *t: lib.nn.functional.conv_transpose2d(*t, output_padding=1, dilation=2), arrays,
            "conv_transpose2d", dtype="float64")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_transpose1d_matches_torch(dtype):
    rng = np.random.default_rng(6)
    for stride, padding, output_padding, dilation, groups in [(1, 0, 0, 1, 1), (2, 1, 1, 1, 2), (3, 2, 1, 2, 1)]:
        arrays = [rng.standard_normal((2, 4, 7)), rng.standard_normal((4, 3, 3)), rng.standard_normal(3 * groups)]
        call = (lambda lib, *t: lib.nn.functional.conv_transpose1d(
            *t, stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation))
        compare(call, arrays, "conv_transpose1d", dtype=dtype)
        compare(call, [arrays[0][0]] + arrays[1:], "conv_transpose1d", dtype=dtype)
