"""Stride-2 convolutions through phase planes (``ops/conv_stride2.py``).

A stride-2 layer reads input row ``2*oh + i - pad_top`` for output row ``oh`` and kernel row
``i``: with ``i = 2*di + py`` that is row ``oh + di`` of the image's rows of parity
``py - pad_top``. So each image plane is split once into its four phases,
``pp[n, c, py, px, a, b] = x[n, c, 2a + py - pad_top, 2b + px - pad_left]`` (zero outside the
image), and every kernel tap (i, j) then reads one phase plane at a shift (di, dj): with the
output grid widened to the phase planes' width ``OW1 = out_w + (kernel_w - 1) // 2``, a tap's
whole image is one contiguous run of ``out_h * OW1`` floats. im2col becomes one pass over the
input plus long copies, where the direct im2col gathers every stride-2 output row on its own
(measured per tile at one thread: 3x3, 16 channels at 32x32, 2 images 0.067 ms against 0.014;
32 channels at 16x16, 4 images 0.113 against 0.022). The widened columns ``ow >= out_w`` are
junk: the forward drops them, the backward gives them a zero gradient.

Layouts (``L = out_h * OW1`` per image):
    pp        [N, C, 2, 2, PH, OW1]       PH = out_h + (kernel_h - 1) // 2 + 1 (one spare row
                                          for the last tap's run into the junk columns)
    columns   [C * kh * kw, N * L]        rows as ``kernels/im2col.py`` (c, i, j)
    result    [O, N * L]
"""
import numpy as np

from ._jit import kernel

_U = np.uint64


@kernel
def to_phases(x, pp, pad_top, pad_left):
    """``pp[n, c, py, px, a, b] = x[n, c, 2a + py - pad_top, 2b + px - pad_left]``, zero outside ``x``
    (pixels past the planes' last row or column, which no tap reads, are left out). Input row by
    input row: its even and odd pixels go to two phase rows."""
    batch, channels, height, width = x.shape
    rows, cols = pp.shape[4], pp.shape[5]
    flat_x, flat_pp = x.ravel(), pp.ravel()
    flat_pp[:] = 0
    evens, odds = _pixels_kept(width, cols, pad_left)
    pairs = min(evens, odds)
    for n in range(batch):
        for c in range(channels):
            for h in range(height):
                if (h + pad_top) // 2 >= rows:
                    continue
                source = _U(((n * channels + c) * height + h) * width)
                even, odd = _phase_rows(n, c, h, channels, rows, cols, pad_top, pad_left)
                for j in range(pairs):
                    flat_pp[even + _U(j)] = flat_x[source + _U(2 * j)]
                    flat_pp[odd + _U(j)] = flat_x[source + _U(2 * j + 1)]
                for j in range(pairs, evens):
                    flat_pp[even + _U(j)] = flat_x[source + _U(2 * j)]
                for j in range(pairs, odds):
                    flat_pp[odd + _U(j)] = flat_x[source + _U(2 * j + 1)]


