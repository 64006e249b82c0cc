"""BatchNorm in training, one channel at a time: its statistics, then its output (forward) or its
input gradient (backward), while the channel's data is still in cache.

The data is viewed as [N, C, L] (C-contiguous); each call handles channels ``c0 .. c1-1`` (the
op splits channels over worker threads). Per channel, the forward reads x twice for the mean and
the variance of the centred data and a third time to write the output; the backward reads x and
the gradient once for the two sums and again to write dL/dx. A channel of a CIFAR batch (128
images of 32x32: 512 KB) stays in L2 between the passes, so DRAM sees one read (and one write)
of each array, where NumPy's sums and a separate normalizing pass made six.

Sums accumulate in float64, reassociated (``summing_kernel``) so that they vectorize; the
elementwise passes run in the data's dtype with the statistics rounded to it, as torch's CPU
kernel does.
"""
import numpy as np

from ._jit import kernel, summing_kernel


@summing_kernel
def _sum(x, c):
    total = 0.0
    for n in range(x.shape[0]):
        for l in range(x.shape[2]):
            total += x[n, c, l]
    return total


@summing_kernel
def _centred_square_sum(x, c, centre):
    total = 0.0
    for n in range(x.shape[0]):
        for l in range(x.shape[2]):
            d = np.float64(x[n, c, l]) - centre
            total += d * d
    return total


@summing_kernel
def _grad_sums(x, grad, out, c, centre):
    """Over channel c: the sum of the gradient and of the gradient times (x - centre); where
    ``out`` is given, the gradient counts as 0 where ``out <= 0`` (a fused ReLU's mask, as
    ``activation.grad_above``: NaN passes)."""
    total, dot = 0.0, 0.0
    for n in range(x.shape[0]):
        for l in range(x.shape[2]):
            g = np.float64(grad[n, c, l])
            if out is not None:
                g = 0.0 if out[n, c, l] <= 0 else g
            total += g
            dot += g * (np.float64(x[n, c, l]) - centre)
    return total, dot


@kernel
def train_forward(x, c0, c1, weight, bias, eps, out, mean, invstd, batch_mean, batch_var, residual, relu):
    """Per channel: the batch mean and biased variance (float64, into ``batch_mean``, ``batch_var``),
    ``mean`` and ``invstd`` = 1/sqrt(var + eps) in the data's dtype, and
    out = (x - mean) * (invstd * weight) + bias, then + residual (unless None), then ReLU if
    ``relu`` (a ResNet block's BatchNorm, sum and ReLU in one pass; the same roundings as the
    separate ops). ``out`` may not be ``x``."""
    count = x.shape[0] * x.shape[2]
    for c in range(c0, c1):
        m = _sum(x, c) / count
        v = _centred_square_sum(x, c, m) / count
        batch_mean[c], batch_var[c] = m, v
        mean[c], invstd[c] = m, 1.0 / np.sqrt(v + eps)
        centre, scale, shift = mean[c], invstd[c] * weight[c], bias[c]
        for n in range(x.shape[0]):
            for l in range(x.shape[2]):
                _store_add_relu(out, n, c, l, (x[n, c, l] - centre) * scale + shift, residual, relu)


@kernel
def train_backward(x, grad, out, c0, c1, mean, invstd, weight, count, grad_sum, grad_dot_xhat, grad_x,
                   grad_residual):
    """Per channel: ``grad_sum`` = sum of the gradient and ``grad_dot_xhat`` = its dot product
    with x-hat (summed in float64, stored in the data's dtype), and, unless ``grad_x`` is None,
    dL/dx when the statistics came from the batch:
    (grad - mean_grad - x-hat * mean_grad_dot_xhat) * invstd * weight. ``count`` = N * L, as a
    scalar of the data's dtype, so that the means stay in it. With ``out`` (the output of a
    fused ReLU, else None), the gradient is first zeroed where ``out <= 0``, as ReLU's backward
    does; ``grad_residual`` (unless None) receives that masked gradient."""
    zero = count - count    # 0 in the data's dtype, so a masked gradient stays in it
    for c in range(c0, c1):
        centre, r = mean[c], invstd[c]
        total, dot = _grad_sums(x, grad, out, c, np.float64(centre))
        grad_sum[c], grad_dot_xhat[c] = total, dot * r
        if grad_x is None:
            if grad_residual is not None:
                for n in range(x.shape[0]):
                    for l in range(x.shape[2]):
                        grad_residual[n, c, l] = zero if out[n, c, l] <= 0 else grad[n, c, l]
            continue
        mean_grad, mean_grad_dot_xhat, scale = grad_sum[c] / count, grad_dot_xhat[c] / count, r * weight[c]
        for n in range(x.shape[0]):
            for l in range(x.shape[2]):
                g = grad[n, c, l]
                if out is not None:
                    g = zero if out[n, c, l] <= 0 else g
                if grad_residual is not None:
                    grad_residual[n, c, l] = g
                grad_x[n, c, l] = (g - mean_grad - (x[n, c, l] - centre) * r * mean_grad_dot_xhat) * scale


@kernel
def normalize_add_relu(x, scale, shift, residual, relu):
    """In place over [n, C, L]: x = x * scale[c] + shift[c] (``normalize``'s arithmetic), then
    + residual (unless None), then ReLU (``0 if v < 0 else v``) if ``relu``: a convolution's
    output tile in an inference ResNet (``ops/conv_epilogue.py``)."""
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            a, b = scale[c], shift[c]
            for l in range(x.shape[2]):
                _store_add_relu(x, n, c, l, x[n, c, l] * a + b, residual, relu)


@kernel
def _store_add_relu(out, n, c, l, v, residual, relu):
    """``out[n, c, l]`` = ``v + residual[n, c, l]`` (unless ``residual`` is None), then 0 where
    that is below 0 if ``relu``: NumPy's add and ReLU's kernel, one element at a time, with ``v``
    kept in the data's dtype."""
    if residual is not None:
        v = v + residual[n, c, l]
    if relu and v < 0:
        out[n, c, l] = 0
    else:
        out[n, c, l] = v


@kernel
def normalize(x, c0, c1, scale, shift, out):
    """out[n, c, l] = x[n, c, l] * scale[c] + shift[c] (eval mode; 0.15 ms per million floats
    here, where NumPy's ``x * scale + shift`` over broadcast [1, C, 1] vectors took 0.8-1.2)."""
    for n in range(x.shape[0]):
        for c in range(c0, c1):
            a, b = scale[c], shift[c]
            for l in range(x.shape[2]):
                out[n, c, l] = x[n, c, l] * a + b
