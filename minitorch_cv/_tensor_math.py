"""Tensor methods for arithmetic, math, comparisons, reductions and shapes (a mixin of ``Tensor``).

Each method is a thin call into ``minitorch_cv.ops``, where forward and backward live.
"""
import numpy as np

from . import _dtype
from .autograd.function import tensor_type
from .ops import elementwise as ew
from .ops import linalg, reduce, shape as shape_ops
from .ops import binary_math as bm
from .ops.promotion import as_float, binary, compare


def _wrap(array):
    """A plain Tensor (never a Parameter) around a result array."""
    return tensor_type()._wrap(array)


def _logical_dtype(tensor):
    """all/any give bool, except uint8 in, uint8 out (torch's legacy rule)."""
    return np.uint8 if tensor.dtype is _dtype.uint8 else np.bool_


def _view_dtype(tensor, dtype):
    """``view(dtype)``: the same bytes read as another dtype (the last dim rescales), no gradient."""
    data = tensor._data
    if dtype.itemsize != data.itemsize and (data.ndim == 0 or not data.flags.c_contiguous):
        raise RuntimeError("self.dim() cannot be 0 to view a different element size unless it is contiguous "
                           f"and has a last dimension; got shape {list(data.shape)}")
    if data.ndim and (data.shape[-1] * data.itemsize) % dtype.itemsize:
        raise RuntimeError(f"self.size(-1) must be divisible by {dtype.itemsize // data.itemsize} to view "
                           f"{tensor.dtype.type_name} as {dtype.type_name} (different element sizes), but got "
                           f"{data.shape[-1]}")
    return _wrap(data.view(dtype.numpy))