@kernel
def from_phases(gpp, grad_x, pad_top, pad_left):
    """``grad_x[n, c, h, w] = gpp[n, c, py, px, a, b]`` where ``2a + py - pad_top = h`` and
    ``2b + px - pad_left = w`` (the adjoint of ``to_phases``: each input pixel has one place; 0
    for the pixels it leaves out)."""
    batch, channels, height, width = grad_x.shape
    rows, cols = gpp.shape[4], gpp.shape[5]
    flat_g, flat_pp = grad_x.ravel(), gpp.ravel()
    evens, odds = _pixels_kept(width, cols, pad_left)
    pairs = min(evens, odds)
    for n in range(batch):
        for c in range(channels):
            for h in range(height):
                target = _U(((n * channels + c) * height + h) * width)
                if (h + pad_top) // 2 >= rows:
                    for w in range(width):
                        flat_g[target + _U(w)] = 0
                    continue
                even, odd = _phase_rows(n, c, h, channels, rows, cols, pad_top, pad_left)
                for j in range(pairs):
                    flat_g[target + _U(2 * j)] = flat_pp[even + _U(j)]
                    flat_g[target + _U(2 * j + 1)] = flat_pp[odd + _U(j)]
                for j in range(pairs, evens):
                    flat_g[target + _U(2 * j)] = flat_pp[even + _U(j)]
                for j in range(pairs, odds):
                    flat_g[target + _U(2 * j + 1)] = flat_pp[odd + _U(j)]
                for j in range(evens, (width + 1) // 2):
                    flat_g[target + _U(2 * j)] = 0
                for j in range(odds, width // 2):
                    flat_g[target + _U(2 * j + 1)] = 0


@kernel
def _pixels_kept(width, cols, pad_left):
    """How many of a row's even pixels (w = 2j) and odd ones (w = 2j + 1) land inside the phase
    planes' ``cols`` columns: the first j of each."""
    evens = max(0, min((width + 1) // 2, cols - pad_left // 2))
    odds = max(0, min(width // 2, cols - (pad_left + 1) // 2))
    return evens, odds


@kernel
def _phase_rows(n, c, h, channels, rows, cols, pad_top, pad_left):
    """Flat offsets in ``pp`` of where input row h's pixels ``w = 2j`` and ``w = 2j + 1`` go, for j = 0:
    phase row ``(h + pad_top) // 2`` of parity ``(h + pad_top) % 2``, column parities and offsets
    from ``w + pad_left``."""
    a, py = (h + pad_top) // 2, (h + pad_top) % 2
    plane = (((n * channels + c) * 2 + py) * 2) * rows + a
    even = (plane + (pad_left % 2) * rows) * cols + pad_left // 2
    odd = (plane + ((pad_left + 1) % 2) * rows) * cols + (pad_left + 1) // 2
    return _U(even), _U(odd)


@kernel
def _tap_runs(pp, cols, kernel_h, kernel_w, out_h):
    """Per tap and image, in (n, c, i, j) order, where its run starts in the flat phase planes
    (``pp[n, c, i % 2, j % 2]`` from ``(i // 2) * OW1 + j // 2``) and in the flat columns
    (row ``(c*kh + i)*kw + j``, column ``n*L``); and the run's length L."""
    batch, channels = pp.shape[0], pp.shape[1]
    rows, width = pp.shape[4], pp.shape[5]
    run = out_h * width
    starts = np.empty((batch * channels * kernel_h * kernel_w, 2), np.uint64)
    t = 0
    for n in range(batch):
        for c in range(channels):
            for i in range(kernel_h):
                for j in range(kernel_w):
                    starts[t, 0] = ((((n * channels + c) * 2 + i % 2) * 2 + j % 2) * rows * width
                                    + (i // 2) * width + j // 2)
                    starts[t, 1] = ((c * kernel_h + i) * kernel_w + j) * cols.shape[1] + n * run
                    t += 1
    return starts, _U(run)


@kernel
def phase_columns(pp, cols, kernel_h, kernel_w, out_h):
    """``cols[(c*kh + i)*kw + j, n*L + k] = pp[n, c, i % 2, j % 2]`` read flat from
    ``(i // 2) * OW1 + j // 2`` on, for ``k < L``: one contiguous run per tap and image."""
    starts, run = _tap_runs(pp, cols, kernel_h, kernel_w, out_h)
    flat_pp, flat_cols = pp.ravel(), cols.ravel()
    for t in range(starts.shape[0]):
        source, target = starts[t, 0], starts[t, 1]
        for k in range(run):
            flat_cols[target + k] = flat_pp[source + k]


@kernel
def add_phase_columns(cols, gpp, kernel_h, kernel_w, out_h):
    """The adjoint of ``phase_columns``: ``gpp`` (zeroed here) = the sum of each tap's run of
    ``cols`` at its place, tap by tap in a fixed order."""
    starts, run = _tap_runs(gpp, cols, kernel_h, kernel_w, out_h)
    flat_pp, flat_cols = gpp.ravel(), cols.ravel()
    flat_pp[:] = 0
    for t in range(starts.shape[0]):
        target, source = starts[t, 0], starts[t, 1]
        for k in range(run):
            flat_pp[target + k] += flat_cols[source + k]


@kernel
def widened_to_nchw(result, bias, out, width):
    """``out[n, o, oh, ow] = result[o, n*L + oh*width + ow] + bias[o]``: the junk columns
    ``ow >= out_w`` dropped. Running unsigned offsets: with signed index arithmetic these short
    rows ran 8x slower."""
    batch, outputs, out_h, out_w = out.shape
    flat_out, flat_result = out.ravel(), result.ravel()
    W, skip = _U(out_w), _U(width - out_w)
    for n in range(batch):
        for o in range(outputs):
            shift = bias[o]
            source = _U(o * result.shape[1] + n * out_h * width)
            target = _U(((n * outputs + o) * out_h) * out_w)
            for oh in range(out_h):
                for ow in range(W):
                    flat_out[target + ow] = flat_result[source + ow] + shift
                source += W + skip
                target += W


@kernel
def nchw_to_widened(grad, result, width):
    """``result[o, n*L + oh*width + ow] = grad[n, o, oh, ow]``, the junk columns zero."""
    batch, outputs, out_h, out_w = grad.shape
    flat_grad, flat_result = grad.ravel(), result.ravel()
    W, skip = _U(out_w), _U(width - out_w)
    for n in range(batch):
        for o in range(outputs):
            target = _U(o * result.shape[1] + n * out_h * width)
            source = _U(((n * outputs + o) * out_h) * out_w)
            for oh in range(out_h):
                for ow in range(W):
                    flat_result[target + ow] = flat_grad[source + ow]
                for ow in range(skip):
                    flat_result[target + W + ow] = 0
                target += W + skip
                source += W
