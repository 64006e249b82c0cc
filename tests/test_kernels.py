"""The numba kernels on their own: against naive Python loops on tiny sizes and against torch's
output-size rules. (The kernels are serial; the worker threads that share tiles between them
are tested for bit-identical runs in test_conv.py and test_pooling.py.)"""
import itertools

import numpy as np
import pytest
import torch

from minitorch_cv.kernels.im2col import col2im, gemm_t_to_nchw, gemm_to_nchw, im2col, nchw_to_gemm
from minitorch_cv.kernels.maxpool import max_pool2d_backward, max_pool2d_direct, max_pool2d_forward, max_pool2x2_forward
from minitorch_cv.kernels.sizes import conv_output_size, pool_output_size, same_padding

# (kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right, dilation_h, dilation_w)
CONV_GEOMETRIES = [
    (3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    (2, 3, 2, 1, 0, 0, 2, 2, 1, 2),
    (4, 2, 1, 3, 1, 2, 0, 1, 2, 1),
    (1, 1, 3, 2, 0, 0, 0, 0, 1, 1),
    (3, 2, 2, 3, 2, 0, 3, 1, 1, 2),
    (3, 5, 1, 1, 2, 2, 4, 4, 2, 2),
    (4, 4, 1, 1, 1, 2, 1, 2, 1, 1),
    (3, 4, 1, 2, 1, 1, 3, 3, 1, 3),
]


def conv_geometry(shape, g):
    kernel_h, kernel_w, stride_h, stride_w, top, bottom, left, right, dil_h, dil_w = g
    out_h = conv_output_size(shape[2], kernel_h, stride_h, top, bottom, dil_h)
    out_w = conv_output_size(shape[3], kernel_w, stride_w, left, right, dil_w)
    return (kernel_h, kernel_w, stride_h, stride_w, top, left, dil_h, dil_w, out_h, out_w)


def naive_im2col(x, kernel_h, kernel_w, stride_h, stride_w, top, left, dil_h, dil_w, out_h, out_w):
    batch, channels, height, width = x.shape
    cols = np.zeros((channels * kernel_h * kernel_w, batch * out_h * out_w), x.dtype)
    for n, oh, ow, c, i, j in itertools.product(range(batch), range(out_h), range(out_w), range(channels),
                                                range(kernel_h), range(kernel_w)):
        ih, iw = oh * stride_h - top + i * dil_h, ow * stride_w - left + j * dil_w
        if 0 <= ih < height and 0 <= iw < width:
            cols[(c * kernel_h + i) * kernel_w + j, (n * out_h + oh) * out_w + ow] = x[n, c, ih, iw]
    return cols


def naive_col2im(cols, shape, kernel_h, kernel_w, stride_h, stride_w, top, left, dil_h, dil_w, out_h, out_w):
    grad_x = np.zeros(shape, cols.dtype)
    batch, channels, height, width = shape
    for n, oh, ow, c, i, j in itertools.product(range(batch), range(out_h), range(out_w), range(channels),
                                                range(kernel_h), range(kernel_w)):
        ih, iw = oh * stride_h - top + i * dil_h, ow * stride_w - left + j * dil_w
        if 0 <= ih < height and 0 <= iw < width:
            grad_x[n, c, ih, iw] += cols[(c * kernel_h + i) * kernel_w + j, (n * out_h + oh) * out_w + ow]
    return grad_x


@pytest.mark.parametrize("geometry", CONV_GEOMETRIES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_and_col2im_match_naive_loops(geometry, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6)).astype(dtype)
    g = conv_geometry(x.shape, geometry)
    cols = np.full((3 * g[0] * g[1], 2 * g[8] * g[9]), np.nan, dtype)
    im2col(x, cols, *g)
    np.testing.assert_array_equal(cols, naive_im2col(x, *g))
    grad_cols = rng.standard_normal(cols.shape).astype(dtype)
    grad_x = np.full(x.shape, np.nan, dtype)
    col2im(grad_cols, grad_x, *g)
    np.testing.assert_allclose(grad_x, naive_col2im(grad_cols, x.shape, *g), rtol=1e-6, atol=1e-6)
    assert grad_x.dtype == dtype


def test_gemm_layout_transposes():
    rng = np.random.default_rng(1)
    result = rng.standard_normal((5, 3 * 20)).astype(np.float32)
    bias = rng.standard_normal(5).astype(np.float32)
    out = np.empty((3, 5, 20), np.float32)
    gemm_to_nchw(result, bias, out)
    np.testing.assert_array_equal(out, result.reshape(5, 3, 20).transpose(1, 0, 2) + bias[:, None])
    gemm_to_nchw(result, np.empty(0, np.float32), out)
    np.testing.assert_array_equal(out, result.reshape(5, 3, 20).transpose(1, 0, 2))
    back = np.empty_like(result)
    nchw_to_gemm(out, back)
    np.testing.assert_array_equal(back, result)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transposed_gemm_layout_matches_naive_loop(dtype):
    rng = np.random.default_rng(2)
    groups, batch, per_group, pixels = 3, 2, 5, 7
    result = rng.standard_normal((groups, batch * pixels, per_group)).astype(dtype)
    bias = rng.standard_normal(groups * per_group).astype(dtype)
    expected = np.empty((batch, groups * per_group, pixels), dtype)
    for n, g, o, p in itertools.product(range(batch), range(groups), range(per_group), range(pixels)):
        expected[n, g * per_group + o, p] = result[g, n * pixels + p, o]
    out = np.empty_like(expected)
    gemm_t_to_nchw(result, np.empty(0, dtype), out)
    np.testing.assert_array_equal(out, expected)
    gemm_t_to_nchw(result, bias, out)
    np.testing.assert_array_equal(out, expected + bias[:, None])


def naive_max_pool(x, kernel, stride, padding, dilation, out_size):
    """torch's CPU loop: running max starts at -inf with the first in-window index; > or NaN replaces."""
    planes, height, width = x.shape
    out = np.empty((planes,) + out_size, x.dtype)
    indices = np.empty((planes,) + out_size, np.int64)
    for p, oh, ow in itertools.product(range(planes), range(out_size[0]), range(out_size[1])):
        h0, w0 = oh * stride[0] - padding[0], ow * stride[1] - padding[1]
        h1, w1 = min(h0 + (kernel[0] - 1) * dilation[0] + 1, height), min(w0 + (kernel[1] - 1) * dilation[1] + 1, width)
        while h0 < 0:
            h0 += dilation[0]
        while w0 < 0:
            w0 += dilation[1]
        best, best_index = -np.inf, h0 * width + w0
        for ih, iw in itertools.product(range(h0, h1, dilation[0]), range(w0, w1, dilation[1])):
            if x[p, ih, iw] > best or np.isnan(x[p, ih, iw]):
                best, best_index = x[p, ih, iw], ih * width + iw
        out[p, oh, ow], indices[p, oh, ow] = best, best_index
    return out, indices


POOL_GEOMETRIES = [((2, 2), (2, 2), (0, 0), (1, 1)), ((3, 3), (1, 1), (1, 1), (1, 1)),
                   ((3, 2), (2, 1), (1, 1), (2, 1)), ((2, 2), (1, 1), (1, 1), (3, 3))]


@pytest.mark.parametrize("kernel, stride, padding, dilation", POOL_GEOMETRIES, ids=str)
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("pool", [max_pool2d_forward, max_pool2d_direct], ids=["separable", "direct"])
def test_max_pool_matches_naive_loop_with_ties_and_nan(kernel, stride, padding, dilation, ceil_mode, pool):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, size=(4, 5, 6)).astype(np.float32)
    x[0, 1, 1] = x[1, 3, 4] = x[1, 3, 5] = np.nan
    out_size = tuple(pool_output_size(s, k, st, p, d, ceil_mode)
                     for s, k, st, p, d in zip(x.shape[1:], kernel, stride, padding, dilation))
    out, indices = np.empty((4,) + out_size, np.float32), np.empty((4,) + out_size, np.int64)
    pool(x, out, indices, *kernel, *stride, *padding, *dilation, -np.inf)
    expected_out, expected_indices = naive_max_pool(x, kernel, stride, padding, dilation, out_size)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(indices, expected_indices)
    grad_out = rng.standard_normal(out.shape).astype(np.float32)
    grad_x = np.full((4, 30), np.nan, np.float32)
    max_pool2d_backward(grad_out.reshape(4, -1), indices.reshape(4, -1), grad_x)
    expected = np.zeros((4, 30), np.float32)
    for p, q in itertools.product(range(4), range(grad_out[0].size)):
        if 0 <= indices.reshape(4, -1)[p, q] < 30:
            expected[p, indices.reshape(4, -1)[p, q]] += grad_out.reshape(4, -1)[p, q]
    np.testing.assert_array_equal(grad_x, expected)


