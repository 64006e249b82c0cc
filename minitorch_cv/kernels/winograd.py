"""Winograd F(4x4, 5x5) transforms for 5x5 stride-1 convolutions, in a channels-last tile layout.

Math (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): a 4x4 block of
outputs of a 5x5 cross-correlation over an 8x8 input patch ``d`` is

    Y = A^T [ (G g G^T)  (.)  (B^T d B) ] A        (.) elementwise over the 8x8 "frequencies"

so each output pixel costs 64/16 = 4 multiplies per channel pair instead of 25. Summed over input
channels, the elementwise product becomes one GEMM per frequency ``f = 8*j + i``:
M[:, f] = V[:, f] @ U[f]. The backward passes are the adjoints of the same linear maps: the output
gradient goes through A (``output_transform_adjoint``), the input gradient back through B
(``input_transform_adjoint``), and the weight gradient through G (in ``ops/conv_winograd.py``).

Interpolation points 0, +-1, +-2, +-1/2 and infinity (the usual ones for 8-point transforms):
every coefficient of B^T and A^T is exact in float32, and the points come in +- pairs, so each
transform is an even and an odd half added and subtracted (``input_rows`` and friends). Measured
in float32 against a float64 convolution at the CIFAR layer shapes, the outputs' error is
4-7e-6 of the largest value, about 10x torch's direct convolution (the smaller F(2x2, 5x5):
about 2.5x, at 2.25x the multiplies). A search over 4,845 other sets of points (0, +-1 and
four more from +-2, +-3, +-4, their inverses, +-3/2, +-2/3, +-3/4, +-4/3) found none more than
1.3x more accurate, and those give up the +- pairs.

Layouts (T = tiles, ``t = (n * tiles_h + ty) * tiles_w + tx``; tile (ty, tx) reads padded rows
``4*ty .. 4*ty+7`` and columns ``4*tx .. 4*tx+7`` and writes outputs ``4*ty+p, 4*tx+q``;
frequency ``f = 8*j + i`` for row frequency i and column frequency j):
    padded input  xp [N, 4*tiles_h + 4, 4*tiles_w + 4, C]   channels last, zero border
    transformed   V  [T, 64, C]      U [64, C, O]      M  [T, 64, O]
    output tiles  yp [N, 4*tiles_h, 4*tiles_w, O]           channels last
A tile's frequencies are one contiguous block.
The GEMM of frequency f reads V[:, f] and writes M[:, f] with a row stride of 64*C (BLAS's
lda). The ops cut the batch into tiles of a few images (``ops/tiles.py``) so these buffers stay
in cache.
"""
import numpy as np

from ._jit import kernel

TILE = 4
"""Outputs per tile side."""
PATCH = TILE + 4
"""Inputs per tile side (a 5x5 kernel needs 4 more)."""
FREQUENCIES = PATCH * PATCH

INPUT_T = np.array([[1, 0, -21 / 4, 0, 21 / 4, 0, -1, 0],
                    [0, 1, 1, -17 / 4, -17 / 4, 1, 1, 0],
                    [0, -1, 1, 17 / 4, -17 / 4, -1, 1, 0],
                    [0, 1 / 2, 1 / 4, -5 / 2, -5 / 4, 2, 1, 0],
                    [0, -1 / 2, 1 / 4, 5 / 2, -5 / 4, -2, 1, 0],
                    [0, 2, 4, -5 / 2, -5, 1 / 2, 1, 0],
                    [0, -2, 4, 5 / 2, -5, -1 / 2, 1, 0],
                    [0, -1, 0, 21 / 4, 0, -21 / 4, 0, 1]], dtype=np.float64)
"""B^T [8, 8]: the input patch transform."""

