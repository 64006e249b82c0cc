"""Winograd F(4x4, 3x3) transforms for 3x3 stride-1 convolutions, in the channels-last tile
layout of ``kernels/winograd.py`` (read its docstring first: this is the same scheme with a
6x6 patch instead of an 8x8 one).

Math (Lavin & Gray 2016): a 4x4 block of outputs of a 3x3 cross-correlation over a 6x6 input
patch ``d`` is ``Y = A^T [(G g G^T) (.) (B^T d B)] A``: 36/16 = 2.25 multiplies per output and
channel pair instead of 9 (the 3x3 kernel run as a zero-bordered 5x5 through F(4x4, 5x5) needs
64/16 = 4, and an 8x8 patch's worth of transforms). Interpolation points 0, +-1, +-2 and
infinity: every coefficient of B^T and A^T is a small integer, exact in float32, and the points
come in +- pairs, so each transform is an even and an odd half added and subtracted. Measured
in float32 against float64 on a 64-channel sum: 1.0e-6 of the largest output.

Layouts, as in ``kernels/winograd.py`` with 6 for 8 (``f = 6*j + i``):
    padded input  xp [N, 4*tiles_h + 2, 4*tiles_w + 2, C]   channels last, zero border
    transformed   V  [T, 36, C]      U [36, C, O]      M  [T, 36, O]
    output tiles  yp [N, 4*tiles_h, 4*tiles_w, O]
"""
import numpy as np

from ._jit import kernel
from .winograd import add_bias_grad, multiples, nchw_to_padded_nhwc, padded_nhwc_to_nchw

TILE = 4
"""Outputs per tile side."""
PATCH = TILE + 2
"""Inputs per tile side (a 3x3 kernel needs 2 more)."""
FREQUENCIES = PATCH * PATCH

INPUT_T = np.array([[4, 0, -5, 0, 1, 0],
                    [0, -4, -4, 1, 1, 0],
                    [0, 4, -4, -1, 1, 0],
                    [0, -2, -1, 2, 1, 0],
                    [0, 2, -1, -2, 1, 0],
                    [0, 4, 0, -5, 0, 1]], dtype=np.float64)
"""B^T [6, 6]: the input patch transform."""

OUTPUT_T = np.array([[1, 1, 1, 1, 1, 0],
                     [0, 1, -1, 2, -2, 0],
                     [0, 1, 1, 4, 4, 0],
                     [0, 1, -1, 8, -8, 1]], dtype=np.float64)
"""A^T [4, 6]: the output transform."""

FILTER = np.array([[1 / 4, 0, 0],
                   [-1 / 6, -1 / 6, -1 / 6],
                   [-1 / 6, 1 / 6, -1 / 6],
                   [1 / 24, 1 / 12, 1 / 6],
                   [1 / 24, -1 / 12, 1 / 6],
                   [0, 0, 1]], dtype=np.float64)
"""G [6, 3]: the filter transform."""

# float32 constants, so float32 data stays float32 (see kernels/winograd.py).
_TWO, _FOUR, _FIVE, _EIGHT = (np.float32(v) for v in (2, 4, 5, 8))
_U = np.uint64


@kernel
def input_rows(d0, d1, d2, d3, d4, d5):
    """``B^T @ d`` for one 6-vector ``d`` (the rows of INPUT_T written out; rows 1-4 in +- pairs)."""
    even1, odd1 = d4 - _FOUR * d2, d3 - _FOUR * d1
    even2, odd2 = d4 - d2, _TWO * (d3 - d1)
    return (_FOUR * d0 - _FIVE * d2 + d4, even1 + odd1, even1 - odd1, even2 + odd2, even2 - odd2,
            _FOUR * d1 - _FIVE * d3 + d5)


