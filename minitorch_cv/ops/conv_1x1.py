"""Conv2d forward and backward for 1x1 kernels without padding: one GEMM per image on the NCHW data.

A 1x1 convolution is ``out[i] = W [O, C] @ x[i] [C, H*W]`` per image: im2col would only copy x
into the layout it already has. Strided ones read the strided view ``x[:, :, ::sh, ::sw]``
(copied once, a quarter of x at stride 2). Per tile of images (``ops/tiles.py``):
    forward   out[i] = W @ x[i]  (+ bias)                  straight into NCHW
    backward  grad_W += grad[i] @ x[i]^T                   grad_x[i] = W^T @ grad[i]
              (stride > 1: grad_x is zero except at the strided positions)
              (images of at most STACKED_MAX_PIXELS pixels: one grad_W product per tile, on the
              tile's images side by side, [O, n*P] @ [C, n*P]^T)
Measured forward at one thread, batch 8, ResNet-50's shapes, against im2col (ms): 512->2048 at
7x7 36.7 -> 25.0, 2048->512 at 7x7 35.5 -> 24.1, 256->1024 at 14x14 35.2 -> 23.2, 1024->256
at 14x14 28.4 -> 23.1, 256->64 at 56x56 26.3 -> 20.0, stride 2: 1024->2048 at 14x14 74.5 ->
51.1, 256->512 at 56x56 52.8 -> 39.6.
"""
import numpy as np

from .tiles import items_per_tile, run_tiles, sum_over_tiles

STACKED_MAX_PIXELS = 64
"""Up to this many pixels per image, the weight gradient multiplies a whole tile at once: per
image, a product with K = pixels is mostly the += of an [O, C] matrix. Measured on the products
alone (NumPy, OpenBLAS's 2 threads), 256->512 at 1x1 (64 images): 10.5 -> 0.3 ms; 512->2048 at 7x7 (4 images): 6.8 -> 2.7 ms; at 14x14
and up the copies cost about what they save."""


def applies(weight_shape, padding, dilation, groups):
    """Whether a layer runs here: a 1x1 kernel, no padding, one group (dilation is irrelevant)."""
    return weight_shape[2:] == (1, 1) and tuple(padding) == (0, 0, 0, 0) and groups == 1


def _strided(x, stride):
    """The pixels a 1x1 kernel reads, as [N, C, OH*OW], contiguous."""
    if stride != (1, 1):
        x = x[:, :, ::stride[0], ::stride[1]]
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1), x.shape[2:]


def forward(x, weight, bias, stride, epilogue=None):
    """The convolution [N, O, OH, OW] (``epilogue``: see ``ops/conv.py``)."""
    columns, (out_h, out_w) = _strided(x, stride)
    batch, channels, pixels = columns.shape
    weight_rows = weight.reshape(weight.shape[0], channels)
    out = np.empty((batch, weight.shape[0], pixels), x.dtype)

    def forward_tiles(tiles):
        for start, stop in tiles:
            np.matmul(weight_rows, columns[start:stop], out=out[start:stop])
            if bias is not None:
                out[start:stop] += bias[:, None]
            if epilogue is not None:
                epilogue(out, start, stop)

    run_tiles(forward_tiles, batch, items_per_tile(batch, (channels + weight.shape[0]) * pixels * x.itemsize))
    return out.reshape(batch, weight.shape[0], out_h, out_w)


def _add_weight_grad(grad, columns, product, grad_weight):
    """grad_weight [O, C] += the sum over images of grad[i] [O, P] @ columns[i].T [P, C]."""
    if grad.shape[2] <= STACKED_MAX_PIXELS:
        side_by_side_grad = grad.transpose(1, 0, 2).reshape(grad.shape[1], -1)
        side_by_side_x = columns.transpose(1, 0, 2).reshape(columns.shape[1], -1)
        np.matmul(side_by_side_grad, side_by_side_x.T, out=product)
        grad_weight += product
        return
    for grad_i, columns_i in zip(grad, columns):
        np.matmul(grad_i, columns_i.T, out=product)
        grad_weight += product


def backward(x, weight, stride, grad, needs_x, needs_weight, needs_bias):
    """(grad_x, grad_weight, grad_bias), each None where not needed."""
    columns, (out_h, out_w) = _strided(x, stride) if needs_weight else (None, grad.shape[2:])
    batch, out_channels = grad.shape[:2]
    channels = weight.shape[1]
    grad = np.ascontiguousarray(grad).reshape(batch, out_channels, -1)
    weight_rows = weight.reshape(out_channels, channels)
    grad_columns = np.empty((batch, channels, out_h * out_w), grad.dtype) if needs_x else None

    def worker():
        product = np.empty((out_channels, channels), grad.dtype) if needs_weight else None

        def backward_tiles(tiles):
            grad_weight = np.zeros_like(product) if needs_weight else None
            for start, stop in tiles:
                if needs_weight:
                    _add_weight_grad(grad[start:stop], columns[start:stop], product, grad_weight)
                if needs_x:
                    np.matmul(weight_rows.T, grad[start:stop], out=grad_columns[start:stop])
            return (grad_weight,)

        return backward_tiles

    per_tile = items_per_tile(batch, (channels + out_channels) * out_h * out_w * grad.itemsize)
    grad_weight, = (sum_over_tiles(worker, batch, per_tile, weight.nbytes) if needs_x or needs_weight
                    else (None,))
    grad_x = None
    if needs_x:
        grad_columns = grad_columns.reshape(batch, channels, out_h, out_w)
        if stride == (1, 1):
            grad_x = grad_columns
        else:
            grad_x = np.zeros(x.shape, grad.dtype)
            grad_x[:, :, ::stride[0], ::stride[1]] = grad_columns
    grad_weight = None if grad_weight is None else grad_weight.reshape(weight.shape)
    grad_bias = grad.sum(axis=(0, 2)) if needs_bias else None
    return grad_x, grad_weight, grad_bias
