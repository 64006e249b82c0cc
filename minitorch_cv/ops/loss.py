"""Softmax, log-softmax and the losses (cross-entropy, NLL, MSE, L1), each forward beside its backward.

Cross-entropy is one fused Function (log-sum-exp log_softmax + NLL), so its gradient is
``softmax - target`` and never NaN. The public wrappers at the bottom check their inputs and
name the caller (``cross_entropy`` or the loss module) in every error.
"""
import warnings

import numpy as np

from .. import _dtype
from ..autograd.function import Function
from ..tensor import Tensor
from .reduce import dims

REDUCTIONS = ("none", "mean", "sum")


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    """log(softmax(x)) along ``dim``, computed as x - max - log(sum(exp(x - max)))."""
    backward_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        out = _log_softmax(x, dim) if x.size else x.copy()
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True)


class Softmax(Function):
    """exp(x - max) / sum(exp(x - max)) along ``dim``."""
    backward_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        if x.size:
            e = np.exp(x - x.max(axis=dim, keepdims=True))
            out = e / e.sum(axis=dim, keepdims=True)
        else:
            out = x.copy()
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_arrays
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True))


def _rows(x, class_dim):
    """View (N, C, d1, ...) as (N*d1*..., C) so every loss works on rows of class scores."""
    return np.moveaxis(x, class_dim, -1).reshape(-1, x.shape[class_dim])


def _unrows(rows, shape, class_dim):
    moved = shape[:class_dim] + shape[class_dim + 1:] + (shape[class_dim],)
    return np.moveaxis(rows.reshape(moved), -1, class_dim)


def _reduce(per_row, reduction, out_shape, denominator):
    if reduction == "none":
        return per_row.reshape(out_shape)
    total = per_row.sum(dtype=per_row.dtype)
    if reduction == "sum":
        return np.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / denominator, dtype=per_row.dtype)


def _upstream(grad, reduction, rows, denominator, q=None):
    """The upstream gradient as one value per row; rows whose target weights ``q`` are all zero
    (ignored targets) get exactly 0, even when the mean over no targets is NaN (as in torch)."""
    if reduction == "none":
        g = grad.reshape(-1)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = grad / denominator if reduction == "mean" else grad
        g = np.broadcast_to(np.asarray(scale, dtype=grad.dtype), (rows,))
    return g if q is None else np.where(q.any(axis=1), g, 0).astype(grad.dtype, copy=False)


def _index_target_distribution(target, weight, ignore_index, n_classes, dtype, smoothing):
    """Rows of q with loss_i = -sum_c q_ic * logp_ic, and the mean's denominator (torch's rule).

    q_ic = (1 - s) * w_{y_i} * [c == y_i] + (s / C) * w_c for rows whose target is not
    ignored, 0 for ignored rows; the mean divides by the sum of w_{y_i} over kept rows.
    """
    w = np.ones(n_classes, dtype=dtype) if weight is None else weight.astype(dtype, copy=False)
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    w_target = np.where(kept, w[safe], 0).astype(dtype)
    q = np.zeros((target.size, n_classes), dtype=dtype)
    if smoothing > 0:
        q += (smoothing / n_classes) * w * kept[:, None]
    q[np.arange(target.size), safe] += (1 - smoothing) * w_target
    return q, w_target.sum(dtype=dtype)


class CrossEntropy(Function):
    """Fused log_softmax + negative log-likelihood over ``class_dim``.

    ``target`` holds class indices (one fewer dim than ``logits``) or, when ``probabilities``,
    class probabilities of the logits' shape. The gradient w.r.t. the logits is
    ``softmax * sum(q) - q`` for the target distribution q, scaled by the upstream gradient.
    """
    backward_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, logits, target, class_dim=1, weight=None, ignore_index=-100, reduction="mean",
                label_smoothing=0.0, probabilities=False):
        n_classes = logits.shape[class_dim]
        logp = _log_softmax(_rows(logits, class_dim), axis=1)
        w = None if weight is None else weight.astype(logits.dtype, copy=False)
        if probabilities:
            smoothed = _rows(target, class_dim).astype(logits.dtype, copy=False)
            if label_smoothing > 0:
                smoothed = smoothed * (1 - label_smoothing) + label_smoothing / n_classes
            q = smoothed if w is None else smoothed * w
            denominator = logp.shape[0] if logp.shape[0] else np.nan
            out_shape = logits.shape[:class_dim] + logits.shape[class_dim + 1:]
        else:
            q, denominator = _index_target_distribution(target.reshape(-1), w, ignore_index, n_classes,
                                                         logits.dtype, label_smoothing)
            out_shape = target.shape
        per_row = -(q * logp).sum(axis=1, dtype=logits.dtype)
        ctx.save_for_backward(logp, q)
        ctx.args = (logits.shape, class_dim, reduction, denominator, label_smoothing, w, target.dtype)
        return _reduce(per_row, reduction, out_shape, denominator)

    @staticmethod
    def backward(ctx, grad):
        logp, q = ctx.saved_arrays
        shape, class_dim, reduction, denominator, smoothing, w, target_dtype = ctx.args
        g = _upstream(grad, reduction, logp.shape[0], denominator, q)[:, None]
        grad_logits = None
        if ctx.needs_input_grad[0]:
            rows = g * (np.exp(logp) * q.sum(axis=1, keepdims=True) - q)
            grad_logits = _unrows(rows, shape, class_dim)
        grad_target = None
        if ctx.needs_input_grad[1]:
            rows = -(1 - smoothing) * g * (logp if w is None else logp * w)
            grad_target = _unrows(rows, shape, class_dim).astype(target_dtype, copy=False)
        return grad_logits, grad_target


