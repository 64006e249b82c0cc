"""torch's CPU distributions as maps from 32-bit mt19937 words to values (ATen's DistributionsHelper).

Each kernel consumes a uint32 array ``words`` drawn by ``mt19937.fill32`` in torch's order and
writes ``out`` (1-D, in the order torch's TensorIterator visits the elements). A double uses 53
bits of ``random64()`` (two words, the first high), a float 24 bits of one word. ``fused``
says whether torch's kernel was compiled with FMA contraction (its AVX2/AVX512 builds are,
the DEFAULT one is not): ``x * (to - from) + from`` is then rounded once.
"""
import math

import numpy as np

from ._jit import kernel
from .fma import fma

_MASK24 = np.uint32((1 << 24) - 1)
_MASK53 = np.uint64((1 << 53) - 1)


@kernel
def word64(words, i):
    """torch's ``random64()`` from words ``i`` (high half) and ``i + 1``."""
    return (np.uint64(words[i]) << np.uint64(32)) | np.uint64(words[i + 1])


@kernel
def unit32(word):
    """A float32 on [0, 1) from the low 24 bits of one word."""
    return np.float32(word & _MASK24) * np.float32(1.0 / (1 << 24))


@kernel
def unit64(words, i):
    """A float64 on [0, 1) from the low 53 bits of ``random64()`` at words ``i``, ``i + 1``."""
    return np.float64(word64(words, i) & _MASK53) * (1.0 / (1 << 53))


@kernel
def _affine(x, scale, shift, fused):
    return fma(x, scale, shift) if fused else x * scale + shift


@kernel
def uniform32(words, out, low, high, fused):
    """``uniform_(low, high)`` on float32: one word per element."""
    span = high - low
    for i in range(out.size):
        out[i] = _affine(unit32(words[i]), span, low, fused)


@kernel
def uniform64(words, out, low, high, fused):
    """``uniform_(low, high)`` on float64: two words per element."""
    span = high - low
    for i in range(out.size):
        out[i] = _affine(unit64(words, 2 * i), span, low, fused)


@kernel
def normal_pairs(words, cache, out, mean, std, fused):
    """The element-by-element normal path (fewer than 16 elements or not contiguous): Box-Muller
    in double, four words per pair; the sine half waits in ``cache`` = [valid, value], which
    lives in the generator as torch's ``next_double_normal_sample``."""
    used = 0
    for i in range(out.size):
        if cache[0] != 0.0:
            cache[0] = 0.0
            value = cache[1]
        else:
            u1 = unit64(words, used)
            u2 = unit64(words, used + 2)
            used += 4
            radius = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            cache[0], cache[1] = 1.0, radius * math.sin(theta)
            value = radius * math.cos(theta)
        out[i] = _affine(value, std, mean, fused)


@kernel
def _box_muller16_64(data, mean, std):
    for j in range(8):
        radius = math.sqrt(-2.0 * math.log(1.0 - data[j]))
        theta = 2.0 * math.pi * data[j + 8]
        data[j] = fma(radius * math.cos(theta), std, mean)
        data[j + 8] = fma(radius * math.sin(theta), std, mean)


@kernel
def normal_fill64(words, out, mean, std):
    """torch's ``normal_fill`` for a contiguous float64 tensor of 16 or more: uniforms for every
    element, Box-Muller on blocks of 16 (first 8 radii, last 8 angles), and a ragged tail
    recomputed from 16 fresh uniforms over the last 16 elements. ``value * std + mean`` is rounded
    once in every torch build (measured, also with ``ATEN_CPU_CAPABILITY=default``)."""
    n = out.size
    for i in range(n):
        out[i] = unit64(words, 2 * i)
    for start in range(0, n - 15, 16):
        _box_muller16_64(out[start:start + 16], mean, std)
    if n % 16:
        tail = out[n - 16:]
        for i in range(16):
            tail[i] = unit64(words, 2 * (n + i))
        _box_muller16_64(tail, mean, std)


@kernel
def int_from_to(words, out, span, base, wide):
    """``random_(from, to)``/``randint``: ``word % span + base`` (``span`` = to - from as uint64);
    ``wide`` (a span of 2**32 or more for 64-bit types) uses ``random64()``."""
    for i in range(out.size):
        value = word64(words, 2 * i) if wide else np.uint64(words[i])
        out[i] = np.int64(value % span) + base


