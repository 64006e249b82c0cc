"""The dense matrix of a convolution on images no larger than its kernel (``ops/conv_dense.py``),
built from the weights, and its adjoint, which folds a gradient of that matrix back onto the taps.

``tap_of[q, p]`` is the kernel tap joining output pixel q to input pixel p, or -1 where none does.
Each is one pass over the matrix [O, Q, C, P], reading the weights [O, C, T] in place, for the
output channels ``first`` to ``last`` (the op splits them over the worker threads).
"""
from ._jit import kernel


@kernel
def spread(weight, tap_of, dense, first, last):
    """``dense[o, q, c, p] = weight[o, c, tap_of[q, p]]`` (0 where the tap is -1)."""
    outputs, channels, pixels = dense.shape[1:]
    for o in range(first, last):
        for q in range(outputs):
            for c in range(channels):
                for p in range(pixels):
                    tap = tap_of[q, p]
                    dense[o, q, c, p] = weight[o, c, tap] if tap >= 0 else 0


@kernel
def fold(grad_dense, tap_of, grad_weight, first, last):
    """``grad_weight[o, c, t]`` = the sum of ``grad_dense[o, q, c, p]`` over the (q, p) joined by
    tap t, in (q, p) order; taps joining no pair get 0."""
    outputs, channels, pixels = grad_dense.shape[1:]
    for o in range(first, last):
        for c in range(channels):
            for t in range(grad_weight.shape[2]):
                grad_weight[o, c, t] = 0
        for q in range(outputs):
            for c in range(channels):
                for p in range(pixels):
                    tap = tap_of[q, p]
                    if tap >= 0:
                        grad_weight[o, c, tap] += grad_dense[o, q, c, p]