OUTPUT_T = np.array([[1, 1, 1, 1, 1, 1, 1, 0],
                     [0, 1, -1, 2, -2, 1 / 2, -1 / 2, 0],
                     [0, 1, 1, 4, 4, 1 / 4, 1 / 4, 0],
                     [0, 1, -1, 8, -8, 1 / 8, -1 / 8, 1]], dtype=np.float64)
"""A^T [4, 8]: the output transform."""

FILTER = np.array([[1, 0, 0, 0, 0],
                   [-2 / 9, -2 / 9, -2 / 9, -2 / 9, -2 / 9],
                   [-2 / 9, 2 / 9, -2 / 9, 2 / 9, -2 / 9],
                   [1 / 90, 1 / 45, 2 / 45, 4 / 45, 8 / 45],
                   [1 / 90, -1 / 45, 2 / 45, -4 / 45, 8 / 45],
                   [32 / 45, 16 / 45, 8 / 45, 4 / 45, 2 / 45],
                   [32 / 45, -16 / 45, 8 / 45, -4 / 45, 2 / 45],
                   [0, 0, 0, 0, 1]], dtype=np.float64)
"""G [8, 5]: the filter transform."""


# The coefficients as float32 constants: float32 data stays float32 (a Python 2 or 0.5 would
# promote every product to float64); float64 data promotes them, exactly.
_EIGHTH, _QUARTER, _HALF, _TWO, _FOUR, _FIVE, _EIGHT = (np.float32(v) for v in (1 / 8, 1 / 4, 1 / 2, 2, 4, 5, 8))
_5_4, _5_2, _17_4, _21_4 = (np.float32(v) for v in (5 / 4, 5 / 2, 17 / 4, 21 / 4))

# Per-tile loops index flat arrays at unsigned offsets, written out in the kernel: numba then
# emits no negative-index wraparound and the loops vectorise, whereas a view, or a call taking
# arrays, per tile costs reference counting (atomic operations) that outweighs the tile's
# arithmetic (measured: 4x slower). Offsets stay unsigned throughout: mixing them with signed
# ints would make floats.
_U = np.uint64


@kernel
def multiples(step):
    """``step`` times 1 to 7, as unsigned offsets: the strides of the eight rows or frequencies
    a transform reads or writes."""
    step = _U(step)
    return step, _U(2) * step, _U(3) * step, _U(4) * step, _U(5) * step, _U(6) * step, _U(7) * step


@kernel
def input_rows(d0, d1, d2, d3, d4, d5, d6, d7):
    """``B^T @ d`` for one 8-vector ``d`` (the rows of INPUT_T written out; rows 1-6 in +- pairs)."""
    even1, odd1 = d2 - _17_4 * d4 + d6, d1 - _17_4 * d3 + d5
    even2, odd2 = _QUARTER * d2 - _5_4 * d4 + d6, _HALF * d1 - _5_2 * d3 + _TWO * d5
    even3, odd3 = _FOUR * d2 - _FIVE * d4 + d6, _TWO * d1 - _5_2 * d3 + _HALF * d5
    return (d0 - d6 + _21_4 * (d4 - d2),
            even1 + odd1, even1 - odd1, even2 + odd2, even2 - odd2, even3 + odd3, even3 - odd3,
            d7 - d1 + _21_4 * (d3 - d5))


@kernel
def input_rows_adjoint(v0, v1, v2, v3, v4, v5, v6, v7):
    """``B @ v`` for one 8-vector ``v`` (the columns of INPUT_T written out)."""
    sum1, diff1 = v1 + v2, v1 - v2
    sum2, diff2 = v3 + v4, v3 - v4
    sum3, diff3 = v5 + v6, v5 - v6
    return (v0,
            diff1 + _HALF * diff2 + _TWO * diff3 - v7,
            sum1 + _QUARTER * sum2 + _FOUR * sum3 - _21_4 * v0,
            _21_4 * v7 - _17_4 * diff1 - _5_2 * (diff2 + diff3),
            _21_4 * v0 - _17_4 * sum1 - _5_4 * sum2 - _FIVE * sum3,
            diff1 + _TWO * diff2 + _HALF * diff3 - _21_4 * v7,
            sum1 + sum2 + sum3 - v0,
            v7)


