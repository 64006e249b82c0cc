"""Unary math (trigonometric, hyperbolic, exp/log variants, rounding, sign) with forward and backward together.

Each op is one line: its NumPy forward and its derivative ``(x, out, grad) -> grad_x``,
written as torch's derivatives.yaml writes them so float32 results round the same way.
``float_unary`` turns integer and bool inputs into float32 first, as torch does; the
rounding ops keep integer dtypes (a copy) and have a zero gradient.
"""
import numpy as np

from .. import _dtype
from ..autograd.function import Function
from .promotion import as_float, quiet

LN2 = 0.6931471805599453
LN10 = 2.3025850929940456


def _unary(name, forward, derivative, backward_name=None, saves_input=True):
    """A Function class computing ``forward(x)`` whose backward is ``derivative(x, out, grad)``."""

    def fwd(ctx, x):
        with quiet():
            out = forward(x)
        ctx.save_for_backward(x if saves_input else None, out)
        return out

    def bwd(ctx, grad):
        x, out = ctx.saved_arrays
        with quiet():
            return np.asarray(derivative(x, out, grad), dtype=grad.dtype)

    return type(name, (Function,), {"forward": staticmethod(fwd), "backward": staticmethod(bwd),
                                    "backward_name": backward_name, "__doc__": f"{name} (torch.{name.lower()})."})


def _rsqrt(x):
    return 1 / np.sqrt(x)


def _zero(x, out, grad):
    return np.zeros_like(grad)


Sin = _unary("Sin", np.sin, lambda x, y, g: g * np.cos(x))
Cos = _unary("Cos", np.cos, lambda x, y, g: g * -np.sin(x))
Tan = _unary("Tan", np.tan, lambda x, y, g: g * (1 + y * y))
Asin = _unary("Asin", np.arcsin, lambda x, y, g: g * _rsqrt(-x * x + 1))
Acos = _unary("Acos", np.arccos, lambda x, y, g: g * -_rsqrt(-x * x + 1))
Atan = _unary("Atan", np.arctan, lambda x, y, g: g / (x * x + 1))
Sinh = _unary("Sinh", np.sinh, lambda x, y, g: g * np.cosh(x))
Cosh = _unary("Cosh", np.cosh, lambda x, y, g: g * np.sinh(x))
Asinh = _unary("Asinh", np.arcsinh, lambda x, y, g: g * _rsqrt(x * x + 1))
Acosh = _unary("Acosh", np.arccosh, lambda x, y, g: g * _rsqrt(x * x - 1))
Atanh = _unary("Atanh", np.arctanh, lambda x, y, g: g / (1 - x * x))
Rsqrt = _unary("Rsqrt", _rsqrt, lambda x, y, g: -0.5 * g * y * y * y)
Log2 = _unary("Log2", np.log2, lambda x, y, g: g / (x * LN2))
Log10 = _unary("Log10", np.log10, lambda x, y, g: g / (x * LN10))
Log1p = _unary("Log1p", np.log1p, lambda x, y, g: g / (x + 1))
Expm1 = _unary("Expm1", np.expm1, lambda x, y, g: g * (y + 1))
Exp2 = _unary("Exp2", np.exp2, lambda x, y, g: g * y * LN2)
Reciprocal = _unary("Reciprocal", np.reciprocal, lambda x, y, g: -g * (y * y))
Square = _unary("Square", np.square, lambda x, y, g: g * 2 * x, backward_name="PowBackward0")
Floor = _unary("Floor", np.floor, _zero, saves_input=False)
Ceil = _unary("Ceil", np.ceil, _zero, saves_input=False)
Trunc = _unary("Trunc", np.trunc, _zero, saves_input=False)
Round = _unary("Round", np.rint, _zero, saves_input=False)
Frac = _unary("Frac", lambda x: x - np.trunc(x), lambda x, y, g: g, saves_input=False)
Sign = _unary("Sign", np.sign, _zero, saves_input=False)


def _erf(x):
    from math import erf
    return np.vectorize(erf, otypes=[x.dtype])(x) if x.size else x.copy()


Erf = _unary("Erf", _erf, lambda x, y, g: g * (2 / np.sqrt(np.pi)) * np.exp(-x * x))

FLOAT_OPS = {"sin": Sin, "cos": Cos, "tan": Tan, "asin": Asin, "acos": Acos, "atan": Atan, "sinh": Sinh,
             "cosh": Cosh, "asinh": Asinh, "acosh": Acosh, "atanh": Atanh, "rsqrt": Rsqrt, "log2": Log2,
             "log10": Log10, "log1p": Log1p, "expm1": Expm1, "exp2": Exp2, "reciprocal": Reciprocal,
             "erf": Erf}
ROUNDING_OPS = {"floor": Floor, "ceil": Ceil, "trunc": Trunc, "frac": Frac}


def float_unary(name, tensor):
    """A float-valued op: integer and bool tensors are computed in float32."""
    return FLOAT_OPS[name].apply(as_float(tensor))


def _not_for(name, tensor, *dtypes):
    if tensor.dtype in dtypes or (not dtypes and not tensor.dtype.is_floating_point):
        raise NotImplementedError(f'"{name}" not implemented for \'{tensor.dtype.type_name}\'')


def rounding(name, tensor):
    """floor/ceil/trunc keep integer dtypes (a copy); bool is refused, and frac needs floats, as torch."""
    _not_for(name, tensor, _dtype.bool_)
    if name == "frac":
        _not_for(name, tensor)
    if not tensor.dtype.is_floating_point:
        return tensor.clone()
    return ROUNDING_OPS[name].apply(tensor)


def round(tensor, decimals=0):
    """Round half to even; with ``decimals``, scale by 10**decimals first (as torch and NumPy)."""
    _not_for("round", tensor, _dtype.bool_)
    if not tensor.dtype.is_floating_point:
        if decimals:
            _not_for("round", tensor)
        return tensor.clone()
    if not decimals:
        return Round.apply(tensor)
    return RoundDecimals.apply(tensor, decimals=int(decimals))


class RoundDecimals(Function):
    backward_name = "RoundBackward1"

    @staticmethod
    def forward(ctx, x, decimals):
        scale = x.dtype.type(10.0 ** abs(decimals))
        with quiet():
            return np.rint(x * scale) / scale if decimals > 0 else np.rint(x / scale) * scale

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


def sign(tensor):
    """-1, 0 or 1 in the input's dtype (bool stays bool)."""
    if tensor.dtype is _dtype.bool_:
        return tensor.clone()
    return Sign.apply(tensor)


def square(tensor):
    """x * x; bool becomes int64, as torch's pow(x, 2)."""
    if tensor.dtype is _dtype.bool_:
        tensor = tensor.long()
    return Square.apply(tensor)
