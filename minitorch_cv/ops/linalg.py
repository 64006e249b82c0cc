"""Matrix multiply (``@``) with torch's 1-D and batched-broadcast rules, and the fused Linear op."""
import numpy as np

from ..autograd.function import Function, tensor_type
from ..threads import get_num_threads
from .elementwise import unbroadcast
from .tiles import run_tiles

PARALLEL_MIN_FLOPS = 2 ** 24
"""From this many floating-point operations (about 0.2 ms of one core), a 2-D product is split
over the worker threads; NumPy's BLAS itself runs one thread (see ``threads.py``)."""


def product(a, b):
    """``np.matmul(a, b)``; a large 2-D product has its rows split over the worker threads."""
    workers = get_num_threads()
    if (a.ndim != 2 or b.ndim != 2 or a.shape[0] < 2 * workers
            or 2 * a.shape[0] * a.shape[1] * b.shape[1] < PARALLEL_MIN_FLOPS):
        return np.matmul(a, b)
    out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))

    def rows(tiles):
        for start, stop in tiles:
            np.matmul(a[start:stop], b, out=out[start:stop])

    run_tiles(rows, a.shape[0], -(-a.shape[0] // workers))
    return out


def _as_matrices(a, b, grad):
    """Lift 1-D operands (and the matching gradient axes) to matrices, as matmul's rules imply."""
    if b.ndim == 1:
        b = b[:, None]
        grad = np.expand_dims(grad, -1)
    if a.ndim == 1:
        a = a[None, :]
        grad = np.expand_dims(grad, -2)
    return a, b, grad


class MatMul(Function):
    """``a @ b`` for 1-D, 2-D and batched operands (batch dims broadcast)."""
    backward_name = "BmmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return product(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        a2, b2, grad2 = _as_matrices(a, b, grad)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(product(grad2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(product(np.swapaxes(a2, -1, -2), grad2), b2.shape).reshape(b.shape)
        return ga, gb


class Mm(MatMul):
    backward_name = "MmBackward0"


class Mv(MatMul):
    backward_name = "MvBackward0"


class Dot(MatMul):
    backward_name = "DotBackward0"


def _kind(a, b):
    if a.ndim == 2 and b.ndim == 2:
        return Mm
    if a.ndim == 2 and b.ndim == 1:
        return Mv
    if a.ndim == 1 and b.ndim == 1:
        return Dot
    return MatMul


def matmul(a, b):
    Tensor = tensor_type()

    for name, x in (("input", a), ("other", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"matmul(): argument '{name}' must be a Tensor, not {type(x).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}")
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if a.shape[-1] != inner_b:
        rows = a.shape[-2] if a.ndim > 1 else 1
        cols = b.shape[-1] if b.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a.shape[-1]} and {inner_b}x{cols})")
    try:
        np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"matmul: batch dimensions of {list(a.shape)} and {list(b.shape)} "
                           "cannot be broadcast together") from None
    return _kind(a, b).apply(a, b)


class Linear(Function):
    """``x @ weight.T + bias`` as one op: x (..., in), weight (out, in), optional bias (out,)."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        out = product(x, weight.T)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_arrays
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        rows = grad.reshape(-1, grad.shape[-1])
        grad_x = product(grad, weight) if needs_x else None
        grad_weight = product(rows.T, x.reshape(-1, x.shape[-1])) if needs_weight else None
        grad_bias = rows.sum(axis=0) if needs_bias else None
        return grad_x, grad_weight, grad_bias