@kernel
def int_bits(words, out, modulus, wide):
    """``random_()`` without bounds: ``word % modulus`` (2**63 for int64, 2 for bool, ...)."""
    for i in range(out.size):
        value = word64(words, 2 * i) if wide else np.uint64(words[i])
        out[i] = np.int64(value % modulus)


@kernel
def randperm_swaps(words, out):
    """torch's ``randperm`` for n below 2**32 / 20: 0..n-1, then swap i with i + word % (n - i)."""
    n = out.size
    for i in range(n):
        out[i] = i
    for i in range(n - 1):
        z = np.int64(np.uint64(words[i]) % np.uint64(n - i))
        out[i], out[z + i] = out[z + i], out[i]


@kernel
def randperm_inside_out(words, out):
    """torch's ``randperm`` for huge n: the inside-out Fisher-Yates shuffle on ``random64()``."""
    for i in range(out.size):
        z = np.int64(word64(words, 2 * i) % np.uint64(i + 1))
        out[i] = out[z]
        out[z] = i


@kernel
def bernoulli_scalar(words, out, p):
    """``bernoulli_(p)`` with a float ``p``, torch's non-MKL kernel: a 53-bit uniform below ``p``."""
    for i in range(out.size):
        out[i] = unit64(words, 2 * i) < p


@kernel
def bernoulli_probs32(words, out, probs):
    """``bernoulli`` with float32 probabilities: a 24-bit float uniform below each one."""
    for i in range(out.size):
        out[i] = unit32(words[i]) < probs[i]


@kernel
def bernoulli_probs64(words, out, probs):
    """``bernoulli`` with float64 probabilities: a 53-bit uniform below each one."""
    for i in range(out.size):
        out[i] = unit64(words, 2 * i) < probs[i]


@kernel
def exponential(words, out, rate):
    """``exponential_(lambd)``: -log1p(-u) / lambd on a 53-bit uniform, in double."""
    for i in range(out.size):
        out[i] = -1.0 / rate * math.log1p(-unit64(words, 2 * i))


_MCG31_MODULUS = 0x7FFFFFFF
_MCG31_MULTIPLIER = 1132489760


@kernel
def bernoulli_mcg31(seed, out, p):
    """``bernoulli_(p)`` as torch on Intel CPUs draws it: MKL's ``viRngBernoulli`` (ICDF method)
    on a ``VSL_BRNG_MCG31`` stream seeded with one 32-bit word: x0 = seed mod (2**31 - 1) (0
    becomes 1), x[k+1] = 1132489760 * x[k] mod (2**31 - 1), element k is 1 when the float32
    uniform x[k] / (2**31 - 1) is below float32 ``p`` (checked against MKL 2024.2's own output)."""
    x = np.int64(seed) % _MCG31_MODULUS
    if x == 0:
        x = 1
    for i in range(out.size):
        out[i] = np.float32(x / _MCG31_MODULUS) < p
        x = x * _MCG31_MULTIPLIER % _MCG31_MODULUS


@kernel
def multinomial_rows(words, cumulative, out):
    """``multinomial(..., replacement=True)``: per row, each sample is the first category whose
    cumulative probability (normalised, last forced to 1) is not below a 53-bit uniform;
    rows are sampled one after the other, ``out.shape[1]`` samples each."""
    used = 0
    categories = cumulative.shape[1]
    for row in range(out.shape[0]):
        cumulative[row, categories - 1] = 1.0
        for k in range(out.shape[1]):
            u = unit64(words, used)
            used += 2
            left, right = 0, categories
            while right - left > 0:
                middle = left + (right - left) // 2
                if cumulative[row, middle] < u:
                    left = middle + 1
                else:
                    right = middle
            out[row, k] = left


@kernel
def cauchy(words, out, median, sigma, fused):
    """``cauchy_(median, sigma)``: median + sigma * tan(pi * (u - 0.5)) on a 53-bit uniform."""
    for i in range(out.size):
        out[i] = _affine(sigma, math.tan(math.pi * (unit64(words, 2 * i) - 0.5)), median, fused)


@kernel
def geometric(words, out, p):
    """``geometric_(p)``: ceil(log(u) / log1p(-p)) on a 53-bit uniform."""
    for i in range(out.size):
        out[i] = math.ceil(math.log(unit64(words, 2 * i)) / math.log1p(-p))


@kernel
def exp_in_place(values):
    """``values[i] = exp(values[i])`` with libm's exp, as torch's ``log_normal_`` takes it (NumPy's
    own vectorised exp differs in the last bit now and then)."""
    for i in range(values.size):
        values[i] = math.exp(values[i])
