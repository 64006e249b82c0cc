"""Conv2d forward and backward by Winograd: F(4x4, 5x5) for 5x5 layers, F(4x4, 3x3) for 3x3
ones, stride 1, undilated, ungrouped, where ``applies`` says it pays. Per 16 outputs and channel
pair, 64 multiplies instead of 400 (5x5), 36 instead of 144 (3x3).

The maths and the layouts are in ``kernels/winograd.py`` (8x8 patches) and
``kernels/winograd3x3.py`` (6x6 patches); both modules give the same names (``FILTER``,
``PATCH``, ``FREQUENCIES``, ``TILE``, ``input_tiles`` and friends), and this module runs either
(``_scheme``). Per tile of a few images (``ops/tiles.py``), one numba call per stage:
    forward   x --NHWC, pad--> xp --input_transform--> V [T, F, C]
              M[:, f] = V[:, f] @ U[f]  (F GEMMs)  --output_transform--> yp --NCHW, + bias--> out
    backward  grad --NHWC--> gy --output_transform_adjoint--> dM [T, F, O]
              dU[f] += V[:, f]^T @ dM[:, f]  (V recomputed, as the im2col path recomputes its columns)
              dV[:, f] = dM[:, f] @ U[f]^T  --input_transform_adjoint--> gxp --NCHW, crop--> grad_x
The filter transform U [F, C, O] = G g G^T and the weight gradient G^T dU G work on the small
[O, C, k, k] weights, as a few GEMMs over all channel pairs at once.

float32 error against a float64 convolution, of the largest output: 5x5 4-7e-6, 3x3 about
1e-6 (torch's direct convolution: 3-7e-7); the kernel modules give the measurements.
"""
import numpy as np

from .. import backends
from ..kernels import winograd, winograd3x3
from .tiles import gemm_tile, items_per_tile, per_worker, run_tiles, sum_over_tiles

SCHEMES = {5: winograd, 3: winograd3x3}
"""The kernel module for each square kernel size."""
MIN_CHANNELS = 16
"""Fewer input or output channels than this leaves the GEMMs too thin to pay for the transforms
(CIFAR's first layer, 3 channels in, stays with im2col)."""
MIN_TILES_3X3 = 32
"""3x3 layers also need this many 4x4 output tiles per call; with fewer, the filter transforms
and the short per-frequency GEMMs weigh more against the saved multiplies. Measured at 2
threads, no_grad, against im2col: 512 channels at 7x7, batch 8 (32 tiles) 17.5 vs 20.9 ms,
batch 4 (16 tiles) 12.4 vs 12.0; 256 at 14x14, batch 2 (32 tiles) 3.9 vs 3.6, batch 8 7.4 vs
11.6; 64 at 8x8, batch 4 (16 tiles) 0.39 vs 0.32."""
MAX_OVERHANG_3X3 = 1.35
"""3x3 layers whose outputs overhang the 4x4 tiles (7x7, 14x14) compute up to this much more
area than they keep."""

PARALLEL_FILTER_PAIRS = 64 * 64
"""Channel pairs from which ``filter_transform`` spreads over the worker threads (fewer: one
call costs less than handing work to a thread)."""
MIN_GEMM_ROWS = 128
"""Tiles of images hold at least this many 4x4 tiles (GEMM rows) where the batch has them, even
past the cache budget: with many channels and small images one image is a few tiles, and a GEMM
of so few rows streams all of U [F, C, O] for little work (``tiles.gemm_tile``, which also
keeps one tile per worker thread: ResNet-50's 14x14 layers at batch 8 ran on one thread)."""


