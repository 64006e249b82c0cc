"""The smooth activations of torch.nn.functional that no layer module here uses yet: elu, celu, selu,
softplus, softsign, mish, logsigmoid (and softmin on top of softmax), forward and backward together,
with torch's formulas so float32 results round the same way.
"""
import numpy as np

from ..autograd.function import Function
from .promotion import quiet

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class ELU(Function):
    """scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)); elu, celu and selu."""

    @staticmethod
    def forward(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0):
        ctx.save_for_backward(x)
        ctx.coefficients = (alpha, scale, input_scale)
        with quiet():
            negative = x.dtype.type(alpha) * np.expm1(x * x.dtype.type(input_scale))
        out = np.where(x > 0, x, negative)
        return out * x.dtype.type(scale) if scale != 1 else out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        alpha, scale, input_scale = (grad.dtype.type(c) for c in ctx.coefficients)
        with quiet():
            negative = grad * (alpha * scale * input_scale) * np.exp(x * input_scale)
        return np.where(x > 0, grad * scale, negative)


class CELU(ELU):
    backward_name = "EluBackward0"


class SELU(ELU):
    backward_name = "EluBackward0"


class Softplus(Function):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        beta_x = x * x.dtype.type(beta)
        with quiet():
            return np.where(beta_x > threshold, x, np.log1p(np.exp(beta_x)) / x.dtype.type(beta))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        beta_x = x * x.dtype.type(ctx.beta)
        with quiet():
            z = np.exp(beta_x)
            return np.where(beta_x > ctx.threshold, grad, grad * z / (z + 1))


class Softsign(Function):
    """x / (1 + |x|); the derivative is 1 / (1 + |x|)²."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + np.abs(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        denominator = 1 + np.abs(x)
        return grad / (denominator * denominator)


class Mish(Function):
    """x * tanh(softplus(x)); d/dx = tanh(sp) + x * sigmoid(x) * (1 - tanh(sp)²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return x * np.tanh(np.log1p(np.exp(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        with quiet():
            sigmoid = 1 / (1 + np.exp(-x))
            tanh_softplus = np.tanh(np.log1p(np.exp(x)))
            return grad * (tanh_softplus + x * sigmoid * (1 - tanh_softplus * tanh_softplus))


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), without overflow on either side."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_arrays
        negative = x < 0
        with quiet():
            z = np.exp(-np.abs(x))
            return grad * (negative - np.where(negative, 1, -1) * (z / (1 + z)))


def _float_input(input, name):
    from ..autograd.function import tensor_type
    if not isinstance(input, tensor_type()):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for \'{input.dtype.type_name}\'')
    return input


def _inplace(input, result, inplace):
    return input._update(result) if inplace else result


def elu(input, alpha=1.0, inplace=False):
    return _inplace(input, ELU.apply(_float_input(input, "elu"), alpha=alpha), inplace)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _inplace(input, CELU.apply(_float_input(input, "celu"), alpha=alpha, input_scale=1.0 / alpha), inplace)


def selu(input, inplace=False):
    result = SELU.apply(_float_input(input, "selu"), alpha=SELU_ALPHA, scale=SELU_SCALE)
    return _inplace(input, result, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(_float_input(input, "softplus"), beta=beta, threshold=threshold)


def softsign(input):
    return Softsign.apply(_float_input(input, "softsign"))


def mish(input, inplace=False):
    return _inplace(input, Mish.apply(_float_input(input, "mish")), inplace)


def logsigmoid(input):
    return LogSigmoid.apply(_float_input(input, "log_sigmoid_forward"))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    from ..nn import functional as F
    return F.softmax(-(input.to(dtype) if dtype is not None else input), dim=dim, _stacklevel=_stacklevel + 1)
