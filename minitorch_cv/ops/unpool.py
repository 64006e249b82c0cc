"""``max_unpool1d/2d/3d``: the partial inverse of max pooling, with backward.

Each input value is written into a zero output at the flat position its index names within
its plane (the ``return_indices`` format of max pooling: ``ih * W + iw`` in 2-D); positions
no index names stay zero. The backward reads the output gradient back at the same positions.
Like torch's CPU kernel, a repeated index keeps the last value written.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor


class MaxUnpool(Function):
    """Scatter ``x`` [..., *in_size] to zeros [..., *out_size] at flat per-plane ``indices``."""

    backward_name = "MaxUnpoolBackward0"

    @staticmethod
    def forward(ctx, x, indices, out_size):
        spatial = len(out_size)
        lead = x.shape[:x.ndim - spatial]
        planes = int(np.prod(lead, dtype=np.int64))
        flat_x, flat_index = x.reshape(planes, -1), indices.reshape(planes, -1)
        out = np.zeros((planes, int(np.prod(out_size, dtype=np.int64))), dtype=x.dtype)
        rows = np.broadcast_to(np.arange(planes)[:, None], flat_index.shape)
        out[rows, flat_index] = flat_x
        ctx.rows, ctx.flat_index, ctx.x_shape = rows, flat_index, x.shape
        return out.reshape(lead + tuple(out_size))

    @staticmethod
    def backward(ctx, grad):
        flat_grad = grad.reshape(ctx.rows.shape[0], -1)
        return flat_grad[ctx.rows, ctx.flat_index].reshape(ctx.x_shape), None


def _tuple(value, spatial, name, function):
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * spatial
    if len(items) != spatial or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        raise TypeError(f"{function}: {name} must be an int or a tuple of {spatial} ints, got {value!r}")
    return tuple(int(v) for v in items)


def _output_size(input, kernel, stride, padding, output_size):
    """torch's rule: by default (in - 1) * stride + kernel - 2 * padding per spatial dim; a given
    ``output_size`` (spatial dims, or with N and C in front) must lie strictly within one stride
    of that default."""
    spatial = len(kernel)
    default = [(input.shape[input.ndim - spatial + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(spatial)]
    if output_size is None:
        return tuple(default)
    output_size = list(output_size)
    if len(output_size) == spatial + 2:
        output_size = output_size[2:]
    if len(output_size) != spatial:
        raise ValueError(f"output_size should be a sequence containing {spatial} or {spatial + 2} elements, "
                         f"but it has a length of '{len(output_size)}'")
    for d in range(spatial):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < output_size[d] < high:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {low} and {high})')
    return tuple(int(s) for s in output_size)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, spatial, function):
    for name, tensor in (("input", input), ("indices", indices)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{function}(): argument '{name}' must be a Tensor, not {type(tensor).__name__}")
    if indices.dtype.name != "int64":
        raise RuntimeError(f"{function}(): elements in indices should be type int64 but got: {indices.dtype!r}")
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(f"{function}(): Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{function}(): Expected {spatial + 1}D or {spatial + 2}D tensor, but got "
                           f"{list(input.shape)}")
    kernel = _tuple(kernel_size, spatial, "kernel_size", function)
    stride = kernel if stride is None else _tuple(stride, spatial, "stride", function)
    padding = _tuple(padding, spatial, "padding", function)
    out_size = _output_size(input, kernel, stride, padding, output_size)
    plane = int(np.prod(out_size, dtype=np.int64))
    index = indices._data
    if index.size and (index.min() < 0 or index.max() >= plane):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(f"{function}(): Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, out_size))})")
    return MaxUnpool.apply(input, index, out_size=out_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``: values go back to their argmax positions, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1, "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d``: values go back to their argmax positions, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d``: values go back to their argmax positions, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3, "max_unpool3d")