class NLL(Function):
    """Negative log-likelihood of log-probabilities: loss_i = -w_{y_i} * input[i, y_i]."""
    backward_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, logp, target, class_dim=1, weight=None, ignore_index=-100, reduction="mean"):
        n_classes = logp.shape[class_dim]
        q, denominator = _index_target_distribution(target.reshape(-1), weight, ignore_index, n_classes,
                                                    logp.dtype, 0.0)
        per_row = -(q * _rows(logp, class_dim)).sum(axis=1, dtype=logp.dtype)
        ctx.save_for_backward(q)
        ctx.args = (logp.shape, class_dim, reduction, denominator)
        return _reduce(per_row, reduction, target.shape, denominator)

    @staticmethod
    def backward(ctx, grad):
        (q,) = ctx.saved_arrays
        shape, class_dim, reduction, denominator = ctx.args
        g = _upstream(grad, reduction, q.shape[0], denominator, q)[:, None]
        return _unrows(-g * q, shape, class_dim), None


class _PointwiseLoss(Function):
    """A loss on the elementwise difference of same-shape arrays, optionally weighted elementwise
    (the weighted mean divides by the sum of the weights). Subclasses set ``squared``."""
    squared = True

    @classmethod
    def forward(cls, ctx, input, target, reduction="mean", weight=None):
        squared = cls.squared
        diff = input - target
        per_element = diff * diff if squared else np.abs(diff)
        if weight is not None:
            per_element = per_element * weight
        denominator = per_element.size if weight is None else weight.sum(dtype=input.dtype)
        ctx.save_for_backward(diff)
        ctx.args = (squared, reduction, weight, denominator)
        return _reduce(per_element.reshape(-1), reduction, input.shape, denominator)

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_arrays
        squared, reduction, weight, denominator = ctx.args
        g = _upstream(grad, reduction, diff.size, denominator).reshape(diff.shape)
        local = 2 * diff if squared else np.sign(diff)
        if weight is not None:
            local = local * weight
        d_input = (g * local).astype(diff.dtype, copy=False)
        return d_input, -d_input if ctx.needs_input_grad[1] else None


class MSE(_PointwiseLoss):
    """Squared error (input - target)**2."""
    backward_name = "MseLossBackward0"
    squared = True


class L1(_PointwiseLoss):
    """Absolute error |input - target|; the gradient at input == target is 0."""
    backward_name = "L1LossBackward0"
    squared = False


# ----- checked entry points (nn.functional and the loss modules call these) -----

def _shape_text(shape):
    return str(list(shape))


