"""torch's type promotion for binary ops, dtype casts, and the ops that never carry a gradient.

A float beats an int beats a bool. A Python scalar, or a 0-d tensor next to a tensor with
dimensions, only counts when it lifts the category: float32 tensor + 2.5 stays float32,
int64 tensor + 2.5 becomes float32, int64 tensor + 0-d float64 tensor becomes float64.
"""
import numpy as np

from .. import _dtype
from ..autograd.function import Function, tensor_type


def quiet():
    """Like torch, stay silent on inf/nan results (log(0), 1/0, overflow)."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def operand(x):
    """A Tensor, or a Python scalar: NumPy scalars become Python scalars, arrays become tensors."""
    Tensor = tensor_type()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (Tensor, bool, int, float)):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    raise TypeError(f"expected a Tensor or a number as operand, got {type(x).__name__}")


def result_dtype(a, b):
    """torch's result type for two operands (Tensors or Python scalars), by the rule above."""
    Tensor = tensor_type()
    a_tensor, b_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_tensor and b_tensor:
        da, db = a.dtype, b.dtype
        if da is db:
            return da
        a_zero, b_zero = a._data.ndim == 0, b._data.ndim == 0
        if a_zero == b_zero:
            return _dtype.promote(da, db)
        dims, zero = (db, da) if a_zero else (da, db)
        return zero if _dtype.CATEGORY[zero] > _dtype.CATEGORY[dims] else dims
    if a_tensor:
        return _dtype.promote_scalar(a.dtype, b)
    if b_tensor:
        return _dtype.promote_scalar(b.dtype, a)
    return _dtype.promote_scalar(_dtype.scalar_dtype(a), b)


def cast(tensor, dtype):
    return tensor if tensor.dtype is dtype else Cast.apply(tensor, dtype=dtype.numpy)


def as_float(tensor):
    """Integer and bool tensors become float32 (as torch does for exp, log, sigmoid...)."""
    return tensor if tensor.dtype.is_floating_point else cast(tensor, _dtype.default_float)


def promoted(a, b, float_result=False):
    """Both operands cast to their common dtype (float32 at least when ``float_result``)."""
    Tensor = tensor_type()
    a, b = operand(a), operand(b)
    out = result_dtype(a, b)
    if float_result and not out.is_floating_point:
        out = _dtype.default_float
    a, b = (_integer_scalar(x, out) for x in (a, b))
    if isinstance(a, Tensor) and a.dtype is not out:
        a = Cast.apply(a, dtype=out.numpy)
    if isinstance(b, Tensor) and b.dtype is not out:
        b = Cast.apply(b, dtype=out.numpy)
    return a, b, out


def _integer_scalar(x, out):
    """A Python int next to a narrower integer tensor wraps around into its dtype, as in torch."""
    if isinstance(x, int) and not isinstance(x, bool) and out.numpy.kind in "iu" and out is not _dtype.int64:
        return np.array(x, dtype=np.int64).astype(out.numpy)
    return x


def binary(function, a, b, float_result=False, **kwargs):
    """Apply a broadcasting binary Function after torch-style dtype promotion of its operands."""
    a, b, out = promoted(a, b, float_result)
    if out is _dtype.bool_ and getattr(function, "bool_error", None):
        raise RuntimeError(function.bool_error)
    try:
        return function.apply(a, b, **kwargs)
    except ValueError:
        check_broadcast(np.shape(getattr(a, "_data", a)), np.shape(getattr(b, "_data", b)))
        raise


def check_broadcast(shape_a, shape_b):
    """torch's error for shapes that don't broadcast (instead of NumPy's)."""
    for i in range(1, min(len(shape_a), len(shape_b)) + 1):
        size_a, size_b = shape_a[-i], shape_b[-i]
        if size_a != size_b and 1 not in (size_a, size_b):
            raise RuntimeError(f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                               f"at non-singleton dimension {max(len(shape_a), len(shape_b)) - i}")


def compare(np_function, a, b):
    """A bool tensor from a NumPy comparison after promotion; comparisons carry no gradient."""
    Tensor = tensor_type()
    if isinstance(b, (list, tuple)):
        from ..tensor import tensor
        b = tensor(b)
    elif not isinstance(b, (Tensor, bool, int, float, np.generic, np.ndarray)):
        return NotImplemented
    a, b, _ = promoted(a, b)
    other = b._data if isinstance(b, Tensor) else b
    try:
        return Tensor._wrap(np.asarray(np_function(a._data, other)))
    except ValueError:
        check_broadcast(a._data.shape, np.shape(other))
        raise


class Cast(Function):
    """Change dtype; the gradient is cast back to the input's dtype."""
    backward_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.input_dtype)