@kernel
def output_rows(m0, m1, m2, m3, m4, m5, m6, m7):
    """``A^T @ m`` for one 8-vector ``m`` (the rows of OUTPUT_T written out)."""
    sum1, diff1 = m1 + m2, m1 - m2
    sum2, diff2 = m3 + m4, m3 - m4
    sum3, diff3 = m5 + m6, m5 - m6
    return (m0 + sum1 + sum2 + sum3,
            diff1 + _TWO * diff2 + _HALF * diff3,
            sum1 + _FOUR * sum2 + _QUARTER * sum3,
            diff1 + _EIGHT * diff2 + _EIGHTH * diff3 + m7)


@kernel
def output_rows_adjoint(g0, g1, g2, g3):
    """``A @ g`` for one 4-vector ``g`` (the columns of OUTPUT_T written out)."""
    even1, odd1 = g0 + g2, g1 + g3
    even2, odd2 = g0 + _FOUR * g2, _TWO * g1 + _EIGHT * g3
    even3, odd3 = g0 + _QUARTER * g2, _HALF * g1 + _EIGHTH * g3
    return g0, even1 + odd1, even1 - odd1, even2 + odd2, even2 - odd2, even3 + odd3, even3 - odd3, g3


ALIASED_PLANE = 1024
"""Plane size (pixels) from which ``nchw_to_padded_nhwc`` copies row by row."""


@kernel
def nchw_to_padded_nhwc(x, xp, pad_top, pad_left):
    """``xp[n, r, s, c] = x[n, c, r - pad_top, s - pad_left]`` where that lies in both arrays.

    The rest of ``xp`` (its zero border) is left untouched: allocate it zeroed once and reuse it.
    Pixel by pixel, gathering the C values of a pixel from planes H*W apart; but where the planes
    are ALIASED_PLANE floats or more apart (32x32 float32: 4 KB, so the C reads fall in one L1
    set), row by row, as ``padded_nhwc_to_nchw``: the destination row stays in L1 while each
    channel's input row is read contiguously. Measured for 128 images: 16 channels at 32x32 2.7 ms
    pixel by pixel, 1.5 row by row; 32 at 16x16 0.57 and 0.74; 64 at 8x8 0.24 and 0.39.
    Row by row runs at flat unsigned offsets, not through a view per channel row (reference
    counting): F(4x4,3x3)'s ``input_tiles`` at 16 channels, 32x32, 0.65 of the time.
    The row's view is taken before the branch, though only the pixel path reads it: taken
    inside that path, the small planes' kernels measured 1.1-1.3x slower (LLVM compiles the
    loops differently), as they did with the two paths as separate functions.
    """
    batch, channels, height, width = x.shape
    rows = min(height, xp.shape[1] - pad_top)
    cols = min(width, xp.shape[2] - pad_left)
    row_by_row = height * width >= ALIASED_PLANE
    flat_x, flat_xp = x.ravel(), xp.ravel()
    C = _U(channels)
    for n in range(batch):
        for h in range(rows):
            target = xp[n, pad_top + h]
            if row_by_row:
                first = _U(((n * xp.shape[1] + pad_top + h) * xp.shape[2] + pad_left) * channels)
                for c in range(channels):
                    source = _U(((n * channels + c) * height + h) * width)
                    for w in range(cols):
                        flat_xp[first + _U(c) + _U(w) * C] = flat_x[source + _U(w)]
            else:
                for w in range(cols):
                    pixel = target[pad_left + w]
                    for c in range(channels):
                        pixel[c] = x[n, c, h, w]


