"""The Tensor: a NumPy array plus what autograd needs (requires_grad, grad, grad_fn).

Every differentiable method forwards to an op in ``minitorch_cv.ops``, where its forward and
backward live side by side; this file only holds bookkeeping and the torch-style surface.
"""
import numpy as np

from . import _dtype
from ._dtype import as_dtype, from_numpy_dtype
from ._printing import tensor_repr
from .autograd.engine import run_backward
from .autograd.grad_mode import is_grad_enabled as _grad_enabled
from .device import device as _device
from .ops import elementwise as ew
from .ops import linalg, reduce, shape as shape_ops


class Size(tuple):
    """A tensor shape; a tuple that prints like ``minitorch_cv.Size([2, 3])``."""

    def numel(self):
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self):
        return f"minitorch_cv.Size({list(self)})"


class Tensor:
    """An n-dimensional array that can record the ops applied to it and backpropagate."""

    __array_priority__ = 1000

    def __init__(self, data, dtype=None, requires_grad=False):
        dtype = as_dtype(dtype)
        array = _to_array(data, dtype)
        self._init(array, requires_grad)

    def _init(self, array, requires_grad):
        self._data = array
        self.grad = None
        self.grad_fn = None
        self._retains_grad = False
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, array, requires_grad=False):
        """Wrap an ndarray without copying (the array must have a supported dtype)."""
        t = cls.__new__(cls)
        if array.dtype not in _dtype._FROM_NUMPY:
            array = array.astype(from_numpy_dtype(array.dtype).numpy)
        t._init(array, requires_grad)
        return t

    # ----- autograd bookkeeping -----
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients; "
                               f"this one is {self.dtype}")
        if not value and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; "
                               "use .detach() to get a tensor that does not require grad")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        self._retains_grad = True

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Backpropagate from this tensor; needs ``gradient`` unless the tensor has one element."""
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if create_graph:
            raise NotImplementedError("minitorch_cv does not support higher-order gradients (create_graph=True)")
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            grad = np.ones_like(self._data)
        else:
            grad = _to_array(gradient, self.dtype)
            if grad.shape != self._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output has a shape of {Size(grad.shape)} "
                                   f"and output has a shape of {self.shape}")
        run_backward(self, grad, retain_graph=bool(retain_graph))

    def detach(self):
        return Tensor._wrap(self._data)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """A tensor sharing this one's memory, outside the graph (as ``torch.Tensor.data``)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else _to_array(value, self.dtype)

    # ----- basic properties -----
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        return self.shape if dim is None else self._data.shape[dim]

    @property
    def dtype(self):
        return _dtype._FROM_NUMPY[self._data.dtype]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def device(self):
        return _device("cpu")

    @property
    def is_cuda(self):
        return False

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __repr__(self):
        return tensor_repr(self)

    def __hash__(self):
        return id(self)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    # ----- dtype and device conversion -----
    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to("cpu")``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        dtype = kwargs.pop("dtype", None)
        for arg in list(args) + list(kwargs.values()):
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, (_dtype.dtype, type, np.dtype)):
                dtype = as_dtype(arg)
            elif arg is not None and not isinstance(arg, bool):
                _device(arg)
        return self.type_as_dtype(as_dtype(dtype)) if dtype is not None else self

    def type_as_dtype(self, dtype):
        if dtype is self.dtype:
            return self
        return ew.Cast.apply(self, dtype=dtype.numpy)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        _device("cuda")

    def float(self):
        return self.type_as_dtype(_dtype.float32)

    def double(self):
        return self.type_as_dtype(_dtype.float64)

    def long(self):
        return self.type_as_dtype(_dtype.int64)

    def bool(self):
        return self.type_as_dtype(_dtype.bool_)

    def type(self, dtype=None):
        if dtype is None:
            return f"minitorch_cv.{self.dtype.name.capitalize()}Tensor"
        return self.type_as_dtype(as_dtype(dtype))

    def clone(self):
        return ew.Clone.apply(self)

    def contiguous(self):
        return self

    # ----- arithmetic -----
    def __add__(self, other):
        return ew.binary(ew.Add, self, other)

    def __radd__(self, other):
        return ew.binary(ew.Add, other, self)

    def __sub__(self, other):
        return ew.binary(ew.Sub, self, other)

    def __rsub__(self, other):
        return ew.binary(ew.Sub, other, self)

    def __mul__(self, other):
        return ew.binary(ew.Mul, self, other)

    def __rmul__(self, other):
        return ew.binary(ew.Mul, other, self)

    def __truediv__(self, other):
        return ew.binary(ew.Div, self, other, true_division=True)

    def __rtruediv__(self, other):
        return ew.binary(ew.Div, other, self, true_division=True)

    def __pow__(self, exponent):
        return ew.power(self, exponent)

    def __rpow__(self, base):
        return ew.binary(ew.Pow, base, self)

    def __neg__(self):
        return ew.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __matmul__(self, other):
        return linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return linalg.matmul(other, self)

    def add(self, other, alpha=1):
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, alpha=1):
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self ** exponent

    def matmul(self, other):
        return self @ other

    def mm(self, other):
        return self @ other

    def neg(self):
        return -self

    def exp(self):
        return ew.Exp.apply(ew.as_float(self))

    def log(self):
        return ew.Log.apply(ew.as_float(self))

    def sqrt(self):
        return ew.Sqrt.apply(ew.as_float(self))

    def abs(self):
        return ew.Abs.apply(self)

    def relu(self):
        return ew.ReLU.apply(self)

    def sigmoid(self):
        return ew.Sigmoid.apply(ew.as_float(self))

    def tanh(self):
        return ew.Tanh.apply(ew.as_float(self))

    def clamp(self, min=None, max=None):
        return ew.Clamp.apply(self, min=min, max=max)

    clip = clamp

    def softmax(self, dim):
        from .ops.loss import softmax
        return softmax(self, dim)

    def log_softmax(self, dim):
        from .ops.loss import log_softmax
        return log_softmax(self, dim)

    # ----- comparisons (no gradient) -----
    def __eq__(self, other):
        return ew.compare(np.equal, self, other)

    def __ne__(self, other):
        return ew.compare(np.not_equal, self, other)

    def __lt__(self, other):
        return ew.compare(np.less, self, other)

    def __le__(self, other):
        return ew.compare(np.less_equal, self, other)

    def __gt__(self, other):
        return ew.compare(np.greater, self, other)

    def __ge__(self, other):
        return ew.compare(np.greater_equal, self, other)

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def __invert__(self):
        if self.dtype is not _dtype.bool_:
            return Tensor._wrap(np.invert(self._data))
        return Tensor._wrap(~self._data)

    def __and__(self, other):
        return Tensor._wrap(np.logical_and(self._data, _raw(other)))

    def __or__(self, other):
        return Tensor._wrap(np.logical_or(self._data, _raw(other)))

    def equal(self, other):
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def allclose(self, other, rtol=1e-5, atol=1e-8):
        return bool(np.allclose(self._data, _raw(other), rtol=rtol, atol=atol))

    def isnan(self):
        return Tensor._wrap(np.isnan(self._data))

    def all(self):
        return Tensor._wrap(np.asarray(self._data.all()))

    def any(self):
        return Tensor._wrap(np.asarray(self._data.any()))

    # ----- reductions -----
    def sum(self, dim=None, keepdim=False, dtype=None):
        x = self.to(dtype) if dtype is not None else self
        return reduce.Sum.apply(x, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        x = self.to(dtype) if dtype is not None else self
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                               f"floating point or complex dtype. Got: {x.dtype.name.capitalize()}")
        return reduce.Mean.apply(x, dim=dim, keepdim=keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, correction=None):
        correction = (1 if unbiased else 0) if correction is None else correction
        centred = self - self.mean(dim=dim, keepdim=True)
        count = self.numel() if dim is None else np.prod([self.shape[d] for d in reduce.dims(dim, self.ndim)])
        return (centred * centred).sum(dim=dim, keepdim=keepdim) / max(count - correction, 0)

    def std(self, dim=None, unbiased=True, keepdim=False, correction=None):
        return self.var(dim, unbiased, keepdim, correction).sqrt()

    def max(self, dim=None, keepdim=False):
        return reduce.extreme(self, dim, keepdim, largest=True)

    def min(self, dim=None, keepdim=False):
        return reduce.extreme(self, dim, keepdim, largest=False)

    def argmax(self, dim=None, keepdim=False):
        return reduce.arg_extreme(self, dim, keepdim, largest=True)

    def argmin(self, dim=None, keepdim=False):
        return reduce.arg_extreme(self, dim, keepdim, largest=False)

    # ----- shape -----
    def reshape(self, *shape):
        return shape_ops.reshape(self, shape)

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
            raise NotImplementedError("view(dtype) is not supported; use .to(dtype)")
        return shape_ops.reshape(self, shape)

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return shape_ops.flatten(self, start_dim, end_dim)

    def unsqueeze(self, dim):
        return shape_ops.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return shape_ops.squeeze(self, dim)

    def permute(self, *dims):
        return shape_ops.permute(self, dims)

    def transpose(self, dim0, dim1):
        return shape_ops.transpose(self, dim0, dim1)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose(0, 1) if self.ndim == 2 else self

    @property
    def T(self):
        return shape_ops.permute(self, tuple(reversed(range(self.ndim))))

    def expand(self, *sizes):
        return shape_ops.expand(self, sizes)

    def expand_as(self, other):
        return shape_ops.expand(self, tuple(other.shape))

    def __getitem__(self, index):
        return shape_ops.getitem(self, index)

    def __setitem__(self, index, value):
        if self.requires_grad and self.is_leaf and _grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        self._data[shape_ops.raw_index(index)] = _raw(value)

    # ----- in-place updates (used by optimizers and init, normally under no_grad) -----
    def _inplace(self, result):
        if self.requires_grad and self.is_leaf and _grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        np.copyto(self._data, result, casting="same_kind")
        return self

    def add_(self, other, alpha=1):
        other = _raw(other)
        return self._inplace(self._data + (other * alpha if alpha != 1 else other))

    def sub_(self, other, alpha=1):
        other = _raw(other)
        return self._inplace(self._data - (other * alpha if alpha != 1 else other))

    def mul_(self, other):
        return self._inplace(self._data * _raw(other))

    def div_(self, other):
        return self._inplace(self._data / _raw(other))

    def addcmul_(self, a, b, value=1):
        return self._inplace(self._data + value * _raw(a) * _raw(b))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def zero_(self):
        return self._inplace(0)

    def fill_(self, value):
        return self._inplace(_raw(value))

    def copy_(self, source):
        source = _raw(source)
        return self._inplace(np.broadcast_to(source, self._data.shape))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import numpy_generator
        return self._inplace(numpy_generator(generator).uniform(a, b, self._data.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import numpy_generator
        return self._inplace(numpy_generator(generator).normal(mean, std, self._data.shape))


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _to_array(data, dtype=None):
    """Turn user data (nested lists, scalars, arrays, tensors) into an owned ndarray of a supported dtype."""
    if isinstance(data, Tensor):
        array = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        array = np.array([_to_array(x) for x in data])
    else:
        array = np.array(data)
    if dtype is not None:
        return np.array(array, dtype=dtype.numpy, copy=True)
    if array.dtype.kind == "f" and not isinstance(data, (np.ndarray, Tensor)):
        return array.astype(_dtype.default_float.numpy)
    if array.dtype.kind == "O" or array.dtype.kind in "USV":
        raise TypeError(f"can't build a tensor from {type(data).__name__} holding {array.dtype} values")
    return np.array(array, dtype=from_numpy_dtype(array.dtype).numpy, copy=True)


def _flat(items):
    for x in items:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def is_tensor(obj):
    return isinstance(obj, Tensor)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data``; Python floats become float32, ints int64."""
    if device is not None:
        _device(device)
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (supported: float32/64, int64, bool)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    if array.dtype not in _dtype._FROM_NUMPY:
        raise TypeError(f"can't convert np.ndarray of type {array.dtype}. The only supported types "
                        "are: float64, float32, int64 and bool.")
    return Tensor._wrap(array)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or as_dtype(dtype) is data.dtype):
        return data
    if isinstance(data, np.ndarray) and data.dtype in _dtype._FROM_NUMPY and dtype is None:
        return Tensor._wrap(data)
    return tensor(data, dtype=dtype, device=device)

