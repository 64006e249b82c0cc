"""Winograd F(4x4, 5x5) and F(4x4, 3x3) convolutions (ops/conv_winograd.py, kernels/winograd.py,
kernels/winograd3x3.py) against torch.

The transforms written out in the kernels are checked against the matrices they come from, the
filter transform against its adjoint, and the whole layer (forward, input, weight and bias
gradients) against torch over a grid of odd shapes: sizes that leave partial tiles, asymmetric
and 'valid' padding, batches that split into several tiles of images over the worker threads.
"""
import numpy as np
import pytest
import torch

import minitorch_cv
from minitorch_cv.autograd.gradcheck import gradcheck
from minitorch_cv.kernels import winograd, winograd3x3
from minitorch_cv.ops import conv_winograd
from minitorch_cv.ops.conv import conv2d
from torch_parity import compare
from test_conv import covering_grid

SCHEMES = [winograd, winograd3x3]


@pytest.mark.parametrize("scheme", SCHEMES, ids=["5x5", "3x3"])
@pytest.mark.parametrize("formula, matrix, adjoint", [
    ("input_rows", "INPUT_T", False), ("input_rows_adjoint", "INPUT_T", True),
    ("output_rows", "OUTPUT_T", False), ("output_rows_adjoint", "OUTPUT_T", True),
])
def test_written_out_transforms_equal_their_matrices(scheme, formula, matrix, adjoint):
    formula, matrix = getattr(scheme, formula), getattr(scheme, matrix)
    matrix = matrix.T if adjoint else matrix
    unit = np.eye(scheme.PATCH)
    columns = [formula(*unit[k, :matrix.shape[1]]) for k in range(matrix.shape[1])]
    np.testing.assert_array_equal(np.array(columns).T, matrix)


