"""The Function base: every op is a subclass with ``forward`` and ``backward`` side by side.

``forward(ctx, *args)`` receives NumPy arrays where the caller passed tensors and returns an
array; ``backward(ctx, grad)`` receives the gradient of the output and returns one gradient
(array or None) per positional argument of ``forward``.

Each recorded call becomes a ``Node`` whose ``parents`` are fixed when it is created: the
input's own node, or the input tensor itself when it is a leaf. Because edges point at nodes,
an in-place op that later gives a tensor a new ``grad_fn`` cannot rewire earlier consumers.

As in torch, every tensor has a version counter that in-place changes increment. When an op
saves one of its input arrays or its output for the backward (``save_for_backward``), the
node records that tensor's counter and version (``saved_versions``); the backward refuses to
run if the tensor has changed since, with torch's "modified by an inplace operation" error.
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

    __slots__ = ("function", "ctx", "parents", "shape", "retained", "saved_versions", "__weakref__")

    def __init__(self, function, ctx, parents, shape):
        self.function = function
        self.ctx = ctx
        self.parents = parents
        self.shape = shape
        self.retained = None
        self.saved_versions = ()

    def name(self):
        return self.function.backward_name or f"{self.function.__name__}Backward0"

    def __repr__(self):
        return f"<{self.name()}>"

    def check_saved_versions(self):
        """Raise torch's error if a tensor this node saved was changed in place after the save."""
        for counter, version, (shape, dtype), producer in self.saved_versions:
            if counter[0] != version:
                producer = self if producer is _OUTPUT else producer
                which = f", which is output 0 of {_producer_name(producer)}," if producer is not None else ""
                type_name = tensor_type()._wrap(np.empty(0, dtype)).type()
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{type_name} {list(shape)}]{which} is at version {counter[0]}; expected "
                    f"version {version} instead. Hint: the backward of this op reads that tensor; clone() it "
                    "before changing it in place, or use the out-of-place op.")


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
            result.grad_fn = node = Node(cls, ctx, tuple(parents), out.shape)
            if ctx.saved_arrays:
                node.saved_versions = _saved_versions(ctx.saved_arrays, args, raw, result)
        return result


_OUTPUT = "output"   # marks a saved entry that is the node's own output (no reference cycle)


def _producer_name(node):
    """torch's name for the op that made a saved tensor ("Relu" for ReluBackward0)."""
    name = node.name()
    return name[:name.rfind("Backward")] if "Backward" in name else name


def _saved_versions(saved, args, raw, result):
    """[counter, version, (shape, dtype), producer] for each input tensor or output the op saved;
    the error text is only built if a check fails."""
    entries = []
    for array in saved:
        if array is None:
            continue
        if array is result._data:
            entries.append([result._version_counter, 0, (array.shape, array.dtype), _OUTPUT])
            continue
        for tensor, data in zip(args, raw):
            if data is array and hasattr(tensor, "_version_counter"):
                entries.append([tensor._version_counter, tensor._version_counter[0], (array.shape, array.dtype),
                                tensor.grad_fn])
                break
    return entries