@kernel
def input_rows_adjoint(v0, v1, v2, v3, v4, v5):
    """``B @ v`` for one 6-vector ``v`` (the columns of INPUT_T written out)."""
    sum1, diff1 = v1 + v2, v1 - v2
    sum2, diff2 = v3 + v4, v3 - v4
    return (_FOUR * v0,
            _FOUR * (v5 - diff1) - _TWO * diff2,
            -_FIVE * v0 - _FOUR * sum1 - sum2,
            diff1 + _TWO * diff2 - _FIVE * v5,
            v0 + sum1 + sum2,
            v5)


@kernel
def output_rows(m0, m1, m2, m3, m4, m5):
    """``A^T @ m`` for one 6-vector ``m`` (the rows of OUTPUT_T written out)."""
    sum1, diff1 = m1 + m2, m1 - m2
    sum2, diff2 = m3 + m4, m3 - m4
    return m0 + sum1 + sum2, diff1 + _TWO * diff2, sum1 + _FOUR * sum2, diff1 + _EIGHT * diff2 + m5


@kernel
def output_rows_adjoint(g0, g1, g2, g3):
    """``A @ g`` for one 4-vector ``g`` (the columns of OUTPUT_T written out)."""
    even1, odd1 = g0 + g2, g1 + g3
    even2, odd2 = g0 + _FOUR * g2, _TWO * g1 + _EIGHT * g3
    return g0, even1 + odd1, even1 - odd1, even2 + odd2, even2 - odd2, g3


# ``input_transform``'s loop over channels, as a kernel of its own: written inline, its
# variables outlive it in numba's IR and LLVM leaves it scalar ("value that could not be
# identified as reduction is used outside the loop"); as a call it vectorises. Per input element,
# one thread: 16 channels 1.09 -> 0.58 ns, 64 0.98 -> 0.38, 256 (14x14) 1.0 -> 0.33. The other
# transforms' loops measured no faster this way and stay inline.

@kernel
def _input_rows_run(a, src, a_step, b, dst, b_step, count):
    """``input_rows`` of the 6-vectors ``a[src + k + r * a_step]`` (r = 0..5) for k < count, into
    ``b[dst + k + r * b_step]``."""
    a2, a3, a4, a5 = _U(2) * a_step, _U(3) * a_step, _U(4) * a_step, _U(5) * a_step
    b2, b3, b4, b5 = _U(2) * b_step, _U(3) * b_step, _U(4) * b_step, _U(5) * b_step
    for k in range(count):
        e, g = src + k, dst + k
        z0, z1, z2, z3, z4, z5 = input_rows(a[e], a[e + a_step], a[e + a2], a[e + a3], a[e + a4], a[e + a5])
        b[g] = z0
        b[g + b_step] = z1
        b[g + b2] = z2
        b[g + b3] = z3
        b[g + b4] = z4
        b[g + b5] = z5


@kernel
def input_transform(xp, V, tiles_h, tiles_w):
    """``V[t, (6*j + i)*C + c] = (B^T d B)[i, j]`` for each tile's 6x6 patch ``d`` of channel c of
    ``xp`` [N, Hp, Wp, C]; ``V`` is [T, 36 * C]. B^T down the six plane rows of a row of tiles
    at once, then B across each tile's six columns, channel by channel."""
    batch, plane_h, plane_w, channels = xp.shape
    row = plane_w * channels
    columns = np.empty((6, row), xp.dtype)
    c0, c1, c2, c3, c4, c5 = columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]
    flat_columns = columns.ravel()
    flat_V = V.ravel()
    planes = xp.reshape(batch, plane_h, row)
    C = _U(channels)
    F1 = _U(6 * channels)
    for n in range(batch):
        plane = planes[n]
        for ty in range(tiles_h):
            top = 4 * ty
            d0, d1, d2 = plane[top], plane[top + 1], plane[top + 2]
            d3, d4, d5 = plane[top + 3], plane[top + 4], plane[top + 5]
            for k in range(row):
                c0[k], c1[k], c2[k], c3[k], c4[k], c5[k] = input_rows(d0[k], d1[k], d2[k], d3[k], d4[k], d5[k])
            for tx in range(tiles_w):
                t = (n * tiles_h + ty) * tiles_w + tx
                for i in range(6):
                    src = _U(i * row + 4 * tx * channels)
                    dst = _U((t * 36 + i) * channels)
                    _input_rows_run(flat_columns, src, C, flat_V, dst, F1, C)


