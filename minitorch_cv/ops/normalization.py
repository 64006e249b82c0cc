"""Batch normalization, ``torch.nn.functional.batch_norm``: forward and exact backward.

Statistics are per channel (axis 1) over every other axis. In training (or without running
statistics) the batch mean and the *biased* batch variance normalize; the running buffers,
when given in training, move toward the batch mean and the *unbiased* variance:
``running = (1 - momentum) * running + momentum * batch``. The input is viewed as
[N, C, L] (L = product of the spatial sizes), so one code path serves 2-D to 5-D inputs.

Training runs one numba kernel per direction, channel by channel while the channel is in cache
(mean, variance of the centred data, output; or the gradient's two sums, dL/dx), channel ranges
over the worker threads (``kernels/batch_norm.py``). The forward saves the batch mean and 1/std, not x-hat:
the backward recentres x itself, so no normalized copy of every BatchNorm input lives until the
backward. Other float dtypes (float16) compute in float32, as torch's CPU kernels do.
"""
import numpy as np

from ..autograd.function import Function
from ..kernels.batch_norm import normalize, train_backward, train_forward
from ..tensor import Tensor
from .tiles import per_worker

_KERNEL_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _compute_dtype(dtype):
    """The dtype the training kernels run in: float32/float64 as given, other floats in float32."""
    return dtype if dtype in _KERNEL_FLOATS else np.dtype(np.float32)


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
    grad_x = xhat * _per_channel(-mean_grad_dot_xhat)   # the one full-size allocation: a fresh
    grad_x += g                                            # array costs page faults, more than a pass
    grad_x -= _per_channel(mean_grad)
    grad_x *= _per_channel(scale)
    return grad_x


def eval_affine(running_mean, running_var, weight, bias, eps, dtype):
    """(invstd, scale, shift) of eval mode's per-channel map ``x * scale + shift`` (as torch's
    CPU kernel folds it), in ``dtype``."""
    invstd = (1.0 / np.sqrt(running_var + eps)).astype(dtype)
    scale = invstd * weight if weight is not None else invstd
    shift = -running_mean * scale
    if bias is not None:
        shift += bias
    return invstd, scale, shift


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
        return _train_forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps)

    @staticmethod
    def _normalize_with_buffers(ctx, x, flat, weight, bias, running_mean, running_var, eps):
        """Eval: one affine map per channel, ``x * scale + shift`` (as torch's CPU kernel folds it),
        in one numba pass into a fresh output for float32/float64 (NumPy's two passes: twice the time)."""
        invstd, scale, shift = eval_affine(running_mean, running_var, weight, bias, eps, x.dtype)
        if x.dtype in _KERNEL_FLOATS:
            flat = np.ascontiguousarray(flat)
            out = np.empty_like(flat)
            per_worker(flat.shape[1], lambda c0, c1: normalize(flat, c0, c1, scale, shift, out))
        else:
            out = flat * _per_channel(scale)
            out += _per_channel(shift)
        ctx.save_for_backward(x, weight, running_mean.copy(), invstd)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        if ctx.training:
            return _train_backward(ctx, grad)[:3]
        x, weight, running_mean, invstd = ctx.saved_arrays
        n, c = x.shape[0], x.shape[1]
        g = grad.reshape(n, c, -1)
        xhat = None
        if ctx.needs_input_grad[1]:    # only the weight's gradient needs x-hat
            xhat = (x.reshape(n, c, -1) - _per_channel(running_mean)) * _per_channel(invstd)
        grad_x = None
        if ctx.needs_input_grad[0]:
            scale = invstd if weight is None else invstd * weight
            grad_x = (g * _per_channel(scale)).reshape(x.shape)
        grad_weight = np.einsum("ncl,ncl->c", g, xhat) if ctx.needs_input_grad[1] else None
        grad_bias = g.sum(axis=(0, 2)) if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias


