"""In-place updates and item assignment (a mixin of ``Tensor``).

Outside the graph (optimizer steps and init under ``no_grad``, or tensors that need no
gradient) the new values are written into the existing array, so views and ``.data`` see
them. Inside the graph (the tensor or the other operand requires grad, grad mode on) the
result is computed out of place and becomes the tensor's value and ``grad_fn``, so
``out += identity`` in a residual block backpropagates into both. As in torch, a leaf that
requires grad refuses in-place changes while grad mode is on.
"""
import numpy as np

from . import _dtype
from .autograd.grad_mode import is_grad_enabled
from .ops import elementwise as ew
from .ops import shape as shape_ops
from .ops.promotion import Cast, cast, operand
from .random import numpy_generator

_LEAF_ERROR = ("a leaf Variable that requires grad is being used in an in-place operation. "
               "Wrap the update in `with minitorch_cv.no_grad():`.")


def _can_cast(source, target):
    """torch's in-place rule: no float into an integer tensor, nothing but bool into a bool tensor."""
    if source is target:
        return True
    if target is _dtype.bool_:
        return False
    return not (source.is_floating_point and not target.is_floating_point)


class TensorInPlace:
    """``add_``, ``mul_``, ``zero_``, ``copy_``, ``x[i] = v`` ... with torch's semantics."""

    def _tracking(self, *others):
        """Whether this update must be recorded in the graph (refused for leaves that require grad)."""
        if not is_grad_enabled():
            return False
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(_LEAF_ERROR)
        return self._requires_grad or any(getattr(o, "_requires_grad", False) for o in others)

    def _update(self, result, *others):
        """Make ``result`` (computed out of place from this tensor) its new value."""
        if tuple(result._data.shape) != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast "
                               f"shape {list(result._data.shape)}")
        if not _can_cast(result.dtype, self.dtype):
            raise RuntimeError(f"result type {result.dtype.type_name} can't be cast to the desired "
                               f"output type {self.dtype.type_name}")
        if self._tracking(*others):
            result = cast(result, self.dtype)
            self._data, self.grad_fn, self._requires_grad = result._data, result.grad_fn, result._requires_grad
        else:
            self._write(result._data)
        return self

    def _write(self, values):
        if not self._data.flags.writeable:
            raise RuntimeError("in-place update of a tensor whose memory is read-only (an expanded view); "
                               "make a copy with .clone() first")
        try:
            self._data[...] = values
        except ValueError:
            raise RuntimeError(f"in-place update: values of shape {list(np.shape(values))} can't be broadcast "
                               f"to the tensor's shape {list(self._data.shape)}") from None

    def add_(self, other, alpha=1):
        return self._update(self.add(other, alpha=alpha), other)

    def sub_(self, other, alpha=1):
        return self._update(self.sub(other, alpha=alpha), other)

    def mul_(self, other):
        return self._update(self * other, other)

    def div_(self, other, rounding_mode=None):
        return self._update(self.div(other, rounding_mode=rounding_mode), other)

    def pow_(self, exponent):
        return self._update(self ** exponent, exponent)

    def addcmul_(self, tensor1, tensor2, value=1):
        return self._update(self + tensor1 * tensor2 * value, tensor1, tensor2)

    def addcdiv_(self, tensor1, tensor2, value=1):
        return self._update(self + tensor1 / tensor2 * value, tensor1, tensor2)

    def clamp_(self, min=None, max=None):
        return self._update(self.clamp(min, max), min, max)

    clip_ = clamp_

    def neg_(self):
        return self._update(-self)

    def abs_(self):
        return self._update(self.abs())

    def sqrt_(self):
        return self._update(self.sqrt())

    def exp_(self):
        return self._update(self.exp())

    def log_(self):
        return self._update(self.log())

    def relu_(self):
        return self._update(self.relu())

    def sigmoid_(self):
        return self._update(self.sigmoid())

    def tanh_(self):
        return self._update(self.tanh())

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def _overwrite(self, values):
        """Replace every value (fill, copy, random init); inside the graph the old values get no gradient."""
        if self._tracking():
            self._data = np.array(np.broadcast_to(values, self._data.shape), dtype=self._data.dtype)
            self.grad_fn, self._requires_grad = None, False
        else:
            self._write(values)
        return self

    def zero_(self):
        return self._overwrite(0)

    def fill_(self, value):
        value = operand(value)
        return self._overwrite(value._data if hasattr(value, "_data") else value)

    def copy_(self, src, non_blocking=False):
        """Copy ``src`` (broadcast, cast to this dtype) into this tensor."""
        if not hasattr(src, "_data"):
            raise TypeError(f"copy_(): argument 'src' must be a Tensor, not {type(src).__name__}")
        try:
            np.broadcast_shapes(src._data.shape, self._data.shape)
        except ValueError:
            raise RuntimeError(f"copy_(): the source of shape {list(src.shape)} can't be broadcast to "
                               f"the destination's shape {list(self.shape)}") from None
        if self._tracking(src):
            result = shape_ops.expand(Cast.apply(src, dtype=self._data.dtype) if src.dtype is not self.dtype
                                      else ew.Clone.apply(src), tuple(self.shape))
            self._data, self.grad_fn, self._requires_grad = result._data, result.grad_fn, True
            return self
        self._write(np.broadcast_to(src._data, self._data.shape))
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        return self._overwrite(numpy_generator(generator).uniform(a, b, self._data.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._overwrite(numpy_generator(generator).normal(mean, std, self._data.shape))

    def __setitem__(self, index, value):
        index = shape_ops.torch_placed(shape_ops.raw_index(index), self._data.shape)
        value = operand(np.asarray(value) if isinstance(value, (list, tuple)) else value)
        if self._tracking(value):
            if hasattr(value, "_data"):
                value = cast(value, self.dtype)
            result = shape_ops.SetItem.apply(self, value, index=index)
            self._data, self.grad_fn, self._requires_grad = result._data, result.grad_fn, True
            return
        values = value._data if hasattr(value, "_data") else value
        try:
            self._data[index] = values
        except ValueError as error:
            raise RuntimeError(f"shape mismatch: value of shape {list(np.shape(values))} cannot be broadcast "
                               f"to the indexing result ({error})") from None