@kernel
def padded_nhwc_to_nchw(xp, bias, x, pad_top, pad_left):
    """``x[n, c, h, w] = xp[n, h + pad_top, w + pad_left, c] + bias[c]``, zero where that lies
    outside ``xp``.

    Row by row: each row of ``xp`` ([Wp, C], a few KB) stays in L1 while its channels are copied
    out one contiguous output row at a time. (Pixel by pixel instead writes C lines a plane
    apart, which for 32x32 float32 planes, 4 KB apart, all fall in one L1 set: measured 5x slower.)
    At flat unsigned offsets that run along (a view per row, or offsets multiplied out per row,
    cost more than the copy on small planes). Measured per call, one thread, against the views
    the small planes used before: 32 channels at 16x16, 6 images 0.039 -> 0.014 ms; 64 at 8x8,
    12 images 0.040 -> 0.014; 256 at 14x14, 8 images 0.31 -> 0.13; 512 at 7x7 0.15 -> 0.09.
    """
    batch, channels, height, width = x.shape
    rows = min(height, xp.shape[1] - pad_top)
    cols = _U(min(width, xp.shape[2] - pad_left))
    if rows < height or cols < width:
        x[:] = 0
    flat_x, flat_xp = x.ravel(), xp.ravel()
    C, plane = _U(channels), _U(height * width)
    for n in range(batch):
        for h in range(rows):
            first = _U(((n * xp.shape[1] + pad_top + h) * xp.shape[2] + pad_left) * channels)
            target = _U((n * channels * height + h) * width)
            for c in range(C):
                shift = bias[c]
                source = first + c
                for w in range(cols):
                    flat_x[target + w] = flat_xp[source + w * C] + shift
                target += plane


@kernel
def input_transform(xp, V, tiles_h, tiles_w):
    """``V[t, (8*j + i)*C + c] = (B^T d B)[i, j]`` for each tile's 8x8 patch ``d`` of channel c of
    ``xp`` [N, Hp, Wp, C]; ``V`` is [T, 64 * C].

    Per row of tiles: B^T down the eight plane rows at once (one long loop over Wp * C), then B
    across each tile's eight columns, channel by channel.
    """
    batch, plane_h, plane_w, channels = xp.shape
    row = plane_w * channels
    columns = np.empty((8, row), xp.dtype)
    c0, c1, c2, c3 = columns[0], columns[1], columns[2], columns[3]
    c4, c5, c6, c7 = columns[4], columns[5], columns[6], columns[7]
    flat_columns = columns.ravel()
    flat_V = V.ravel()
    planes = xp.reshape(batch, plane_h, row)
    C, C2, C3, C4, C5, C6, C7 = multiples(channels)
    F1, F2, F3, F4, F5, F6, F7 = multiples(8 * channels)
    for n in range(batch):
        plane = planes[n]
        for ty in range(tiles_h):
            d0, d1, d2, d3 = plane[4 * ty], plane[4 * ty + 1], plane[4 * ty + 2], plane[4 * ty + 3]
            d4, d5, d6, d7 = plane[4 * ty + 4], plane[4 * ty + 5], plane[4 * ty + 6], plane[4 * ty + 7]
            for k in range(row):
                c0[k], c1[k], c2[k], c3[k], c4[k], c5[k], c6[k], c7[k] = input_rows(
                    d0[k], d1[k], d2[k], d3[k], d4[k], d5[k], d6[k], d7[k])
            for tx in range(tiles_w):
                t = (n * tiles_h + ty) * tiles_w + tx
                for i in range(8):
                    src = _U(i * row + 4 * tx * channels)
                    dst = _U((t * 64 + i) * channels)
                    for c in range(C):
                        e = src + c
                        z0, z1, z2, z3, z4, z5, z6, z7 = input_rows(
                            flat_columns[e], flat_columns[e + C], flat_columns[e + C2], flat_columns[e + C3],
                            flat_columns[e + C4], flat_columns[e + C5], flat_columns[e + C6], flat_columns[e + C7])
                        v = dst + c
                        flat_V[v] = z0
                        flat_V[v + F1] = z1
                        flat_V[v + F2] = z2
                        flat_V[v + F3] = z3
                        flat_V[v + F4] = z4
                        flat_V[v + F5] = z5
                        flat_V[v + F6] = z6
                        flat_V[v + F7] = z7