class BatchNormAddReLU(Function):
    """Training: ``relu(batch_norm(x) + residual)``, or ``relu(batch_norm(x))`` with ``residual``
    None, as one op: the sum and the ReLU ride along the BatchNorm kernels' passes (the output
    write, the gradient's sums), so neither makes a pass of its own. The same values and
    gradients as the three ops, bit for bit (``nn/inference_fusion.py`` decides when to use it).
    Its output prints the grad_fn of the last of them, ReLU's."""

    backward_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, residual, running_mean, running_var, momentum=0.1, eps=1e-5):
        return _train_forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, residual, relu=True)

    @staticmethod
    def backward(ctx, grad):
        return _train_backward(ctx, grad)


def _train_forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, residual=None, relu=False):
    """Batch statistics, the output (+ residual, ReLU) and the running-buffer update of a training
    BatchNorm, in one kernel over channel ranges; saves what ``_train_backward`` reads."""
    n, c = x.shape[0], x.shape[1]
    dtype = _compute_dtype(x.dtype)
    flat = np.ascontiguousarray(x.reshape(n, c, -1), dtype=dtype)
    weight = np.ones(c, dtype) if weight is None else weight.astype(dtype, copy=False)
    shift = np.zeros(c, dtype) if bias is None else bias.astype(dtype, copy=False)
    if residual is not None:
        residual = np.ascontiguousarray(residual.reshape(flat.shape), dtype=dtype)
    out, mean, invstd = np.empty_like(flat), np.empty(c, dtype), np.empty(c, dtype)
    batch_mean, batch_var = np.empty(c), np.empty(c)
    per_worker(c, lambda c0, c1: train_forward(flat, c0, c1, weight, shift, eps, out, mean, invstd,
                                               batch_mean, batch_var, residual, relu))
    update_running_stats(running_mean, running_var, batch_mean, batch_var, n * flat.shape[2], momentum)
    out = out.reshape(x.shape).astype(x.dtype, copy=False)
    ctx.save_for_backward(x, weight, mean, invstd, out if relu else None)
    return out


def _train_backward(ctx, grad):
    """(grad_x, grad_weight, grad_bias, grad_residual) of ``_train_forward``: the per-channel sums
    of the gradient (masked by the ReLU where fused) and of its product with x-hat, then dL/dx
    with the batch statistics' share (``input_grad_through_batch_stats``'s formula)."""
    x, weight, mean, invstd, out = ctx.saved_arrays
    n, c = x.shape[0], x.shape[1]
    dtype = invstd.dtype
    flat = np.ascontiguousarray(x.reshape(n, c, -1), dtype=dtype)
    g = np.ascontiguousarray(grad.reshape(flat.shape), dtype=dtype)
    relu_out = None if out is None else np.ascontiguousarray(out.reshape(flat.shape), dtype=dtype)
    grad_sum, grad_dot_xhat = np.empty(c, dtype), np.empty(c, dtype)
    grad_x = np.empty_like(flat) if ctx.needs_input_grad[0] else None
    needs_residual = len(ctx.needs_input_grad) > 3 and ctx.needs_input_grad[3]
    grad_residual = np.empty_like(flat) if needs_residual else None
    count = dtype.type(n * flat.shape[2])
    per_worker(c, lambda c0, c1: train_backward(flat, g, relu_out, c0, c1, mean, invstd, weight, count,
                                                grad_sum, grad_dot_xhat, grad_x, grad_residual))
    if grad_x is not None:
        grad_x = grad_x.reshape(x.shape).astype(x.dtype, copy=False)
    if grad_residual is not None:
        grad_residual = grad_residual.reshape(x.shape).astype(x.dtype, copy=False)
    grad_weight = grad_dot_xhat.astype(x.dtype) if ctx.needs_input_grad[1] else None
    grad_bias = grad_sum.astype(x.dtype) if ctx.needs_input_grad[2] else None
    return grad_x, grad_weight, grad_bias, grad_residual


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
