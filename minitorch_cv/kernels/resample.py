"""Resampling along one axis with a tap table: the hot loops of ``F.interpolate``.

Every interpolation mode is separable: output position ``o`` along an axis is
``sum_t weight[o, t] * x[index[o, t]]`` (nearest: one tap of weight 1; linear: two; cubic:
four, indices clamped to the border; antialiased: a variable number, unused taps with weight
0). The array is viewed as [outer, axis, inner], so the innermost loop runs contiguously over
``inner`` (the width when the height is resampled).
"""
from ._jit import kernel


@kernel
def resample_axis(x, index, weight, out):
    """``out[a, o, b] = sum_t weight[o, t] * x[a, index[o, t], b]``; x [A, In, B], out [A, Out, B]."""
    outer, positions, inner = out.shape
    taps = index.shape[1]
    if inner == 1:
        # The last axis: one scalar sum per output element, no row views.
        for a in range(outer):
            for o in range(positions):
                total = weight[o, 0] * x[a, index[o, 0], 0]
                for t in range(1, taps):
                    total += weight[o, t] * x[a, index[o, t], 0]
                out[a, o, 0] = total
        return
    for a in range(outer):
        for o in range(positions):
            row = out[a, o]
            for b in range(inner):
                row[b] = 0
            for t in range(taps):
                w = weight[o, t]
                source = x[a, index[o, t]]
                for b in range(inner):
                    row[b] += w * source[b]


@kernel
def resample_axis_adjoint(grad, index, weight, grad_x):
    """The transpose of ``resample_axis``: ``grad_x[a, index[o, t], b] += weight[o, t] * grad[a, o, b]``.

    ``grad_x`` [A, In, B] is overwritten; the scatter runs in a fixed order (o, then t).
    """
    outer, positions, inner = grad.shape
    taps = index.shape[1]
    for a in range(outer):
        plane = grad_x[a]
        for i in range(plane.shape[0]):
            for b in range(inner):
                plane[i, b] = 0
        if inner == 1:
            for o in range(positions):
                for t in range(taps):
                    plane[index[o, t], 0] += weight[o, t] * grad[a, o, 0]
            continue
        for o in range(positions):
            row = grad[a, o]
            for t in range(taps):
                w = weight[o, t]
                target = plane[index[o, t]]
                for b in range(inner):
                    target[b] += w * row[b]
