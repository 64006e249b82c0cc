"""PyTorch's legacy checkpoint format (``torch.save(..., _use_new_zipfile_serialization=False)``).

One stream of pickles: the magic number, the protocol version (1001), a dict describing the
writer, the object (its tensors name storages by key), the list of storage keys, then each
storage as a little-endian int64 element count followed by its raw little-endian bytes. As
the data follows the object, storages are allocated empty while unpickling and filled after.
The older tar variant is refused, as ``torch.load(weights_only=True)`` refuses it.
"""
import pickle
import struct

import numpy as np

from ._dtypes import numpy_dtype
from ._torch_pickle import Storage, StorageType, TorchUnpickler

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


class LegacyFormatError(RuntimeError):
    """A legacy stream that is damaged or not a torch checkpoint."""


def _no_storage(pid):
    raise pickle.UnpicklingError(f"unexpected persistent id {pid!r} in a legacy checkpoint's header")


def read_legacy(f):
    """The object held by the legacy-format checkpoint in the binary file ``f``."""
    if TorchUnpickler(f, _no_storage).load() != MAGIC_NUMBER:
        raise LegacyFormatError("invalid magic number; it is a pickle but not a torch.save checkpoint")
    version = TorchUnpickler(f, _no_storage).load()
    if version != PROTOCOL_VERSION:
        raise LegacyFormatError(f"invalid protocol version {version!r} (expected {PROTOCOL_VERSION})")
    TorchUnpickler(f, _no_storage).load()
    storages, views, deferred = {}, {}, []

    def storage(pid):
        if type(pid) is not tuple or len(pid) != 6 or pid[0] not in ("storage", b"storage"):
            raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got {pid!r}")
        _, storage_type, key, _location, numel, view = pid
        if not isinstance(storage_type, StorageType) or type(key) is not str or type(numel) is not int \
                or numel < 0:
            raise pickle.UnpicklingError(f"malformed storage id {pid!r}")
        if key not in storages:
            array = np.zeros(numel, dtype=numpy_dtype(storage_type.dtype_name).newbyteorder("="))
            storages[key] = Storage(array, storage_type.dtype_name, key)
        root = storages[key]
        if view is None:
            return root
        view_key, offset, size = view
        if view_key not in views:
            views[view_key] = Storage(root.array[offset:offset + size], root.dtype_name, view_key)
        return views[view_key]

    result = TorchUnpickler(f, storage, deferred).load()
    keys = TorchUnpickler(f, _no_storage).load()
    if type(keys) is not list or set(keys) != set(storages):
        raise LegacyFormatError(f"the storage list {keys!r} does not match the storages the object uses")
    for key in keys:
        _fill(f, storages[key])
    for tensor in deferred:
        tensor._data = tensor._data.copy()
    return result


def _fill(f, storage):
    head = f.read(8)
    if len(head) != 8:
        raise LegacyFormatError(f"the data of storage {storage.key!r} is missing (file truncated)")
    numel = struct.unpack("<q", head)[0]
    if numel != storage.array.size:
        raise LegacyFormatError(f"storage {storage.key!r} holds {numel} elements, its tensors need "
                                f"{storage.array.size}")
    stored = numpy_dtype(storage.dtype_name, "little")
    data = f.read(numel * stored.itemsize)
    if len(data) != numel * stored.itemsize:
        raise LegacyFormatError(f"the data of storage {storage.key!r} is cut short (file truncated)")
    storage.array[:] = np.frombuffer(data, dtype=stored)
