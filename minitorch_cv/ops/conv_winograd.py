"""Conv2d forward and backward by Winograd F(4x4, 5x5), for 5x5, stride-1, undilated, ungrouped layers,
and for the 3x3 ones where it measured faster than im2col (``applies``): a 3x3 kernel is the
centre of a 5x5 one with a zero border, so with one more pixel of padding per side it runs
through the same transforms (64 multiplies per 16 outputs instead of 144; its weight gradient is
the centre of the 5x5 one). Measured at one thread, batch 128, forward + backward against
im2col: 32 channels at 16x16 0.80x the time, 64 at 8x8 0.57x (batch 16: 0.45x), 128 at 4x4
0.80x, 64 at 56x56 (batch 2) 0.66x, 128 at 28x28 (batch 8) 0.76x; but 16 channels at 32x32
1.14x (GEMMs over 16 channels too thin), and where the 4x4 tiles overhang the image, 256
channels at 14x14 1.19x, at 2x2 3.5x, 512 at 7x7 3.6x. float32 error 1.3-3.4e-6 of the largest
output (im2col: 3-7e-7).

The maths and the layouts are in ``kernels/winograd.py``. Per tile of a few images (``ops/tiles.py``),
one numba call per stage (``input_tiles`` and friends):
    forward   x --NHWC, pad--> xp --input_transform--> V [T, 64, C]
              M[:, f] = V[:, f] @ U[f]  (64 GEMMs)  --output_transform--> yp --NCHW, + bias--> out
    backward  grad --NHWC--> gy --output_transform_adjoint--> dM [T, 64, O]
              dU[f] += V[:, f]^T @ dM[:, f]  (V recomputed, as the im2col path recomputes its columns)
              dV[:, f] = dM[:, f] @ U[f]^T  --input_transform_adjoint--> gxp --NCHW, crop--> grad_x
The filter transform U [64, C, O] = G g G^T and the weight gradient G^T dU G work on the small
[O, C, 5, 5] weights, as a few GEMMs over all channel pairs at once. 64/400 of the direct
method's multiplies; in float32 the outputs differ from a float64 convolution by 4-7e-6 of the
largest value, where torch's own error is 3-7e-7 (measured at the CIFAR shapes; ``kernels/winograd.py``).
"""
import numpy as np

from .. import backends
from ..kernels.winograd import FILTER, FREQUENCIES, TILE, input_grad_tiles, input_tiles, output_grad_tiles, output_tiles
from .tiles import items_per_tile, run_tiles, sum_shares

KERNEL_SIZE = 5
MIN_CHANNELS = 16
"""Fewer input or output channels than this leaves the GEMMs too thin to pay for the transforms
(CIFAR's first layer, 3 channels in, stays with im2col)."""
MIN_CHANNELS_3X3 = 32
"""3x3 layers need more: at 16 channels im2col's 9 taps per pixel beat the transforms."""
MIN_TILES_3X3 = 64
"""3x3 layers also need this many 4x4 output tiles per call (the fewest measured faster: 64
channels at 8x8, batch 16); with fewer, the filter transforms and the short per-frequency GEMMs
would weigh more against the saved multiplies."""


def applies(input_shape, weight_shape, stride, dilation, groups, out_h, out_w):
    """Whether a layer runs here (``minitorch_cv.backends.winograd.enabled``, stride 1, no
    dilation, one group): a 5x5 kernel with at least MIN_CHANNELS in and out, or a 3x3 one with
    at least MIN_CHANNELS_3X3, outputs that fill whole 4x4 tiles, and MIN_TILES_3X3 tiles."""
    batch, channels = input_shape[:2]
    out_channels, _, kernel_h, kernel_w = weight_shape
    if not (backends.winograd.enabled and stride == (1, 1) and dilation == (1, 1) and groups == 1):
        return False
    if (kernel_h, kernel_w) == (KERNEL_SIZE, KERNEL_SIZE):
        return min(channels, out_channels) >= MIN_CHANNELS
    return ((kernel_h, kernel_w) == (3, 3) and min(channels, out_channels) >= MIN_CHANNELS_3X3
            and out_h % TILE == 0 and out_w % TILE == 0 and batch * out_h * out_w >= MIN_TILES_3X3 * TILE * TILE)


