"""torch's CPU distributions on NumPy arrays: what ``uniform_``, ``normal_``, ``random_``,
``bernoulli_``, ``exponential_`` and ``randperm`` write, value for value.

Each function returns new values shaped like ``like`` (an array whose shape, dtype and strides
stand for the tensor being filled): elements take their draws in the order torch's
TensorIterator visits them (memory order, so a transposed view is filled along its storage),
and the generator advances by exactly as many words as torch's would.
"""
import os

import llvmlite.binding
import numpy as np

from .kernels import distributions as dist
from .kernels import normal32
from .random import resolve


def _vector_build():
    """Whether torch runs its AVX2/AVX512 kernels here (FMA contraction, the AVX2 normal path):
    yes on CPUs with AVX2 and FMA unless ``ATEN_CPU_CAPABILITY=default`` says otherwise."""
    if os.environ.get("ATEN_CPU_CAPABILITY", "").lower() == "default":
        return False
    features = llvmlite.binding.get_host_cpu_features()
    return bool(features.get("avx2") and features.get("fma"))


def _intel_cpu():
    """torch's official x86 builds draw ``bernoulli_(p)`` through MKL on Intel CPUs only."""
    try:
        with open("/proc/cpuinfo") as info:
            return "GenuineIntel" in info.read()
    except OSError:
        return False


VECTOR_BUILD = _vector_build()
MKL_BERNOULLI = _intel_cpu()


def _memory_order(like):
    """(axes order, shape) such that a C-order walk of ``like.transpose(axes)`` follows its storage."""
    axes = sorted(range(like.ndim), key=lambda a: -abs(like.strides[a]) if like.shape[a] > 1 else 0)
    return axes, tuple(like.shape[a] for a in axes)


def _shaped(flat, like):
    """Lay out ``flat`` (values in memory order) in ``like``'s shape."""
    axes, shape = _memory_order(like)
    return np.transpose(flat.reshape(shape), np.argsort(axes))


def _float_kind(like, name):
    if like.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"{name}_ is implemented for float32 and float64 tensors, got {like.dtype}")
    return like.dtype


def uniform(like, low, high, generator=None):
    """``uniform_(low, high)``: U[low, high) from 24 (float32) or 53 (float64) random bits."""
    dtype = _float_kind(like, "uniform")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    generator, flat = resolve(generator), np.empty(like.size, dtype)
    if dtype == np.float32:
        dist.uniform32(generator.words(like.size), flat, np.float32(low), np.float32(high), VECTOR_BUILD)
    else:
        dist.uniform64(generator.words(2 * like.size), flat, float(low), float(high), VECTOR_BUILD)
    return _shaped(flat, like)


def normal(like, mean=0.0, std=1.0, generator=None):
    """``normal_(mean, std)``: Box-Muller, by torch's block-of-16 path for contiguous tensors of 16
    or more elements and its one-pair-at-a-time path (with the cached sine half) otherwise."""
    dtype = _float_kind(like, "normal")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    generator, n = resolve(generator), like.size
    flat = np.empty(n, dtype)
    if n >= 16 and like.flags.c_contiguous:
        extra = 16 if n % 16 else 0
        if dtype == np.float32:
            normal32.normal_fill(generator.words(n + extra), flat, np.float32(mean), np.float32(std), VECTOR_BUILD)
        else:
            dist.normal_fill64(generator.words(2 * (n + extra)), flat, float(mean), float(std))
        return flat.reshape(like.shape)
    dist.normal_pairs(_pair_words(generator, n), generator._normal, flat, float(mean), float(std), VECTOR_BUILD)
    return _shaped(flat, like)


_WIDE_RANGE = 1 << 28