@kernel
def output_transform(M, yp, tiles_h, tiles_w):
    """``yp[n, 4*ty + p, 4*tx + q, :] = (A^T m A)[p, q]`` with ``m[i, j] = M[t, 6*j + i]``; ``M``
    is [T, 36 * O]. Per tile: A^T across the column frequencies into ``quarter`` [4 columns q,
    6 rows i, O], then A^T down each output column."""
    batch, out_h, out_w, outputs = yp.shape
    quarter = np.empty(24 * outputs, M.dtype)
    flat_M = M.ravel()
    flat_y = yp.ravel()
    O, O2, O3, O4, O5 = multiples(outputs)[:5]
    B1, B2, B3, B4, B5 = multiples(6 * outputs)[:5]
    R1, R2, R3 = multiples(out_w * outputs)[:3]
    for n in range(batch):
        for ty in range(tiles_h):
            for tx in range(tiles_w):
                m = _U(((n * tiles_h + ty) * tiles_w + tx) * 36 * outputs)
                for k in range(B1):
                    e = m + k
                    h0, h1, h2, h3 = output_rows(flat_M[e], flat_M[e + B1], flat_M[e + B2], flat_M[e + B3],
                                                 flat_M[e + B4], flat_M[e + B5])
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
                                                     quarter[e + O4], quarter[e + O5])
                        g = dst + o
                        flat_y[g] = y0
                        flat_y[g + R1] = y1
                        flat_y[g + R2] = y2
                        flat_y[g + R3] = y3


@kernel
def output_transform_adjoint(yp, dM, tiles_h, tiles_w):
    """``dM[t, 6*j + i, :] = sum_pq A^T[p, i] A^T[q, j] yp[n, 4*ty + p, 4*tx + q, :]``: the output
    gradient (channels last, zero beyond the output) taken back through ``output_transform``."""
    batch, out_h, out_w, outputs = yp.shape
    rows = np.empty(24 * outputs, yp.dtype)
    flat_y = yp.ravel()
    flat_dM = dM.ravel()
    O, O2, O3, O4, O5 = multiples(outputs)[:5]
    B1, B2, B3, B4, B5 = multiples(6 * outputs)[:5]
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
                        a0, a1, a2, a3, a4, a5 = output_rows_adjoint(flat_y[g], flat_y[g + R1], flat_y[g + R2],
                                                                     flat_y[g + R3])
                        e = dst + o
                        rows[e] = a0
                        rows[e + O] = a1
                        rows[e + O2] = a2
                        rows[e + O3] = a3
                        rows[e + O4] = a4
                        rows[e + O5] = a5
                m = _U(((n * tiles_h + ty) * tiles_w + tx) * 36 * outputs)
                for k in range(B1):
                    b0, b1, b2, b3, b4, b5 = output_rows_adjoint(rows[k], rows[k + B1], rows[k + B2], rows[k + B3])
                    e = m + k
                    flat_dM[e] = b0
                    flat_dM[e + B1] = b1
                    flat_dM[e + B2] = b2
                    flat_dM[e + B3] = b3
                    flat_dM[e + B4] = b4
                    flat_dM[e + B5] = b5


