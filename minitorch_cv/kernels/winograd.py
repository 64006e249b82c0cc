"""Winograd F(2x2, 5x5) transforms for 5x5 stride-1 convolutions, in a channels-last tile layout.

Math (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): a 2x2 block of
outputs of a 5x5 cross-correlation over a 6x6 input patch ``d`` is

    Y = A^T [ (G g G^T)  (.)  (B^T d B) ] A        (.) elementwise over the 6x6 "frequencies"

so each output pixel costs 36/4 = 9 multiplies per channel pair instead of 25. Summed over input
channels, the elementwise product becomes one GEMM per frequency ``f = 6*j + i``:
M[:, f] = V[:, f] @ U[f]^T. The backward passes are the adjoints of the same linear maps: the output
gradient goes through A (``output_transform_adjoint``), the input gradient back through B
(``input_transform_adjoint``), and the weight gradient through G (in ``ops/conv_winograd.py``).

Interpolation points 0, 1, -1, 2, -1/2 and infinity: measured in float32 against a float64
convolution at the CIFAR layer shapes, their error is about 2.5x that of torch's direct
convolution, where the textbook points 0, +-1, +-2 give about 6x. Rows are scaled by powers of
two so that B^T holds integers (exact in any float format).

Layouts (T = tiles, ``t = (n * tiles_h + ty) * tiles_w + tx``; tile (ty, tx) reads padded rows
``2*ty .. 2*ty+5`` and columns ``2*tx .. 2*tx+5`` and writes outputs ``2*ty+p, 2*tx+q``; frequency
``f = 6*j + i`` for row frequency i and column frequency j):
    padded input  xp [N, 2*tiles_h + 4, 2*tiles_w + 4, C]   channels last, zero border
    transformed   V  [T, 36, C]      U [36, O, C]      M  [T, 36, O]
    output tiles  yp [N, 2*tiles_h, 2*tiles_w, O]         channels last
A tile's frequencies are one contiguous block.
The GEMM of frequency f reads V[:, f] and writes M[:, f] with a row stride of 36*C (BLAS's
lda). The ops cut the batch into tiles of a few images (``ops/tiles.py``) so these buffers stay
in cache.
"""
import numpy as np

from ._jit import kernel

INPUT_T = np.array([[2, 3, -4, -3, 2, 0],
                    [0, -2, -5, -1, 2, 0],
                    [0, 2, 1, -5, 2, 0],
                    [0, -1, -2, 1, 2, 0],
                    [0, 4, -2, -4, 2, 0],
                    [0, 2, 3, -4, -3, 2]], dtype=np.float64)
"""B^T [6, 6]: the input patch transform."""

OUTPUT_T = np.array([[1, 1, 1, 1, 1, 0],
                     [0, 1, -1, 2, -0.5, 1]], dtype=np.float64)
"""A^T [2, 6]: the output transform."""

FILTER = np.array([[1 / 2, 0, 0, 0, 0],
                   [-1 / 6, -1 / 6, -1 / 6, -1 / 6, -1 / 6],
                   [1 / 6, -1 / 6, 1 / 6, -1 / 6, 1 / 6],
                   [1 / 30, 1 / 15, 2 / 15, 4 / 15, 8 / 15],
                   [-8 / 15, 4 / 15, -2 / 15, 1 / 15, -1 / 30],
                   [0, 0, 0, 0, 1 / 2]], dtype=np.float64)
"""G [6, 5]: the filter transform."""


# The coefficients as float32 constants: float32 data stays float32 (a Python 2 or 0.5 would
# promote every product to float64); float64 data promotes them, exactly.
_HALF, _TWO, _THREE, _FOUR, _FIVE = (np.float32(v) for v in (0.5, 2, 3, 4, 5))

