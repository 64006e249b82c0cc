"""What a PyTorch checkpoint's pickle may name, and how its tensors are rebuilt without torch.

The admitted globals are those ``torch.load(weights_only=True)`` admits for plain weights:
containers (OrderedDict, Counter, set), ``torch.Size``, dtypes, storage types, and the tensor
and parameter rebuild functions, here replaced by functions that build minitorch_cv tensors.
Tensors are NumPy views into their storage's array (two tensors on one storage share memory,
as in torch); a view whose elements overlap (an expanded tensor) becomes a copy instead.
"""
import codecs
import pickle
from collections import Counter, OrderedDict

import numpy as np

from .. import _dtype
from ..tensor import Size, Tensor
from ._dtypes import STORAGE_DTYPES, TORCH_DTYPES, UnsupportedDtype, minitorch_dtype
from ._safe_unpickler import SafeUnpickler


class StorageType:
    """Stands in for ``torch.FloatStorage`` and kin: it only names an element type."""

    def __init__(self, dtype_name):
        self.dtype_name = dtype_name

    def __repr__(self):
        return f"<storage type {self.dtype_name}>"


class ForeignDtype:
    """A torch dtype minitorch_cv has no tensors of (kept so a file that merely names it loads)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


class TensorClass:
    """Stands in for ``torch.Tensor``, which a file may name only as ``_rebuild_from_type_v2``'s type."""

    def __repr__(self):
        return "torch.Tensor"


class Storage:
    """A checkpoint storage: one flat NumPy array in native byte order that tensors view."""

    def __init__(self, array, dtype_name, key):
        self.array = array
        self.dtype_name = dtype_name
        self.key = key


_UNTYPED = StorageType("uint8")
_KNOWN_UNSUPPORTED = {
    "_rebuild_qtensor": "quantized tensors", "_rebuild_sparse_tensor": "sparse tensors",
    "_rebuild_nested_tensor": "nested tensors", "_rebuild_meta_tensor_no_storage": "meta tensors",
    "_rebuild_wrapper_subclass": "tensor subclasses", "_rebuild_device_tensor_from_numpy": "device tensors",
    "_rebuild_device_tensor_from_cpu_tensor": "device tensors", "_rebuild_device_tensor_from_cpu_tensors":
    "device tensors",
}


