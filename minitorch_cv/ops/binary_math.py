"""Binary math beyond arithmetic (atan2, fmod, lerp, hypot, logaddexp, rounded division), forward
and backward together, plus the ops without a gradient: logical, bitwise and shift operators, isclose.

Operands go through ``promotion.promoted`` (torch's type promotion) before the Function sees them.
"""
import numpy as np

from .. import _dtype
from ..autograd.function import Function, tensor_type
from .elementwise import unbroadcast
from .promotion import check_broadcast, operand, promoted, quiet


def _grads(ctx, grad, ga, gb):
    """Each side's gradient (computed only when needed) summed back to that side's shape."""
    a, b = ctx.saved_arrays[:2]
    with quiet():
        return (unbroadcast(ga(), np.shape(a)) if ctx.needs_input_grad[0] else None,
                unbroadcast(gb(), np.shape(b)) if ctx.needs_input_grad[1] else None)


class Atan2(Function):
    """atan2(a, b): d/da = b / (a² + b²), d/db = -a / (a² + b²)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        with quiet():
            denominator = a * a + b * b
        return _grads(ctx, grad, lambda: grad * (b / denominator), lambda: grad * (-a / denominator))


class Fmod(Function):
    """C's fmod (sign of the dividend): d/da = 1, d/db = -trunc(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with quiet():
            return np.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        return _grads(ctx, grad, lambda: grad, lambda: -grad * np.trunc(a / b))


class _SavesOutput(Function):
    """A binary op whose backward needs both operands and the output; ``compute`` is the forward."""

    @classmethod
    def forward(cls, ctx, a, b):
        with quiet():
            out = cls.compute(a, b)
        ctx.save_for_backward(a, b, out)
        return out


class Hypot(_SavesOutput):
    """sqrt(a² + b²): d/da = a / out, d/db = b / out."""
    compute = staticmethod(np.hypot)

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_arrays
        return _grads(ctx, grad, lambda: grad * (a / out), lambda: grad * (b / out))


class LogAddExp(_SavesOutput):
    """log(exp(a) + exp(b)) without overflow: d/da = exp(a - out), d/db = exp(b - out)."""
    compute = staticmethod(np.logaddexp)

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_arrays
        return _grads(ctx, grad, lambda: grad * np.exp(a - out), lambda: grad * np.exp(b - out))


class CopySign(_SavesOutput):
    """|a| with the sign of b: d/da = sign agreement (0 where a is 0), d/db = 0."""
    compute = staticmethod(np.copysign)

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_arrays
        with quiet():
            local = np.where(a == 0, 0, out / np.where(a == 0, 1, a))
        return _grads(ctx, grad, lambda: grad * local, lambda: np.zeros_like(grad))


class RoundedDiv(Function):
    """``div(rounding_mode="trunc"/"floor")`` and ``//``: a step function, so both gradients are 0."""
    backward_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.shapes = (np.shape(a), np.shape(b))
        with quiet():
            if mode == "floor":
                return np.floor_divide(a, b)
            if np.asarray(a).dtype.kind == "f":
                return np.trunc(np.divide(a, b))
            return (a - np.fmod(a, b)) // b

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.zeros(shape, dtype=grad.dtype) for shape in ctx.shapes)


class FloorDivide(RoundedDiv):
    """``//`` and ``floor_divide``: torch records them but has no derivative, and says so in backward."""
    backward_name = "NotImplemented"

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


def _check_integer_divisor(out, b, kernel):
    if out is _dtype.bool_:
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'Bool\'')
    if not out.is_floating_point and np.any(np.asarray(getattr(b, "_data", b)) == 0):
        raise RuntimeError("ZeroDivisionError")


def rounded_div(a, b, rounding_mode="floor", function=RoundedDiv):
    a, b, out = promoted(a, b)
    _check_integer_divisor(out, b, "div_floor" if rounding_mode == "floor" else "div_trunc")
    return _apply(function, a, b, out, mode=rounding_mode)


def floor_divide(a, b):
    return rounded_div(a, b, "floor", FloorDivide)


def _apply(function, a, b, out, **kwargs):
    """Apply a promoted binary Function with a tensor on the left (a scalar is made a 0-d array)."""
    Tensor = tensor_type()
    if not isinstance(a, Tensor):
        a = np.asarray(a, dtype=out.numpy)
    if not isinstance(b, Tensor):
        b = np.asarray(b, dtype=out.numpy)
    try:
        return function.apply(a, b, **kwargs)
    except ValueError:
        check_broadcast(np.shape(getattr(a, "_data", a)), np.shape(getattr(b, "_data", b)))
        raise


def integer_power(base, exponent, out):
    """Integer base ** integer tensor exponent with negative entries: 0, except for bases 1 and -1 (torch)."""
    b = np.asarray(_raw(base), dtype=out.numpy)
    e = np.asarray(_raw(exponent), dtype=out.numpy)
    with quiet():
        positive = np.power(b, np.maximum(e, 0))
    negative = np.where(b == 1, 1, np.where(b == -1, np.where(e % 2 == 1, -1, 1), 0))
    return _wrap(np.where(e >= 0, positive, negative).astype(out.numpy))


