"""Max pooling over planes, saving torch-style argmax indices for the backward scatter.

Layout: ``x`` is [P, H, W] (P = batch*channels planes, C-contiguous); outputs and indices are
[P, out_h, out_w]; an index is the flat position ``ih * W + iw`` inside its input plane, which
is exactly what torch returns with ``return_indices=True``.

Window rule, as torch's CPU kernel: scanning the window row by row, an element replaces the
running maximum when it is strictly greater or NaN, so ties go to the first maximum and a NaN
wins (the last NaN seen). A window that lies wholly in the padding yields ``empty_value`` and
the index of where it would have started; the backward ignores such out-of-plane indices.

The kernels are serial over the planes they are given: ``ops/pooling.py`` hands tiles of
planes to worker threads (``ops/tiles.py``). Planes are disjoint, so the backward's additions
never race, and within a plane they run in output order (bit-identical runs).
"""
import numpy as np

from ._jit import kernel

_U = np.uint64


@kernel
def max_pool2d_forward(x, out, indices, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                       dilation_h, dilation_w, empty_value):
    """General max pooling (any kernel, stride, padding, dilation); ``indices`` None: values only.

    Separable, so that every inner loop runs over contiguous memory (vectorized): first each
    input row is reduced across the window's columns, for every column a window may start at;
    then each output row reduces those rows down the window and keeps every stride-th column.
    Reducing row by row, then down the rows, visits the window in row-major order, so the tie
    and NaN rule and the indices are the scan's own. Runs are passed as flat arrays and unsigned
    offsets, not as views (a view per row costs reference counting): one thread, 3x3 stride 2,
    512 planes of 112x112 36.0 -> 32.4 ms with indices, 8.3 -> 8.0 without; 256 of 64x64 6.3 ->
    5.4 and 1.56 -> 1.37.
    """
    planes, height, width = x.shape
    out_h, out_w = out.shape[1], out.shape[2]
    span = (out_w - 1) * stride_w + 1
    first_column = np.empty(span, np.int64)
    for j in range(span):
        first_column[j] = _first_inside(j - pad_w, dilation_w)
    rows, best = np.empty(height * span, x.dtype), np.empty(span, x.dtype)
    row_indices = np.empty(height * span, np.int64)
    best_index = np.empty(span, np.int64)
    positions = np.arange(height * width)
    flat_x, flat_out = x.ravel(), out.ravel()
    for p in range(planes):
        plane = p * height * width
        for ih in range(height):
            row = _U(ih * span)
            _fill(rows, row, _U(span), empty_value)
            if indices is not None:
                for j in range(span):
                    row_indices[row + _U(j)] = ih * width + first_column[j]
            for kx in range(kernel_w):
                offset = kx * dilation_w - pad_w
                lo, hi = max(0, -offset), min(span, width - offset)
                if lo >= hi:
                    continue
                source = _U(ih * width + lo + offset)
                if indices is not None:
                    _take_indexed(flat_x, _U(plane) + source, positions, source, rows, row_indices, row + _U(lo),
                                  _U(hi - lo))
                else:
                    _take(flat_x, _U(plane) + source, rows, row + _U(lo), _U(hi - lo))
        for oh in range(out_h):
            ih_start = oh * stride_h - pad_h
            ih_first = _first_inside(ih_start, dilation_h)
            target = _U((p * out_h + oh) * out_w)
            if ih_first >= height:
                _fill(flat_out, target, _U(out_w), empty_value)
                if indices is not None:
                    for ow in range(out_w):
                        indices[p, oh, ow] = ih_first * width + first_column[ow * stride_w]
                continue
            best[:] = rows[ih_first * span:(ih_first + 1) * span]
            best_index[:] = row_indices[ih_first * span:(ih_first + 1) * span]
            for ih in range(ih_first + dilation_h, min(ih_start + (kernel_h - 1) * dilation_h + 1, height),
                            dilation_h):
                if indices is not None:
                    _take_indexed(rows, _U(ih * span), row_indices, _U(ih * span), best, best_index, _U(0),
                                  _U(span))
                else:
                    _take(rows, _U(ih * span), best, _U(0), _U(span))
            for ow in range(out_w):
                flat_out[target + _U(ow)] = best[ow * stride_w]
            if indices is not None:
                for ow in range(out_w):
                    indices[p, oh, ow] = best_index[ow * stride_w]


