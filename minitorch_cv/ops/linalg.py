"""Matrix multiply (``@``) with torch's 1-D and batched-broadcast rules, and the fused Linear op."""
import numpy as np

from ..autograd.function import Function, tensor_type
from .elementwise import unbroadcast


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
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        a2, b2, grad2 = _as_matrices(a, b, grad)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(np.matmul(grad2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), grad2), b2.shape).reshape(b.shape)
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
        out = np.matmul(x, weight.T)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_arrays
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        rows = grad.reshape(-1, grad.shape[-1])
        grad_x = np.matmul(grad, weight) if needs_x else None
        grad_weight = rows.T @ x.reshape(-1, x.shape[-1]) if needs_weight else None
        grad_bias = rows.sum(axis=0) if needs_bias else None
        return grad_x, grad_weight, grad_bias
