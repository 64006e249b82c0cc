"""Tensor factories (zeros, ones, randn, rand, randint, randperm, arange, full, *_like); the random
ones draw torch's values from the seeded generator (``_draws``).

Sizes are given as ``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros([2, 3])`` or ``zeros(size=(2, 3))``.
Float factories default to float32; ``randint`` and integer ``arange`` give int64, as in torch.
"""
import numpy as np

from . import _dtype
from ._dtype import as_dtype
from .device import device as _device
from . import _draws
from .tensor import Tensor


def _size(args, size=None):
    if size is not None:
        if args:
            raise TypeError("got the size both as positional arguments and as size=")
        args = (size,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    try:
        shape = tuple(int(s) for s in args)
    except TypeError:
        raise TypeError(f"expected the size as ints or a tuple of ints, got {args!r}") from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _make(array, dtype, requires_grad, device):
    if device is not None:
        _device(device)
    dtype = as_dtype(dtype)
    if dtype is not None and array.dtype != dtype.numpy:
        array = array.astype(dtype.numpy)
    return Tensor._wrap(array, requires_grad=requires_grad)


def _float_dtype(dtype, name=None):
    """The NumPy dtype for a factory; with ``name``, a non-float dtype is refused (random floats)."""
    dtype = as_dtype(dtype) or _dtype.default_float
    if name and not dtype.is_floating_point:
        raise RuntimeError(f"{name}() expects a floating point dtype, got {dtype!r}")
    return dtype.numpy


def zeros(*args, size=None, dtype=None, requires_grad=False, device=None):
    return _make(np.zeros(_size(args, size), dtype=_float_dtype(dtype)), dtype, requires_grad, device)


def ones(*args, size=None, dtype=None, requires_grad=False, device=None):
    return _make(np.ones(_size(args, size), dtype=_float_dtype(dtype)), dtype, requires_grad, device)


def empty(*args, size=None, dtype=None, requires_grad=False, device=None):
    """Like torch.empty; here the values are zeros rather than left-over memory."""
    return _make(np.zeros(_size(args, size), dtype=_float_dtype(dtype)), dtype, requires_grad, device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    """A tensor of ``fill_value``; its dtype follows the value (bool, int64 or float32) unless given."""
    if isinstance(fill_value, np.generic):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value)
    dtype = as_dtype(dtype)
    return _make(np.full(_size((size,)), fill_value, dtype=dtype.numpy), dtype, requires_grad, device)


def randn(*args, size=None, dtype=None, generator=None, requires_grad=False, device=None):
    """Standard normal samples, torch's values for the same seed (float32 unless ``dtype`` says)."""
    like = np.empty(_size(args, size), _float_dtype(dtype, "randn"))
    return _make(_draws.normal(like, 0.0, 1.0, generator), dtype, requires_grad, device)


def rand(*args, size=None, dtype=None, generator=None, requires_grad=False, device=None):
    """Uniform samples on [0, 1), torch's values for the same seed."""
    like = np.empty(_size(args, size), _float_dtype(dtype, "rand"))
    return _make(_draws.uniform(like, 0.0, 1.0, generator), dtype, requires_grad, device)


def randint(low, high=None, size=None, dtype=None, generator=None, requires_grad=False, device=None):
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    like = np.empty(_size((size,)), (as_dtype(dtype) or _dtype.int64).numpy)
    return _make(_draws.integers(like, low, high, generator), dtype, requires_grad, device)


def randperm(n, dtype=None, generator=None, requires_grad=False, device=None):
    """A random permutation of 0..n-1 (int64), torch's for the same seed."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return _make(_draws.permutation(int(n), generator), dtype, requires_grad, device)


def normal(mean, std=1.0, size=None, generator=None, dtype=None, requires_grad=False, device=None):
    """``torch.normal``: numbers ``mean`` and ``std`` with a ``size``, or tensors (broadcast together)
    as torch computes them: standard normals scaled by ``std``, then ``mean`` added."""
    if not (hasattr(mean, "_data") or hasattr(std, "_data")):
        like = np.empty(_size((size,)), _float_dtype(dtype, "normal"))
        return _make(_draws.normal(like, mean, std, generator), dtype, requires_grad, device)
    mean_data, std_data = (getattr(v, "_data", v) for v in (mean, std))
    result_dtype = np.result_type(*(v for v in (mean_data, std_data) if isinstance(v, np.ndarray)))
    like = np.empty(np.broadcast_shapes(np.shape(mean_data), np.shape(std_data)), result_dtype)
    if hasattr(std, "_data"):
        values = _draws.normal(like, 0.0, 1.0, generator) * std_data + mean_data
    else:
        values = _draws.normal(like, 0.0, std, generator) + mean_data
    return _make(values.astype(result_dtype), dtype, requires_grad, device)


def bernoulli(input, p=None, generator=None):
    """0/1 draws with probabilities ``input`` (or the number ``p``), in ``input``'s dtype."""
    if p is not None:
        return _make(_draws.bernoulli_scalar(input._data, p, generator), None, False, None)
    return _make(_draws.bernoulli_probs(input._data, input._data, generator), None, False, None)


def multinomial(input, num_samples, replacement=False, generator=None):
    """Indices drawn from each row of the (unnormalised) probabilities ``input``, as torch draws them."""
    return _make(_draws.multinomial(input._data, int(num_samples), replacement, generator), None, False, None)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    """Like torch.arange: int64 when start, end and step are integers, float32 if any is a float."""
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, np.generic) else v for v in (start, end, step)]
    if values[2] == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (values[1] - values[0]) * values[2] < 0:
        raise RuntimeError("arange(): upper bound and larger bound inconsistent with step sign")
    is_float = any(isinstance(v, float) for v in values)
    default = _dtype.default_float if is_float else _dtype.int64
    data = np.arange(*values, dtype=np.float64 if is_float else np.int64)
    return _make(data.astype((as_dtype(dtype) or default).numpy), dtype, requires_grad, device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if as_dtype(dtype) is _dtype.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    data = np.linspace(start, end, steps).astype(_float_dtype(dtype))
    return _make(data, dtype, requires_grad, device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), dtype, requires_grad, device)


def zeros_like(input, dtype=None, requires_grad=False, device=None):
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad, device=device)


def ones_like(input, dtype=None, requires_grad=False, device=None):
    return ones(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad, device=device)


def empty_like(input, dtype=None, requires_grad=False, device=None):
    return empty(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad, device=device)


def randn_like(input, dtype=None, requires_grad=False, device=None, generator=None):
    return randn(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad, device=device,
                 generator=generator)


def rand_like(input, dtype=None, requires_grad=False, device=None, generator=None):
    return rand(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad, device=device,
                generator=generator)


def randint_like(input, low=0, high=None, dtype=None, requires_grad=False, device=None, generator=None):
    """``randint_like(input, high)`` or ``randint_like(input, low, high)``, in ``input``'s dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad,
                   device=device, generator=generator)


def full_like(input, fill_value, dtype=None, requires_grad=False, device=None):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad,
                device=device)
