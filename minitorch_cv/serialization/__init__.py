"""``save``/``load``: PyTorch's checkpoint files (zip and legacy), ``.safetensors`` and ``.npz``, without torch.

``load`` tells the format from the file's bytes, so the name does not matter; ``save`` picks it
from the name as torch does: ``.npz`` is minitorch_cv's pickle-free NumPy format,
``.safetensors`` Hugging Face's, anything else (``.pth``, ``.pt``, a file object) PyTorch's zip
format that ``torch.load(weights_only=True)`` reads. Pickles are read by an interpreter that
admits only what ``torch.load(weights_only=True)`` admits for plain weights and runs nothing
else. Files are written to a temporary name and renamed into place.
"""
import os
import pickle
import struct
import zipfile

from ..device import device as _device
from ._atomic import write_atomically
from ._dtypes import UnsupportedDtype
from ._npz import load_npz, save_npz
from ._safetensors import load_safetensors, looks_like_safetensors, save_safetensors
from ._torch_legacy import LegacyFormatError, read_legacy
from ._torch_zip import ArchiveError, archive_name, pickle_record, read_zip, write_zip

__all__ = ["load", "save"]
_HEAD = 512


def save(obj, f):
    """Write ``obj`` (a tensor, a state_dict, an optimizer state, nested containers) to ``f``.

    ``f`` is a path or a binary file. By the path's suffix: ``.npz`` minitorch_cv's NumPy
    format, ``.safetensors`` a flat dict of tensors, anything else (and a file object)
    PyTorch's zip format. A path is written atomically: a failed save keeps the old file.
    """
    if hasattr(f, "write"):
        write_zip(obj, f)
        return
    path = os.fspath(f)
    suffix = os.path.splitext(path)[1].lower()
    writer = {".npz": save_npz, ".safetensors": save_safetensors}.get(suffix)
    if writer is None:
        name = archive_name(path)
        write_atomically(path, lambda handle: write_zip(obj, handle, name))
    else:
        write_atomically(path, lambda handle: writer(obj, handle))


def load(f, map_location=None, weights_only=None, mmap=None):
    """Read a checkpoint written by ``torch.save`` (zip or legacy format), by ``save``, or a ``.safetensors`` file.

    ``f`` is a path or a seekable binary file. Tensors come back as minitorch_cv tensors,
    Parameters as Parameters; tensors that shared a storage share memory. ``map_location`` may
    only send storages to the CPU (the default; minitorch_cv has no other device), as a
    string, device or dict; a function (``lambda storage, loc: storage``) is accepted and not
    called, since every storage goes to the CPU anyway. ``weights_only`` is accepted for torch's signature: either way
    nothing but plain weights is read, and a file that names anything else is refused with
    ``pickle.UnpicklingError`` before any of it runs. ``mmap=True`` maps the storages of a
    zip-format file (given by path) copy-on-write instead of reading them, as torch does.
    """
    _check_map_location(map_location)
    name = repr(f) if hasattr(f, "read") else repr(os.fspath(f))
    if hasattr(f, "read"):
        if mmap:
            raise ValueError("load(): f must be a file path in order to use the mmap argument")
        return _load_from(f, name)
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load(): no such file {name}")
    if os.path.isdir(path):
        raise RuntimeError(f"load(): {name} is not a readable checkpoint: it is a folder")
    with open(path, "rb") as handle:
        return _load_from(handle, name, bool(mmap))


def _check_map_location(map_location):
    if map_location is None:
        return
    if isinstance(map_location, dict):
        for target in map_location.values():
            _device(target)
    elif isinstance(map_location, (str, _device)):
        _device(map_location)
    elif not callable(map_location):
        raise TypeError(f"load(): map_location must be None, 'cpu', a device, a dict of them or a function, got "
                        f"{type(map_location).__name__}; minitorch_cv loads every storage to the CPU")


def _load_from(handle, name, mmap=False):
    start = handle.tell()
    head = handle.read(_HEAD)
    size = handle.seek(0, os.SEEK_END) - start
    handle.seek(start)
    try:
        if mmap and head[:2] != b"PK":
            raise _NoMmap()
        if head[:2] == b"PK":
            return _load_zip(handle, name, mmap)
        if head[:1] == pickle.PROTO:
            return read_legacy(handle)
        if head[257:262] == b"ustar":
            raise LegacyFormatError("it is a tar archive: the pre-1.0 torch format, which weights-only "
                                    "loading does not read (torch refuses it too); re-save it with a recent torch")
        if looks_like_safetensors(head, size):
            return load_safetensors(handle.read())
        raise _Unknown(f"it is none of the formats minitorch_cv reads (PyTorch zip or legacy .pth, "
                       f".safetensors, minitorch_cv .npz); starts with {head[:8]!r}")
    except _NoMmap:
        raise ValueError(f"load(): {name}: mmap can only be used with files saved with torch.save's zip format "
                         "(_use_new_zipfile_serialization=True)") from None
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(f"load(): {name} was refused (nothing in it was run): {error}") from None
    except UnsupportedDtype as error:
        raise TypeError(f"load(): {name}: {error}") from None
    except (_Unknown, ArchiveError, LegacyFormatError, zipfile.BadZipFile, EOFError, OSError, struct.error,
            ValueError, KeyError, MemoryError) as error:
        raise RuntimeError(f"load(): {name} is not a readable checkpoint; it may be damaged or truncated "
                           f"({type(error).__name__}: {error})") from None


def _load_zip(handle, name, mmap):
    with zipfile.ZipFile(handle) as archive:
        names = set(archive.namelist())
        if any(entry.endswith("/constants.pkl") for entry in names):
            raise _Unknown("it is a TorchScript archive (torch.jit.save), which holds code; load it with "
                           "torch.jit.load, or save the model's state_dict() instead")
        if pickle_record(names):
            return read_zip(archive, handle, mmap)
    if mmap:
        raise _NoMmap()
    handle.seek(0)
    return load_npz(handle, name)


class _Unknown(Exception):
    """A file in no format minitorch_cv reads."""


class _NoMmap(Exception):
    """mmap asked for a file that is not in torch's zip format."""