@kernel
def max_pool2d_direct(x, out, indices, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                      dilation_h, dilation_w, empty_value):
    """``max_pool2d_forward`` window by window, for narrow planes: there the separable passes
    run loops a few elements long, and visiting each window whole is faster. Same arguments,
    same scan order, so the same values, ties, NaNs and indices. The windows' bounds are the
    same in every plane: computed once; the scan steps through the window with while loops (a
    ``range`` with a step divides to count its steps, per window row: that cost more than the
    nine comparisons) and keeps its maximum with selects, not branches.""" 
    planes, height, width = x.shape
    out_h, out_w = out.shape[1], out.shape[2]
    row_first, row_stop = _window_bounds(out_h, height, kernel_h, stride_h, pad_h, dilation_h)
    column_first, column_stop = _window_bounds(out_w, width, kernel_w, stride_w, pad_w, dilation_w)
    for p in range(planes):
        for oh in range(out_h):
            ih_first, ih_stop = row_first[oh], row_stop[oh]
            for ow in range(out_w):
                iw_first, iw_stop = column_first[ow], column_stop[ow]
                best, best_index = empty_value, ih_first * width + iw_first
                ih = ih_first
                while ih < ih_stop:
                    iw = iw_first
                    while iw < iw_stop:
                        value = x[p, ih, iw]
                        take = (value > best) | (value != value)
                        best = value if take else best
                        best_index = ih * width + iw if take else best_index
                        iw += dilation_w
                    ih += dilation_h
                out[p, oh, ow] = best
                if indices is not None:
                    indices[p, oh, ow] = best_index


@kernel
def _window_bounds(count, size, kernel, stride, pad, dilation):
    """Per output position along one axis: the first input position inside the input and the
    stop of the window's range (as ``max_pool2d_direct`` scans it)."""
    first, stop = np.empty(count, np.int64), np.empty(count, np.int64)
    for o in range(count):
        first[o] = _first_inside(o * stride - pad, dilation)
        stop[o] = min(o * stride - pad + (kernel - 1) * dilation + 1, size)
    return first, stop


@kernel
def _first_inside(start, step):
    """The first of ``start, start + step, ...`` that is not negative."""
    return start if start >= 0 else start + (-start + step - 1) // step * step


@kernel
def _fill(values, start, count, value):
    """``values[start:start + count] = value``."""
    for j in range(count):
        values[start + j] = value


@kernel
def _take(values, v0, best, b0, count):
    """One scan step over a row: ``best[b0 + j] = values[v0 + j]`` where that is greater or NaN."""
    for j in range(count):
        value, current = values[v0 + j], best[b0 + j]
        best[b0 + j] = value if (value > current) | (value != value) else current


@kernel
def _take_indexed(values, v0, value_indices, i0, best, best_index, b0, count):
    """``_take`` that also moves ``value_indices[i0 + j]`` into ``best_index[b0 + j]``.

    Every load is unconditional, which lets LLVM vectorize the selects."""
    for j in range(count):
        value, current = values[v0 + j], best[b0 + j]
        candidate, kept = value_indices[i0 + j], best_index[b0 + j]
        take = (value > current) | (value != value)
        best[b0 + j] = value if take else current
        best_index[b0 + j] = candidate if take else kept


@kernel
def max_pool2d_backward(grad_out, indices, grad_x):
    """Overwrite ``grad_x`` [P, H*W] with ``grad_out`` [P, Q] scattered (added) at ``indices`` [P, Q].

    Overlapping windows add into the same element in output order, as torch does.
    """
    planes, plane_size = grad_x.shape
    for p in range(planes):
        for k in range(plane_size):
            grad_x[p, k] = 0
        for q in range(grad_out.shape[1]):
            index = indices[p, q]
            if index >= 0 and index < plane_size:
                grad_x[p, index] += grad_out[p, q]


@kernel
def max_pool2x2_forward(x, out, indices):
    """The common 2x2, stride 2, unpadded case, unrolled (same tie and NaN rule).

    Windows never overlap and always fit: ``out`` is [P, H//2, W//2].
    """
    planes, height, width = x.shape
    out_h, out_w = out.shape[1], out.shape[2]
    for p in range(planes):
        for oh in range(out_h):
            top, bottom = x[p, 2 * oh], x[p, 2 * oh + 1]
            out_row, index_row = out[p, oh], indices[p, oh]
            top_index = 2 * oh * width
            for ow in range(out_w):
                left = 2 * ow
                best = top[left]
                best_index = top_index + left
                value = top[left + 1]
                if value > best or value != value:
                    best = value
                    best_index = top_index + left + 1
                value = bottom[left]
                if value > best or value != value:
                    best = value
                    best_index = top_index + width + left
                value = bottom[left + 1]
                if value > best or value != value:
                    best = value
                    best_index = top_index + width + left + 1
                out_row[ow] = best
                index_row[ow] = best_index



@kernel
def max_pool2x2_values(x, out):
    """``max_pool2x2_forward`` without the argmax, for when no gradient will be asked for
    (inference): the same values, NaN included, and no int64 index array to write."""
    planes, height, width = x.shape
    out_h, out_w = out.shape[1], out.shape[2]
    for p in range(planes):
        for oh in range(out_h):
            top, bottom, out_row = x[p, 2 * oh], x[p, 2 * oh + 1], out[p, oh]
            for ow in range(out_w):
                best = top[2 * ow]
                for value in (top[2 * ow + 1], bottom[2 * ow], bottom[2 * ow + 1]):
                    if value > best or value != value:
                        best = value
                out_row[ow] = best