def _check_float_input(input, name, what="input"):
    """Integer and bool inputs are a NotImplementedError (a RuntimeError), as torch's kernels raise."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"{name}: expected a floating-point {what}, got {input.dtype!r} (not "
                                  "implemented for integer or bool tensors); convert it with .float()")


def _softmax_axis(input, dim, name):
    _check_float_input(input, name)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int, got {type(dim).__name__}")
    axes = dims(int(dim), input.ndim)
    return axes[0] if axes else None


def softmax(input, dim, name="softmax"):
    """softmax along ``dim`` for a floating-point tensor."""
    return Softmax.apply(input, dim=_softmax_axis(input, dim, name))


def log_softmax(input, dim, name="log_softmax"):
    """log(softmax) along ``dim``, numerically stable (log-sum-exp)."""
    return LogSoftmax.apply(input, dim=_softmax_axis(input, dim, name))


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_weight(weight, n_classes, dtype, name):
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        raise TypeError(f"{name}: expected weight to be a Tensor, got {type(weight).__name__}")
    if weight.ndim != 1 or weight.numel() != n_classes:
        raise RuntimeError(f"{name}: weight tensor should be defined either for all {n_classes} classes or no "
                           f"classes but got weight tensor of shape: {_shape_text(weight.shape)}")
    return weight._data.astype(dtype.numpy, copy=False)


def _check_class_targets(input, target, ignore_index, name):
    """Check an integer target against (C,), (N, C) or (N, C, d1, ...) input; return the class dim."""
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: expected target to be a Tensor, got {type(target).__name__}")
    class_dim = 0 if input.ndim == 1 else 1
    expected = tuple(input.shape[:class_dim]) + tuple(input.shape[class_dim + 1:])
    if target.dtype.is_floating_point or target.dtype.name == "bool":
        raise RuntimeError(f"{name}: expected target of dtype int64 holding class indices with shape "
                           f"{_shape_text(expected)} (or float class probabilities with the input's shape "
                           f"{_shape_text(input.shape)}), got {target.dtype!r} of shape {_shape_text(target.shape)}")
    if tuple(target.shape) != expected:
        if input.ndim == 2 and target.ndim == 1:
            raise ValueError(f"{name}: Expected input batch_size ({input.shape[0]}) to match target "
                             f"batch_size ({target.shape[0]}).")
        raise RuntimeError(f"{name}: Expected target size {_shape_text(expected)}, got {_shape_text(target.shape)}")
    n_classes = input.shape[class_dim]
    labels = target._data
    bad = (labels != ignore_index) & ((labels < 0) | (labels >= n_classes))
    if bad.any():
        raise IndexError(f"{name}: Target {labels[bad].flat[0]} is out of bounds for {n_classes} classes "
                         f"(valid targets are 0..{n_classes - 1}, or ignore_index={ignore_index})")
    return class_dim


def _check_class_input(input, name):
    _check_float_input(input, name)
    if input.ndim == 0:
        raise ValueError(f"{name}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0,
                  name="cross_entropy"):
    """Cross-entropy between logits and class indices (or class probabilities), as torch defines it."""
    _check_class_input(input, name)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"{name}: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    w = _check_weight(weight, input.shape[class_dim], input.dtype, name)
    probabilities = isinstance(target, Tensor) and target.shape == input.shape
    if probabilities:
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"{name}: Expected floating point type for target with class probabilities, "
                               f"got {target.dtype!r}")
        if ignore_index != -100:
            raise RuntimeError(f"{name}: ignore_index is not supported for floating point target")
    else:
        class_dim = _check_class_targets(input, target, ignore_index, name)
    return CrossEntropy.apply(input, target, class_dim=class_dim, weight=w, ignore_index=ignore_index,
                              reduction=reduction, label_smoothing=float(label_smoothing),
                              probabilities=probabilities)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean", name="nll_loss"):
    """Negative log-likelihood of log-probabilities ``input`` at class indices ``target``."""
    _check_class_input(input, name)
    _check_reduction(reduction)
    class_dim = _check_class_targets(input, target, ignore_index, name)
    w = _check_weight(weight, input.shape[class_dim], input.dtype, name)
    return NLL.apply(input, target, class_dim=class_dim, weight=w, ignore_index=ignore_index, reduction=reduction)


def _check_pointwise_dtypes(input, target, squared, reduction, name):
    """Refuse what torch refuses, with its error classes: bools in L1 (a subtraction), two bools
    in MSE, two integer tensors in MSE and in L1's mean."""
    for value, what in ((input, "input"), (target, "target")):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(value).__name__}")
    kinds = {input.dtype, target.dtype}
    if _dtype.bool_ in kinds and (not squared or kinds == {_dtype.bool_}):
        raise NotImplementedError(f"{name}: not implemented for Bool tensors (input {input.dtype!r}, target "
                                  f"{target.dtype!r}); convert them with .float()")
    if not any(d.is_floating_point for d in kinds) and (squared or reduction == "mean"):
        types = " and ".join(sorted({d.type_name for d in kinds}))
        error = NotImplementedError if squared else RuntimeError
        raise error(f"{name}: {'the loss' if squared else 'the mean'} is not defined for two {types} tensors "
                    "(input and target); convert one of them with .float()")


def pointwise_loss(input, target, squared, reduction="mean", weight=None, name="mse_loss"):
    """MSE (``squared``) or L1 loss; different shapes broadcast with a warning, as in torch.

    Mixed dtypes promote as torch's do (an int64 input against a float target gives a float
    loss); two integer tensors give an integer L1 'sum'/'none' and are refused otherwise.
    """
    _check_reduction(reduction)
    _check_pointwise_dtypes(input, target, squared, reduction, name)
    if target.shape != input.shape:
        warnings.warn(f"{name}: Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)
        try:
            shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise RuntimeError(f"{name}: The size of input {_shape_text(input.shape)} and target "
                               f"{_shape_text(target.shape)} cannot be broadcast together") from None
        input, target = input.expand(*shape), target.expand(*shape)
    common = _dtype.promote(input.dtype, target.dtype)
    input, target = input.to(common), target.to(common)
    w = None
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape):
            raise ValueError(f"{name}: Weights and input must have the same size.")
        w = weight._data.astype(common.numpy, copy=False)
    return (MSE if squared else L1).apply(input, target, reduction=reduction, weight=w)
