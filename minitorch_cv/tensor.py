"""The Tensor: a NumPy array plus what autograd needs (requires_grad, grad, grad_fn).

This file holds the bookkeeping (autograd state, properties, conversions, printing) and the
creation functions. Math, comparison, reduction and shape methods come from
``_tensor_math.TensorMath``, in-place updates and item assignment from
``_tensor_inplace.TensorInPlace``; every differentiable op lives in ``minitorch_cv.ops`` with
its forward and backward side by side.
"""
import weakref

import numpy as np

from . import _dtype
from ._dtype import as_dtype, from_numpy_dtype
from ._printing import tensor_repr
from ._tensor_indexing import TensorIndexing
from ._tensor_inplace import TensorInPlace
from ._tensor_math import TensorMath
from ._tensor_more_math import TensorMoreMath
from .autograd.engine import run_backward
from .device import device as _device
from .ops.promotion import Cast


class Size(tuple):
    """A tensor shape; a tuple that prints like ``minitorch_cv.Size([2, 3])``."""

    def numel(self):
        return int(np.prod(self, dtype=np.int64))

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __repr__(self):
        return f"minitorch_cv.Size({list(self)})"


class Tensor(TensorMath, TensorInPlace, TensorMoreMath, TensorIndexing):
    """An n-dimensional array that can record the ops applied to it and backpropagate."""

    __array_priority__ = 1000

    def __init__(self, *args, device=None):
        """torch's legacy constructor: ``Tensor([1, 2])`` is float32 data, ``Tensor(2, 3)`` a float32 shape.

        Use ``minitorch_cv.tensor(data, dtype=..., requires_grad=...)`` to keep the data's dtype.
        """
        if device is not None:
            _device(device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            array = args[0]._data
        elif all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            array = np.zeros(tuple(int(a) for a in args) if args else (0,), dtype=_dtype.default_float.numpy)
        elif len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
            array = _to_array(args[0], _dtype.default_float)
        else:
            raise TypeError(f"Tensor(): expected a sequence of numbers, an array, a tensor or a shape of ints, "
                            f"got {', '.join(type(a).__name__ for a in args)}")
        self._init(array, False)

    def _init(self, array, requires_grad):
        self._data = array
        self.grad = None
        self.grad_fn = None
        self._requires_grad = False
        self._version_counter = [0]
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, array, requires_grad=False):
        """Wrap an ndarray without copying (other dtypes are converted to a supported one)."""
        t = cls.__new__(cls)
        if array.dtype not in _dtype._FROM_NUMPY:
            array = array.astype(from_numpy_dtype(array.dtype).numpy)
        t._data = array
        t.grad = None
        t.grad_fn = None
        t._requires_grad = False
        t._version_counter = [0]
        if requires_grad:
            t.requires_grad = True
        return t

    # ----- autograd bookkeeping -----
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients; "
                               f"this one is {self.dtype}")
        if not value and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to "
                               "use a computed variable in a subgraph that doesn't require differentiation "
                               "use var_no_grad = var.detach().")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep theirs anyway)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` each time backward has added into this leaf's ``.grad``."""
        from .utils.hooks import RemovableHandle
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = self.__dict__.setdefault("_post_accumulate_grad_hooks", {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Backpropagate from this tensor; needs ``gradient`` unless the tensor has one element."""
        if not self._requires_grad:
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
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {Size(grad.shape)} "
                                   f"and output[0] has a shape of {self.shape}.")
        run_backward(self, grad, retain_graph=bool(retain_graph))

    @property
    def _version(self):
        """How many in-place changes this tensor (and its detached aliases) has seen, as in torch."""
        return self._version_counter[0]

    def detach(self):
        """A tensor sharing this one's memory (and version counter), cut from the graph."""
        detached = Tensor._wrap(self._data)
        detached._version_counter = self._version_counter
        return detached

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
        if dim is None:
            return Size(self._data.shape)
        ndim = max(self._data.ndim, 1)
        if not -ndim <= dim < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                             f"but got {dim})")
        return self._data.shape[dim]

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

    def element_size(self):
        return self._data.itemsize

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
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        return bool(self._data.flags.c_contiguous)

    def numpy(self):
        """The underlying array (shared memory); refused while the tensor requires grad, as in torch."""
        if self._requires_grad:
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
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __index__(self):
        if self._data.dtype.kind not in "ib" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __repr__(self):
        return tensor_repr(self)

    def __format__(self, spec):
        """``f"{loss:.4f}"`` formats a 0-d tensor's value, as torch does."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __hash__(self):
        return id(self)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __array__(self, dtype=None, copy=None):
        if dtype is not None:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __deepcopy__(self, memo):
        """Copies of leaf tensors only, as in torch (``copy.deepcopy(model.state_dict())``)."""
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment. If you were attempting to deepcopy a "
                               "module, this may be because of a torch.nn.utils.weight_norm usage")
        copy = type(self).__new__(type(self))
        copy._init(self._data.copy(), self._requires_grad)
        if self.grad is not None:
            copy.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = copy
        return copy

    # ----- dtype and device conversion -----
    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to("cpu")``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, (_dtype.dtype, type, np.dtype)):
                dtype = as_dtype(arg)
            elif isinstance(arg, (str, _device)):
                device = arg
            elif not isinstance(arg, bool):
                raise TypeError(f"to() received an invalid argument {arg!r}: expected a dtype, "
                                "a device or a tensor")
        if device is not None:
            _device(device)
        result = self._convert(as_dtype(dtype)) if dtype is not None else self
        return result.clone() if copy and result is self else result

    def _convert(self, dtype):
        if dtype is self.dtype:
            return self
        return Cast.apply(self, dtype=dtype.numpy)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        _device("cuda")

    def float(self):
        return self._convert(_dtype.float32)

    def double(self):
        return self._convert(_dtype.float64)

    def long(self):
        return self._convert(_dtype.int64)

    def bool(self):
        return self._convert(_dtype.bool_)

    def int(self):
        return self._convert(_dtype.int32)

    def short(self):
        return self._convert(_dtype.int16)

    def char(self):
        return self._convert(_dtype.int8)

    def byte(self):
        return self._convert(_dtype.uint8)

    def half(self):
        return self._convert(_dtype.float16)

    def bfloat16(self):
        return self._convert(_dtype.as_dtype("bfloat16"))

    def type(self, dtype=None):
        """Without arguments the type name (``'minitorch_cv.FloatTensor'``); else ``to(dtype)``."""
        if dtype is None:
            return f"minitorch_cv.{self.dtype.type_name}Tensor"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            dtype = _TYPE_FROM_NAME.get(dtype.split(".")[-1][:-len("Tensor")], dtype)
        return self._convert(as_dtype(dtype))

    def type_as(self, other):
        return self._convert(other.dtype)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        """A new tensor from ``data`` with this tensor's dtype unless ``dtype`` is given."""
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        return self._new(np.ones, size, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        array = np.full(tuple(size), fill_value, dtype=(as_dtype(dtype) or self.dtype).numpy)
        return Tensor._wrap(array, requires_grad=requires_grad)

    def _new(self, make, size, dtype, requires_grad):
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        array = make(tuple(int(s) for s in size), dtype=(as_dtype(dtype) or self.dtype).numpy)
        return Tensor._wrap(array, requires_grad=requires_grad)

    def clone(self):
        from .ops.elementwise import Clone
        return Clone.apply(self)

    def contiguous(self):
        return self


_TYPE_FROM_NAME = {d.type_name: d for d in _dtype.ALL}


def _to_array(data, dtype=None):
    """Turn user data (nested lists, scalars, arrays, tensors) into an owned ndarray of a supported dtype."""
    if isinstance(data, Tensor):
        array = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        array = np.array([_to_array(x) for x in data])
    else:
        try:
            array = np.array(data)
        except ValueError as error:
            raise ValueError(f"can't build a tensor from ragged nested sequences: every list at one "
                             f"depth must have the same length ({error})") from None
    if array.dtype not in _dtype._FROM_NUMPY and array.dtype.kind in "OUSVM":
        raise TypeError(f"can't build a tensor from {type(data).__name__} holding "
                        f"{'objects' if array.dtype.kind == 'O' else array.dtype} values; "
                        "expected numbers, bools, nested lists of them, arrays or tensors")
    if dtype is not None:
        return np.array(array, dtype=dtype.numpy, copy=True)
    if array.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic, Tensor)):
        return array.astype(_dtype.default_float.numpy)
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
    return Tensor._wrap(_to_array(data, as_dtype(dtype)), requires_grad=requires_grad)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (bool, uint8, int8/16/32/64, float16/32/64).

    Other integer types (uint16, uint32, uint64) are converted to int64 in a copy that does not
    share memory.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"can't convert np.ndarray of type {array.dtype}. The supported types are: "
                        "float64, float32, float16, int64, int32, int16, int8, uint8 and bool.")
    return Tensor._wrap(array)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, without copying when it already is one (or a NumPy array) of that dtype."""
    if device is not None:
        _device(device)
    dtype = as_dtype(dtype)
    if isinstance(data, Tensor):
        return data if dtype is None else data._convert(dtype)
    if isinstance(data, np.ndarray) and dtype in (None, _dtype._FROM_NUMPY.get(data.dtype)):
        return Tensor._wrap(data)
    return tensor(data, dtype=dtype)
