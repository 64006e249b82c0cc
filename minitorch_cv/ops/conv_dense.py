"""Conv2d forward and backward for images no larger than the kernel: the convolution as one dense
matrix from the input's pixels to the output's.

At the end of a ResNet on 32x32 images (ResNet-18's last stage: 512 channels at 1x1, 256 at 2x2)
a 3x3 kernel mostly hangs over the padding: at 1x1 only its centre tap meets a pixel, at 2x2
four of nine. im2col multiplies by the zeros all the same (9x and 2.25x the work). Instead, the
layer is the linear map it is on such small images:
    out[n, o, q] = sum_{c, p} W[o, c, tap(q, p)] x[n, c, p]      (q: output pixel, p: input pixel)
that is, with ``x`` [N, C*P] and ``out`` [N, O*Q] both plain NCHW memory,
    forward   out = x @ D^T                          D [O*Q, C*P] (zero where no tap joins q and p)
    backward  grad_x = grad @ D                      grad_D = grad^T @ x
D is built from the weights by a gather (tap t of W lands where t joins q and p, 0 elsewhere), and
its gradient folds back onto the taps by the adjoint, a sum over the pairs each tap joins
(``kernels/dense_taps.py``); the forward's D stays for the backward (ResNet-18 on CIFAR: 1-4 MB
per layer, against 0.7 ms to build it again). D holds Q*P products per channel pair where im2col holds Q*T (T:
the kernel's taps), so it does no more work when P <= T, the rule in ``applies``; at 1x1 and 2x2
under a padded 3x3 kernel it does none on zeros. One GEMM each way, no im2col, no layout copies.
The batch is split into one share per worker thread (``ops/tiles.py``).

Measured at batch 128, 2 threads, native BLAS, forward + backward per layer (ms): 512->512 at
1x1 51 -> 3.2, 256->256 at 2x2 21 -> 9.3 (im2col's figures from profile_ops.py, which adds a
little per call).
"""
import functools

import numpy as np

from ..kernels import dense_taps
from ..threads import get_num_threads
from .tiles import per_worker, run_tiles


def applies(input_shape, weight_shape, groups):
    """Whether a layer runs here: one group, and no more input pixels than kernel taps."""
    height, width = input_shape[2:]
    kernel_h, kernel_w = weight_shape[2:]
    return groups == 1 and height * width <= kernel_h * kernel_w and weight_shape[2:] != (1, 1)


@functools.lru_cache(maxsize=64)
def tap_index(geometry):
    """[Q, P] int64: the tap joining output pixel q to input pixel p, -1 where none does.

    ``geometry`` is (height, width, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
    dilation_h, dilation_w, out_h, out_w)."""
    height, width, kernel_h, kernel_w, stride_h, stride_w, top, left, dil_h, dil_w, out_h, out_w = geometry
    index = np.full((out_h * out_w, height * width), -1, dtype=np.int64)
    for oy in range(out_h):
        for ox in range(out_w):
            for ky in range(kernel_h):
                for kx in range(kernel_w):
                    iy, ix = oy * stride_h - top + ky * dil_h, ox * stride_w - left + kx * dil_w
                    if 0 <= iy < height and 0 <= ix < width:
                        index[oy * out_w + ox, iy * width + ix] = ky * kernel_w + kx
    index.setflags(write=False)
    return index


def _dense(weight, tap_of):
    """D [O*Q, C*P] from the weights [O, C, kH, kW]."""
    out_channels, channels = weight.shape[:2]
    outputs, pixels = tap_of.shape
    dense = np.empty((out_channels, outputs, channels, pixels), weight.dtype)
    taps = np.ascontiguousarray(weight).reshape(out_channels, channels, -1)
    # Output channels over the threads, here and in the fold: ResNet-18's 256-channel 2x2
    # layers at batch 128 took 0.6 (build) and 1.1 ms (fold) on one thread.
    per_worker(out_channels, lambda first, last: dense_taps.spread(taps, tap_of, dense, first, last))
    return dense.reshape(out_channels * outputs, channels * pixels)


def forward(x, weight, bias, geometry, epilogue=None):
    """The convolution [N, O, OH, OW] of ``x`` [N, C, H, W] (``epilogue``: see ``ops/conv.py``),
    and D, which the backward reuses."""
    batch = x.shape[0]
    out_h, out_w = geometry[-2:]
    dense = _dense(weight, tap_index(geometry))
    flat = x.reshape(batch, -1)
    out = np.empty((batch, weight.shape[0], out_h, out_w), x.dtype)
    flat_out = out.reshape(batch, -1)

    def forward_tiles(tiles):
        for start, stop in tiles:
            np.matmul(flat[start:stop], dense.T, out=flat_out[start:stop])
            if bias is not None:
                out[start:stop] += bias[:, None, None]
            if epilogue is not None:
                epilogue(out, start, stop)

    run_tiles(forward_tiles, batch, _per_share(batch))
    return out, dense


def backward(x, weight, dense, geometry, grad, needs_x, needs_weight, needs_bias):
    """(grad_x, grad_weight, grad_bias), each None where not needed; ``dense``: the forward's D."""
    batch, out_channels = grad.shape[:2]
    channels = weight.shape[1]
    outputs, pixels = grad.shape[2] * grad.shape[3], x.shape[2] * x.shape[3]
    tap_of = tap_index(geometry)
    flat_grad = np.ascontiguousarray(grad).reshape(batch, -1)
    flat_x = x.reshape(batch, -1)
    grad_x = np.empty(flat_x.shape, grad.dtype) if needs_x else None
    grad_dense = np.empty((flat_grad.shape[1], flat_x.shape[1]), grad.dtype) if needs_weight else None
    products = _backward_products(flat_grad, flat_x, dense, grad_dense, grad_x)
    run_tiles(lambda share: [products[k]() for start, stop in share for k in range(start, stop)], len(products), 1)
    grad_weight = None
    if needs_weight:
        grad_weight = np.empty(weight.shape, grad.dtype)
        blocks = grad_dense.reshape(out_channels, outputs, channels, pixels)
        taps = grad_weight.reshape(out_channels, channels, -1)
        per_worker(out_channels, lambda first, last: dense_taps.fold(blocks, tap_of, taps, first, last))
    grad_bias = grad.sum(axis=(0, 2, 3)) if needs_bias else None
    return None if grad_x is None else grad_x.reshape(x.shape), grad_weight, grad_bias


def _backward_products(flat_grad, flat_x, dense, grad_dense, grad_x):
    """The backward's GEMMs as equal independent pieces, one or more per worker thread:
    grad_D = grad^T @ x by blocks of its rows (each over the whole batch, so no per-worker sums
    to add up), grad_x = grad @ D by blocks of images. With two threads and both gradients, one
    thread computes each. Returns the pieces as callables."""
    threads = get_num_threads()
    products = []
    if grad_dense is not None:
        rows = grad_dense.shape[0]
        for k in range(threads):
            r0, r1 = rows * k // threads, rows * (k + 1) // threads
            products.append(lambda r0=r0, r1=r1: np.matmul(flat_grad[:, r0:r1].T, flat_x, out=grad_dense[r0:r1]))
    if grad_x is not None:
        batch = grad_x.shape[0]
        for k in range(threads):
            b0, b1 = batch * k // threads, batch * (k + 1) // threads
            products.append(lambda b0=b0, b1=b1: np.matmul(flat_grad[b0:b1], dense, out=grad_x[b0:b1]))
    return products


def _per_share(batch):
    """Images per tile such that each worker thread runs one tile: the GEMMs are as tall as they get."""
    return max(1, -(-batch // get_num_threads()))
