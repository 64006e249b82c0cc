"""Write a state as the pickle ``torch.save`` writes (protocol 2), without torch and without ``pickle``.

Python's pickler names a function by importing its module, so it cannot name torch's rebuild
functions without torch; this writer emits the opcodes itself. Tensors become
``torch._utils._rebuild_tensor_v2`` calls on persistent storage ids, Parameters
``_rebuild_parameter``; only what ``torch.load(weights_only=True)`` admits is ever written.
Tensors that view one NumPy array share one storage (torch saves views that way too).
"""
import pickle
import struct
from collections import OrderedDict

import numpy as np

from .. import _dtype
from ..tensor import Size, Tensor
from ._dtypes import storage_global, torch_name


class TorchPickler:
    """``dumps(obj)`` -> (pickle bytes, [(storage key, contiguous 1-D array)])."""

    def __init__(self):
        self._out = bytearray()
        self._storages = {}
        self._active = set()

    def dumps(self, obj):
        self._out += pickle.PROTO + b"\x02"
        self._save(obj, "the top level")
        self._out += pickle.STOP
        return bytes(self._out), [(key, array.reshape(-1)) for key, array in self._storages.values()]

    def _save(self, obj, where):
        if obj is None:
            self._out += pickle.NONE
        elif obj is True or obj is False:
            self._out += pickle.NEWTRUE if obj else pickle.NEWFALSE
        elif isinstance(obj, Tensor):
            self._tensor(obj, where)
        elif isinstance(obj, _dtype.dtype):
            self._global("torch", obj.name)
        elif isinstance(obj, np.generic):
            self._save(obj.item(), where)
        elif isinstance(obj, np.ndarray):
            raise TypeError(f"save(): a NumPy array at {where} can't go into a PyTorch file that "
                            "torch.load(weights_only=True) reads; wrap it with minitorch_cv.from_numpy, or "
                            "save to a .npz file")
        elif type(obj) in _SCALARS:
            _SCALARS[type(obj)](self, obj)
        elif type(obj) in _CONTAINERS:
            if id(obj) in self._active:
                raise ValueError(f"save(): the {type(obj).__name__} at {where} contains itself")
            self._active.add(id(obj))
            _CONTAINERS[type(obj)](self, obj, where)
            self._active.discard(id(obj))
        else:
            raise TypeError(f"save(): can't store a {type(obj).__name__} at {where}; supported are tensors, "
                            "numbers, strings, bytes, None, dtypes, and dicts, lists, tuples and sets of them")

    # ----- scalars -----
    def _int(self, value):
        if 0 <= value < 256:
            self._out += pickle.BININT1 + bytes([value])
        elif 0 <= value < 65536:
            self._out += pickle.BININT2 + struct.pack("<H", value)
        elif -2 ** 31 <= value < 2 ** 31:
            self._out += pickle.BININT + struct.pack("<i", value)
        else:
            data = value.to_bytes((value.bit_length() >> 3) + 1, "little", signed=True)
            if len(data) > 255:
                raise ValueError("save(): an int of more than 2040 bits can't be stored")
            self._out += pickle.LONG1 + bytes([len(data)]) + data

    def _float(self, value):
        self._out += pickle.BINFLOAT + struct.pack(">d", value)

    def _str(self, value):
        data = value.encode("utf-8", "surrogatepass")
        self._out += pickle.BINUNICODE + struct.pack("<I", len(data)) + data

    def _bytes(self, value):
        self._global("_codecs", "encode")
        self._str(bytes(value).decode("latin1"))
        self._str("latin1")
        self._out += pickle.TUPLE2 + pickle.REDUCE

    def _global(self, module, name):
        self._out += pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8")

    # ----- containers -----
    def _items(self, items, where, end):
        self._out += pickle.MARK
        for item in items:
            self._save(item, where)
        self._out += end

    def _list(self, value, where):
        self._out += pickle.EMPTY_LIST
        if value:
            self._items(value, where, pickle.APPENDS)

    def _tuple(self, value, where):
        if not value:
            self._out += pickle.EMPTY_TUPLE
        elif len(value) <= 3:
            for item in value:
                self._save(item, where)
            self._out += (pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)[len(value) - 1]
        else:
            self._items(value, where, pickle.TUPLE)

    def _dict_items(self, value, where):
        if value:
            self._out += pickle.MARK
            for key, item in value.items():
                self._save(key, where)
                self._save(item, f"{where}/{key!r}" if where != "the top level" else repr(key))
            self._out += pickle.SETITEMS

    def _dict(self, value, where):
        self._out += pickle.EMPTY_DICT
        self._dict_items(value, where)

    def _ordered_dict(self, value, where):
        self._global("collections", "OrderedDict")
        self._out += pickle.EMPTY_TUPLE + pickle.REDUCE
        self._dict_items(value, where)
        metadata = getattr(value, "_metadata", None)
        if metadata is not None:
            self._out += pickle.EMPTY_DICT
            self._str("_metadata")
            self._save(metadata, f"{where}._metadata")
            self._out += pickle.SETITEM + pickle.BUILD

    def _set(self, value, where):
        self._global("builtins", "set")
        self._list(list(value), where)
        self._out += pickle.TUPLE1 + pickle.REDUCE

    def _size(self, value, where):
        self._global("torch", "Size")
        self._tuple(tuple(value), where)
        self._out += pickle.TUPLE1 + pickle.REDUCE

    # ----- tensors -----
    def _tensor(self, tensor, where):
        from ..nn.parameter import Parameter

        if isinstance(tensor, Parameter):
            self._global("torch._utils", "_rebuild_parameter")
            self._out += pickle.MARK
            self._plain_tensor(tensor, False)
            self._save(tensor.requires_grad, where)
            self._empty_ordered_dict()
            self._out += pickle.TUPLE + pickle.REDUCE
        else:
            self._plain_tensor(tensor, tensor.requires_grad)

    def _plain_tensor(self, tensor, requires_grad):
        array = tensor._data
        key, storage, offset, strides = self._storage(array)
        name = torch_name(array.dtype)
        module, storage_class, untyped = storage_global(name)
        self._global("torch._utils", "_rebuild_tensor_v3" if untyped else "_rebuild_tensor_v2")
        self._out += pickle.MARK + pickle.MARK
        self._str("storage")
        self._global(module, storage_class)
        self._str(key)
        self._str("cpu")
        self._int(storage.nbytes if untyped else storage.size)
        self._out += pickle.TUPLE + pickle.BINPERSID
        self._int(offset)
        self._tuple(tuple(int(n) for n in array.shape), "a shape")
        self._tuple(strides, "strides")
        self._save(bool(requires_grad), "requires_grad")
        self._empty_ordered_dict()
        if untyped:
            self._global("torch", name)
        self._out += pickle.TUPLE + pickle.REDUCE

    def _empty_ordered_dict(self):
        self._global("collections", "OrderedDict")
        self._out += pickle.EMPTY_TUPLE + pickle.REDUCE

    def _storage(self, array):
        """(key, storage array, element offset, element strides): views of one array share a storage."""
        root = _root(array)
        layout = _layout_in(array, root)
        if layout is None:
            root = np.ascontiguousarray(array)
            layout = 0, _contiguous_strides(root.shape)
        entry = self._storages.setdefault(id(root), (str(len(self._storages)), root))
        return entry[0], entry[1].reshape(-1), layout[0], layout[1]


def _root(array):
    """The ndarray at the bottom of ``array``'s chain of views."""
    root, node = array, array.base
    while node is not None:
        if isinstance(node, np.ndarray):
            root = node
        node = getattr(node, "base", None)
    return root


def _layout_in(array, root):
    """``array``'s element offset and strides inside the C-contiguous ``root``, or None if it can't be."""
    if not root.flags.c_contiguous or root.dtype != array.dtype:
        return None
    size = array.itemsize
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if start < 0 or start % size or any(s % size or s < 0 for s in array.strides):
        return None
    offset, strides = start // size, tuple(s // size for s in array.strides)
    if array.size and offset + sum((n - 1) * s for n, s in zip(array.shape, strides)) >= root.size:
        return None
    return offset, strides


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


_SCALARS = {int: TorchPickler._int, float: TorchPickler._float, str: TorchPickler._str,
            bytes: TorchPickler._bytes, bytearray: TorchPickler._bytes}
_CONTAINERS = {list: TorchPickler._list, tuple: TorchPickler._tuple, dict: TorchPickler._dict,
               OrderedDict: TorchPickler._ordered_dict, set: TorchPickler._set, Size: TorchPickler._size}