@pytest.mark.parametrize("shape", [(3, 8, 6), (2, 7, 9)])
def test_pool2x2_fast_path_equals_general_kernel(shape):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, size=shape).astype(np.float32)
    x[0, 0, 1] = np.nan
    out_size = (shape[1] // 2, shape[2] // 2)
    fast, general = np.empty((shape[0],) + out_size, np.float32), np.empty((shape[0],) + out_size, np.float32)
    fast_idx, general_idx = np.empty(fast.shape, np.int64), np.empty(fast.shape, np.int64)
    max_pool2x2_forward(x, fast, fast_idx)
    max_pool2d_forward(x, general, general_idx, 2, 2, 2, 2, 0, 0, 1, 1, -np.inf)
    np.testing.assert_array_equal(fast, general)
    np.testing.assert_array_equal(fast_idx, general_idx)


def test_output_sizes_match_torch():
    for size, kernel, stride, padding, dilation, ceil_mode in itertools.product(
            range(1, 9), range(1, 5), range(1, 4), range(0, 3), range(1, 3), (False, True)):
        if padding > kernel // 2:
            continue
        expected = None
        try:
            expected = torch.nn.functional.max_pool2d(torch.zeros(1, 1, size, 1), (kernel, 1), (stride, 1),
                                                      (padding, 0), (dilation, 1), ceil_mode).shape[2]
        except RuntimeError:
            pass
        ours = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode)
        assert (ours if ours >= 1 else None) == expected, (size, kernel, stride, padding, dilation, ceil_mode)
    for size, kernel, stride, padding, dilation in itertools.product(range(1, 9), range(1, 5), range(1, 4),
                                                                     range(0, 3), range(1, 3)):
        ours = conv_output_size(size, kernel, stride, padding, padding, dilation)
        if ours >= 1:
            expected = torch.nn.functional.conv2d(torch.zeros(1, 1, size, 1), torch.zeros(1, 1, kernel, 1),
                                                  stride=stride, padding=(padding, 0), dilation=dilation).shape[2]
            assert ours == expected, (size, kernel, stride, padding, dilation)
    assert same_padding(4, 1) == (1, 2) and same_padding(5, 2) == (4, 4) and same_padding(1, 3) == (0, 0)
