"""Binary cross-entropy on probabilities and on logits, forward and backward together.

The Functions give the unweighted elementwise loss (gradients for input and target); the
optional ``weight`` and the reduction are applied with ordinary differentiable ops.
"""
import numpy as np

from ..autograd.function import Function, tensor_type
from .promotion import quiet

EPSILON = 1e-12


class BinaryCrossEntropy(Function):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100 as torch does."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with quiet():
            log_x, log_rest = np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)
        return -(y * log_x + (1 - y) * log_rest)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_arrays
        with quiet():
            grad_x = grad * (x - y) / np.maximum((1 - x) * x, EPSILON) if ctx.needs_input_grad[0] else None
            grad_y = None
            if ctx.needs_input_grad[1]:
                grad_y = grad * (np.log1p(-x) - np.log(x))  # not clamped: infinite at 0 and 1, as torch
        return grad_x, grad_y


class BinaryCrossEntropyWithLogits(Function):
    """(1 - y) x + L (log1p(exp(-|x|)) + max(-x, 0)) with L = (pos_weight - 1) y + 1."""

    @staticmethod
    def forward(ctx, x, y, pos_weight=None):
        with quiet():
            softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
        log_weight = 1 if pos_weight is None else (pos_weight - 1) * y + 1
        ctx.save_for_backward(x, y, softplus_neg)
        ctx.pos_weight = pos_weight
        return (1 - y) * x + log_weight * softplus_neg

    @staticmethod
    def backward(ctx, grad):
        x, y, softplus_neg = ctx.saved_arrays
        pos_weight = 1 if ctx.pos_weight is None else ctx.pos_weight
        with quiet():
            sigmoid = 1 / (1 + np.exp(-x))
            grad_x = grad * (((pos_weight - 1) * y + 1) * sigmoid - pos_weight * y)
            grad_y = grad * ((pos_weight - 1) * softplus_neg - x) if ctx.needs_input_grad[1] else None
        return grad_x.astype(grad.dtype), None if grad_y is None else np.asarray(grad_y, dtype=grad.dtype)


def _reduce(loss, weight, reduction):
    if weight is not None:
        loss = loss * weight
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check(input, target, name):
    Tensor = tensor_type()
    for value, what in ((input, "input"), (target, "target")):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{what}' must be Tensor, not {type(value).__name__}")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size."
                         if name == "binary_cross_entropy" else
                         f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if not input.dtype.is_floating_point or target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {target.dtype.type_name} but expected {input.dtype.type_name}")


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    _check(input, target, "binary_cross_entropy")
    if weight is not None and weight.requires_grad:
        raise RuntimeError("The function 'binary_cross_entropy' is not differentiable with respect to argument "
                           "'weight'. This input cannot have requires_grad True.")
    if input._data.size and (input._data.min() < 0 or input._data.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    return _reduce(BinaryCrossEntropy.apply(input, target), weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    _check(input, target, "binary_cross_entropy_with_logits")
    pos = None if pos_weight is None else np.asarray(getattr(pos_weight, "_data", pos_weight), dtype=input._data.dtype)
    return _reduce(BinaryCrossEntropyWithLogits.apply(input, target, pos_weight=pos), weight, reduction)
