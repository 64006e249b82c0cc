"""Elementwise ops (arithmetic, exp/log, activations, clamp, maximum, where) with forward and backward together.

Binary ops go through ``promotion.binary``, which applies torch's type promotion and casts
tensor operands first, so every Function here sees operands of the result dtype.
"""
import numpy as np

from .. import _dtype
from ..autograd.function import Function, tensor_type
from ..kernels.activation import grad_above, grad_inside, relu
from .promotion import binary, cast, checked_scalar, operand, promoted, quiet as _quiet
from .tiles import per_worker


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


# ----- arithmetic -----
def add_into(a, b, out=None):
    """``a + b`` into ``out`` (a new array when None; may be ``a``): NumPy's add, split over the
    worker threads for large same-shape contiguous operands (ResNets' residual sums)."""
    same = (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
            and a.dtype == b.dtype and a.flags.c_contiguous and b.flags.c_contiguous)
    if not same or a.size < PARALLEL_MIN_SIZE:
        return np.add(a, b, out=out)
    out = np.empty_like(a) if out is None else out
    flat_a, flat_b, flat_out = a.reshape(-1), b.reshape(-1), out.reshape(-1)
    over_ranges(a.size, lambda start, stop: np.add(flat_a[start:stop], flat_b[start:stop], out=flat_out[start:stop]))
    return out


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        return add_into(a, b)

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(grad, sb)


class Sub(Function):
    bool_error = ("Subtraction, the `-` operator, with two bool tensors is not supported. "
                  "Use the `^` or `logical_xor()` operator instead.")

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(-grad, sb) if ctx.needs_input_grad[1] else None


class Rsub(Sub):
    """``scalar - tensor``."""
    backward_name = "RsubBackward1"