# Per-tile loops index flat arrays at unsigned offsets, written out in the kernel: numba then
# emits no negative-index wraparound and the loops vectorise, whereas a view, or a call taking
# arrays, per tile costs reference counting (atomic operations) that outweighs the tile's
# arithmetic (measured: 4x slower). So the two transforms keep their own copies of that loop.
# Offsets stay unsigned throughout: mixing them with signed ints would make floats.
_U = np.uint64


@kernel
def input_rows(d0, d1, d2, d3, d4, d5):
    """``B^T @ d`` for one 6-vector ``d`` (the rows of INPUT_T written out)."""
    return (_TWO * d0 + _THREE * d1 - _FOUR * d2 - _THREE * d3 + _TWO * d4,
            -_TWO * d1 - _FIVE * d2 - d3 + _TWO * d4,
            _TWO * d1 + d2 - _FIVE * d3 + _TWO * d4,
            -d1 - _TWO * d2 + d3 + _TWO * d4,
            _FOUR * d1 - _TWO * d2 - _FOUR * d3 + _TWO * d4,
            _TWO * d1 + _THREE * d2 - _FOUR * d3 - _THREE * d4 + _TWO * d5)


@kernel
def input_rows_adjoint(v0, v1, v2, v3, v4, v5):
    """``B @ v`` for one 6-vector ``v`` (the columns of INPUT_T written out)."""
    return (_TWO * v0,
            _THREE * v0 - _TWO * v1 + _TWO * v2 - v3 + _FOUR * v4 + _TWO * v5,
            -_FOUR * v0 - _FIVE * v1 + v2 - _TWO * v3 - _TWO * v4 + _THREE * v5,
            -_THREE * v0 - v1 - _FIVE * v2 + v3 - _FOUR * v4 - _FOUR * v5,
            _TWO * v0 + _TWO * v1 + _TWO * v2 + _TWO * v3 + _TWO * v4 - _THREE * v5,
            _TWO * v5)


@kernel
def output_rows(m0, m1, m2, m3, m4, m5):
    """``A^T @ m`` for one 6-vector ``m`` (the rows of OUTPUT_T written out)."""
    return m0 + m1 + m2 + m3 + m4, m1 - m2 + _TWO * m3 - _HALF * m4 + m5


@kernel
def output_rows_adjoint(g0, g1):
    """``A @ g`` for one 2-vector ``g`` (the columns of OUTPUT_T written out)."""
    return g0, g0 + g1, g0 - g1, g0 + _TWO * g1, g0 - _HALF * g1, g1


@kernel
def nchw_to_padded_nhwc(x, xp, pad_top, pad_left):
    """``xp[n, r, s, c] = x[n, c, r - pad_top, s - pad_left]`` where that lies in both arrays.

    The rest of ``xp`` (its zero border) is left untouched: allocate it zeroed once and reuse it.
    """
    batch, channels, height, width = x.shape
    rows = min(height, xp.shape[1] - pad_top)
    cols = min(width, xp.shape[2] - pad_left)
    for n in range(batch):
        for h in range(rows):
            for w in range(cols):
                dst = xp[n, pad_top + h, pad_left + w]
                for c in range(channels):
                    dst[c] = x[n, c, h, w]


@kernel
def padded_nhwc_to_nchw(xp, bias, x, pad_top, pad_left):
    """``x[n, c, h, w] = xp[n, h + pad_top, w + pad_left, c] + bias[c]``, zero where that lies
    outside ``xp``."""
    batch, channels, height, width = x.shape
    rows = min(height, xp.shape[1] - pad_top)
    cols = min(width, xp.shape[2] - pad_left)
    for n in range(batch):
        for c in range(channels):
            shift = bias[c]
            for h in range(height):
                row = x[n, c, h]
                if h >= rows:
                    row[:] = 0
                    continue
                source = xp[n, h + pad_top]
                for w in range(cols):
                    row[w] = source[pad_left + w, c] + shift
                row[cols:] = 0


