"""Batch normalization, ``torch.nn.functional.batch_norm``: forward and exact backward.

Statistics are per channel (axis 1) over every other axis. In training (or without running
statistics) the batch mean and the *biased* batch variance normalize; the running buffers,
when given in training, move toward the batch mean and the *unbiased* variance:
``running = (1 - momentum) * running + momentum * batch``. The input is viewed as
[N, C, L] (L = product of the spatial sizes), so one code path serves 2-D to 5-D inputs.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor


def _per_channel(vector):
    """A [C] vector shaped to broadcast against [N, C, L]."""
    return vector.reshape(1, -1, 1)


def update_running_stats(running_mean, running_var, mean, var, count, momentum):
    """Move the running buffers (arrays or None) toward the batch mean and unbiased variance."""
    if running_mean is not None:
        running_mean *= 1 - momentum
        running_mean += momentum * mean
    if running_var is not None:
        running_var *= 1 - momentum
        running_var += momentum * var * (count / (count - 1))


def scale_and_shift(xhat, weight, bias):
    """``xhat * weight + bias`` per channel (either may be None) in a new array."""
    out = xhat * _per_channel(weight) if weight is not None else xhat.copy()
    if bias is not None:
        out += _per_channel(bias)
    return out


def output_grad_sums(grad, xhat):
    """The output gradient as [N, C, L], and its per-channel sum and dot product with x-hat."""
    g = grad.reshape(xhat.shape)
    return g, g.sum(axis=(0, 2)), np.einsum("ncl,ncl->c", g, xhat)


def input_grad_through_batch_stats(g, xhat, mean_grad, mean_grad_dot_xhat, scale):
    """dL/dx [N, C, L] when mean and variance came from the batch: the per-channel means over the
    batch of the output gradient and of its product with x-hat enter through the statistics."""
    grad_x = g - _per_channel(mean_grad)
    grad_x -= xhat * _per_channel(mean_grad_dot_xhat)
    grad_x *= _per_channel(scale)
    return grad_x


class BatchNorm(Function):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel.

    ``weight``/``bias`` may be None (``affine=False``). ``running_mean``/``running_var`` are
    the buffers' arrays (updated in place in training) or None.
    """

    backward_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean=None, running_var=None, training=True, momentum=0.1,
                eps=1e-5):
        n, c = x.shape[0], x.shape[1]
        flat = x.reshape(n, c, -1)
        ctx.training = training
        if not training:
            return BatchNorm._normalize_with_buffers(ctx, x, flat, weight, bias, running_mean, running_var, eps)
        count = n * flat.shape[2]
        mean = flat.sum(axis=(0, 2)) / count
        xhat = flat - _per_channel(mean)
        var = np.einsum("ncl,ncl->c", xhat, xhat) / count
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        xhat *= _per_channel(invstd)
        update_running_stats(running_mean, running_var, mean, var, count, momentum)
        out = scale_and_shift(xhat, weight, bias)
        ctx.save_for_backward(x, weight, xhat, invstd)
        return out.reshape(x.shape)

    @staticmethod
    def _normalize_with_buffers(ctx, x, flat, weight, bias, running_mean, running_var, eps):
        """Eval: one affine map per channel, ``x * scale + shift`` (as torch's CPU kernel folds it)."""
        invstd = (1.0 / np.sqrt(running_var + eps)).astype(x.dtype)
        scale = invstd * weight if weight is not None else invstd
        shift = -running_mean * scale
        if bias is not None:
            shift += bias
        out = flat * _per_channel(scale)
        out += _per_channel(shift)
        ctx.save_for_backward(x, weight, running_mean.copy(), invstd)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x, weight, statistic, invstd = ctx.saved_arrays
        n, c = x.shape[0], x.shape[1]
        g = grad.reshape(n, c, -1)
        # training saved xhat itself; eval saved the running mean, and only the weight's gradient needs xhat
        if ctx.training:
            xhat = statistic
        elif ctx.needs_input_grad[1]:
            xhat = (x.reshape(n, c, -1) - _per_channel(statistic)) * _per_channel(invstd)
        else:
            xhat = None
        grad_sum = g.sum(axis=(0, 2))
        grad_dot_xhat = None if xhat is None else np.einsum("ncl,ncl->c", g, xhat)
        scale = invstd if weight is None else invstd * weight
        grad_x = None
        if ctx.needs_input_grad[0]:
            if ctx.training:
                count = n * g.shape[2]
                grad_x = input_grad_through_batch_stats(g, xhat, grad_sum / count, grad_dot_xhat / count, scale)
            else:
                grad_x = g * _per_channel(scale)
            grad_x = grad_x.reshape(x.shape)
        grad_weight = grad_dot_xhat if ctx.needs_input_grad[1] else None
        grad_bias = grad_sum if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalize each channel of ``input`` [N, C, ...] (see the module docstring for the rules)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"batch_norm: expected an input with at least 2 dims [N, C, ...], got shape "
                           f"{list(input.shape)}")
    if training:
        size = list(input.shape)
        if int(np.prod([size[0]] + size[2:])) == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{input.shape!r}")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"batch_norm: expected a floating-point input, got {input.dtype!r}")
    channels = input.shape[1]
    for name, tensor in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                         ("running_var", running_var)):
        if tensor is None:
            continue
        if tuple(tensor.shape) != (channels,):
            raise RuntimeError(f"batch_norm: {name} should contain {channels} elements (one per channel of "
                               f"the input of shape {list(input.shape)}), not {tensor.numel()}")
        if tensor.dtype is not input.dtype:
            raise RuntimeError(f"batch_norm: {name} is {tensor.dtype!r} but the input is {input.dtype!r}; "
                               f"convert the module with .to({input.dtype!r})")
    return BatchNorm.apply(input, weight, bias,
                           running_mean=None if running_mean is None else running_mean._data,
                           running_var=None if running_var is None else running_var._data,
                           training=bool(training), momentum=momentum, eps=eps)
