"""``Parameter``: a tensor that a Module registers as trainable when it is assigned as an attribute."""
import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor (``requires_grad=True`` by default) sharing memory with ``data``.

    Assigning one to a Module attribute adds it to ``parameters()`` and ``state_dict()``.
    Ops on a Parameter return plain Tensors.

    Example::

        >>> w = nn.Parameter(minitorch_cv.zeros(3))
        >>> w
        Parameter containing:
        tensor([0., 0., 0.], requires_grad=True)
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data
        else:
            raise TypeError(f"Parameter(data) expects a Tensor, got {type(data).__name__}")
        self._init(array, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def clear_grads(params, set_to_none=True):
    """Drop (default) or zero the ``.grad`` of each tensor; shared by Module and Optimizer."""
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            param.grad.detach_()
            param.grad.zero_()