@kernel
def input_transform(xp, V, tiles_h, tiles_w):
    """``V[t, (6*j + i)*C + c] = (B^T d B)[i, j]`` for each tile's 6x6 patch ``d`` of channel c of
    ``xp`` [N, Hp, Wp, C]; ``V`` is [T, 36 * C].

    Per row of tiles: B^T down the six plane rows at once (one long loop over Wp * C), then B
    across each tile's six columns, channel by channel.
    """
    batch, plane_h, plane_w, channels = xp.shape
    row = plane_w * channels
    columns = np.empty((6, row), xp.dtype)
    c0, c1, c2, c3, c4, c5 = columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]
    flat_columns = columns.ravel()
    flat_V = V.ravel()
    planes = xp.reshape(batch, plane_h, row)
    C, C2, C3, C4, C5 = _U(channels), _U(2 * channels), _U(3 * channels), _U(4 * channels), _U(5 * channels)
    F1, F2, F3, F4, F5 = _U(6 * channels), _U(12 * channels), _U(18 * channels), _U(24 * channels), _U(30 * channels)
    for n in range(batch):
        plane = planes[n]
        for ty in range(tiles_h):
            d0, d1, d2 = plane[2 * ty], plane[2 * ty + 1], plane[2 * ty + 2]
            d3, d4, d5 = plane[2 * ty + 3], plane[2 * ty + 4], plane[2 * ty + 5]
            for k in range(row):
                c0[k], c1[k], c2[k], c3[k], c4[k], c5[k] = input_rows(d0[k], d1[k], d2[k], d3[k], d4[k], d5[k])
            for tx in range(tiles_w):
                t = (n * tiles_h + ty) * tiles_w + tx
                for i in range(6):
                    src = _U(i * row + 2 * tx * channels)
                    dst = _U((t * 36 + i) * channels)
                    for c in range(C):
                        e = src + c
                        z0, z1, z2, z3, z4, z5 = input_rows(
                            flat_columns[e], flat_columns[e + C], flat_columns[e + C2],
                            flat_columns[e + C3], flat_columns[e + C4], flat_columns[e + C5])
                        v = dst + c
                        flat_V[v] = z0
                        flat_V[v + F1] = z1
                        flat_V[v + F2] = z2
                        flat_V[v + F3] = z3
                        flat_V[v + F4] = z4
                        flat_V[v + F5] = z5


@kernel
def output_transform(M, yp, tiles_h, tiles_w):
    """``yp[n, 2*ty + p, 2*tx + q, :] = (A^T m A)[p, q]`` with ``m[i, j] = M[t, 6*j + i]``; ``M`` is [T, 36 * O]."""
    outputs = yp.shape[3]
    block = 6 * outputs
    half = np.empty(2 * block, M.dtype)
    for n in range(yp.shape[0]):
        for ty in range(tiles_h):
            for tx in range(tiles_w):
                m = M[(n * tiles_h + ty) * tiles_w + tx]
                for k in range(block):
                    half[k], half[block + k] = output_rows(m[k], m[block + k], m[2 * block + k], m[3 * block + k],
                                                           m[4 * block + k], m[5 * block + k])
                for q in range(2):
                    r = half[q * block:(q + 1) * block]
                    top, bottom = yp[n, 2 * ty, 2 * tx + q], yp[n, 2 * ty + 1, 2 * tx + q]
                    for o in range(outputs):
                        top[o], bottom[o] = output_rows(r[o], r[outputs + o], r[2 * outputs + o],
                                                        r[3 * outputs + o], r[4 * outputs + o], r[5 * outputs + o])