def as_5x5(weight, padding):
    """A 3x3 ``weight`` as the 5x5 one with a zero border, and ``padding`` one pixel wider per side."""
    if weight.shape[2:] == (KERNEL_SIZE, KERNEL_SIZE):
        return weight, padding
    return np.pad(weight, ((0, 0), (0, 0), (1, 1), (1, 1))), tuple(p + 1 for p in padding)


class _Plan:
    """Sizes, tile counts and buffers of one layer call; ``per_tile`` images keep a worker's
    buffers near the tile budget (``ops/tiles.py``)."""

    def __init__(self, x, weight, padding, out_h, out_w):
        self.batch, self.channels = x.shape[:2]
        self.out_channels = weight.shape[0]
        self.pad_top, self.pad_left = padding[0], padding[2]
        self.out_h, self.out_w = out_h, out_w
        self.tiles_h, self.tiles_w = -(-out_h // TILE), -(-out_w // TILE)
        self.tiles_per_image = self.tiles_h * self.tiles_w
        self.plane = (TILE * self.tiles_h + 4, TILE * self.tiles_w + 4)
        self.dtype = x.dtype
        floats = (self.plane[0] * self.plane[1] * self.channels
                  + FREQUENCIES * self.tiles_per_image * (self.channels + self.out_channels)
                  + TILE * TILE * self.tiles_per_image * self.out_channels)
        self.per_tile = items_per_tile(self.batch, floats * x.itemsize)

    def padded(self, channels):
        """A zeroed channels-last plane buffer for a tile of images."""
        return np.zeros((self.per_tile, *self.plane, channels), self.dtype)

    def frequency_buffer(self, channels):
        """A flat buffer for a tile of images' transformed tiles, ``channels`` per frequency."""
        return np.empty(FREQUENCIES * self.per_tile * self.tiles_per_image * channels, self.dtype)

    def frequencies(self, images, channels, buffer):
        """For a tile of ``images``: a [T, 64 * channels] view on the start of ``buffer`` (the
        kernels' view) and the same as [64, T, channels] (the stack of per-frequency GEMM operands)."""
        rows = images * self.tiles_per_image
        flat = buffer[:FREQUENCIES * rows * channels].reshape(rows, FREQUENCIES * channels)
        return flat, flat.reshape(rows, FREQUENCIES, channels).transpose(1, 0, 2)

    def output_buffer(self, channels):
        """A zeroed channels-last buffer of whole output tiles for a tile of images."""
        return np.zeros((self.per_tile, TILE * self.tiles_h, TILE * self.tiles_w, channels), self.dtype)


def filter_transform(weight):
    """U [64, C, O] = G g G^T per channel pair (``U[8*j + i, c, o] = (G g G^T)[i, j]``), in the
    weights' dtype: G across the kernel columns for all pairs at once, then down the rows."""
    out_channels, channels = weight.shape[:2]
    pairs = channels * out_channels
    G = FILTER.astype(weight.dtype)
    across = weight.transpose(1, 0, 2, 3).reshape(pairs * 5, 5) @ G.T                 # [(c, o, k), j]
    by_column = np.ascontiguousarray(across.reshape(pairs, 5, 8).transpose(2, 1, 0))    # [j, k, (c, o)]
    return np.matmul(G, by_column).reshape(FREQUENCIES, channels, out_channels)         # [j, i, (c, o)]


def filter_transform_adjoint(grad_U, weight_shape):
    """The weight gradient [O, C, 5, 5] = G^T dU G, from dU [64, C, O] (the adjoint of ``filter_transform``)."""
    out_channels, channels = weight_shape[:2]
    pairs = channels * out_channels
    G = FILTER.astype(grad_U.dtype)
    down = np.matmul(G.T, grad_U.reshape(8, 8, pairs))                                  # [j, k, (c, o)]
    taps = G.T @ down.reshape(8, 5 * pairs)                                             # [l, (k, c, o)]
    return np.ascontiguousarray(taps.reshape(5, 5, channels, out_channels).transpose(3, 2, 1, 0))


def forward(x, weight, bias, padding, out_h, out_w):
    """The convolution [N, O, out_h, out_w] and the state ``backward`` needs."""
    weight, padding = as_5x5(weight, padding)
    plan = _Plan(x, weight, padding, out_h, out_w)
    U = filter_transform(weight)
    bias = np.zeros(plan.out_channels, x.dtype) if bias is None else bias
    out = np.empty((plan.batch, plan.out_channels, out_h, out_w), x.dtype)

    def forward_tiles(tiles):
        xp, yp = plan.padded(plan.channels), plan.output_buffer(plan.out_channels)
        V_buffer, M_buffer = plan.frequency_buffer(plan.channels), plan.frequency_buffer(plan.out_channels)
        for start, stop in tiles:
            images = stop - start
            V, V_stack = plan.frequencies(images, plan.channels, V_buffer)
            M, M_stack = plan.frequencies(images, plan.out_channels, M_buffer)
            input_tiles(x[start:stop], xp[:images], V, plan.pad_top, plan.pad_left, plan.tiles_h, plan.tiles_w)
            np.matmul(V_stack, U, out=M_stack)
            output_tiles(M, yp[:images], bias, out[start:stop], plan.tiles_h, plan.tiles_w)

    run_tiles(forward_tiles, plan.batch, plan.per_tile)
    return out, (plan, U)


def backward(state, x, weight_shape, grad, needs_x, needs_weight, needs_bias):
    """(grad_x, grad_weight, grad_bias) of the convolution, each None where not needed."""
    plan, U = state
    # [64, O, C], contiguous: BLAS takes the transposed view 2x slower.
    U_rows = np.ascontiguousarray(U.transpose(0, 2, 1)) if needs_x else None
    grad_x = np.empty(x.shape, x.dtype) if needs_x else None

    def backward_tiles(tiles):
        gy = plan.output_buffer(plan.out_channels)
        dM_buffer, V_buffer = plan.frequency_buffer(plan.out_channels), plan.frequency_buffer(plan.channels)
        xp = plan.padded(plan.channels) if needs_weight else None
        gxp = plan.padded(plan.channels) if needs_x else None
        grad_U = np.zeros((FREQUENCIES, plan.channels, plan.out_channels), x.dtype) if needs_weight else None
        product = np.empty_like(grad_U) if needs_weight else None
        grad_bias = np.zeros(plan.out_channels if needs_bias else 0, x.dtype)
        for start, stop in tiles:
            images = stop - start
            dM, dM_stack = plan.frequencies(images, plan.out_channels, dM_buffer)
            output_grad_tiles(grad[start:stop], gy[:images], dM, grad_bias, plan.tiles_h, plan.tiles_w)
            V, V_stack = plan.frequencies(images, plan.channels, V_buffer)
            if needs_weight:
                input_tiles(x[start:stop], xp[:images], V, plan.pad_top, plan.pad_left, plan.tiles_h, plan.tiles_w)
                np.matmul(V_stack.transpose(0, 2, 1), dM_stack, out=product)
                grad_U += product
            if needs_x:
                np.matmul(dM_stack, U_rows, out=V_stack)
                input_grad_tiles(V, gxp[:images], grad_x[start:stop], plan.pad_top, plan.pad_left,
                                 plan.tiles_h, plan.tiles_w)
        return grad_U, grad_bias if needs_bias else None

    grad_U, grad_bias = sum_shares(run_tiles(backward_tiles, plan.batch, plan.per_tile))
    grad_weight = None
    if needs_weight:
        grad_weight = filter_transform_adjoint(grad_U, weight_shape[:2] + (KERNEL_SIZE, KERNEL_SIZE))
        if weight_shape[2:] != (KERNEL_SIZE, KERNEL_SIZE):
            grad_weight = np.ascontiguousarray(grad_weight[:, :, 1:-1, 1:-1])
    return grad_x, grad_weight, grad_bias
