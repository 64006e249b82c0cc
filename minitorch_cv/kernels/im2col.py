"""im2col / col2im for 2-D convolution in the channel-major ("K-major") column layout.

Layout: the image batch is NCHW ``x[n, c, h, w]``; the column matrix ``cols`` has one ROW per
kernel tap, ``row = (c * kernel_h + i) * kernel_w + j`` (torch's weight ``[out, in, kh, kw]``
flattened), and one COLUMN per output pixel, batch-major: ``col = n * OH*OW + oh * OW + ow``.
Then ``weight.reshape(out, -1) @ cols`` is the convolution as one GEMM, its result [O, N*OH*OW]
a block transpose away from NCHW. Every kernel here moves contiguous runs along the width
(vectorisable copies and adds), and groups are contiguous row blocks of ``cols``.

Padding is implicit (taps that fall outside the image read as zero); ``pad_top``/``pad_left``
place the first window, and the output size (``out_h``, ``out_w``) accounts for the
bottom/right padding, so asymmetric padding (torch's padding='same') needs no padded copy.

The kernels are serial: ``ops/conv.py`` hands each worker thread its own tiles of images
(see ``ops/tiles.py``), so one call covers one tile, in that worker's cache.

Inner loops run over 1-D views from index 0: numba then knows the index is non-negative, drops
its negative-index wraparound check and vectorises the loop (about 6x faster than indexing a
2-D array at ``start + k``).
"""
from ._jit import kernel


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
def _fill_zero(values, start, stop):
    view = values[start:stop]
    for k in range(view.shape[0]):
        view[k] = 0


@kernel
def _copy(dst, src):
    for k in range(dst.shape[0]):
        dst[k] = src[k]


@kernel
def _add(dst, src):
    for k in range(dst.shape[0]):
        dst[k] += src[k]


@kernel
def im2col(x, cols, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
           dilation_h, dilation_w, out_h, out_w):
    """Fill ``cols[C*kernel_h*kernel_w, N*out_h*out_w]`` from ``x[N, C, H, W]`` (see module doc).

    """
    batch, channels, height, width = x.shape
    pixels = out_h * out_w
    contiguous = _rows_are_contiguous(stride_h, stride_w, width, out_w)
    for row in range(channels * kernel_h * kernel_w):
        c = row // (kernel_h * kernel_w)
        i = (row // kernel_w) % kernel_h
        j = row % kernel_w
        offset = j * dilation_w - pad_left
        first, end = _valid_span(out_w, width, stride_w, offset)
        oh_first, oh_end = _valid_span(out_h, height, stride_h, i * dilation_h - pad_top)
        ih_first = oh_first * stride_h - pad_top + i * dilation_h
        dst = cols[row]
        for n in range(batch):
            start = n * pixels
            plane = x[n, c].reshape(-1)
            _fill_zero(dst, start, start + oh_first * out_w)
            _fill_zero(dst, start + oh_end * out_w, start + pixels)
            if contiguous and oh_first < oh_end:
                # One long copy across the valid output rows, then zero the wrapped border columns.
                lo, hi = oh_first * out_w + first, (oh_end - 1) * out_w + end
                source = ih_first * width + offset - oh_first * out_w
                _copy(dst[start + lo:start + hi], plane[source + lo:source + hi])
                for oh in range(oh_first, oh_end):
                    _fill_zero(dst, start + oh * out_w, start + oh * out_w + first)
                    _fill_zero(dst, start + oh * out_w + end, start + (oh + 1) * out_w)
                continue
            for oh in range(oh_first, oh_end):
                row_start = start + oh * out_w
                source = (ih_first + (oh - oh_first) * stride_h) * width + first * stride_w + offset
                _fill_zero(dst, row_start, row_start + first)
                _copy(dst[row_start + first:row_start + end],
                      plane[source:source + (end - first - 1) * stride_w + 1:stride_w])
                _fill_zero(dst, row_start + end, row_start + out_w)


@kernel
def col2im(cols, grad_x, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
           dilation_h, dilation_w, out_h, out_w):
    """Overwrite ``grad_x[N, C, H, W]`` with the sum of every tap's column gradient (adjoint of im2col).

    ``cols`` is used as scratch: where taps fall into the padding its entries may be zeroed.
    Each plane's additions run in a fixed order (tap by tap), so results are bit-identical
    whichever worker runs the tile.
    """
    batch, channels, height, width = grad_x.shape
    pixels = out_h * out_w
    contiguous = _rows_are_contiguous(stride_h, stride_w, width, out_w)
    for task in range(batch * channels):
        n = task // channels
        c = task - n * channels
        plane = grad_x[n, c].reshape(-1)
        _fill_zero(plane, 0, height * width)
        start = n * pixels
        for i in range(kernel_h):
            oh_first, oh_end = _valid_span(out_h, height, stride_h, i * dilation_h - pad_top)
            ih_first = oh_first * stride_h - pad_top + i * dilation_h
            for j in range(kernel_w):
                src = cols[(c * kernel_h + i) * kernel_w + j]
                offset = j * dilation_w - pad_left
                first, end = _valid_span(out_w, width, stride_w, offset)
                if first == end:
                    continue
                if contiguous and oh_first < oh_end:
                    # Zero the wrapped border columns (this plane owns them), then one long add.
                    for oh in range(oh_first, oh_end):
                        _fill_zero(src, start + oh * out_w, start + oh * out_w + first)
                        _fill_zero(src, start + oh * out_w + end, start + (oh + 1) * out_w)
                    lo, hi = oh_first * out_w + first, (oh_end - 1) * out_w + end
                    target = ih_first * width + offset - oh_first * out_w
                    _add(plane[target + lo:target + hi], src[start + lo:start + hi])
                    continue
                for oh in range(oh_first, oh_end):
                    row_start = start + oh * out_w
                    target = (ih_first + (oh - oh_first) * stride_h) * width + first * stride_w + offset
                    _add(plane[target:target + (end - first - 1) * stride_w + 1:stride_w],
                         src[row_start + first:row_start + end])


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
def nchw_to_gemm(grad, result):
    """``result[o, n*P + p] = grad[n, o, p]``: an NCHW gradient [N, O, P] into the GEMM layout [O, N*P]."""
    batch, channels, pixels = grad.shape
    for task in range(batch * channels):
        n = task // channels
        o = task - n * channels
        _copy(result[o, n * pixels:(n + 1) * pixels], grad[n, o])
