"""im2col / col2im for 2-D convolution in the pixel-major ("rows") layout.

Layout: the image batch is NCHW ``x[n, c, h, w]``; the column matrix ``cols`` has one ROW per
output pixel, in batch-major order ``row = (n * out_h + oh) * out_w + ow``, and one COLUMN per
kernel tap, ``col = (c * kernel_h + i) * kernel_w + j`` (the order of torch's weight
``[out, in, kh, kw]`` flattened). Then ``cols @ weight.reshape(out, -1).T`` is the convolution
with its output in NHWC row order, a GEMM shape OpenBLAS runs faster than the transposed one.
Groups need nothing special: group g's taps are the column block ``[g*K_g, (g+1)*K_g)``.

Padding is implicit (taps that fall outside the image read as zero); ``pad_top``/``pad_left``
place the first window, and the output size (from ``cols``' shape) accounts for the
bottom/right padding, so asymmetric padding (torch's padding='same') needs no padded copy.
"""
from numba import prange

from ._jit import parallel_kernel


@parallel_kernel
def im2col(x, cols, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
           dilation_h, dilation_w, out_h, out_w):
    """Fill ``cols[N*out_h*out_w, C*kernel_h*kernel_w]`` from ``x[N, C, H, W]`` (see module doc).

    Parallel over (image, output row); each writes its own rows of ``cols``, in order.
    """
    batch, channels, height, width = x.shape
    for task in prange(batch * out_h):
        n = task // out_h
        oh = task - n * out_h
        ih_first = oh * stride_h - pad_top
        for ow in range(out_w):
            row = task * out_w + ow
            iw_first = ow * stride_w - pad_left
            inside = iw_first >= 0 and iw_first + (kernel_w - 1) * dilation_w < width
            col = 0
            for c in range(channels):
                for i in range(kernel_h):
                    ih = ih_first + i * dilation_h
                    if ih < 0 or ih >= height:
                        for j in range(kernel_w):
                            cols[row, col + j] = 0
                    elif inside:
                        for j in range(kernel_w):
                            cols[row, col + j] = x[n, c, ih, iw_first + j * dilation_w]
                    else:
                        for j in range(kernel_w):
                            iw = iw_first + j * dilation_w
                            if iw >= 0 and iw < width:
                                cols[row, col + j] = x[n, c, ih, iw]
                            else:
                                cols[row, col + j] = 0
                    col += kernel_w


@parallel_kernel
def col2im(cols, grad_x, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
           dilation_h, dilation_w, out_h, out_w):
    """Overwrite ``grad_x[N, C, H, W]`` with the sum of every tap's column gradient (adjoint of im2col).

    Parallel over (image, channel) planes, which are disjoint, so no two threads ever add into
    the same element; within a plane the additions run in a fixed order (bit-identical runs).
    """
    batch, channels, height, width = grad_x.shape
    for plane in prange(batch * channels):
        n = plane // channels
        c = plane - n * channels
        for ih in range(height):
            for iw in range(width):
                grad_x[n, c, ih, iw] = 0
        col_first = c * kernel_h * kernel_w
        for oh in range(out_h):
            ih_first = oh * stride_h - pad_top
            for ow in range(out_w):
                row = (n * out_h + oh) * out_w + ow
                iw_first = ow * stride_w - pad_left
                col = col_first
                for i in range(kernel_h):
                    ih = ih_first + i * dilation_h
                    if ih >= 0 and ih < height:
                        for j in range(kernel_w):
                            iw = iw_first + j * dilation_w
                            if iw >= 0 and iw < width:
                                grad_x[n, c, ih, iw] += cols[row, col + j]
                    col += kernel_w


_PIXEL_BLOCK = 16


@parallel_kernel
def rows_to_nchw(rows, bias, out):
    """``out[n, o, p] = rows[n*P + p, o] (+ bias[o])``: GEMM rows (NHWC order) into NCHW.

    ``rows`` is [N*P, O] (P = out_h*out_w), ``out`` is [N, O, P]; ``bias`` is [O], or empty
    for no bias. Works in blocks of 16 pixels so that the strided side of the transpose stays
    in L1 (writing whole channel rows at a 4 KB stride would alias in the cache); parallel over
    (image, pixel block).
    """
    batch, channels, pixels = out.shape
    blocks = (pixels + _PIXEL_BLOCK - 1) // _PIXEL_BLOCK
    has_bias = bias.shape[0] > 0
    for task in prange(batch * blocks):
        n = task // blocks
        first = (task - n * blocks) * _PIXEL_BLOCK
        last = min(first + _PIXEL_BLOCK, pixels)
        for o in range(channels):
            if has_bias:
                for p in range(first, last):
                    out[n, o, p] = rows[n * pixels + p, o] + bias[o]
            else:
                for p in range(first, last):
                    out[n, o, p] = rows[n * pixels + p, o]


@parallel_kernel
def nchw_to_rows(grad, rows):
    """``rows[n*P + p, o] = grad[n, o, p]``: an NCHW gradient [N, O, P] into GEMM rows [N*P, O].

    Blocked and parallel like ``rows_to_nchw``.
    """
    batch, channels, pixels = grad.shape
    blocks = (pixels + _PIXEL_BLOCK - 1) // _PIXEL_BLOCK
    for task in prange(batch * blocks):
        n = task // blocks
        first = (task - n * blocks) * _PIXEL_BLOCK
        last = min(first + _PIXEL_BLOCK, pixels)
        for o in range(channels):
            for p in range(first, last):
                rows[n * pixels + p, o] = grad[n, o, p]