def float_only_binary(function, a, b, kernel):
    """hypot and logaddexp: torch has them for floating-point operands only."""
    _, _, out = promoted(a, b)
    if not out.is_floating_point:
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{out.type_name}\'')
    return float_binary(function, a, b)


def float_binary(function, a, b):
    """A float-valued binary op (atan2, hypot, logaddexp): integer operands are computed in float32."""
    a, b, out = promoted(a, b, float_result=True)
    return _apply(function, a, b, out)


def fmod(a, b):
    a, b, out = promoted(a, b)
    _check_integer_divisor(out, b, "fmod")
    return _apply(Fmod, a, b, out)


def remainder(a, b):
    from .elementwise import Remainder
    a, b, out = promoted(a, b)
    _check_integer_divisor(out, b, "remainder")
    return _apply(Remainder, a, b, out)


class Lerp(Function):
    """start + weight * (end - start), computed from the nearer end as torch does."""

    @staticmethod
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        diff = end - start
        return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_arrays
        shapes = [np.shape(a) for a in (start, end, weight)]
        local = (lambda: grad * (1 - weight), lambda: grad * weight, lambda: grad * (end - start))
        return tuple(unbroadcast(np.asarray(f(), dtype=grad.dtype), s) if need else None
                     for f, s, need in zip(local, shapes, ctx.needs_input_grad))


def lerp(start, end, weight):
    """torch.lerp: ``start`` and ``end`` must share a float dtype; ``weight`` a number or a tensor."""
    Tensor = tensor_type()
    if end.dtype is not start.dtype:
        raise RuntimeError(f"expected dtype {start.dtype.type_name} for `end` but got dtype {end.dtype.type_name}")
    if not start.dtype.is_floating_point:
        raise NotImplementedError(f'"lerp_kernel_scalar" not implemented for \'{start.dtype.type_name}\'')
    weight = operand(weight)
    if not isinstance(weight, Tensor):
        weight = np.asarray(weight, dtype=start.dtype.numpy)
    elif weight.dtype is not start.dtype:
        raise RuntimeError(f"expected dtype {start.dtype.type_name} for `weight` but got dtype "
                           f"{weight.dtype.type_name}")
    try:
        return Lerp.apply(start, end, weight)
    except ValueError:
        check_broadcast(start._data.shape, end._data.shape)
        raise


# ----- no gradient: logical, bitwise, shifts, closeness -----
def _raw(x):
    return x._data if hasattr(x, "_data") else x


def _wrap(array):
    return tensor_type()._wrap(np.asarray(array))


def logical(np_function, a, b=None):
    """logical_and/or/xor/not: any dtype in, bool out (nonzero counts as True)."""
    a = operand(a)
    if b is None:
        return _wrap(np_function(_raw(a)))
    b = operand(b)
    try:
        return _wrap(np_function(_raw(a), _raw(b)))
    except ValueError:
        check_broadcast(np.shape(_raw(a)), np.shape(_raw(b)))
        raise


_KERNEL_NAMES = {"bitwise_and": "bitwise_and_cpu", "bitwise_or": "bitwise_or_cpu",
                 "bitwise_xor": "bitwise_xor_cpu", "left_shift": "lshift_cpu", "right_shift": "rshift_cpu"}


def integer_binary(np_function, a, b):
    """&, |, ^, <<, >> on bool and integer tensors (shifts on integers only), with promotion."""
    a, b, out = promoted(a, b)
    kernel = _KERNEL_NAMES[np_function.__name__]
    if out.is_floating_point or (out is _dtype.bool_ and "shift" in np_function.__name__):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{out.type_name}\'')
    a_data, b_data = np.asarray(_raw(a), dtype=out.numpy), np.asarray(_raw(b), dtype=out.numpy)
    try:
        if np_function is np.left_shift:
            bits = out.numpy.itemsize * 8
            result = np.where((b_data >= bits) | (b_data < 0), 0, np.left_shift(a_data, np.clip(b_data, 0, bits - 1)))
        elif np_function is np.right_shift:
            bits = out.numpy.itemsize * 8
            result = np.right_shift(a_data, np.clip(b_data, 0, bits - 1))
        else:
            result = np_function(a_data, b_data)
    except ValueError:
        check_broadcast(a_data.shape, b_data.shape)
        raise
    return _wrap(np.asarray(result, dtype=out.numpy))


def bitwise_not(tensor):
    if tensor.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return _wrap(np.invert(tensor._data))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol * |b| elementwise (infinities equal only to themselves), as torch.isclose."""
    Tensor = tensor_type()
    b = operand(b)
    if isinstance(b, Tensor) and a.dtype is not b.dtype:
        raise RuntimeError(f"{a.dtype.type_name} did not match {b.dtype.type_name}")
    a_data, b_data = _raw(a), _raw(b)
    with quiet():
        try:
            return _wrap(np.isclose(a_data, b_data, rtol=rtol, atol=atol, equal_nan=equal_nan))
        except ValueError:
            check_broadcast(np.shape(a_data), np.shape(b_data))
            raise