@kernel
def output_transform_adjoint(yp, dM, tiles_h, tiles_w):
    """``dM[t, 6*j + i, :] = sum_pq A^T[p, i] A^T[q, j] yp[n, 2*ty + p, 2*tx + q, :]``: the output
    gradient (channels last, zero beyond the output) taken back through ``output_transform``."""
    outputs = yp.shape[3]
    block = 6 * outputs
    rows = np.empty(2 * block, yp.dtype)
    for n in range(yp.shape[0]):
        for ty in range(tiles_h):
            for tx in range(tiles_w):
                for q in range(2):
                    r = rows[q * block:(q + 1) * block]
                    top, bottom = yp[n, 2 * ty, 2 * tx + q], yp[n, 2 * ty + 1, 2 * tx + q]
                    for o in range(outputs):
                        a0, a1, a2, a3, a4, a5 = output_rows_adjoint(top[o], bottom[o])
                        r[o] = a0
                        r[outputs + o] = a1
                        r[2 * outputs + o] = a2
                        r[3 * outputs + o] = a3
                        r[4 * outputs + o] = a4
                        r[5 * outputs + o] = a5
                m = dM[(n * tiles_h + ty) * tiles_w + tx]
                for k in range(block):
                    b0, b1, b2, b3, b4, b5 = output_rows_adjoint(rows[k], rows[block + k])
                    m[k] = b0
                    m[block + k] = b1
                    m[2 * block + k] = b2
                    m[3 * block + k] = b3
                    m[4 * block + k] = b4
                    m[5 * block + k] = b5


@kernel
def input_transform_adjoint(dV, gxp, tiles_h, tiles_w):
    """``gxp`` [N, Hp, Wp, C] = the input gradient (padded, channels last) from ``dV`` [T, 36 * C]:
    each tile adds ``B dV B^T`` back onto its 6x6 patch (the adjoint of ``input_transform``).

    Per tile, B across the column frequencies into ``patch`` [6 columns, 6 rows i, C], added onto
    the row of tiles' ``columns`` [Wp, 6, C]; per row of tiles, B down into the plane.
    """
    batch, plane_h, plane_w, channels = gxp.shape
    row = plane_w * channels
    block = 6 * channels
    columns = np.zeros(plane_w * block, gxp.dtype)
    patch = np.empty(6 * block, gxp.dtype)
    flat_dV = dV.ravel()
    flat_gxp = gxp.ravel()
    flat_gxp[:] = 0
    C, C2, C3, C4, C5 = _U(channels), _U(2 * channels), _U(3 * channels), _U(4 * channels), _U(5 * channels)
    B1, B2, B3, B4, B5 = _U(block), _U(2 * block), _U(3 * block), _U(4 * block), _U(5 * block)
    R1, R2, R3, R4, R5 = _U(row), _U(2 * row), _U(3 * row), _U(4 * row), _U(5 * row)
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
                        w0, w1, w2, w3, w4, w5 = input_rows_adjoint(
                            flat_dV[v], flat_dV[v + B1], flat_dV[v + B2],
                            flat_dV[v + B3], flat_dV[v + B4], flat_dV[v + B5])
                        e = dst + c
                        patch[e] = w0
                        patch[e + B1] = w1
                        patch[e + B2] = w2
                        patch[e + B3] = w3
                        patch[e + B4] = w4
                        patch[e + B5] = w5
                for b in range(6):
                    dst = _U((2 * tx + b) * block)
                    src = _U(b * block)
                    for k in range(B1):
                        columns[dst + k] += patch[src + k]
            top = _U((n * plane_h + 2 * ty) * row)
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


# One call per tile of images for each stage, so that the worker threads meet the GIL (taken
# for every call into numba) as rarely as possible.

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
    if grad_bias.shape[0]:
        for n in range(grad.shape[0]):
            for o in range(grad.shape[1]):
                grad_bias[o] += grad[n, o].sum()


@kernel
def input_grad_tiles(dV, gxp, grad_x, pad_top, pad_left, tiles_h, tiles_w):
    """NCHW ``grad_x`` from ``dV`` [T, 36 * C]: ``input_transform_adjoint``, then the crop back."""
    input_transform_adjoint(dV, gxp, tiles_h, tiles_w)
    padded_nhwc_to_nchw(gxp, np.zeros(gxp.shape[3], gxp.dtype), grad_x, pad_top, pad_left)
