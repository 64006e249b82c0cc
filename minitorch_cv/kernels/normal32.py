"""torch's ``normal_`` for contiguous float32 tensors of 16 or more elements, bit for bit.

torch (``normal_fill_AVX2``, used on every AVX2 or AVX-512 CPU) draws a 24-bit uniform per
element, then runs Box-Muller on blocks of 16 (first 8 give radii, last 8 angles) with the
cephes-style ``log256_ps``/``sincos256_ps`` polynomials of ``avx_mathfun.h``, evaluated in
float32 with the multiply-adds that GCC fuses into FMA; a ragged tail is recomputed from 16
fresh uniforms over the last 16 elements. ``normal_fill_libm`` is the DEFAULT-build variant
(no AVX2): float32 ``logf``/``cosf``/``sinf`` from libm. Measured against torch 2.14.1, both
round ``value * std + mean`` once (FMA), even with ``ATEN_CPU_CAPABILITY=default``.
Polynomials and constants: Julien Pommier's sse_mathfun after cephes (zlib licence).
"""
import math

import numpy as np

from ._jit import kernel
from .distributions import unit32
from .fma import fma

_F = np.float32
_ONE, _HALF, _ZERO = _F(1.0), _F(0.5), _F(0.0)
_SQRTHF = _F(0.707106781186547524)
_LOG_P = (_F(7.0376836292E-2), _F(-1.1514610310E-1), _F(1.1676998740E-1), _F(-1.2420140846E-1),
          _F(1.4249322787E-1), _F(-1.6668057665E-1), _F(2.0000714765E-1), _F(-2.4999993993E-1),
          _F(3.3333331174E-1))
_LOG_Q1, _LOG_Q2 = _F(-2.12194440e-4), _F(0.693359375)
_DP1, _DP2, _DP3 = _F(-0.78515625), _F(-2.4187564849853515625e-4), _F(-3.77489497744594108e-8)
_SIN_P = (_F(-1.9515295891E-4), _F(8.3321608736E-3), _F(-1.6666654611E-1))
_COS_P = (_F(2.443315711809948E-005), _F(-1.388731625493765E-003), _F(4.166664568298827E-002))
_FOUR_OVER_PI = _F(1.27323954473516)
_TWO_PI = _F(2.0 * math.pi)


@kernel
def _log(x):
    """``log256_ps`` for one positive normal float32 ``x``; its exponent/mantissa split (the mantissa
    put on [0.5, 1)) is exactly ``frexp``."""
    mantissa, exponent = math.frexp(x)
    x, e = _F(mantissa), _F(exponent)
    if x < _SQRTHF:
        e = e - _ONE
        x = (x - _ONE) + x
    else:
        x = x - _ONE
    z = x * x
    y = _LOG_P[0]
    for k in range(1, 9):
        y = fma(y, x, _LOG_P[k])
    y = fma(y * x, z, e * _LOG_Q1)
    y = y - z * _HALF
    return (x + y) + e * _LOG_Q2


@kernel
def _sincos(x):
    """``sincos256_ps`` for one float32 ``x`` >= 0: (sin x, cos x)."""
    j = np.int32(x * _FOUR_OVER_PI)
    j = (j + 1) & np.int32(~1)
    y = _F(j)
    x = fma(y, _DP1, x)
    x = fma(y, _DP2, x)
    x = fma(y, _DP3, x)
    z = x * x
    c = fma(fma(_COS_P[0], z, _COS_P[1]), z, _COS_P[2]) * z
    c = fma(c, z, -(z * _HALF)) + _ONE
    s = fma(fma(_SIN_P[0], z, _SIN_P[1]), z, _SIN_P[2]) * z
    s = fma(s, x, x)
    if j & 2:
        s, c = c, s
    if j & 4:
        s = -s
    if not (j - 2) & 4:
        c = -c
    return s, c


@kernel
def _block_avx2(data, mean, std):
    for j in range(8):
        radius = math.sqrt(_F(-2.0) * _log(_ONE - data[j]))
        sin, cos = _sincos(_TWO_PI * data[j + 8])
        data[j] = fma(radius * cos, std, mean)
        data[j + 8] = fma(radius * sin, std, mean)


@kernel
def _block_libm(data, mean, std):
    for j in range(8):
        radius = math.sqrt(_F(-2.0) * math.log(_ONE - data[j]))
        theta = _F(2.0 * math.pi * np.float64(data[j + 8]))
        cos, sin = radius * math.cos(theta), radius * math.sin(theta)
        data[j] = fma(cos, std, mean)
        data[j + 8] = fma(sin, std, mean)


@kernel
def normal_fill(words, out, mean, std, avx2):
    """Fill float32 ``out`` (16 or more) from ``words`` (n, plus 16 if n % 16): the AVX2 kernel when
    ``avx2``, else the DEFAULT build's libm one."""
    n = out.size
    for i in range(n):
        out[i] = unit32(words[i])
    blocks = n // 16 + (1 if n % 16 else 0)
    for block in range(blocks):
        start = min(16 * block, n - 16)
        data = out[start:start + 16]
        if start % 16:
            for i in range(16):
                data[i] = unit32(words[n + i])
        if avx2:
            _block_avx2(data, mean, std)
        else:
            _block_libm(data, mean, std)
