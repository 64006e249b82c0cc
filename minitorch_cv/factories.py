"""Tensor factories (zeros, ones, randn, rand, randint, arange, full, *_like) drawing from the seeded generator."""
import numpy as np

from . import _dtype
from ._dtype import as_dtype
from .device import device as _device
from .random import numpy_generator
from .tensor import Tensor


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def _make(array, dtype, requires_grad, device):
    if device is not None:
        _device(device)
    dtype = as_dtype(dtype)
    if dtype is not None and array.dtype != dtype.numpy:
        array = array.astype(dtype.numpy)
    return Tensor._wrap(array, requires_grad=requires_grad)


def _float_dtype(dtype):
    return (as_dtype(dtype) or _dtype.default_float).numpy


def zeros(*size, dtype=None, requires_grad=False, device=None):
    return _make(np.zeros(_size(size), dtype=_float_dtype(dtype)), dtype, requires_grad, device)


def ones(*size, dtype=None, requires_grad=False, device=None):
    return _make(np.ones(_size(size), dtype=_float_dtype(dtype)), dtype, requires_grad, device)


def empty(*size, dtype=None, requires_grad=False, device=None):
    return _make(np.empty(_size(size), dtype=_float_dtype(dtype)), dtype, requires_grad, device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    if dtype is None:
        dtype = _dtype.promote_scalar(_dtype.bool_, fill_value)
    return _make(np.full(_size((size,)), fill_value, dtype=as_dtype(dtype).numpy), dtype, requires_grad, device)


def randn(*size, dtype=None, generator=None, requires_grad=False, device=None):
    """Standard normal samples (float32 unless ``dtype`` says otherwise)."""
    data = numpy_generator(generator).standard_normal(_size(size), dtype=np.float64)
    return _make(data.astype(_float_dtype(dtype)), dtype, requires_grad, device)


def rand(*size, dtype=None, generator=None, requires_grad=False, device=None):
    """Uniform samples on [0, 1)."""
    data = numpy_generator(generator).random(_size(size), dtype=np.float64)
    return _make(data.astype(_float_dtype(dtype)), dtype, requires_grad, device)


def randint(low, high=None, size=None, dtype=None, generator=None, requires_grad=False, device=None):
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    data = numpy_generator(generator).integers(low, high, _size((size,)), dtype=np.int64)
    return _make(data, dtype, requires_grad, device)


def randperm(n, dtype=None, generator=None, device=None):
    return _make(numpy_generator(generator).permutation(n).astype(np.int64), dtype, False, device)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    """Like torch.arange: int64 for integer arguments, float32 if any is a float."""
    if end is None:
        start, end = 0, start
    is_float = any(isinstance(v, float) for v in (start, end, step))
    default = _dtype.default_float if is_float else _dtype.int64
    data = np.arange(start, end, step, dtype=np.float64 if is_float else np.int64)
    return _make(data.astype((as_dtype(dtype) or default).numpy), dtype, requires_grad, device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    data = np.linspace(start, end, steps).astype(_float_dtype(dtype))
    return _make(data, dtype, requires_grad, device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), dtype, requires_grad, device)


def _like(maker, tensor, dtype, requires_grad):
    return maker(*tensor.shape, dtype=dtype or tensor.dtype, requires_grad=requires_grad)


def zeros_like(tensor, dtype=None, requires_grad=False, device=None):
    return _like(zeros, tensor, dtype, requires_grad)


def ones_like(tensor, dtype=None, requires_grad=False, device=None):
    return _like(ones, tensor, dtype, requires_grad)


def randn_like(tensor, dtype=None, requires_grad=False, device=None):
    return _like(randn, tensor, dtype, requires_grad)


def rand_like(tensor, dtype=None, requires_grad=False, device=None):
    return _like(rand, tensor, dtype, requires_grad)


def full_like(tensor, fill_value, dtype=None, requires_grad=False, device=None):
    return full(tuple(tensor.shape), fill_value, dtype=dtype or tensor.dtype, requires_grad=requires_grad)
