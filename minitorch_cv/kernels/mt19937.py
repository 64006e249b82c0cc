"""The 32-bit Mersenne Twister exactly as torch's CPU generator runs it (ATen's mt19937 engine).

State lives in two plain arrays owned by ``minitorch_cv.Generator``: ``mt`` (624 uint32 words)
and ``ctl`` (int64 ``[left, next]``: draws left before the next twist, index of the next word),
the same fields torch stores, so ``get_state``/``set_state`` can use torch's byte layout.
Kernels draw words in bulk with ``fill32`` (2.5 ns a word) and the distribution kernels consume
them: torch's ``random64()`` is two words, the first giving the high 32 bits.
"""
import numpy as np

from ._jit import kernel

N = 624
_M = 397
_MATRIX_A = np.uint32(0x9908B0DF)
_UPPER = np.uint32(0x80000000)
_LOWER = np.uint32(0x7FFFFFFF)


@kernel
def seed(mt, ctl, value):
    """torch's ``init_with_uint32``: the low 32 bits of ``value`` through Knuth's recurrence."""
    mt[0] = np.uint32(value & 0xFFFFFFFF)
    for j in range(1, N):
        prev = np.uint64(mt[j - 1])
        mt[j] = np.uint32((np.uint64(1812433253) * (prev ^ (prev >> np.uint64(30))) + np.uint64(j))
                          & np.uint64(0xFFFFFFFF))
    ctl[0] = 1
    ctl[1] = 0


@kernel
def _mix(mt, j, k, m):
    """One word of the twist: mt[j] from mt[j], mt[k] = mt[j + 1] and mt[m] = mt[j + 397] (wrapped)."""
    y = (mt[j] & _UPPER) | (mt[k] & _LOWER)
    value = mt[m] ^ (y >> np.uint32(1))
    if y & np.uint32(1):
        value ^= _MATRIX_A
    mt[j] = value


@kernel
def _twist(mt):
    for j in range(N - _M):
        _mix(mt, j, j + 1, j + _M)
    for j in range(N - _M, N - 1):
        _mix(mt, j, j + 1, j + _M - N)
    _mix(mt, N - 1, 0, _M - 1)


@kernel
def fill32(mt, ctl, out):
    """``out[i]`` = successive 32-bit draws (torch's ``random()``), as uint32; advances the state."""
    left, index = ctl[0], ctl[1]
    for i in range(out.size):
        left -= 1
        if left == 0:
            _twist(mt)
            left, index = N, 0
        y = mt[index]
        index += 1
        y ^= y >> np.uint32(11)
        y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
        y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
        out[i] = y ^ (y >> np.uint32(18))
    ctl[0], ctl[1] = left, index
