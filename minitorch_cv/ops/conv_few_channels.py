"""Conv2d forward and backward for float32 layers with few input channels (a network's first
layer, on RGB images), stride 1, undilated, one group: register-blocked direct kernels
(``kernels/register_conv.py``) instead of im2col + GEMM, whose GEMM has only C*kH*kW inner
terms (3 x 5x5 = 75) and ran at about half of OpenBLAS's speed.

Per tile of images (``ops/tiles.py``), with O8 the output channels rounded up to OUT_BLOCK:
    forward   x --zero-padded copy--> xp [n, C, Hp, Wp] --rows_forward--> rows [n, O8, OH, 16*blocks]
              --crop (none when O8 = O and OW = 16*blocks: the kernel writes ``out`` itself)--> out
    backward  grad --onto the padded input's row width--> grid [n, O8, L]
              grad_W^T += grid_weight_grad(xp, grid)          (xp rebuilt, as im2col rebuilds columns)
              grad_x = the forward on grad, padded by k-1-pad, with the weights flipped and swapped
              [C, O, kH, kW] (the adjoint of a stride-1 correlation is a correlation)
Outputs beyond OW (the last block's spare columns) are computed and dropped; their gradient is
zero on the grid, so the input columns they met add nothing to the weight gradient, unless an
input is infinite or NaN (0 * inf): such inputs take one contraction per tap instead, as exact
as torch's.
Measured, CIFAR10CNN's first layer (3->32, 5x5, 64 images at 32x32), one thread: forward 3.3-3.8
ms against 7.0 for im2col + GEMM; weight gradient 3.2-3.9 ms.
"""
import numpy as np

from ..kernels import register_conv
from ..threads import get_num_threads
from .tiles import items_per_tile, run_tiles, sum_over_tiles

MAX_CHANNELS = 4
"""Input channels up to which a layer runs here (RGB, RGBA, grey); with more, im2col's GEMM has
enough inner terms, and 16 or more go to Winograd."""
MAX_KERNEL = 11
"""Kernel sides up to which a layer runs here (the weight gradient holds kH rows of sums in registers)."""


def applies(dtype, input_shape, weight_shape, stride, dilation, groups, padding):
    """Whether a layer runs here: float32, stride 1, undilated, one group, at most MAX_CHANNELS
    input channels, kernel sides up to MAX_KERNEL, and no side padded by more than kernel - 1
    (so the input gradient's padding, kernel - 1 - pad, is never negative)."""
    kernel_h, kernel_w = weight_shape[2:]
    top, bottom, left, right = padding
    return (dtype == np.float32 and stride == (1, 1) and dilation == (1, 1) and groups == 1
            and input_shape[1] <= MAX_CHANNELS and max(kernel_h, kernel_w) <= MAX_KERNEL
            and max(top, bottom) < kernel_h and max(left, right) < kernel_w)