@kernel
def output_transform(M, yp, tiles_h, tiles_w):
    """``yp[n, 4*ty + p, 4*tx + q, :] = (A^T m A)[p, q]`` with ``m[i, j] = M[t, 8*j + i]``; ``M`` is [T, 64 * O].

    Per tile: A^T across the column frequencies into ``quarter`` [4 columns q, 8 rows i, O], then
    A^T down each output column.
    """
    batch, out_h, out_w, outputs = yp.shape
    quarter = np.empty(32 * outputs, M.dtype)
    flat_M = M.ravel()
    flat_y = yp.ravel()
    O, O2, O3, O4, O5, O6, O7 = multiples(outputs)
    B1, B2, B3, B4, B5, B6, B7 = multiples(8 * outputs)
    R1, R2, R3 = multiples(out_w * outputs)[:3]
    for n in range(batch):
        for ty in range(tiles_h):
            for tx in range(tiles_w):
                m = _U(((n * tiles_h + ty) * tiles_w + tx) * 64 * outputs)
                for k in range(B1):
                    e = m + k
                    h0, h1, h2, h3 = output_rows(flat_M[e], flat_M[e + B1], flat_M[e + B2], flat_M[e + B3],
                                                 flat_M[e + B4], flat_M[e + B5], flat_M[e + B6], flat_M[e + B7])
                    quarter[k] = h0
                    quarter[k + B1] = h1
                    quarter[k + B2] = h2
                    quarter[k + B3] = h3
                top = _U(((n * out_h + 4 * ty) * out_w + 4 * tx) * outputs)
                for q in range(4):
                    src = _U(q) * B1
                    dst = top + _U(q) * O
                    for o in range(O):
                        e = src + o
                        y0, y1, y2, y3 = output_rows(quarter[e], quarter[e + O], quarter[e + O2], quarter[e + O3],
                                                     quarter[e + O4], quarter[e + O5], quarter[e + O6],
                                                     quarter[e + O7])
                        g = dst + o
                        flat_y[g] = y0
                        flat_y[g + R1] = y1
                        flat_y[g + R2] = y2
                        flat_y[g + R3] = y3


@kernel
def output_transform_adjoint(yp, dM, tiles_h, tiles_w):
    """``dM[t, 8*j + i, :] = sum_pq A^T[p, i] A^T[q, j] yp[n, 4*ty + p, 4*tx + q, :]``: the output
    gradient (channels last, zero beyond the output) taken back through ``output_transform``."""
    batch, out_h, out_w, outputs = yp.shape
    rows = np.empty(32 * outputs, yp.dtype)
    flat_y = yp.ravel()
    flat_dM = dM.ravel()
    O, O2, O3, O4, O5, O6, O7 = multiples(outputs)
    B1, B2, B3, B4, B5, B6, B7 = multiples(8 * outputs)
    R1, R2, R3 = multiples(out_w * outputs)[:3]
    for n in range(batch):
        for ty in range(tiles_h):
            for tx in range(tiles_w):
                top = _U(((n * out_h + 4 * ty) * out_w + 4 * tx) * outputs)
                for q in range(4):
                    src = top + _U(q) * O
                    dst = _U(q) * B1
                    for o in range(O):
                        g = src + o
                        a0, a1, a2, a3, a4, a5, a6, a7 = output_rows_adjoint(
                            flat_y[g], flat_y[g + R1], flat_y[g + R2], flat_y[g + R3])
                        e = dst + o
                        rows[e] = a0
                        rows[e + O] = a1
                        rows[e + O2] = a2
                        rows[e + O3] = a3
                        rows[e + O4] = a4
                        rows[e + O5] = a5
                        rows[e + O6] = a6
                        rows[e + O7] = a7
                m = _U(((n * tiles_h + ty) * tiles_w + tx) * 64 * outputs)
                for k in range(B1):
                    b0, b1, b2, b3, b4, b5, b6, b7 = output_rows_adjoint(rows[k], rows[k + B1], rows[k + B2],
                                                                         rows[k + B3])
                    e = m + k
                    flat_dM[e] = b0
                    flat_dM[e + B1] = b1
                    flat_dM[e + B2] = b2
                    flat_dM[e + B3] = b3
                    flat_dM[e + B4] = b4
                    flat_dM[e + B5] = b5
                    flat_dM[e + B6] = b6
                    flat_dM[e + B7] = b7