def _encode(text, encoding="latin1"):
    """``_codecs.encode`` as protocol 2 pickles bytes with: latin-1 text only."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is admitted only to turn latin-1 text into bytes")
    return codecs.encode(text, "latin1")


def _bytearray(data=b""):
    if not isinstance(data, (bytes, list)):
        raise pickle.UnpicklingError("bytearray is admitted only over bytes or a list")
    return bytearray(data)


def _device(*args):
    return str(args[0]) if len(args) == 1 else f"{args[0]}:{args[1]}"


class TorchUnpickler(SafeUnpickler):
    """Reads a torch.save pickle; ``storage(pid)`` turns a persistent id into a :class:`Storage`.

    ``deferred`` collects tensors whose data can only be copied out of their storage once all
    storages are filled (the legacy format stores the data after the pickle).
    """

    def __init__(self, file, storage, deferred=None):
        super().__init__(file, self._resolve_global, storage)
        self.deferred = deferred
        self._rebuild = {"_rebuild_tensor": self.rebuild_tensor, "_rebuild_tensor_v2": self.rebuild_tensor_v2,
                         "_rebuild_tensor_v3": self.rebuild_tensor_v3, "_rebuild_parameter": rebuild_parameter,
                         "_rebuild_parameter_with_state": rebuild_parameter_with_state}

    def _resolve_global(self, module, name):
        module = "builtins" if module == "__builtin__" else module
        full = f"{module}.{name}"
        plain = {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
                 "builtins.set": set, "builtins.bytearray": _bytearray, "builtins.complex": complex,
                 "_codecs.encode": _encode, "torch.Size": Size, "torch.device": _device,
                 "torch.serialization._get_layout": str,
                 "torch._tensor._rebuild_from_type_v2": self.rebuild_from_type_v2,
                 "torch.tensor._rebuild_from_type_v2": self.rebuild_from_type_v2, "torch.Tensor": _TORCH_TENSOR,
                 "torch.nn.parameter.Parameter": rebuild_parameter_from_data,
                 "torch.storage.UntypedStorage": _UNTYPED}
        if full in plain:
            return plain[full]
        if module == "torch._utils" and name in self._rebuild:
            return self._rebuild[name]
        if module == "torch._utils" and name in _KNOWN_UNSUPPORTED:
            raise pickle.UnpicklingError(f"GLOBAL {full}: the file holds {_KNOWN_UNSUPPORTED[name]}, which "
                                         "minitorch_cv does not have")
        if module == "torch" and name in STORAGE_DTYPES:
            return StorageType(STORAGE_DTYPES[name])
        if module == "torch" and name in TORCH_DTYPES:
            try:
                return minitorch_dtype(name)
            except UnsupportedDtype:
                return ForeignDtype(name)
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {full} was not an allowed global. minitorch_cv.load reads weights "
            "only (tensors, numbers, strings and containers of them, as torch.load(weights_only=True)); "
            f"nothing named by the file was imported or run. If this file holds a whole model, re-save its "
            "state_dict() with torch.")

    # ----- rebuild functions (called by REDUCE with the file's arguments) -----
    def rebuild_tensor(self, storage, storage_offset, size, stride):
        return self._tensor(storage, storage_offset, size, stride, False, storage.dtype_name
                            if isinstance(storage, Storage) else None)

    def rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad, backward_hooks,
                          metadata=None):
        dtype_name = storage.dtype_name if isinstance(storage, Storage) else None
        return self._tensor(storage, storage_offset, size, stride, requires_grad, dtype_name)

    def rebuild_tensor_v3(self, storage, storage_offset, size, stride, requires_grad, backward_hooks,
                          dtype, metadata=None):
        name = dtype.name if isinstance(dtype, (_dtype.dtype, ForeignDtype)) else None
        if name is None:
            raise pickle.UnpicklingError(f"_rebuild_tensor_v3: expected a dtype, got {dtype!r}")
        return self._tensor(storage, storage_offset, size, stride, requires_grad, name)

    def rebuild_from_type_v2(self, func, new_type, args, state):
        """A tensor saved with Python attributes (dropped here) or as a Parameter subclass."""
        if new_type is not _TORCH_TENSOR and new_type is not rebuild_parameter_from_data:
            raise pickle.UnpicklingError(f"tensor subclass {new_type!r} is not supported")
        if func not in self._rebuild.values() or type(args) is not tuple:
            raise pickle.UnpicklingError(f"_rebuild_from_type_v2 called with {func!r}, not a tensor rebuild")
        tensor = func(*args)
        return tensor if new_type is _TORCH_TENSOR else _parameter(tensor, tensor.requires_grad)

    def _tensor(self, storage, offset, size, stride, requires_grad, dtype_name):
        if not isinstance(storage, Storage):
            raise pickle.UnpicklingError(f"a tensor's storage must come from the file's storages, got {storage!r}")
        if dtype_name != storage.dtype_name and storage.dtype_name != "uint8":
            raise pickle.UnpicklingError(f"a {dtype_name} tensor on a {storage.dtype_name} storage")
        dtype = minitorch_dtype(dtype_name)
        array = _as_elements(storage, dtype.numpy)
        shape, strides = _checked_layout(offset, size, stride, len(array), storage.key)
        if 0 in shape:
            data = np.empty(shape, dtype=dtype.numpy)
        else:
            data = np.ndarray(shape, dtype=dtype.numpy, buffer=array, offset=offset * array.itemsize,
                              strides=[s * array.itemsize for s in strides])
        tensor = Tensor._wrap(data, requires_grad=bool(requires_grad))
        if 0 not in shape and _overlaps(shape, strides):
            if self.deferred is None:
                tensor._data = data.copy()
            else:
                self.deferred.append(tensor)
        return tensor


def _as_elements(storage, np_dtype):
    """The storage's array as elements of ``np_dtype`` (an untyped byte storage is reinterpreted)."""
    array = storage.array
    if array.dtype == np_dtype:
        return array
    if array.nbytes % np_dtype.itemsize:
        raise pickle.UnpicklingError(f"storage {storage.key!r} of {array.nbytes} bytes does not hold whole "
                                     f"{np_dtype} elements")
    return array.view(np_dtype)


def _checked_layout(offset, size, stride, numel, key):
    """Validate a tensor's place in its storage; refuse one that would read outside it."""
    def ints(value):
        return isinstance(value, tuple) and all(type(v) is int for v in value)

    if type(offset) is not int or not ints(size) or not ints(stride) or len(size) != len(stride):
        raise pickle.UnpicklingError(f"a tensor's offset/size/stride are not integers of one rank: "
                                     f"{offset!r}, {size!r}, {stride!r}")
    if offset < 0 or any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise pickle.UnpicklingError(f"negative offset, size or stride: {offset}, {size}, {stride}")
    if 0 not in size and offset + sum((n - 1) * s for n, s in zip(size, stride)) >= numel:
        raise pickle.UnpicklingError(f"a tensor of size {list(size)}, stride {list(stride)} at offset {offset} "
                                     f"reaches past the end of storage {key!r} ({numel} elements)")
    return tuple(size), tuple(stride)


def _overlaps(shape, strides):
    """True when two indices of the view reach one element (e.g. a stride-0 expanded dimension)."""
    extent = 1
    for n, s in sorted((pair for pair in zip(shape, strides) if pair[0] > 1), key=lambda pair: pair[1]):
        if s < extent:
            return True
        extent = s * (n - 1) + extent
    return False


def _parameter(data, requires_grad):
    from ..nn.parameter import Parameter

    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"a Parameter must wrap a tensor, got {type(data).__name__}")
    return Parameter(data, requires_grad=bool(requires_grad))


def rebuild_parameter(data, requires_grad, backward_hooks):
    """``torch._utils._rebuild_parameter``; backward hooks are never restored (torch drops them too)."""
    return _parameter(data, requires_grad)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """A Parameter that carried Python attributes; they are not restored (a weight needs none)."""
    return _parameter(data, requires_grad)


def rebuild_parameter_from_data(data=None, requires_grad=True):
    """``torch.nn.Parameter(data, requires_grad)`` called by a pickle."""
    return _parameter(data, requires_grad)


_TORCH_TENSOR = TensorClass()
