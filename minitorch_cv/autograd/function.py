"""The Function base: every op is a subclass with ``forward`` and ``backward`` side by side.

``forward(ctx, *args)`` receives NumPy arrays where the caller passed tensors and returns an
array; ``backward(ctx, grad)`` receives the gradient of the output and returns one gradient
(array or None) per positional argument of ``forward``.

Each recorded call becomes a ``Node`` whose ``parents`` are fixed when it is created: the
input's own node, or the input tensor itself when it is a leaf. Because edges point at nodes,
an in-place op that later gives a tensor a new ``grad_fn`` cannot rewire earlier consumers.
"""
import numpy as np

from .grad_mode import _state

_FLOAT_KINDS = "f"
_tensor_class = None


def tensor_type():
    """The Tensor class (imported on first use: tensor.py itself imports the autograd package)."""
    global _tensor_class
    if _tensor_class is None:
        from ..tensor import Tensor
        _tensor_class = Tensor
    return _tensor_class


class Context:
    """Per-call scratch space an op keeps between its forward and its backward."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved_arrays = ()

    def save_for_backward(self, *arrays):
        self.saved_arrays = arrays


class Node:
    """A recorded op call: the Function, its context, and one parent per positional input.

    A parent is None (not a tensor, or no gradient needed), a ``Node`` (the input came from an
    op) or a leaf ``Tensor`` (the gradient is accumulated into its ``.grad``).
    """

    __slots__ = ("function", "ctx", "parents", "shape", "retained", "__weakref__")

    def __init__(self, function, ctx, parents, shape):
        self.function = function
        self.ctx = ctx
        self.parents = parents
        self.shape = shape
        self.retained = None

    def name(self):
        return self.function.backward_name or f"{self.function.__name__}Backward0"

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
    """Base class of all differentiable ops; call ``SomeOp.apply(...)``.

    ``backward_name`` is what ``grad_fn`` prints as (torch's name where one exists); by default
    the class name followed by ``Backward0``.
    """

    backward_name = None

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _tensor_class or tensor_type()
        grad_enabled = getattr(_state, "enabled", True)
        raw, parents, needs = [], [], []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a._data)
                if a._requires_grad and grad_enabled:
                    parents.append(a.grad_fn if a.grad_fn is not None else a)
                    needs.append(True)
                    record = True
                    continue
            else:
                raw.append(a)
            parents.append(None)
            needs.append(False)
        ctx = Context(tuple(needs))
        out = cls.forward(ctx, *raw, **kwargs)
        if not isinstance(out, np.ndarray):
            out = np.asarray(out)
        result = Tensor._wrap(out)
        if record and out.dtype.kind in _FLOAT_KINDS:
            result._requires_grad = True
            result.grad_fn = Node(cls, ctx, tuple(parents), out.shape)
        return result