@kernel
def input_transform_adjoint(dV, gxp, tiles_h, tiles_w):
    """``gxp`` [N, Hp, Wp, C] = the input gradient (padded, channels last) from ``dV`` [T, 64 * C]:
    each tile adds ``B dV B^T`` back onto its 8x8 patch (the adjoint of ``input_transform``).

    Per tile, B across the column frequencies into ``patch`` [8 columns, 8 rows i, C], added onto
    the row of tiles' ``columns`` [Wp, 8, C]; per row of tiles, B down into the plane.
    """
    batch, plane_h, plane_w, channels = gxp.shape
    row = plane_w * channels
    block = 8 * channels
    columns = np.zeros(plane_w * block, gxp.dtype)
    patch = np.empty(8 * block, gxp.dtype)
    flat_dV = dV.ravel()
    flat_gxp = gxp.ravel()
    flat_gxp[:] = 0
    C, C2, C3, C4, C5, C6, C7 = multiples(channels)
    B1, B2, B3, B4, B5, B6, B7 = multiples(block)
    R1, R2, R3, R4, R5, R6, R7 = multiples(row)
    for n in range(batch):
        for ty in range(tiles_h):
            columns[:] = 0
            for tx in range(tiles_w):
                t = (n * tiles_h + ty) * tiles_w + tx
                for i in range(8):
                    src = _U((t * 64 + i) * channels)
                    dst = _U(i * channels)
                    for c in range(C):
                        v = src + c
                        w0, w1, w2, w3, w4, w5, w6, w7 = input_rows_adjoint(
                            flat_dV[v], flat_dV[v + B1], flat_dV[v + B2], flat_dV[v + B3],
                            flat_dV[v + B4], flat_dV[v + B5], flat_dV[v + B6], flat_dV[v + B7])
                        e = dst + c
                        patch[e] = w0
                        patch[e + B1] = w1
                        patch[e + B2] = w2
                        patch[e + B3] = w3
                        patch[e + B4] = w4
                        patch[e + B5] = w5
                        patch[e + B6] = w6
                        patch[e + B7] = w7
                for b in range(8):
                    dst = _U((4 * tx + b) * block)
                    src = _U(b * block)
                    for k in range(B1):
                        columns[dst + k] += patch[src + k]
            top = _U((n * plane_h + 4 * ty) * row)
            for s in range(plane_w):
                src = _U(s * block)
                dst = top + _U(s * channels)
                for c in range(C):
                    e = src + c
                    a0, a1, a2, a3, a4, a5, a6, a7 = input_rows_adjoint(
                        columns[e], columns[e + C], columns[e + C2], columns[e + C3],
                        columns[e + C4], columns[e + C5], columns[e + C6], columns[e + C7])
                    g = dst + c
                    flat_gxp[g] += a0
                    flat_gxp[g + R1] += a1
                    flat_gxp[g + R2] += a2
                    flat_gxp[g + R3] += a3
                    flat_gxp[g + R4] += a4
                    flat_gxp[g + R5] += a5
                    flat_gxp[g + R6] += a6
                    flat_gxp[g + R7] += a7


