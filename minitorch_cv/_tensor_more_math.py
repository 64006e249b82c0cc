"""Tensor methods for the wider math API (a mixin of ``Tensor``): trigonometric and other unary
math, rounding, atan2/fmod/lerp/..., logical and bitwise ops, scans, order statistics.

Each method is a thin call into ``minitorch_cv.ops`` (``unary_math``, ``binary_math``, ``scan``,
``sorting``), where forward and backward live. In-place forms (``sin_`` ...) are made by
``inplace`` from the out-of-place method and follow ``TensorInPlace._update``'s rules.
"""
import numpy as np

from .ops import binary_math as bm
from .ops import reduce, scan, sorting
from .ops import unary_math as um


def inplace(name):
    """``name_``: compute ``name`` out of place, then make it this tensor's value (torch's cast rules)."""

    def method(self, *args, **kwargs):
        return self._update(getattr(self, name)(*args, **kwargs),
                            *[a for a in list(args) + list(kwargs.values()) if hasattr(a, "_data")])

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``."
    return method


def _float_method(name):
    def method(self):
        return um.float_unary(name, self)

    method.__name__ = name
    method.__doc__ = f"torch.{name}: integer and bool tensors give float32."
    return method


def _rounding_method(name):
    def method(self):
        return um.rounding(name, self)

    method.__name__ = name
    return method


