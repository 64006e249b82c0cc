"""BatchNorm in training: the two elementwise passes, each one read and one write.

The data is viewed as [N, C, L] (C-contiguous); each call handles channels ``c0 .. c1-1`` (the
op splits channels over worker threads). The per-channel sums stay in NumPy: without fastmath
numba adds in program order and cannot vectorize a reduction (a float64 statistics kernel
measured 29 ms against NumPy's 2.4 ms for [8, 256, 56x56]).
"""
from ._jit import kernel


@kernel
def normalize(x, c0, c1, scale, shift, out):
    """out[n, c, l] = x[n, c, l] * scale[c] + shift[c] (0.15 ms per million floats here, where
    NumPy's ``x * scale + shift`` over broadcast [1, C, 1] vectors took 0.8-1.2)."""
    for n in range(x.shape[0]):
        for c in range(c0, c1):
            a, b = scale[c], shift[c]
            for l in range(x.shape[2]):
                out[n, c, l] = x[n, c, l] * a + b


@kernel
def input_grad(x, grad, c0, c1, mean, invstd, mean_grad, mean_grad_dot_xhat, scale, grad_x):
    """grad_x = (grad - mean_grad[c] - x-hat * mean_grad_dot_xhat[c]) * scale[c]: dL/dx when the
    mean and variance came from the batch."""
    for n in range(x.shape[0]):
        for c in range(c0, c1):
            m, r, a, b, s = mean[c], invstd[c], mean_grad[c], mean_grad_dot_xhat[c], scale[c]
            for l in range(x.shape[2]):
                grad_x[n, c, l] = (grad[n, c, l] - a - (x[n, c, l] - m) * r * b) * s
