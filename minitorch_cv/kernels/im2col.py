"""im2col / col2im for 2-D convolution in the channel-major ("K-major") column layout.

Layout: the image batch is NCHW ``x[n, c, h, w]``; the column matrix ``cols`` has one ROW per
kernel tap, ``row = (c * kernel_h + i) * kernel_w + j`` (torch's weight ``[out, in, kh, kw]``
flattened), and one COLUMN per output pixel, batch-major: ``col = n * OH*OW + oh * OW + ow``.
Then ``weight.reshape(out, -1) @ cols`` is the convolution as one GEMM (an [O, K] by [K, N*OH*OW]
product, the shape OpenBLAS ran fastest here once the columns are in cache), its result
[O, N*OH*OW] a block transpose away from NCHW. Every kernel here moves contiguous runs along the width
(vectorisable copies and adds), and groups are contiguous row blocks of ``cols``.

Padding is implicit (taps that fall outside the image read as zero); ``pad_top``/``pad_left``
place the first window, and the output size (``out_h``, ``out_w``) accounts for the
bottom/right padding, so asymmetric padding (torch's padding='same') needs no padded copy.

The kernels are serial: ``ops/conv.py`` hands each worker thread its own tiles of images
(see ``ops/tiles.py``), so one call covers one tile, in that worker's cache.

Inner loops run over 1-D views from index 0: numba then knows the index is non-negative, drops
its negative-index wraparound check and vectorises the loop (about 6x faster than indexing a
2-D array at ``start + k``). im2col's strided rows are the exception: a view per output row
costs reference counting, so they are gathered at unsigned flat offsets (``_gather``), which
took 20-30% off im2col for ResNets' strided layers (7x7 stem at 32x32, 3x3 stride 2 at 16-128
channels), one thread.
"""
import numpy as np

from ._jit import kernel

_U = np.uint64


@kernel
def _valid_span(out_w, width, stride_w, offset):
    """The output columns ``[first, end)`` whose input column ``ow * stride_w + offset`` lies in the image."""
    first = 0 if offset >= 0 else (-offset + stride_w - 1) // stride_w
    end = 0 if width - offset <= 0 else (width - offset + stride_w - 1) // stride_w
    return min(first, out_w), max(min(end, out_w), min(first, out_w))


@kernel
def _rows_are_contiguous(stride_h, stride_w, width, out_w):
    """Stride 1 with output rows as wide as input rows: a tap's whole image is one shifted run."""
    return stride_h == 1 and stride_w == 1 and out_w == width


@kernel
def _copy(dst, src):
    for k in range(dst.shape[0]):
        dst[k] = src[k]


@kernel
def _gather(dst, start, src, source, step, count):
    """``dst[start + k] = src[source + k * step]`` for k < count."""
    for k in range(count):
        dst[start + k] = src[source + k * step]


@kernel
def _add(dst, src):
    for k in range(dst.shape[0]):
        dst[k] += src[k]


@kernel
def _spans(kernel, dilation, pad, stride, size, out_size):
    """Per kernel offset ``t``: the valid output range ``[first, end)`` and its input offset ``t*d - pad``."""
    spans = np.empty((kernel, 3), np.int64)
    for t in range(kernel):
        offset = t * dilation - pad
        first, end = _valid_span(out_size, size, stride, offset)
        spans[t, 0], spans[t, 1], spans[t, 2] = first, end, offset
    return spans


@kernel
def _layout(height, width, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
            dilation_h, dilation_w, out_h, out_w):
    """What im2col and col2im share: pixels per image, whether a tap's image is one shifted run,
    and the valid spans of each kernel row and column (computed once per call)."""
    return (out_h * out_w, _rows_are_contiguous(stride_h, stride_w, width, out_w),
            _spans(kernel_h, dilation_h, pad_top, stride_h, height, out_h),
            _spans(kernel_w, dilation_w, pad_left, stride_w, width, out_w))


@kernel
def im2col(x, cols, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
           dilation_h, dilation_w, out_h, out_w):
    """Fill ``cols[C*kernel_h*kernel_w, N*out_h*out_w]`` from ``x[N, C, H, W]`` (see module doc).

    The valid spans of each kernel row and column are computed once per call: integer
    divisions per tap would cost more than the copying for small images.
    """
    batch, channels, height, width = x.shape
    pixels, contiguous, rows_h, cols_w = _layout(height, width, kernel_h, kernel_w, stride_h, stride_w,
                                                 pad_top, pad_left, dilation_h, dilation_w, out_h, out_w)
    flat_x, flat_cols = x.ravel(), cols.ravel()
    columns = cols.shape[1]
    for c in range(channels):
        for n in range(batch):
            plane = x[n, c].reshape(-1)
            plane_start = (n * channels + c) * height * width
            for i in range(kernel_h):
                oh_first, oh_end = rows_h[i, 0], rows_h[i, 1]
                ih_first = oh_first * stride_h + rows_h[i, 2]
                for j in range(kernel_w):
                    first, end, offset = cols_w[j, 0], cols_w[j, 1], cols_w[j, 2]
                    image = cols[(c * kernel_h + i) * kernel_w + j, n * pixels:(n + 1) * pixels]
                    for k in range(oh_first * out_w):
                        image[k] = 0
                    for k in range(oh_end * out_w, pixels):
                        image[k] = 0
                    if contiguous and oh_first < oh_end and first < end:
                        # One long copy across the valid output rows, then zero the wrapped border columns.
                        lo, hi = oh_first * out_w + first, (oh_end - 1) * out_w + end
                        source = ih_first * width + offset - oh_first * out_w
                        _copy(image[lo:hi], plane[source + lo:source + hi])
                        for oh in range(oh_first, oh_end):
                            for ow in range(first):
                                image[oh * out_w + ow] = 0
                            for ow in range(end, out_w):
                                image[oh * out_w + ow] = 0
                        continue
                    image_start = ((c * kernel_h + i) * kernel_w + j) * columns + n * pixels
                    for oh in range(oh_first, oh_end):
                        row_start = oh * out_w
                        source = (ih_first + (oh - oh_first) * stride_h) * width + first * stride_w + offset
                        for ow in range(first):
                            image[row_start + ow] = 0
                        _gather(flat_cols, _U(image_start + row_start + first), flat_x, _U(plane_start + source),
                                _U(stride_w), _U(end - first))
                        for ow in range(end, out_w):
                            image[row_start + ow] = 0