@kernel
def input_transform_adjoint(dV, gxp, tiles_h, tiles_w):
    """``gxp`` [N, Hp, Wp, C] = the input gradient (padded, channels last) from ``dV`` [T, 36 * C]:
    each tile adds ``B dV B^T`` back onto its 6x6 patch (the adjoint of ``input_transform``).
    Per tile, B across the column frequencies into ``patch`` [6 columns, 6 rows i, C], added
    onto the row of tiles' ``columns`` [Wp, 6, C]; per row of tiles, B down into the plane."""
    batch, plane_h, plane_w, channels = gxp.shape
    row = plane_w * channels
    block = 6 * channels
    columns = np.zeros(plane_w * block, gxp.dtype)
    patch = np.empty(6 * block, gxp.dtype)
    flat_dV = dV.ravel()
    flat_gxp = gxp.ravel()
    flat_gxp[:] = 0
    C, C2, C3, C4, C5 = multiples(channels)[:5]
    B1, B2, B3, B4, B5 = multiples(block)[:5]
    R1, R2, R3, R4, R5 = multiples(row)[:5]
    for n in range(batch):
        for ty in range(tiles_h):
            columns[:] = 0
            for tx in range(tiles_w):
                t = (n * tiles_h + ty) * tiles_w + tx
                for i in range(6):
                    src = _U((t * 36 + i) * channels)
                    dst = _U(i * channels)
                    for c in range(C):
                        v = src + c
                        w0, w1, w2, w3, w4, w5 = input_rows_adjoint(flat_dV[v], flat_dV[v + B1], flat_dV[v + B2],
                                                                    flat_dV[v + B3], flat_dV[v + B4], flat_dV[v + B5])
                        e = dst + c
                        patch[e] = w0
                        patch[e + B1] = w1
                        patch[e + B2] = w2
                        patch[e + B3] = w3
                        patch[e + B4] = w4
                        patch[e + B5] = w5
                for b in range(6):
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
                    a0, a1, a2, a3, a4, a5 = input_rows_adjoint(columns[e], columns[e + C], columns[e + C2],
                                                                columns[e + C3], columns[e + C4], columns[e + C5])
                    g = dst + c
                    flat_gxp[g] += a0
                    flat_gxp[g + R1] += a1
                    flat_gxp[g + R2] += a2
                    flat_gxp[g + R3] += a3
                    flat_gxp[g + R4] += a4
                    flat_gxp[g + R5] += a5


# One call per tile of images for each stage, as in kernels/winograd.py (the GIL is taken per call).

@kernel
def input_tiles(x, xp, V, pad_top, pad_left, tiles_h, tiles_w):
    """``V`` [T, 36 * C] from NCHW ``x``: ``nchw_to_padded_nhwc``, then ``input_transform``."""
    nchw_to_padded_nhwc(x, xp, pad_top, pad_left)
    input_transform(xp, V, tiles_h, tiles_w)


@kernel
def output_tiles(M, yp, bias, out, tiles_h, tiles_w):
    """NCHW ``out`` + ``bias`` from ``M`` [T, 36 * O]: ``output_transform``, then ``padded_nhwc_to_nchw``."""
    output_transform(M, yp, tiles_h, tiles_w)
    padded_nhwc_to_nchw(yp, bias, out, 0, 0)


@kernel
def output_grad_tiles(grad, gy, dM, grad_bias, tiles_h, tiles_w):
    """``dM`` [T, 36 * O] from the NCHW output gradient, through ``gy`` (zero border kept), and
    ``grad_bias += grad`` summed over images and pixels (skipped when ``grad_bias`` is empty)."""
    nchw_to_padded_nhwc(grad, gy, 0, 0)
    output_transform_adjoint(gy, dM, tiles_h, tiles_w)
    add_bias_grad(grad, grad_bias)


@kernel
def input_grad_tiles(dV, gxp, grad_x, pad_top, pad_left, tiles_h, tiles_w):
    """NCHW ``grad_x`` from ``dV`` [T, 36 * C]: ``input_transform_adjoint``, then the crop back."""
    input_transform_adjoint(dV, gxp, tiles_h, tiles_w)
    padded_nhwc_to_nchw(gxp, np.zeros(gxp.shape[3], gxp.dtype), grad_x, pad_top, pad_left)
