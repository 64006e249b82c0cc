"""``torch.nn.functional.pad``: constant, reflect, replicate and circular padding, with backward.

``pad`` lists (before, after) pairs starting from the last dimension, as torch does; negative
values crop. Constant padding copies the input into a filled array (backward: the matching
slice of the gradient). The other modes are separable: each padded dimension gathers its
source positions through an index map (reflect: mirror without repeating the edge;
replicate: clamp; circular: wrap around what negative pads leave), and the backward
scatter-adds through the same maps in reverse order.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor

_MODES = ("constant", "reflect", "replicate", "circular")


def _source_positions(size, before, after, mode):
    """For each output position along one axis, the input position it copies."""
    positions = np.arange(-before, size + after)
    if mode == "reflect":
        period = 2 * (size - 1)
        positions = np.abs(positions) % period if period else np.zeros_like(positions)
        return np.where(positions >= size, period - positions, positions)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    low, high = max(-before, 0), size - max(-after, 0)   # circular wraps within what cropping keeps
    return low + np.arange(-max(before, 0), high - low + max(after, 0)) % (high - low)


class ConstantPad(Function):
    backward_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pairs, value):
        out_shape = tuple(size + before + after for size, (before, after) in zip(x.shape, pairs))
        out = np.full(out_shape, value, dtype=x.dtype)
        source = tuple(slice(max(-before, 0), size - max(-after, 0)) for size, (before, after) in zip(x.shape, pairs))
        target = tuple(slice(max(before, 0), max(before, 0) + s.stop - s.start) for s, (before, _) in zip(source, pairs))
        out[target] = x[source]
        ctx.slices, ctx.x_shape = (source, target), x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        source, target = ctx.slices
        grad_x = np.zeros(ctx.x_shape, dtype=grad.dtype)
        grad_x[source] = grad[target]
        return grad_x


class IndexPad(Function):
    """Reflect, replicate or circular padding through per-axis index maps ``{axis: positions}``."""

    backward_name = "IndexPadBackward0"

    @staticmethod
    def forward(ctx, x, maps):
        out = x
        for axis, positions in maps.items():
            out = np.take(out, positions, axis=axis)
        ctx.maps, ctx.x_shape = maps, x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        for axis, positions in reversed(list(ctx.maps.items())):
            moved = np.moveaxis(grad, axis, 0)
            summed = np.zeros((ctx.x_shape[axis],) + moved.shape[1:], dtype=grad.dtype)
            np.add.at(summed, positions, moved)
            grad = np.moveaxis(summed, 0, axis)
        return grad


def _check(input, pad, mode):
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if not isinstance(pad, (tuple, list)) or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, got {pad!r}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but "
                           f"got padding length {len(pad)} and input of dimension {input.ndim}")
    if mode != "constant" and (len(pad) not in (2, 4, 6) or input.ndim not in (len(pad) // 2 + 1, len(pad) // 2 + 2)):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative values, crop) the last ``len(pad) // 2`` dimensions of ``input``.

    ``pad = (left, right, top, bottom, ...)`` starts from the last dimension. ``value`` fills
    in constant mode (default 0); reflect needs each pad below the size of its dimension,
    circular at most that size.
    """
    _check(input, pad, mode)
    pairs = [(0, 0)] * input.ndim
    for index in range(len(pad) // 2):
        pairs[input.ndim - 1 - index] = (int(pad[2 * index]), int(pad[2 * index + 1]))
    for axis, (size, (before, after)) in enumerate(zip(input.shape, pairs)):
        if size + before + after < 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {before} and {after} resulted in a "
                               f"negative output size, which is invalid. Check dimension {axis} of your input.")
    if mode == "constant":
        return ConstantPad.apply(input, pairs=tuple(pairs), value=0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    maps = {}
    for axis, (size, (before, after)) in enumerate(zip(input.shape, pairs)):
        if (before, after) == (0, 0):
            continue
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({before}, {after}) at dimension {axis} of input "
                               f"{list(input.shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if size == 0:
            raise RuntimeError(f"pad: {mode} padding of an empty dimension ({axis} of input {list(input.shape)})")
        maps[axis] = _source_positions(size, before, after, mode)
    return IndexPad.apply(input, maps=maps)