def applies(input_shape, weight_shape, stride, dilation, groups, out_h, out_w):
    """Whether a layer runs here (``minitorch_cv.backends.winograd.enabled``, stride 1, no
    dilation, one group, at least MIN_CHANNELS in and out): every 5x5 kernel; a 3x3 one with
    MIN_TILES_3X3 tiles overhanging its outputs by at most MAX_OVERHANG_3X3."""
    batch, channels = input_shape[:2]
    out_channels, _, kernel_h, kernel_w = weight_shape
    if not (backends.winograd.enabled and stride == (1, 1) and dilation == (1, 1) and groups == 1
            and kernel_h == kernel_w and kernel_h in SCHEMES and min(channels, out_channels) >= MIN_CHANNELS):
        return False
    if kernel_h == 5:
        return True
    tile = winograd3x3.TILE
    tiled = tile * -(-out_h // tile) * tile * -(-out_w // tile)
    return batch * tiled >= MIN_TILES_3X3 * tile * tile and tiled <= MAX_OVERHANG_3X3 * out_h * out_w


class _Plan:
    """Sizes, tile counts and buffers of one layer call with the kernels of ``scheme``;
    ``per_tile`` images keep a worker's buffers near the tile budget (``ops/tiles.py``)."""

    def __init__(self, scheme, x, weight, padding, out_h, out_w):
        self.scheme = scheme
        self.batch, self.channels = x.shape[:2]
        self.out_channels = weight.shape[0]
        self.pad_top, self.pad_left = padding[0], padding[2]
        self.out_h, self.out_w = out_h, out_w
        tile, border = scheme.TILE, scheme.PATCH - scheme.TILE
        self.tiles_h, self.tiles_w = -(-out_h // tile), -(-out_w // tile)
        self.tiles_per_image = self.tiles_h * self.tiles_w
        self.plane = (tile * self.tiles_h + border, tile * self.tiles_w + border)
        self.dtype = x.dtype
        floats = (self.plane[0] * self.plane[1] * self.channels
                  + scheme.FREQUENCIES * self.tiles_per_image * (self.channels + self.out_channels)
                  + tile * tile * self.tiles_per_image * self.out_channels)
        self.per_tile = gemm_tile(self.batch, items_per_tile(self.batch, floats * x.itemsize),
                                  self.tiles_per_image, MIN_GEMM_ROWS)

    def padded(self, channels):
        """A zeroed channels-last plane buffer for a tile of images."""
        return np.zeros((self.per_tile, *self.plane, channels), self.dtype)

    def frequency_buffer(self, channels):
        """A flat buffer for a tile of images' transformed tiles, ``channels`` per frequency."""
        return np.empty(self.scheme.FREQUENCIES * self.per_tile * self.tiles_per_image * channels, self.dtype)

    def frequencies(self, images, channels, buffer):
        """For a tile of ``images``: a [T, F * channels] view on the start of ``buffer`` (the
        kernels' view) and the same as [F, T, channels] (the stack of per-frequency GEMM operands)."""
        rows, count = images * self.tiles_per_image, self.scheme.FREQUENCIES
        flat = buffer[:count * rows * channels].reshape(rows, count * channels)
        return flat, flat.reshape(rows, count, channels).transpose(1, 0, 2)

    def output_buffer(self, channels):
        """A zeroed channels-last buffer of whole output tiles for a tile of images."""
        tile = self.scheme.TILE
        return np.zeros((self.per_tile, tile * self.tiles_h, tile * self.tiles_w, channels), self.dtype)


def filter_transform(weight):
    """U [P*P, C, O] = G g G^T per channel pair (``U[P*j + i, c, o] = (G g G^T)[i, j]``, P the
    patch size), in the weights' dtype: ``kernels/winograd.filter_transform_channels``, input
    channels split over the worker threads from PARALLEL_FILTER_PAIRS channel pairs."""
    weight = np.ascontiguousarray(weight)
    out_channels, channels, size = weight.shape[:3]
    G = SCHEMES[size].FILTER.astype(weight.dtype)
    U = np.empty((G.shape[0] ** 2, channels, out_channels), weight.dtype)
    if channels * out_channels < PARALLEL_FILTER_PAIRS:
        winograd.filter_transform_channels(weight, G, U, 0, channels)
    else:
        per_worker(channels, lambda first, last: winograd.filter_transform_channels(weight, G, U, first, last))
    return U


def filter_transform_adjoint(grad_U, weight_shape):
    """The weight gradient [O, C, k, k] = G^T dU G, from dU [P*P, C, O] (the adjoint of ``filter_transform``)."""
    out_channels, channels, size = weight_shape[:3]
    G = SCHEMES[size].FILTER.astype(grad_U.dtype)
    patch, pairs = G.shape[0], channels * out_channels
    down = np.matmul(G.T, grad_U.reshape(patch, patch, pairs))                                 # [j, k, (c, o)]
    taps = G.T @ down.reshape(patch, size * pairs)                                             # [l, (k, c, o)]
    return np.ascontiguousarray(taps.reshape(size, size, channels, out_channels).transpose(3, 2, 1, 0))


def forward(x, weight, bias, padding, out_h, out_w, epilogue=None):
    """The convolution [N, O, out_h, out_w] and the state ``backward`` needs (``epilogue``: see
    ``ops/conv.py``)."""
    scheme = SCHEMES[weight.shape[2]]
    plan = _Plan(scheme, x, weight, padding, out_h, out_w)
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
            scheme.input_tiles(x[start:stop], xp[:images], V, plan.pad_top, plan.pad_left, plan.tiles_h, plan.tiles_w)
            np.matmul(V_stack, U, out=M_stack)
            scheme.output_tiles(M, yp[:images], bias, out[start:stop], plan.tiles_h, plan.tiles_w)
            if epilogue is not None:
                epilogue(out, start, stop)

    run_tiles(forward_tiles, plan.batch, plan.per_tile)
    return out, (plan, U)


def backward(state, x, weight_shape, grad, needs_x, needs_weight, needs_bias):
    """(grad_x, grad_weight, grad_bias) of the convolution, each None where not needed."""
    plan, U = state
    scheme = plan.scheme
    # [F, O, C], contiguous: BLAS takes the transposed view 2x slower.
    U_rows = np.ascontiguousarray(U.transpose(0, 2, 1)) if needs_x else None
    grad_x = np.empty(x.shape, x.dtype) if needs_x else None

    def worker():
        gy = plan.output_buffer(plan.out_channels)
        dM_buffer, V_buffer = plan.frequency_buffer(plan.out_channels), plan.frequency_buffer(plan.channels)
        xp = plan.padded(plan.channels) if needs_weight else None
        gxp = plan.padded(plan.channels) if needs_x else None
        product = np.empty(U.shape, x.dtype) if needs_weight else None

        def backward_tiles(tiles):
            grad_U = np.zeros(U.shape, x.dtype) if needs_weight else None
            grad_bias = np.zeros(plan.out_channels if needs_bias else 0, x.dtype)
            for start, stop in tiles:
                images = stop - start
                dM, dM_stack = plan.frequencies(images, plan.out_channels, dM_buffer)
                scheme.output_grad_tiles(grad[start:stop], gy[:images], dM, grad_bias, plan.tiles_h, plan.tiles_w)
                V, V_stack = plan.frequencies(images, plan.channels, V_buffer)
                if needs_weight:
                    scheme.input_tiles(x[start:stop], xp[:images], V, plan.pad_top, plan.pad_left,
                                       plan.tiles_h, plan.tiles_w)
                    np.matmul(V_stack.transpose(0, 2, 1), dM_stack, out=product)
                    grad_U += product
                if needs_x:
                    np.matmul(dM_stack, U_rows, out=V_stack)
                    scheme.input_grad_tiles(V, gxp[:images], grad_x[start:stop], plan.pad_top, plan.pad_left,
                                            plan.tiles_h, plan.tiles_w)
            return grad_U, grad_bias if needs_bias else None

        return backward_tiles

    grad_U, grad_bias = sum_over_tiles(worker, plan.batch, plan.per_tile, U.nbytes)
    grad_weight = filter_transform_adjoint(grad_U, weight_shape) if needs_weight else None
    return grad_x, grad_weight, grad_bias