class TensorMoreMath:
    """Methods with torch's names, arguments, dtype rules and errors."""

    sin, cos, tan, asin, acos, atan = (_float_method(n) for n in ("sin", "cos", "tan", "asin", "acos", "atan"))
    sinh, cosh, asinh, acosh, atanh = (_float_method(n) for n in ("sinh", "cosh", "asinh", "acosh", "atanh"))
    rsqrt, log2, log10, log1p, expm1, exp2 = (_float_method(n) for n in
                                              ("rsqrt", "log2", "log10", "log1p", "expm1", "exp2"))
    reciprocal, erf = _float_method("reciprocal"), _float_method("erf")
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
    floor, ceil, trunc, frac = (_rounding_method(n) for n in ("floor", "ceil", "trunc", "frac"))
    fix = trunc

    def round(self, decimals=0):
        return um.round(self, decimals)

    def sign(self):
        return um.sign(self)

    sgn = sign

    def square(self):
        return um.square(self)

    def atan2(self, other):
        return bm.float_binary(bm.Atan2, self, other)

    arctan2 = atan2

    def hypot(self, other):
        return bm.float_only_binary(bm.Hypot, self, other, "hypot")

    def logaddexp(self, other):
        return bm.float_only_binary(bm.LogAddExp, self, other, "logaddexp")

    def copysign(self, other):
        return bm.float_binary(bm.CopySign, self, other)

    def dot(self, other):
        """Inner product of two 1-D tensors of the same dtype."""
        if self.ndim != 1 or getattr(other, "ndim", 0) != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {getattr(other, 'ndim', 0)}D tensors")
        if self.dtype is not other.dtype:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{self.dtype.type_name} and {other.dtype.type_name}")
        if self.shape != other.shape:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{self.shape[0]}] and src "
                               f"[{other.shape[0]}] to have the same number of elements, but got {self.shape[0]} "
                               f"and {other.shape[0]} elements respectively")
        return self @ other

    inner = vdot = dot

    def fmod(self, other):
        return bm.fmod(self, other)

    def lerp(self, end, weight):
        return bm.lerp(self, end, weight)

    def clamp_min(self, min):
        return self.clamp(min=min)

    def clamp_max(self, max):
        return self.clamp(max=max)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bm.isclose(self, other, rtol, atol, equal_nan)

    # ----- logical and bitwise (no gradient) -----
    def logical_and(self, other):
        return bm.logical(np.logical_and, self, other)

    def logical_or(self, other):
        return bm.logical(np.logical_or, self, other)

    def logical_xor(self, other):
        return bm.logical(np.logical_xor, self, other)

    def bitwise_and(self, other):
        return bm.integer_binary(np.bitwise_and, self, other)

    def bitwise_or(self, other):
        return bm.integer_binary(np.bitwise_or, self, other)

    def bitwise_xor(self, other):
        return bm.integer_binary(np.bitwise_xor, self, other)

    def bitwise_not(self):
        return bm.bitwise_not(self)

    def bitwise_left_shift(self, other):
        return bm.integer_binary(np.left_shift, self, other)

    def bitwise_right_shift(self, other):
        return bm.integer_binary(np.right_shift, self, other)

    def __lshift__(self, other):
        return bm.integer_binary(np.left_shift, self, other)

    def __rlshift__(self, other):
        return bm.integer_binary(np.left_shift, other, self)

    def __rshift__(self, other):
        return bm.integer_binary(np.right_shift, self, other)

    def __rrshift__(self, other):
        return bm.integer_binary(np.right_shift, other, self)

    def __ilshift__(self, other):
        return self._update(self << other)

    def __irshift__(self, other):
        return self._update(self >> other)

    def __iand__(self, other):
        return self._update(self & other)

    def __ior__(self, other):
        return self._update(self | other)

    def __ixor__(self, other):
        return self._update(self ^ other)

    def __imod__(self, other):
        return self._update(self % other)

    def __ifloordiv__(self, other):
        return self._update(self // other)

    # ----- scans and reductions -----
    def prod(self, dim=None, keepdim=False, dtype=None):
        return scan.prod(self, dim, keepdim, dtype)

    def cumsum(self, dim, dtype=None):
        return scan.cumsum(self, dim, dtype)

    def cumprod(self, dim, dtype=None):
        return scan.cumprod(self, dim, dtype)

    def cummax(self, dim):
        return scan.cum_extreme(self, dim, largest=True)

    def cummin(self, dim):
        return scan.cum_extreme(self, dim, largest=False)

    def logcumsumexp(self, dim):
        return scan.logcumsumexp(self, dim)

    def logsumexp(self, dim, keepdim=False):
        return scan.logsumexp(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return scan.amax(self, dim, keepdim, largest=True)

    def amin(self, dim=(), keepdim=False):
        return scan.amax(self, dim, keepdim, largest=False)

    def aminmax(self, *, dim=None, keepdim=False):
        from collections import namedtuple
        pair = namedtuple("aminmax", ["min", "max"])
        dim = () if dim is None else dim
        return pair(self.amin(dim, keepdim), self.amax(dim, keepdim))

    @reduce.axis_alias
    def std_mean(self, dim=None, unbiased=True, keepdim=False, correction=None):
        return self.std(dim, unbiased, keepdim, correction), self.mean(dim, keepdim)

    @reduce.axis_alias
    def var_mean(self, dim=None, unbiased=True, keepdim=False, correction=None):
        return self.var(dim, unbiased, keepdim, correction), self.mean(dim, keepdim)

    def count_nonzero(self, dim=None):
        return (self != 0).sum(dim)

    # ----- order statistics -----
    def sort(self, dim=-1, descending=False, stable=False):
        return sorting.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return sorting.argsort(self, dim, descending, stable)

    def msort(self):
        return sorting.sort(self, 0).values

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return sorting.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return sorting.kthvalue(self, k, dim, keepdim)

    def median(self, dim=None, keepdim=False):
        return sorting.median(self, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        return sorting.mode(self, dim, keepdim)


for _name in ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "rsqrt",
              "log2", "log10", "log1p", "expm1", "exp2", "reciprocal", "erf", "floor", "ceil", "trunc", "frac",
              "round", "sign", "square", "atan2", "hypot", "fmod", "lerp", "clamp_min", "clamp_max",
              "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
              "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "cumsum", "cumprod", "arcsin",
              "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "fix", "sgn", "arctan2", "logcumsumexp", "logical_not",
              "hypot", "logaddexp", "copysign"):
    setattr(TensorMoreMath, _name + "_", inplace(_name))


# torch accepts NumPy's ``axis=`` for ``dim`` in these too (the reductions above say so inline)
for _name in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "logsumexp", "amax", "amin", "aminmax",
              "prod", "sort", "argsort", "topk", "kthvalue", "median", "mode", "count_nonzero"):
    setattr(TensorMoreMath, _name, reduce.axis_alias(getattr(TensorMoreMath, _name)))
