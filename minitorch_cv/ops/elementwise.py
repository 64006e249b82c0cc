"""Elementwise ops (arithmetic, exp/log, activations, casts) and torch's type promotion."""
import numpy as np

from .. import _dtype
from ..autograd.function import Function


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


def _tensor_type():
    from ..tensor import Tensor
    return Tensor


def binary(function, a, b, true_division=False, **kwargs):
    """Apply a broadcasting binary Function after torch-style dtype promotion of its operands."""
    Tensor = _tensor_type()
    if isinstance(a, np.ndarray):
        a = Tensor._wrap(a)
    if isinstance(b, np.ndarray):
        b = Tensor._wrap(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        out = _dtype.promote(a.dtype, b.dtype)
    elif isinstance(a, Tensor):
        out = _dtype.promote_scalar(a.dtype, b)
    else:
        out = _dtype.promote_scalar(b.dtype, a)
    if true_division and not out.is_floating_point:
        out = _dtype.default_float
    a = cast(a, out) if isinstance(a, Tensor) else a
    b = cast(b, out) if isinstance(b, Tensor) else b
    return function.apply(a, b, **kwargs)


def cast(tensor, dtype):
    return tensor if tensor.dtype is dtype else Cast.apply(tensor, dtype=dtype.numpy)


def as_float(tensor):
    """Integer and bool tensors become float32 (as torch does for exp, log, sigmoid...)."""
    return tensor if tensor.dtype.is_floating_point else cast(tensor, _dtype.default_float)


def compare(np_function, a, b):
    """A bool tensor from a NumPy comparison; comparisons carry no gradient."""
    Tensor = _tensor_type()
    other = b._data if isinstance(b, Tensor) else b
    return Tensor._wrap(np.asarray(np_function(a._data, other)))


def _shape(x):
    return np.shape(x)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return np.add(a, b)

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(grad, sb)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(-grad, sb) if ctx.needs_input_grad[1] else None


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        ga = unbroadcast(grad * b, _shape(a)) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(grad * a, _shape(b)) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        ga = unbroadcast(grad / b, _shape(a)) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(-grad * a / (b * b), _shape(b)) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """``a ** b`` with gradients for both base and exponent."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_arrays
        ga = unbroadcast(grad * b * np.power(a, b - 1), _shape(a)) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            log_a = np.log(np.where(a > 0, a, 1))
            gb = unbroadcast(grad * out * log_a, _shape(b))
        return ga, gb


def power(tensor, exponent):
    """``tensor ** exponent``; a scalar exponent gets the cheaper PowScalar op."""
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        base = tensor if isinstance(exponent, int) else as_float(tensor)
        return PowScalar.apply(base, exponent=exponent)
    return binary(Pow, tensor, exponent)


class PowScalar(Function):
    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        return np.power(x, exponent) if x.dtype.kind == "f" or exponent >= 0 else np.power(x.astype(np.float32), exponent)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        e = ctx.exponent
        return grad * (e * np.power(x, e - 1)).astype(x.dtype, copy=False)


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return grad / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad * np.sign(x)


class ReLU(Function):
    """max(x, 0); the gradient at exactly 0 is 0, as in torch."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return np.where(out > 0, grad, 0).astype(grad.dtype, copy=False)


class Sigmoid(Function):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""

    @staticmethod
    def forward(ctx, x):
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return grad * out * (1 - out)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return grad * (1 - out * out)


class Clamp(Function):
    """Clip to [min, max]; the gradient passes where min <= x <= max (torch's rule)."""

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        out = x
        if min is not None:
            out = np.maximum(out, np.asarray(min, dtype=x.dtype))
        if max is not None:
            out = np.minimum(out, np.asarray(max, dtype=x.dtype))
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        low, high = ctx.bounds
        keep = np.ones(x.shape, dtype=bool)
        if low is not None:
            keep &= x >= low
        if high is not None:
            keep &= x <= high
        return np.where(keep, grad, 0).astype(grad.dtype, copy=False)


class Cast(Function):
    """Change dtype; the gradient is cast back to the input's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.input_dtype)


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Where(Function):
    """``mask ? a : b``; each gradient flows only where its side was chosen."""

    @staticmethod
    def forward(ctx, a, b, mask=None):
        ctx.mask, ctx.shapes = mask, (_shape(a), _shape(b))
        return np.where(mask, a, b)

    @staticmethod
    def backward(ctx, grad):
        zero = np.zeros((), dtype=grad.dtype)
        ga = unbroadcast(np.where(ctx.mask, grad, zero), ctx.shapes[0]) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(np.where(ctx.mask, zero, grad), ctx.shapes[1]) if ctx.needs_input_grad[1] else None
        return ga, gb


def where(condition, a, b):
    """Choose elementwise from ``a`` where ``condition`` holds, else from ``b`` (with promotion)."""
    Tensor = _tensor_type()
    mask = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    return binary(Where, a, b, mask=mask.astype(bool))