@pytest.mark.parametrize("scheme", SCHEMES, ids=["5x5", "3x3"])
def test_matrices_compute_a_correlation(scheme):
    """A^T [(G g) * (B^T d)] is the 4-output correlation of any PATCH inputs d with any k taps g."""
    rng = np.random.default_rng(0)
    taps = scheme.FILTER.shape[1]
    d, g = rng.standard_normal(scheme.PATCH), rng.standard_normal(taps)
    fast = scheme.OUTPUT_T @ ((scheme.FILTER @ g) * (scheme.INPUT_T @ d))
    np.testing.assert_allclose(fast, [d[p:p + taps] @ g for p in range(4)], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("scheme", SCHEMES, ids=["5x5", "3x3"])
def test_filter_transform_is_G_g_G_transposed_per_channel_pair(scheme):
    size = scheme.FILTER.shape[1]
    weight = np.random.default_rng(2).standard_normal((3, 4, size, size))
    U = conv_winograd.filter_transform(weight)
    for o, c in [(0, 0), (2, 3), (1, 2)]:
        expected = scheme.FILTER @ weight[o, c] @ scheme.FILTER.T                   # [i, j]
        np.testing.assert_allclose(U[:, c, o].reshape(scheme.PATCH, scheme.PATCH).T, expected,
                                   rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("scheme", SCHEMES, ids=["5x5", "3x3"])
def test_filter_transform_adjoint(scheme):
    rng = np.random.default_rng(1)
    size = scheme.FILTER.shape[1]
    weight, grad_U = rng.standard_normal((3, 4, size, size)), rng.standard_normal((scheme.FREQUENCIES, 4, 3))
    left = np.sum(conv_winograd.filter_transform(weight) * grad_U)
    right = np.sum(weight * conv_winograd.filter_transform_adjoint(grad_U, weight.shape))
    assert left == pytest.approx(right, rel=1e-12)


WINOGRAD_SETTINGS = {
    "channels": [(16, 16), (17, 24), (32, 16), (16, 33)],
    "size": [(5, 5), (7, 9), (8, 8), (16, 16), (6, 11), (13, 10)],
    "padding": [0, 1, 2, (1, 2), "same", "valid", (2, 0)],
    "batch": [1, 3, 7],
    "bias": [True, False],
    "dtype": ["float32", "float64"],
}
WINOGRAD_CASES = covering_grid(WINOGRAD_SETTINGS, 24, seed=5)


@pytest.mark.parametrize("case", WINOGRAD_CASES, ids=[f"case{i}" for i in range(len(WINOGRAD_CASES))])
def test_winograd_conv2d_matches_torch(case):
    rng = np.random.default_rng(7)
    (channels, out_channels), batch = case["channels"], case["batch"]
    x = rng.standard_normal((batch, channels) + case["size"])
    w = rng.standard_normal((out_channels, channels, 5, 5)) / np.sqrt(25 * channels)
    arrays = [x, w, rng.standard_normal(out_channels)] if case["bias"] else [x, w]
    padding = case["padding"]
    compare(lambda T, *t: (conv2d if T is minitorch_cv else torch.nn.functional.conv2d)(*t, padding=padding),
            arrays, op="conv2d (winograd)", dtype=case["dtype"], kind="winograd", seed=8)


def test_tiles_over_worker_threads_add_up(monkeypatch):
    """Several tiles of images per worker, both workers busy: same as one tile at a time."""
    rng = np.random.default_rng(3)
    x = minitorch_cv.tensor(rng.standard_normal((9, 16, 8, 8)), requires_grad=True)
    w = minitorch_cv.tensor(rng.standard_normal((16, 16, 5, 5)) * 0.05, requires_grad=True)
    previous = minitorch_cv.get_num_threads()
    minitorch_cv.set_num_threads(2)
    try:
        conv2d(x, w, padding=2).pow(2).sum().backward()
        expected = x.grad.numpy().copy(), w.grad.numpy().copy()
        x.grad = w.grad = None
        monkeypatch.setattr(conv_winograd, "items_per_tile", lambda count, size: 2)
        conv2d(x, w, padding=2).pow(2).sum().backward()
    finally:
        minitorch_cv.set_num_threads(previous)
    np.testing.assert_allclose(x.grad.numpy(), expected[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), expected[1], rtol=1e-12, atol=1e-12)


def test_gradcheck_float64():
    rng = np.random.default_rng(4)
    x = minitorch_cv.tensor(rng.standard_normal((1, 16, 6, 5)), requires_grad=True)
    w = minitorch_cv.tensor(rng.standard_normal((16, 16, 5, 5)) * 0.05, requires_grad=True)
    b = minitorch_cv.tensor(rng.standard_normal(16), requires_grad=True)
    assert gradcheck(lambda *t: conv2d(*t, padding=(1, 2)), (x, w, b))


@pytest.mark.parametrize("channels, kernel, stride, groups, enabled, expected", [
    (16, 5, 1, 1, True, True),
    (3, 5, 1, 1, True, False),        # too few channels in: im2col
    (16, 3, 1, 1, True, False),       # 3x3 with too few tiles (4)
    (16, 7, 1, 1, True, False),       # neither 5x5 nor 3x3
    (16, 5, 2, 1, True, False),       # strided
    (16, 5, 1, 2, True, False),       # grouped
    (16, 5, 1, 1, False, False),      # switched off
])
def test_which_layers_take_winograd(monkeypatch, channels, kernel, stride, groups, enabled, expected):
    calls = []
    original = conv_winograd.forward
    monkeypatch.setattr(conv_winograd, "forward", lambda *a: calls.append(1) or original(*a))
    x = minitorch_cv.zeros(1, channels * groups, 8, 8)
    w = minitorch_cv.zeros(16 * groups, channels, kernel, kernel)
    with minitorch_cv.backends.winograd.flags(enabled=enabled):
        conv2d(x, w, stride=stride, padding=2, groups=groups)
    assert bool(calls) is expected
    assert minitorch_cv.backends.winograd.enabled is True


WINOGRAD_3X3_SETTINGS = {
    "channels": [(32, 32), (33, 40), (48, 32), (16, 17)],
    # (input size, padding): outputs 8x8, 4x12, 8x4, 4x8, 8x8, 8x4, 7x7 and 14x14 (partial tiles),
    # and 9x10 (im2col)
    "geometry": [((8, 8), 1), ((4, 12), "same"), ((10, 6), 0), ((6, 8), (0, 1)), ((6, 10), (2, 0)),
                 ((8, 4), "same"), ((7, 7), 1), ((16, 14), (0, 1)), ((9, 10), 1)],
    "batch": [32, 37],
    "bias": [True, False],
    "dtype": ["float32", "float64"],
}
WINOGRAD_3X3_CASES = covering_grid(WINOGRAD_3X3_SETTINGS, 14, seed=6)


@pytest.mark.parametrize("case", WINOGRAD_3X3_CASES, ids=[f"case{i}" for i in range(len(WINOGRAD_3X3_CASES))])
def test_winograd_3x3_conv2d_matches_torch(case):
    """3x3 kernels run by F(4x4, 3x3) where ``applies`` says so (whole or partial 4x4 tiles);
    the 9x10 outputs, overhanging their tiles too much, check that im2col still takes the rest."""
    rng = np.random.default_rng(9)
    (channels, out_channels), batch = case["channels"], case["batch"]
    size, padding = case["geometry"]
    x = rng.standard_normal((batch, channels) + size)
    w = rng.standard_normal((out_channels, channels, 3, 3)) / np.sqrt(9 * channels)
    arrays = [x, w, rng.standard_normal(out_channels)] if case["bias"] else [x, w]
    compare(lambda T, *t: (conv2d if T is minitorch_cv else torch.nn.functional.conv2d)(*t, padding=padding),
            arrays, op="conv2d 3x3 (winograd)", dtype=case["dtype"], kind="winograd", seed=10)


def test_gradcheck_3x3_float64():
    """Small leaves repeated up to a layer that takes Winograd (64 tiles, 32 channels), so the
    finite differences stay few; parity with torch in float64 above checks the full gradients."""
    rng = np.random.default_rng(5)
    x = minitorch_cv.tensor(rng.standard_normal((1, 32, 4, 4)), requires_grad=True)
    w = minitorch_cv.tensor(rng.standard_normal((2, 32, 3, 3)) * 0.05, requires_grad=True)
    b = minitorch_cv.tensor(rng.standard_normal(32), requires_grad=True)
    assert conv_winograd.applies((64, 32), (32, 32, 3, 3), (1, 1), (1, 1), 1, 4, 4)
    assert gradcheck(lambda x, w, b: conv2d(x.repeat(64, 1, 1, 1), w.repeat(16, 1, 1, 1), b, padding=1), (x, w, b))


@pytest.mark.parametrize("channels, size, batch, padding, expected", [
    (32, 8, 16, 1, True),       # 64 tiles of 4x4 outputs
    (32, 8, 8, 1, True),        # 32 tiles
    (16, 8, 16, 1, True),       # 16 channels
    (8, 8, 16, 1, False),       # too few channels
    (32, 8, 7, 1, False),       # too few tiles (28)
    (32, 7, 32, 1, True),       # 7x7 outputs on 8x8 of tiles: 1.31x the area
    (32, 6, 32, 1, False),      # 6x6 outputs on 8x8 of tiles: 1.78x the area
    (32, 10, 16, 0, True),      # 8x8 outputs
])
def test_which_3x3_layers_take_winograd(monkeypatch, channels, size, batch, padding, expected):
    calls = []
    original = conv_winograd.forward
    monkeypatch.setattr(conv_winograd, "forward", lambda *a: calls.append(1) or original(*a))
    conv2d(minitorch_cv.zeros(batch, channels, size, size), minitorch_cv.zeros(32, channels, 3, 3), padding=padding)
    assert bool(calls) is expected