class TensorMath:
    """Operators and methods with torch's names, arguments and dtype rules."""

    # ----- arithmetic -----
    def __add__(self, other):
        return binary(ew.Add, self, other)

    def __radd__(self, other):
        return binary(ew.Add, other, self)

    def __sub__(self, other):
        return binary(ew.Sub, self, other)

    def __rsub__(self, other):
        return binary(ew.Rsub, other, self)

    def __mul__(self, other):
        return binary(ew.Mul, self, other)

    def __rmul__(self, other):
        return binary(ew.Mul, other, self)

    def __truediv__(self, other):
        return binary(ew.Div, self, other, float_result=True)

    def __rtruediv__(self, other):
        return binary(ew.Div, other, self, float_result=True)

    def __floordiv__(self, other):
        return bm.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return bm.floor_divide(other, self)

    def __mod__(self, other):
        return bm.remainder(self, other)

    def __rmod__(self, other):
        return bm.remainder(other, self)

    def __pow__(self, exponent):
        return ew.power(self, exponent)

    def __rpow__(self, base):
        return ew.power(base, self)

    def __neg__(self):
        return ew.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ew.Abs.apply(self)

    def __matmul__(self, other):
        return linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return linalg.matmul(other, self)

    def add(self, other, alpha=1):
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, alpha=1):
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other):
        return self * other

    def div(self, other, rounding_mode=None):
        """True division; ``rounding_mode="floor"`` or ``"trunc"`` round the quotient (no gradient)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode in ("floor", "trunc"):
            return bm.rounded_div(self, other, rounding_mode)
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found {rounding_mode!r}")

    true_divide = divide = div
    multiply = mul
    subtract = sub

    def floor_divide(self, other):
        return bm.floor_divide(self, other)

    def remainder(self, other):
        return self % other

    def pow(self, exponent):
        return ew.power(self, exponent)

    def matmul(self, other):
        return linalg.matmul(self, other)

    def mm(self, other):
        if self.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise RuntimeError(f"mm(): expected 2-D tensors, got {self.ndim}-D and {getattr(other, 'ndim', 0)}-D")
        return linalg.matmul(self, other)

    def neg(self):
        return ew.Neg.apply(self)

    def exp(self):
        return ew.Exp.apply(as_float(self))

    def log(self):
        return ew.Log.apply(as_float(self))

    def sqrt(self):
        return ew.Sqrt.apply(as_float(self))

    def abs(self):
        return ew.Abs.apply(self)

    def relu(self):
        return ew.ReLU.apply(self)

    def sigmoid(self):
        return ew.Sigmoid.apply(as_float(self))

    def tanh(self):
        return ew.Tanh.apply(as_float(self))

    def clamp(self, min=None, max=None):
        return ew.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        return ew.maximum(self, other)

    def minimum(self, other):
        return ew.minimum(self, other)

    @reduce.axis_alias
    def softmax(self, dim):
        from .ops.loss import softmax
        return softmax(self, dim)

    @reduce.axis_alias
    def log_softmax(self, dim):
        from .ops.loss import log_softmax
        return log_softmax(self, dim)

    # ----- comparisons and logic (no gradient) -----
    def __eq__(self, other):
        return compare(np.equal, self, other)

    def __ne__(self, other):
        return compare(np.not_equal, self, other)

    def __lt__(self, other):
        return compare(np.less, self, other)

    def __le__(self, other):
        return compare(np.less_equal, self, other)

    def __gt__(self, other):
        return compare(np.greater, self, other)

    def __ge__(self, other):
        return compare(np.greater_equal, self, other)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self):
        return bm.bitwise_not(self)

    def __and__(self, other):
        return bm.integer_binary(np.bitwise_and, self, other)

    def __or__(self, other):
        return bm.integer_binary(np.bitwise_or, self, other)

    def __xor__(self, other):
        return bm.integer_binary(np.bitwise_xor, self, other)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def logical_not(self):
        return _wrap(np.logical_not(self._data))

    def equal(self, other):
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(bm.isclose(self, other, rtol, atol, equal_nan)._data.all())

    def isnan(self):
        return _wrap(np.isnan(self._data))

    def isinf(self):
        return _wrap(np.isinf(self._data))

    def isfinite(self):
        return _wrap(np.isfinite(self._data))

    @reduce.axis_alias
    def all(self, dim=None, keepdim=False):
        axes = reduce.dims(dim, self.ndim) if dim is not None else None
        return _wrap(np.asarray(self._data.all(axis=axes, keepdims=keepdim), dtype=_logical_dtype(self)))

    @reduce.axis_alias
    def any(self, dim=None, keepdim=False):
        axes = reduce.dims(dim, self.ndim) if dim is not None else None
        return _wrap(np.asarray(self._data.any(axis=axes, keepdims=keepdim), dtype=_logical_dtype(self)))

    # ----- reductions -----
    @reduce.axis_alias
    def sum(self, dim=None, keepdim=False, dtype=None):
        x = self.to(_dtype.as_dtype(dtype)) if dtype is not None else self
        return reduce.sum(x, dim, keepdim)

    @reduce.axis_alias
    def mean(self, dim=None, keepdim=False, dtype=None):
        x = self.to(_dtype.as_dtype(dtype)) if dtype is not None else self
        return reduce.mean(x, dim, keepdim)

    @reduce.axis_alias
    def var(self, dim=None, unbiased=True, keepdim=False, correction=None):
        correction = (1 if unbiased else 0) if correction is None else correction
        return reduce.var(self, dim, correction, keepdim)

    @reduce.axis_alias
    def std(self, dim=None, unbiased=True, keepdim=False, correction=None):
        return self.var(dim, unbiased, keepdim, correction).sqrt()

    def norm(self, p=2, dim=None, keepdim=False):
        return reduce.norm(self, p, dim, keepdim)

    @reduce.axis_alias
    def max(self, dim=None, keepdim=False):
        if hasattr(dim, "_data"):
            return ew.maximum(self, dim)
        return reduce.extreme(self, dim, keepdim, largest=True)

    @reduce.axis_alias
    def min(self, dim=None, keepdim=False):
        if hasattr(dim, "_data"):
            return ew.minimum(self, dim)
        return reduce.extreme(self, dim, keepdim, largest=False)

    @reduce.axis_alias
    def argmax(self, dim=None, keepdim=False):
        return reduce.arg_extreme(self, dim, keepdim, largest=True)

    @reduce.axis_alias
    def argmin(self, dim=None, keepdim=False):
        return reduce.arg_extreme(self, dim, keepdim, largest=False)

    # ----- shape -----
    def reshape(self, *shape):
        return shape_ops.reshape(self, shape)

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
            return _view_dtype(self, shape[0])
        return shape_ops.reshape(self, shape)

    def view_as(self, other):
        return shape_ops.reshape(self, tuple(other.shape))

    def reshape_as(self, other):
        return shape_ops.reshape(self, tuple(other.shape))

    def flatten(self, start_dim=0, end_dim=-1):
        return shape_ops.flatten(self, start_dim, end_dim)

    @reduce.axis_alias
    def unsqueeze(self, dim):
        return shape_ops.unsqueeze(self, dim)

    @reduce.axis_alias
    def squeeze(self, dim=None):
        return shape_ops.squeeze(self, dim)

    def permute(self, *dims):
        return shape_ops.permute(self, dims)

    def transpose(self, dim0, dim1):
        return shape_ops.transpose(self, dim0, dim1)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return shape_ops.transpose(self, 0, -1, shape_ops.TransposeMatrix) if self.ndim else self

    @property
    def T(self):
        return shape_ops.permute(self, tuple(reversed(range(self.ndim))))

    def expand(self, *sizes):
        return shape_ops.expand(self, sizes)

    def expand_as(self, other):
        return shape_ops.expand(self, tuple(other.shape))

    def __getitem__(self, index):
        return shape_ops.getitem(self, index)