# One call per tile of images for each stage, so that the worker threads meet the GIL (taken
# for every call into numba) as rarely as possible.

@kernel
def input_tiles(x, xp, V, pad_top, pad_left, tiles_h, tiles_w):
    """``V`` [T, 64 * C] from NCHW ``x``: ``nchw_to_padded_nhwc``, then ``input_transform``."""
    nchw_to_padded_nhwc(x, xp, pad_top, pad_left)
    input_transform(xp, V, tiles_h, tiles_w)


@kernel
def output_tiles(M, yp, bias, out, tiles_h, tiles_w):
    """NCHW ``out`` + ``bias`` from ``M`` [T, 64 * O]: ``output_transform``, then ``padded_nhwc_to_nchw``."""
    output_transform(M, yp, tiles_h, tiles_w)
    padded_nhwc_to_nchw(yp, bias, out, 0, 0)


@kernel
def output_grad_tiles(grad, gy, dM, grad_bias, tiles_h, tiles_w):
    """``dM`` [T, 64 * O] from the NCHW output gradient, through ``gy`` (zero border kept), and
    ``grad_bias += grad`` summed over images and pixels (skipped when ``grad_bias`` is empty)."""
    nchw_to_padded_nhwc(grad, gy, 0, 0)
    output_transform_adjoint(gy, dM, tiles_h, tiles_w)
    add_bias_grad(grad, grad_bias)


@kernel
def filter_transform_channels(weight, G, U, first, last):
    """``U[P*j + i, c, o] = (G g G^T)[i, j]`` for the kernels ``g = weight[o, c]`` of input
    channels ``first`` to ``last`` (``U`` [P*P, C, O], ``G`` [P, k] in the weights' dtype).

    Per input channel: its taps gathered into [k, k, O], then G across the kernel columns and
    down the rows as loops over the O output channels (contiguous, so they vectorise). The
    GEMMs with k = 3 or 5 inner terms this replaces ran at a few GFLOP/s: for 256 channels in
    and out 4.0-5.8 ms -> 2.4 ms at 2 threads, for 512 18.9 -> 6.7 ms.
    """
    out_channels, size = weight.shape[0], weight.shape[2]
    patch = G.shape[0]
    taps = np.empty((size, size, out_channels), weight.dtype)
    across = np.empty((size, patch, out_channels), weight.dtype)
    for c in range(first, last):
        for o in range(out_channels):
            for k in range(size):
                for l in range(size):
                    taps[k, l, o] = weight[o, c, k, l]
        for k in range(size):
            for j in range(patch):
                row = across[k, j]
                row[:] = 0
                for l in range(size):
                    coefficient, source = G[j, l], taps[k, l]
                    for o in range(out_channels):
                        row[o] += coefficient * source[o]
        for j in range(patch):
            for i in range(patch):
                target = U[patch * j + i, c]
                target[:] = 0
                for k in range(size):
                    coefficient, source = G[i, k], across[k, j]
                    for o in range(out_channels):
                        target[o] += coefficient * source[o]


@kernel
def add_bias_grad(grad, grad_bias):
    """``grad_bias += grad`` summed over images and pixels (skipped when ``grad_bias`` is empty)."""
    if grad_bias.shape[0]:
        for n in range(grad.shape[0]):
            for o in range(grad.shape[1]):
                grad_bias[o] += grad[n, o].sum()


@kernel
def input_grad_tiles(dV, gxp, grad_x, pad_top, pad_left, tiles_h, tiles_w):
    """NCHW ``grad_x`` from ``dV`` [T, 64 * C]: ``input_transform_adjoint``, then the crop back."""
    input_transform_adjoint(dV, gxp, tiles_h, tiles_w)
    padded_nhwc_to_nchw(gxp, np.zeros(gxp.shape[3], gxp.dtype), grad_x, pad_top, pad_left)
