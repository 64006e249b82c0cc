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
from ._jit import kernel


@kernel
def max_pool2d_forward(x, out, indices, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                       dilation_h, dilation_w, empty_value):
    """General max pooling (any kernel, stride, padding, dilation)."""
    planes, height, width = x.shape
    out_h, out_w = out.shape[1], out.shape[2]
    for p in range(planes):
        for oh in range(out_h):
            ih_first = oh * stride_h - pad_h
            ih_end = min(ih_first + (kernel_h - 1) * dilation_h + 1, height)
            while ih_first < 0:
                ih_first += dilation_h
            for ow in range(out_w):
                iw_first = ow * stride_w - pad_w
                iw_end = min(iw_first + (kernel_w - 1) * dilation_w + 1, width)
                while iw_first < 0:
                    iw_first += dilation_w
                best_index = ih_first * width + iw_first
                if ih_first >= ih_end or iw_first >= iw_end:
                    out[p, oh, ow] = empty_value
                    indices[p, oh, ow] = best_index
                    continue
                best = x[p, ih_first, iw_first]
                for ih in range(ih_first, ih_end, dilation_h):
                    for iw in range(iw_first, iw_end, dilation_w):
                        value = x[p, ih, iw]
                        if value > best or value != value:
                            best = value
                            best_index = ih * width + iw
                out[p, oh, ow] = best
                indices[p, oh, ow] = best_index


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