def integers(like, low, high, generator=None):
    """``random_(low, high)`` / ``randint``: ``random() % (high - low) + low``, with ``random64()``
    from a range of 2**28 on (measured on torch 2.14.1 for int32, int64 and float64; float32
    tensors hold such integers inexactly anyway)."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    span = (int(high) - int(low)) & ((1 << 64) - 1)
    wide = span >= _WIDE_RANGE
    flat = np.empty(like.size, np.int64)
    dist.int_from_to(resolve(generator).words((2 if wide else 1) * like.size), flat, np.uint64(span),
                     np.int64(low), wide)
    return _shaped(flat.astype(like.dtype), like)


def _bits_modulus(dtype):
    if dtype == np.bool_:
        return 2
    if dtype.kind == "f":
        return (1 << np.finfo(dtype).nmant + 1) + 1
    return int(np.iinfo(dtype).max) + 1


def bits(like, generator=None):
    """``random_()``: a random integer in [0, 2**mantissa] for floats, [0, max] for integers."""
    wide = like.dtype in (np.int64, np.float64)
    flat = np.empty(like.size, np.int64)
    dist.int_bits(resolve(generator).words((2 if wide else 1) * like.size), flat,
                  np.uint64(_bits_modulus(like.dtype)), wide)
    return _shaped(flat.astype(like.dtype), like)


_RANDPERM_SWAP_LIMIT = 0xFFFFFFFF // 20


def permutation(n, generator=None):
    """``randperm(n)`` as int64: torch's swap shuffle on 32-bit draws (its inside-out shuffle on
    64-bit draws from n = 2**32 / 20 on)."""
    out = np.empty(int(n), np.int64)
    generator = resolve(generator)
    if n < _RANDPERM_SWAP_LIMIT:
        dist.randperm_swaps(generator.words(max(n - 1, 0)), out)
    else:
        dist.randperm_inside_out(generator.words(2 * n), out)
    return out


def bernoulli_scalar(like, p, generator=None):
    """``bernoulli_(p)`` with a number ``p`` (dropout's masks): on Intel CPUs torch's MKL path (one
    32-bit word seeds an MCG31 stream, elements in memory order), elsewhere its own kernel (a
    53-bit uniform per element below ``p``)."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    flat = np.empty(like.size, np.bool_)
    if MKL_BERNOULLI:  # torch fills a contiguous buffer, then copies it in: C order, not memory order
        dist.bernoulli_mcg31(int(resolve(generator).words(1)[0]), flat, np.float32(p))
        return flat.astype(like.dtype).reshape(like.shape)
    dist.bernoulli_scalar(resolve(generator).words(2 * like.size), flat, float(p))
    return _shaped(flat.astype(like.dtype), like)


def bernoulli_probs(like, probs, generator=None):
    """``bernoulli(probs)`` / ``bernoulli_(probs)`` with a tensor of probabilities (broadcast to
    ``like``): float32 probabilities compare a 24-bit float uniform, float64 a 53-bit one."""
    probs = np.asarray(probs)
    if probs.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"bernoulli expects a floating point tensor of probabilities, got {probs.dtype}")
    if probs.size and (probs.min() < 0 or probs.max() > 1):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    axes, shape = _memory_order(like)
    ordered = np.ascontiguousarray(np.transpose(np.broadcast_to(probs, like.shape), axes)).ravel()
    flat = np.empty(like.size, np.bool_)
    if probs.dtype == np.float32:
        dist.bernoulli_probs32(resolve(generator).words(like.size), flat, ordered)
    else:
        dist.bernoulli_probs64(resolve(generator).words(2 * like.size), flat, ordered)
    return _shaped(flat.astype(like.dtype), like)


def _doubles(like, generator, fill, *args):
    """torch's ``<double>`` distributions: ``fill`` maps two words per element to a double, which is
    then cast to the tensor's dtype."""
    flat = np.empty(like.size, np.float64)
    fill(resolve(generator).words(2 * like.size), flat, *args)
    return _shaped(flat.astype(like.dtype), like)


def _pair_words(generator, count):
    """The words the element-by-element normal path needs for ``count`` values (four per pair;
    a cached half covers the first value)."""
    fresh = count - (1 if generator._normal[0] and count else 0)
    return generator.words(4 * ((fresh + 1) // 2))


def exponential(like, rate=1.0, generator=None):
    """``exponential_(lambd)``: -log(1 - u) / lambd on a 53-bit uniform (computed in double)."""
    _float_kind(like, "exponential")
    if rate <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={rate}")
    return _doubles(like, generator, dist.exponential, float(rate))


def cauchy(like, median=0.0, sigma=1.0, generator=None):
    """``cauchy_(median, sigma)``, computed in double as torch does."""
    _float_kind(like, "cauchy")
    return _doubles(like, generator, dist.cauchy, float(median), float(sigma), VECTOR_BUILD)


def geometric(like, p, generator=None):
    """``geometric_(p)``: the number of Bernoulli(p) trials up to the first success."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _doubles(like, generator, dist.geometric, float(p))


def log_normal(like, mean=1.0, std=2.0, generator=None):
    """``log_normal_(mean, std)``: exp of torch's element-path normal draws (with the cached half)."""
    _float_kind(like, "log_normal")
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    generator, flat = resolve(generator), np.empty(like.size, np.float64)
    dist.normal_pairs(_pair_words(generator, like.size), generator._normal, flat, float(mean), float(std), VECTOR_BUILD)
    dist.exp_in_place(flat)
    return _shaped(flat.astype(like.dtype), like)


def multinomial(probs, count, replacement=False, generator=None):
    """``multinomial(probs, count, replacement)`` as int64 indices, rows of ``probs`` (1-D or 2-D)
    sampled independently: without replacement (or one sample) torch's exponential trick,
    ``topk(p / Exp(1), count)``; with replacement inverse-CDF sampling on 53-bit uniforms."""
    probs = np.asarray(probs)
    rows = np.atleast_2d(probs)
    if probs.ndim not in (1, 2) or probs.dtype.kind != "f":
        raise RuntimeError(f"prob_dist must be 1 or 2 dim float tensor, got {probs.ndim} dims of {probs.dtype}")
    if rows.size and (rows.min() < 0 or not np.isfinite(rows).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and count > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not replacement or count == 1:
        keys = rows / exponential(rows, 1.0, generator)
        order = np.argsort(-keys, axis=1, kind="stable")[:, :count]
    else:
        cumulative = np.cumsum(rows, axis=1, dtype=rows.dtype)
        cumulative /= cumulative[:, -1:]
        order = np.empty((rows.shape[0], count), np.int64)
        dist.multinomial_rows(resolve(generator).words(2 * order.size), cumulative.astype(np.float64), order)
    return order.reshape(probs.shape[:-1] + (count,)).astype(np.int64)