@kernel
def col2im(cols, grad_x, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
           dilation_h, dilation_w, out_h, out_w):
    """Overwrite ``grad_x[N, C, H, W]`` with the sum of every tap's column gradient (adjoint of im2col).

    ``cols`` is used as scratch: where taps fall into the padding its entries may be zeroed.
    Each plane's additions run in a fixed order (tap by tap), so results are bit-identical
    whichever worker runs the tile.
    """
    batch, channels, height, width = grad_x.shape
    pixels, contiguous, rows_h, cols_w = _layout(height, width, kernel_h, kernel_w, stride_h, stride_w,
                                                 pad_top, pad_left, dilation_h, dilation_w, out_h, out_w)
    for n in range(batch):
        for c in range(channels):
            plane = grad_x[n, c].reshape(-1)
            for k in range(height * width):
                plane[k] = 0
            for i in range(kernel_h):
                oh_first, oh_end = rows_h[i, 0], rows_h[i, 1]
                ih_first = oh_first * stride_h + rows_h[i, 2]
                for j in range(kernel_w):
                    first, end, offset = cols_w[j, 0], cols_w[j, 1], cols_w[j, 2]
                    if first == end:
                        continue
                    image = cols[(c * kernel_h + i) * kernel_w + j, n * pixels:(n + 1) * pixels]
                    if contiguous and oh_first < oh_end:
                        # Zero the wrapped border columns (this plane owns them), then one long add.
                        for oh in range(oh_first, oh_end):
                            for ow in range(first):
                                image[oh * out_w + ow] = 0
                            for ow in range(end, out_w):
                                image[oh * out_w + ow] = 0
                        lo, hi = oh_first * out_w + first, (oh_end - 1) * out_w + end
                        target = ih_first * width + offset - oh_first * out_w
                        _add(plane[target + lo:target + hi], image[lo:hi])
                        continue
                    for oh in range(oh_first, oh_end):
                        row_start = oh * out_w
                        target = (ih_first + (oh - oh_first) * stride_h) * width + first * stride_w + offset
                        _add(plane[target:target + (end - first - 1) * stride_w + 1:stride_w],
                             image[row_start + first:row_start + end])


@kernel
def gemm_to_nchw(result, bias, out):
    """``out[n, o, p] = result[o, n*P + p] (+ bias[o])``: the GEMM result [O, N*P] into NCHW [N, O, P].

    ``bias`` is [O], or empty for no bias. Contiguous runs of P on both sides.
    """
    batch, channels, pixels = out.shape
    has_bias = bias.shape[0] > 0
    for task in range(batch * channels):
        n = task // channels
        o = task - n * channels
        dst = out[n, o]
        src = result[o, n * pixels:(n + 1) * pixels]
        if has_bias:
            shift = bias[o]
            for p in range(pixels):
                dst[p] = src[p] + shift
        else:
            _copy(dst, src)


@kernel
def gemm_t_to_nchw(result, bias, out):
    """``out[n, g*Og + o, p] = result[g, n*P + p, o] (+ bias[g*Og + o])``: the transposed GEMM
    result [G, N*P, Og] (one block per group) into NCHW [N, G*Og, P].

    ``bias`` is [G*Og], or empty for no bias. Writes run contiguously along P; reads are
    strided by Og within one image's block, which stays in cache.
    """
    batch, channels, pixels = out.shape
    groups, per_group = result.shape[0], result.shape[2]
    has_bias = bias.shape[0] > 0
    for n in range(batch):
        for g in range(groups):
            block = result[g, n * pixels:(n + 1) * pixels]
            for o in range(per_group):
                channel = g * per_group + o
                dst = out[n, channel]
                if has_bias:
                    shift = bias[channel]
                    for p in range(pixels):
                        dst[p] = block[p, o] + shift
                else:
                    for p in range(pixels):
                        dst[p] = block[p, o]


@kernel
def nchw_to_gemm(grad, result):
    """``result[o, n*P + p] = grad[n, o, p]``: an NCHW gradient [N, O, P] into the GEMM layout [O, N*P]."""
    batch, channels, pixels = grad.shape
    for task in range(batch * channels):
        n = task // channels
        o = task - n * channels
        _copy(result[o, n * pixels:(n + 1) * pixels], grad[n, o])
