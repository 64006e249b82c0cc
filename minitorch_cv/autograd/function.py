"""The Function base: every op is a subclass with ``forward`` and ``backward`` side by side.

``forward(ctx, *args)`` receives NumPy arrays where the caller passed tensors and returns an
array; ``backward(ctx, grad)`` receives the gradient of the output and returns one gradient
(array or None) per positional argument of ``forward``.
"""
import numpy as np

from .grad_mode import is_grad_enabled


class Context:
    """Per-call scratch space an op keeps between its forward and its backward."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved_arrays = ()

    def save_for_backward(self, *arrays):
        self.saved_arrays = arrays


class Node:
    """A recorded op call: the Function, its context and the input tensors (None for non-tensors)."""

    __slots__ = ("function", "ctx", "inputs")

    def __init__(self, function, ctx, inputs):
        self.function = function
        self.ctx = ctx
        self.inputs = inputs

    def name(self):
        return f"{self.function.__name__}Backward0"

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
    """Base class of all differentiable ops; call ``SomeOp.apply(...)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        from ..tensor import Tensor

        inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
        raw = [a._data if isinstance(a, Tensor) else a for a in args]
        needs = tuple(t is not None and t.requires_grad for t in inputs)
        record = is_grad_enabled() and any(needs)
        ctx = Context(needs)
        out = cls.forward(ctx, *raw, **kwargs)
        if not isinstance(out, np.ndarray):
            out = np.asarray(out)
        result = Tensor._wrap(out, requires_grad=record)
        if record:
            result.grad_fn = Node(cls, ctx, inputs)
        return result