def _round_up(value, step):
    return -(-value // step) * step


class _Plan:
    """Sizes and buffers of one call: the padded input's planes, the output rows in whole
    register blocks, and the gradient's grid on the padded input's row width."""

    def __init__(self, x_shape, weight_shape, padding, out_h, out_w):
        self.batch, self.channels, self.height, self.width = x_shape
        self.out_channels, _, self.kernel_h, self.kernel_w = weight_shape
        self.padding = padding
        self.out_h, self.out_w = out_h, out_w
        self.outputs = _round_up(self.out_channels, register_conv.OUT_BLOCK)
        self.row_width = _round_up(out_w, register_conv.WIDTH)
        self.plane_w = self.row_width + self.kernel_w - 1
        # One spare zero row: the weight gradient's last vector of a plane reads up to a
        # vector's width past the kernel's last row.
        self.plane_h = out_h + self.kernel_h
        self.grid_length = _round_up(out_h * self.plane_w, register_conv.WIDTH)
        self.writes_out = self.outputs == self.out_channels and self.row_width == out_w
        per_image = 4 * (self.channels * self.plane_h * self.plane_w + self.outputs * self.grid_length)
        self.per_tile = max(1, min(items_per_tile(self.batch, per_image), -(-self.batch // get_num_threads())))

    def padded(self):
        """A zeroed buffer for a tile's padded input planes."""
        return np.zeros((self.per_tile, self.channels, self.plane_h, self.plane_w), np.float32)

    def fill(self, xp, x):
        """Copy the images ``x`` into the interior of ``xp`` (its border stays zero)."""
        top, left = self.padding[0], self.padding[2]
        xp[:len(x), :, top:top + self.height, left:left + self.width] = x

    def weight_rows(self, weight):
        """[C*kH*kW, O8]: tap-major weights, zero in the spare output channels."""
        rows = np.zeros((self.channels * self.kernel_h * self.kernel_w, self.outputs), np.float32)
        rows[:, :self.out_channels] = weight.reshape(self.out_channels, -1).T
        return rows


def forward(x, weight, bias, padding, out_h, out_w, epilogue=None):
    """The convolution [N, O, out_h, out_w] and the plan ``backward`` needs (``epilogue``: see ``ops/conv.py``)."""
    plan = _Plan(x.shape, weight.shape, padding, out_h, out_w)
    weight_rows = plan.weight_rows(weight)
    padded_bias = np.zeros(plan.outputs, np.float32)
    if bias is not None:
        padded_bias[:plan.out_channels] = bias
    out = np.empty((plan.batch, plan.out_channels, out_h, out_w), np.float32)
    kernel = register_conv.forward_kernel()

    def forward_tiles(tiles):
        xp = plan.padded()
        rows = None if plan.writes_out else np.empty((plan.per_tile, plan.outputs, out_h, plan.row_width), np.float32)
        for start, stop in tiles:
            images = stop - start
            plan.fill(xp, x[start:stop])
            target = out[start:stop] if plan.writes_out else rows[:images]
            kernel(xp[:images], weight_rows, padded_bias, target, plan.kernel_h, plan.kernel_w)
            if not plan.writes_out:
                out[start:stop] = rows[:images, :plan.out_channels, :, :out_w]
            if epilogue is not None:
                epilogue(out, start, stop)

    run_tiles(forward_tiles, plan.batch, plan.per_tile)
    return out, plan


def backward(plan, x, weight, grad, needs_x, needs_weight, needs_bias):
    """(grad_x, grad_weight, grad_bias) of the convolution, each None where not needed."""
    grad = np.ascontiguousarray(grad, dtype=np.float32)
    grad_weight = grad_bias = None
    if needs_weight and np.isfinite(x).all():
        grad_weight, grad_bias = _weight_grad(plan, x, grad, needs_bias)
    elif needs_weight:
        grad_weight = _weight_grad_per_tap(plan, x, grad)
    if needs_bias and grad_bias is None:
        grad_bias = grad.sum(axis=(0, 2, 3))
    grad_x = None
    if needs_x:
        flipped = np.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        top, bottom, left, right = plan.padding
        adjoint_padding = (plan.kernel_h - 1 - top, plan.kernel_h - 1 - bottom,
                           plan.kernel_w - 1 - left, plan.kernel_w - 1 - right)
        grad_x, _ = forward(grad, flipped, None, adjoint_padding, plan.height, plan.width)
    return grad_x, grad_weight, grad_bias


def _weight_grad_per_tap(plan, x, grad):
    """[O, C, kH, kW] as one contraction per tap over exactly the pixels it meets: for inputs with
    infinities or NaNs, which the grid's zeros beyond the output's width would turn into NaNs
    in taps that never meet them (0 * inf)."""
    top, bottom, left, right = plan.padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    grad_weight = np.empty((plan.out_channels, plan.channels, plan.kernel_h, plan.kernel_w), np.float32)
    for i in range(plan.kernel_h):
        for j in range(plan.kernel_w):
            taps = xp[:, :, i:i + plan.out_h, j:j + plan.out_w]
            grad_weight[:, :, i, j] = np.einsum("nohw,nchw->oc", grad, taps)
    return grad_weight


def _weight_grad(plan, x, grad, needs_bias):
    """[O, C, kH, kW] and the bias gradient (None unless ``needs_bias``): per tile, the gradient
    laid on the padded input's row width (zero in the spare columns and channels) against the
    rebuilt padded input, and summed while it is in cache; the tiles' sums added in order."""
    kernel = register_conv.weight_grad_kernel(plan.kernel_h)
    taps = plan.channels * plan.kernel_h * plan.kernel_w

    def worker():
        xp = plan.padded()
        grid = np.zeros((plan.per_tile, plan.outputs, plan.grid_length), np.float32)
        on_rows = grid[:, :plan.out_channels, :plan.out_h * plan.plane_w].reshape(
            plan.per_tile, plan.out_channels, plan.out_h, plan.plane_w)

        def weight_grad_tiles(tiles):
            grad_weight_t = np.zeros((taps, plan.outputs), np.float32)
            grad_bias = np.zeros(plan.out_channels, np.float32)
            for start, stop in tiles:
                images = stop - start
                plan.fill(xp, x[start:stop])
                on_rows[:images, :, :, :plan.out_w] = grad[start:stop]
                kernel(xp[:images], grid[:images], grad_weight_t, plan.kernel_w)
                if needs_bias:
                    grad_bias += grid[:images, :plan.out_channels].sum(axis=(0, 2))
            return grad_weight_t, grad_bias

        return weight_grad_tiles

    grad_weight_t, grad_bias = sum_over_tiles(worker, plan.batch, plan.per_tile, (taps + 1) * plan.outputs * 4)
    grad_weight = np.ascontiguousarray(grad_weight_t[:, :plan.out_channels].T).reshape(
        plan.out_channels, plan.channels, plan.kernel_h, plan.kernel_w)
    return grad_weight, grad_bias if needs_bias else None