class Mul(Function):
    """Saves each operand only when the other one's gradient needs it (as torch, so changing the
    unneeded one in place afterwards is allowed)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        sa, sb = ctx.shapes
        with _quiet():
            ga = unbroadcast(grad * b, sa) if ctx.needs_input_grad[0] else None
            gb = unbroadcast(grad * a, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """Saves the numerator only when the denominator's gradient needs it (as torch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        with _quiet():
            return np.divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        sa, sb = ctx.shapes
        with _quiet():
            ga = unbroadcast(grad / b, sa) if ctx.needs_input_grad[0] else None
            gb = unbroadcast(-grad * ((a / b) / b), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Remainder(Function):
    """``a % b`` with the sign of ``b`` (Python's and torch's rule)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with _quiet():
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        gb = None
        if ctx.needs_input_grad[1]:
            with _quiet():
                gb = unbroadcast(-grad * np.floor_divide(a, b), np.shape(b))
        return unbroadcast(grad, np.shape(a)), gb


class Pow(Function):
    """``a ** b`` for two tensors; gradients for base and exponent with torch's zero rules."""
    backward_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        with _quiet():
            out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_arrays
        ga = gb = None
        with _quiet():
            if ctx.needs_input_grad[0]:
                ga = unbroadcast(np.where(b == 0, 0, grad * (b * np.power(a, b - 1))), np.shape(a))
            if ctx.needs_input_grad[1]:
                gb = unbroadcast(grad * np.where((a == 0) & (b >= 0), 0, out * np.log(a)), np.shape(b))
        return ga, gb


class RPow(Pow):
    """``scalar ** tensor``."""
    backward_name = "PowBackward2"


class PowScalar(Function):
    """``tensor ** number``."""
    backward_name = "PowBackward0"

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        with _quiet():
            return np.power(x, exponent)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        e = ctx.exponent
        if e == 0:
            return np.zeros_like(grad)
        with _quiet():
            return grad * (e * np.power(x, e - 1))


def power(base, exponent):
    """``base ** exponent`` with torch's dtype rules (an integer to a negative scalar power is refused)."""
    Tensor = tensor_type()
    exponent = operand(exponent)
    if isinstance(base, Tensor) and not isinstance(exponent, Tensor):
        out = _dtype.promote_scalar(base.dtype, exponent)
        if not out.is_floating_point and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowScalar.apply(cast(base, out), exponent=exponent)
    base, exponent, out = promoted(base, exponent)
    if not out.is_floating_point and np.any(exponent._data < 0):
        from .binary_math import integer_power
        return integer_power(base, exponent, out)
    if isinstance(base, Tensor):
        return Pow.apply(base, exponent)
    return RPow.apply(np.asarray(base, dtype=out.numpy), exponent)


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise NotImplementedError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                                      "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


# ----- unary math and activations -----
class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
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
        with _quiet():
            return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        with _quiet():
            return grad / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        with _quiet():
            out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        with _quiet():
            return grad / (2 * out)


class Abs(Function):
    """|x|; the gradient at exactly 0 is 0 (sign(0) = 0), as in torch."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad * np.sign(x)


_KERNEL_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


PARALLEL_MIN_SIZE = 1 << 18
"""From this many elements the one-pass kernels below split the array over the worker threads:
ReLU's forward and backward in a ResNet-20 step (19 each, 2-8 MB) took 16.5 of 253 ms on one
thread of two."""


def over_ranges(size, call):
    """``call(start, stop)`` over [0, size): inline when small, else over contiguous ranges
    shared among the worker threads (``ops/tiles.per_worker``)."""
    if size < PARALLEL_MIN_SIZE:
        call(0, size)
        return
    per_worker(size, call)


def masked_grad(values, grad, low, high=None):
    """``grad`` where ``low < values < high``, else 0, compared in the values' dtype: the backward
    of Hardtanh. ``high=None``: 0 where ``values <= low``, else ``grad``: ReLU's (+inf and NaN
    pass their gradient there, as in torch). Branch-free kernels (``kernels/activation.py``)."""
    low = values.dtype.type(low)
    high = None if high is None else values.dtype.type(high)
    if values.shape != grad.shape or values.dtype != grad.dtype or values.dtype not in _KERNEL_FLOATS:
        if high is None:
            return np.where(values <= low, grad.dtype.type(0), grad)
        return np.where((values > low) & (values < high), grad, grad.dtype.type(0))
    result = np.empty(grad.shape, grad.dtype)
    flat_values, flat_grad = np.ascontiguousarray(values).reshape(-1), np.ascontiguousarray(grad).reshape(-1)
    flat_result = result.reshape(-1)
    if high is None:
        over_ranges(result.size, lambda a, b: grad_above(flat_values[a:b], flat_grad[a:b], low, flat_result[a:b]))
    else:
        over_ranges(result.size, lambda a, b: grad_inside(flat_values[a:b], flat_grad[a:b], low, high,
                                                          flat_result[a:b]))
    return result


def relu_into(x, out):
    """``out`` = 0 where ``x < 0``, else ``x`` (-0.0 and NaN kept, as torch), in one pass for
    contiguous float32/float64; ``out`` may be ``x`` itself (``relu_`` outside the graph)."""
    if x.dtype in _KERNEL_FLOATS and x.flags.c_contiguous and out.flags.c_contiguous:
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        over_ranges(x.size, lambda a, b: relu(flat_x[a:b], flat_out[a:b]))
    else:
        np.copyto(out, np.where(x < 0, x.dtype.type(0), x))
    return out


class ReLU(Function):
    """max(x, 0); the gradient at exactly 0 is 0, as in torch."""
    backward_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x):
        out = relu_into(x, np.empty(x.shape, x.dtype))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return masked_grad(out, grad, 0.0)


class Sigmoid(Function):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""

    @staticmethod
    def forward(ctx, x):
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return grad * (out * (1 - out))


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
    """Clip to [min, max] (numbers); the gradient passes strictly inside, as torch 2.x does."""
    backward_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        out = x
        if min is not None:
            out = np.maximum(out, checked_scalar(min, x.dtype))
        if max is not None:
            out = np.minimum(out, checked_scalar(max, x.dtype))
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        low, high = ctx.bounds
        keep = (x > low) if low is not None else np.ones(x.shape, dtype=bool)
        if high is not None:
            keep &= x < high
        return np.where(keep, grad, grad.dtype.type(0))


def clamp(tensor, min=None, max=None):
    """``clamp(min, max)`` with numbers or tensors as bounds (tensor bounds split ties like torch)."""
    Tensor = tensor_type()
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = tensor if min is None else maximum(tensor, min)
        return out if max is None else minimum(out, max)
    min, max = (None if v is None else operand(v) for v in (min, max))
    out = tensor.dtype
    for bound in (min, max):
        if bound is not None:
            out = _dtype.promote(out, _dtype.promote_scalar(tensor.dtype, bound))
    return Clamp.apply(cast(tensor, out), min=min, max=max)


class Maximum(Function):
    """Elementwise max of two tensors; on ties each side gets half the gradient, as in torch."""

    @staticmethod
    def forward(ctx, a, b, largest=True):
        ctx.save_for_backward(a, b)
        ctx.largest = largest
        return np.maximum(a, b) if largest else np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        a_wins = (a > b) if ctx.largest else (a < b)
        share_a = np.where(a == b, grad / 2, np.where(a_wins, grad, 0))
        ga = unbroadcast(share_a, np.shape(a)) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(grad - share_a, np.shape(b)) if ctx.needs_input_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    backward_name = "MinimumBackward0"


def maximum(a, b):
    return binary(Maximum, a, b, largest=True)


def minimum(a, b):
    return binary(Minimum, a, b, largest=False)


# ----- copies and selection -----
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
        ctx.mask, ctx.shapes = mask, (np.shape(a), np.shape(b))
        return np.where(mask, a, b)

    @staticmethod
    def backward(ctx, grad):
        zero = grad.dtype.type(0)
        ga = unbroadcast(np.where(ctx.mask, grad, zero), ctx.shapes[0]) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(np.where(ctx.mask, zero, grad), ctx.shapes[1]) if ctx.needs_input_grad[1] else None
        return ga, gb


def where(condition, a, b):
    """Choose elementwise from ``a`` where ``condition`` holds, else from ``b`` (with promotion)."""
    Tensor = tensor_type()
    mask = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if mask.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_dtype.from_numpy_dtype(mask.dtype).type_name}")
    a, b = operand(a), operand(b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor._wrap(np.asarray(a, dtype=_dtype.scalar_dtype(a).numpy))
    return binary(Where, a, b, mask=mask)
