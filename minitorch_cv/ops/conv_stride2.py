"""Conv2d with stride 2 (undilated, one group, kernels larger than 1x1) through phase planes:
``kernels/phases.py`` has the idea and the layouts. Per tile of images (``ops/tiles.py``):
    forward   x --to_phases--> pp --phase_columns--> cols [K, n*L]
              result = W [O, K] @ cols  --widened_to_nchw, + bias--> out
    backward  grad --nchw_to_widened--> grad_result [O, n*L] (junk columns zero)
              grad_W.T += cols @ grad_result.T   (cols rebuilt, as the im2col path does)
              grad_cols = W.T @ grad_result --add_phase_columns--> gpp --from_phases--> grad_x
The taps are the rows of ``cols`` in im2col's order, so W is the weight as it is.

Against the im2col path (``ops/conv.py``), forward plus backward, 2 threads, same process,
alternated, medians: ResNet-20's 16->32 at 32x32 and 32->64 at 16x16, batch 128, 0.58-0.66 of
the time; 64->128 at 8x8 0.67; a 7x7 stem 3->64 at 32x32 0.78; at ImageNet sizes, batch 8,
0.86-0.87 (64->128 at 56x56, the 7x7 stem at 224x224). Whole training steps, batch 128:
ResNet-20 0.96, ResNet-18 0.94; ResNet-50 inference, batch 8: unchanged (1.01). The columns
of a tile are built about 5x faster, for a GEMM 6-12% wider (the junk columns: one per output
row for 3x3 kernels).
"""
import numpy as np

from ..kernels.phases import (add_phase_columns, from_phases, nchw_to_widened, phase_columns, to_phases,
                              widened_to_nchw)
from .tiles import items_per_tile, run_tiles, sum_over_tiles


def applies(weight_shape, stride, dilation, groups):
    """Stride 2 both ways, no dilation, one group, a kernel larger than 1x1 (``conv_1x1`` takes those)."""
    return stride == (2, 2) and dilation == (1, 1) and groups == 1 and tuple(weight_shape[2:]) != (1, 1)


class _Plan:
    """Sizes and buffers of one layer call: phase planes [per_tile, C, 2, 2, PH, OW1], columns
    [K, per_tile * L] and a result [O, per_tile * L] near the tile budget."""

    def __init__(self, x, weight_shape, padding, out_h, out_w):
        self.batch, self.channels = x.shape[:2]
        self.out_channels, _, self.kernel_h, self.kernel_w = weight_shape
        self.pad_top, self.pad_left = padding[0], padding[2]
        self.out_h, self.out_w = out_h, out_w
        self.row = out_w + (self.kernel_w - 1) // 2
        self.phase_rows = out_h + (self.kernel_h - 1) // 2 + 1
        self.run = out_h * self.row
        self.taps = self.channels * self.kernel_h * self.kernel_w
        floats = self.taps * self.run + 4 * self.channels * self.phase_rows * self.row + self.out_channels * self.run
        self.per_tile = items_per_tile(self.batch, floats * x.itemsize)

    def phases(self, dtype):
        """A phase-plane buffer for a tile of images (``kernels/phases.to_phases`` fills it)."""
        return np.empty((self.per_tile, self.channels, 2, 2, self.phase_rows, self.row), dtype)

    def matrix(self, rows, dtype):
        """A flat buffer for [rows, per_tile * L]; ``view`` cuts it to a tile."""
        return np.empty(rows * self.per_tile * self.run, dtype)

    def view(self, buffer, rows, images):
        """The start of a ``matrix`` buffer as [rows, images * L]."""
        return buffer[:rows * images * self.run].reshape(rows, images * self.run)

    def columns(self, x, pp, cols_buffer, start, stop):
        """The tile's columns [K, n * L] from images ``start:stop`` of ``x``."""
        images = stop - start
        to_phases(x[start:stop], pp[:images], self.pad_top, self.pad_left)
        cols = self.view(cols_buffer, self.taps, images)
        phase_columns(pp[:images], cols, self.kernel_h, self.kernel_w, self.out_h)
        return cols


def forward(x, weight, bias, padding, out_h, out_w, epilogue=None):
    """The convolution [N, O, out_h, out_w] and the plan ``backward`` needs (``epilogue``: see
    ``ops/conv.py``)."""
    plan = _Plan(x, weight.shape, padding, out_h, out_w)
    weight_rows = np.ascontiguousarray(weight).reshape(plan.out_channels, plan.taps)
    bias = np.zeros(plan.out_channels, x.dtype) if bias is None else np.ascontiguousarray(bias)
    out = np.empty((plan.batch, plan.out_channels, out_h, out_w), x.dtype)

    def forward_tiles(tiles):
        pp, cols_buffer = plan.phases(x.dtype), plan.matrix(plan.taps, x.dtype)
        result_buffer = plan.matrix(plan.out_channels, x.dtype)
        for start, stop in tiles:
            cols = plan.columns(x, pp, cols_buffer, start, stop)
            result = plan.view(result_buffer, plan.out_channels, stop - start)
            np.matmul(weight_rows, cols, out=result)
            widened_to_nchw(result, bias, out[start:stop], plan.row)
            if epilogue is not None:
                epilogue(out, start, stop)

    run_tiles(forward_tiles, plan.batch, plan.per_tile)
    return out, plan


def backward(plan, x, weight, grad, needs_x, needs_weight, needs_bias):
    """(grad_x, grad_weight, grad_bias), each None where not needed."""
    weight_rows = np.ascontiguousarray(weight).reshape(plan.out_channels, plan.taps)
    grad = np.ascontiguousarray(grad)
    grad_x = np.empty(x.shape, x.dtype) if needs_x else None

    def worker():
        pp = plan.phases(x.dtype)
        cols_buffer = plan.matrix(plan.taps, x.dtype)
        grad_result_buffer = plan.matrix(plan.out_channels, x.dtype)
        # [K, O]: cols @ grad_result.T ran 1.2-1.4x faster in OpenBLAS than grad_result @ cols.T.
        product = np.empty((plan.taps, plan.out_channels), x.dtype) if needs_weight else None

        def backward_tiles(tiles):
            grad_weight_t = np.zeros_like(product) if needs_weight else None
            grad_bias = np.zeros(plan.out_channels, x.dtype) if needs_bias else None
            for start, stop in tiles:
                images = stop - start
                grad_result = plan.view(grad_result_buffer, plan.out_channels, images)
                nchw_to_widened(grad[start:stop], grad_result, plan.row)
                if needs_bias:
                    grad_bias += grad[start:stop].sum(axis=(0, 2, 3))
                if needs_weight:
                    cols = plan.columns(x, pp, cols_buffer, start, stop)
                    np.matmul(cols, grad_result.T, out=product)
                    grad_weight_t += product
                if needs_x:
                    grad_cols = plan.view(cols_buffer, plan.taps, images)
                    np.matmul(weight_rows.T, grad_result, out=grad_cols)
                    add_phase_columns(grad_cols, pp[:images], plan.kernel_h, plan.kernel_w, plan.out_h)
                    from_phases(pp[:images], grad_x[start:stop], plan.pad_top, plan.pad_left)
            return grad_weight_t, grad_bias

        return backward_tiles

    result_bytes = (plan.out_channels * plan.taps + plan.out_channels) * x.itemsize
    grad_weight_t, grad_bias = sum_over_tiles(worker, plan.batch, plan.per_tile, result_bytes)
    grad_weight = None if grad_weight_t is None else np.ascontiguousarray(grad_weight_t.T).reshape(weight.shape)
    return grad_x, grad_weight, grad_bias
