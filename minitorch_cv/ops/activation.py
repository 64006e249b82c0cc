"""Activations beyond ReLU/Sigmoid/Tanh, each forward beside its backward (torch's formulas and
its gradients at the kinks): Hardtanh (ReLU6 = Hardtanh(0, 6)), LeakyReLU, GELU (exact erf or
tanh approximation), SiLU, Hardswish, Hardsigmoid."""
import math

import numpy as np

from ..autograd.function import Function
from ..kernels.special import erf
from ..tensor import Tensor


class Hardtanh(Function):
    """clip(x, min_val, max_val); the gradient passes strictly inside (min_val, max_val)."""

    backward_name = "HardtanhBackward0"

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return np.clip(x, x.dtype.type(min_val), x.dtype.type(max_val))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        low, high = ctx.bounds
        return np.where((x > low) & (x < high), grad, grad.dtype.type(0))


class LeakyReLU(Function):
    """x for x > 0, else negative_slope * x."""

    backward_name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.slope = x.dtype.type(negative_slope)
        return np.where(x > 0, x, x * ctx.slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        return np.where(x > 0, grad, grad * ctx.slope)


class GELU(Function):
    """x * Phi(x) (``approximate='none'``) or 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))) ('tanh')."""

    backward_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
            return (0.5 * x * (1 + np.tanh(inner))).astype(x.dtype)
        return (0.5 * x * (1 + erf(x / math.sqrt(2)))).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = np.tanh(k * (x + 0.044715 * x ** 3))
            slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
        else:
            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
            slope = cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return (grad * slope).astype(grad.dtype)


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class SiLU(Function):
    """x * sigmoid(x); gradient s * (1 + x * (1 - s))."""

    backward_name = "SiluBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        s = _sigmoid(x)
        return grad * (s * (1 + x * (1 - s)))


class Hardswish(Function):
    """x * relu6(x + 3) / 6; gradient 0 up to -3, x/3 + 1/2 strictly inside (-3, 3), 1 from 3 on."""

    backward_name = "HardswishBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / x.dtype.type(6)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        middle = grad * (x / x.dtype.type(3) + x.dtype.type(0.5))
        return np.where(x <= -3, grad.dtype.type(0), np.where(x < 3, middle, grad))


class Hardsigmoid(Function):
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3)."""

    backward_name = "HardsigmoidBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.clip(x + 3, 0, 6) / x.dtype.type(6)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        return np.where((x > -3) & (x < 3), grad / grad.dtype.type(6), grad.dtype.type(0))


def activate(name, function, input, inplace=False, **settings):
    """Apply ``function`` to ``input``; with ``inplace`` update and return ``input`` itself.

    Only Hardtanh (and ReLU6) accept integer tensors, as in torch."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if not input.dtype.is_floating_point and function is not Hardtanh:
        raise NotImplementedError(f"\"{name}\" not implemented for '{input.dtype.type_name}' (expected a "
                                  "floating-point input)")
    out = function.apply(input, **settings)
    return input._update(out) if inplace else out
