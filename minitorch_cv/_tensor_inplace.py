"""In-place updates and item assignment (a mixin of ``Tensor``).

Outside the graph (optimizer steps and init under ``no_grad``, or tensors that need no
gradient) the new values are written into the existing array, so views and ``.data`` see
them. Inside the graph (the tensor or the other operand requires grad, grad mode on) the
result is computed out of place and becomes the tensor's value and ``grad_fn``, so
``out += identity`` in a residual block backpropagates into both. As in torch, a leaf that
requires grad refuses in-place changes while grad mode is on. Every in-place change increments
the tensor's version counter (shared with ``detach()`` aliases), which lets the backward refuse
to use a saved tensor that was changed after an op saved it (see ``autograd/function.py``).
"""
import numpy as np

from . import _draws, _dtype
from .autograd.grad_mode import is_grad_enabled
from .ops import elementwise as ew
from .ops import shape as shape_ops
from .ops.promotion import Cast, cast, operand

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
            self._bump_version()
            self._adopt_saved_output(result)
        else:
            self._write(result._data)
        return self

    def _bump_version(self):
        self._version_counter[0] += 1

    def _adopt_saved_output(self, result):
        """Fix the versions the op that computed this tensor's new value recorded.

        A saved output (ReLU saves one) is now this tensor, at its new version. A saved old
        value of this tensor (``x.mul_(w)`` needs it for w's gradient) stays intact, since the
        update was computed out of place, so it no longer follows this tensor's counter.
        """
        node = result.grad_fn
        for entry in node.saved_versions if node is not None else ():
            if entry[0] is result._version_counter:
                entry[0], entry[1] = self._version_counter, self._version_counter[0]
            elif entry[0] is self._version_counter:
                entry[0] = [entry[1]]

    def _prepare_write(self):
        """Refuse read-only memory, then count the change."""
        if not self._data.flags.writeable:
            raise RuntimeError("in-place update of a tensor whose memory is read-only (an expanded view); "
                               "make a copy with .clone() first")
        self._bump_version()

    def _write(self, values):
        self._prepare_write()
        try:
            self._data[...] = values
        except ValueError:
            raise RuntimeError(f"in-place update: values of shape {list(np.shape(values))} can't be broadcast "
                               f"to the tensor's shape {list(self._data.shape)}") from None

    def add_(self, other, alpha=1):
        if alpha == 1 and self._same_float_operand(other) and not self._tracking(other):
            self._prepare_write()    # outside the graph: one pass, no temporary (residual sums)
            ew.add_into(self._data, other._data, out=self._data)
            return self
        return self._update(self.add(other, alpha=alpha), other)

    def _same_float_operand(self, other):
        """``other`` is a tensor of this floating dtype that broadcasts to this tensor's shape."""
        if getattr(other, "dtype", None) is not self.dtype or not self.dtype.is_floating_point:
            return False
        try:
            return np.broadcast_shapes(other._data.shape, self._data.shape) == self._data.shape
        except ValueError:
            return False

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
        if self.dtype.is_floating_point and not self._tracking():
            self._prepare_write()    # outside the graph: one pass over the tensor's own array
            ew.relu_into(self._data, self._data)
            return self
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
            self._bump_version()
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
            self._bump_version()
            return self
        self._write(np.broadcast_to(src._data, self._data.shape))
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Fill with U[a, b) samples: torch's values for the same generator state."""
        return self._overwrite(_draws.uniform(self._data, a, b, generator))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._overwrite(_draws.normal(self._data, mean, std, generator))

    def random_(self, from_=None, to=None, generator=None):
        """``random_()``: integers over the dtype's range; ``random_(to)``, ``random_(from_, to)``: [from_, to)."""
        if from_ is None and to is None:
            return self._overwrite(_draws.bits(self._data, generator))
        low, high = (0, from_) if to is None else (from_, to)
        return self._overwrite(_draws.integers(self._data, low, high, generator))

    def bernoulli_(self, p=0.5, generator=None):
        """0/1 draws with probability ``p`` (a number, or a tensor broadcast to this one)."""
        if hasattr(p, "_data"):
            return self._overwrite(_draws.bernoulli_probs(self._data, p._data, generator))
        return self._overwrite(_draws.bernoulli_scalar(self._data, p, generator))

    def exponential_(self, lambd=1.0, generator=None):
        return self._overwrite(_draws.exponential(self._data, lambd, generator))

    def cauchy_(self, median=0.0, sigma=1.0, generator=None):
        return self._overwrite(_draws.cauchy(self._data, median, sigma, generator))

    def log_normal_(self, mean=1.0, std=2.0, generator=None):
        return self._overwrite(_draws.log_normal(self._data, mean, std, generator))

    def geometric_(self, p, generator=None):
        return self._overwrite(_draws.geometric(self._data, p, generator))

    def __setitem__(self, index, value):
        index = shape_ops.torch_placed(shape_ops.raw_index(index), self._data.shape)
        value = operand(np.asarray(value) if isinstance(value, (list, tuple)) else value)
        if self._tracking(value):
            if hasattr(value, "_data"):
                value = cast(value, self.dtype)
            result = shape_ops.SetItem.apply(self, value, index=index)
            self._data, self.grad_fn, self._requires_grad = result._data, result.grad_fn, True
            self._bump_version()
            return
        values = value._data if hasattr(value, "_data") else value
        self._bump_version()
        try:
            self._data[index] = values
        except ValueError as error:
            raise RuntimeError(f"shape mismatch: value of shape {list(np.shape(values))} cannot be broadcast "
                               f"to the indexing result ({error})") from None
