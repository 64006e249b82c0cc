"""Synchronized batch normalization: ``BatchNorm``'s forward and backward over the global batch.

The data stays on each rank; only per-channel sums cross between them, through ``all_sum``
(an in-place allreduce-sum of a float64 array, supplied by ``nn.SyncBatchNorm``):
forward: the count and the sum of x (-> global mean), then the sum of squared deviations
(-> global biased variance; unbiased for ``running_var``); backward: the sums of the output
gradient and of its product with x-hat, whose global values give each rank's input gradient
exactly as BatchNorm on the concatenated batch would. The weight and bias gradients stay local
(DistributedDataParallel then averages them, as with torch's SyncBatchNorm).
"""
import numpy as np

from ..autograd.function import Function
from .normalization import (_per_channel, input_grad_through_batch_stats, output_grad_sums, scale_and_shift,
                            update_running_stats)


class SyncBatchNorm(Function):
    backward_name = "SyncBatchNormBackward"

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, all_sum):
        n, c = x.shape[0], x.shape[1]
        flat = x.reshape(n, c, -1)
        totals = np.concatenate([flat.sum(axis=(0, 2), dtype=np.float64), [float(n * flat.shape[2])]])
        all_sum(totals)
        count = totals[-1]
        mean = (totals[:-1] / count).astype(x.dtype)
        centered = flat - _per_channel(mean)
        squares = np.einsum("ncl,ncl->c", centered, centered).astype(np.float64)
        all_sum(squares)
        var = (squares / count).astype(x.dtype)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        xhat = centered
        xhat *= _per_channel(invstd)
        update_running_stats(running_mean, running_var, mean, var, count, momentum)
        out = scale_and_shift(xhat, weight, bias)
        ctx.save_for_backward(x, weight, xhat, invstd)
        ctx.count, ctx.all_sum = count, all_sum
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x, weight, xhat, invstd = ctx.saved_arrays
        c = x.shape[1]
        g, grad_sum, grad_dot_xhat = output_grad_sums(grad, xhat)
        grad_x = None
        if ctx.needs_input_grad[0]:
            totals = np.concatenate([grad_sum, grad_dot_xhat]).astype(np.float64)
            ctx.all_sum(totals)
            means = (totals / ctx.count).astype(x.dtype)
            scale = invstd if weight is None else invstd * weight
            grad_x = input_grad_through_batch_stats(g, xhat, means[:c], means[c:], scale).reshape(x.shape)
        grad_weight = grad_dot_xhat if ctx.needs_input_grad[1] else None
        grad_bias = grad_sum if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias
