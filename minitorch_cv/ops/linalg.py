"""Matrix multiply (``@``), with batched broadcasting and torch's 1-D rules."""
import numpy as np

from ..autograd.function import Function
from .elementwise import unbroadcast


class MatMul(Function):
    """``a @ b`` for operands of rank >= 2 (1-D operands are lifted by ``matmul``)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_arrays
        ga = unbroadcast(np.matmul(grad, np.swapaxes(b, -1, -2)), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(np.matmul(np.swapaxes(a, -1, -2), grad), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def matmul(a, b):
    from ..tensor import Tensor

    a = a if isinstance(a, Tensor) else Tensor(a)
    b = b if isinstance(b, Tensor) else Tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{a.dtype.name} != {b.dtype.name}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        rows = a.shape[-2] if a.ndim > 1 else 1
        cols = b.shape[-1] if b.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a.shape[-1]} and "
                           f"{b.shape[-2] if b.ndim > 1 else b.shape[0]}x{cols})")
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    out = MatMul.apply(a2, b2)
    if b.ndim == 1:
        out = out.squeeze(-1)
    if a.ndim == 1:
        out = out.squeeze(-2)
    return out
