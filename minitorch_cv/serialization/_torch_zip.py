"""PyTorch's zip checkpoint format (``torch.save`` since 1.6), read and written without torch.

An archive ``<name>/`` holds ``data.pkl`` (the pickled object, whose tensors name storages by
key), one record ``data/<key>`` of raw bytes per storage, ``byteorder`` (``little`` or
``big``; absent means little), ``version``, ``.format_version``, ``.storage_alignment`` and
``.data/serialization_id``. Records are stored uncompressed; storage records start at a
multiple of 64 bytes, as torch writes them, so they can be memory-mapped.
"""
import io
import os
import pickle
import struct
import sys
import zipfile
import zlib

import numpy as np

from ._dtypes import numpy_dtype
from ._pickle_writer import TorchPickler
from ._torch_pickle import Storage, StorageType, TorchUnpickler

_ALIGNMENT = 64
_PADDING_FIELD = 0x4246  # "FB": the extra field torch's writer pads storage records with
_FORMAT_VERSION = "3\n"


class ArchiveError(RuntimeError):
    """A zip checkpoint that is damaged or incomplete (a record missing or of the wrong size)."""


def pickle_record(names):
    """The ``<name>/data.pkl`` record of a torch zip checkpoint, or None if ``names`` has none."""
    found = [name for name in names if name.count("/") == 1 and name.endswith("/data.pkl")]
    return found[0] if len(found) == 1 else None


def read_zip(archive, handle, mmap=False):
    """The object a torch zip checkpoint holds (``archive``: a ``zipfile.ZipFile`` open on ``handle``).

    With ``mmap`` (``handle`` an open file), storages map the file copy-on-write instead of
    being read: pages load when touched, and writing to a tensor never changes the file.
    """
    names = set(archive.namelist())
    prefix = pickle_record(names)[: -len("data.pkl")]
    byteorder = archive.read(prefix + "byteorder").decode("ascii", "replace") if prefix + "byteorder" in names \
        else "little"
    if byteorder not in ("little", "big"):
        raise ArchiveError(f"unknown byte order record {byteorder!r} (expected 'little' or 'big')")
    storages = {}

    def storage(pid):
        storage_type, key, numel = _storage_id(pid)
        if key not in storages:
            storages[key] = _read_storage(archive, handle, f"{prefix}data/{key}", names, storage_type, numel,
                                          byteorder, key, mmap)
        return storages[key]

    return TorchUnpickler(io.BytesIO(archive.read(prefix + "data.pkl")), storage).load()


def _storage_id(pid):
    if type(pid) is not tuple or len(pid) != 5 or pid[0] not in ("storage", b"storage"):
        raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got {pid!r}")
    _, storage_type, key, _location, numel = pid
    if not isinstance(storage_type, StorageType) or type(key) is not str or type(numel) is not int or numel < 0:
        raise pickle.UnpicklingError(f"malformed storage id {pid!r}")
    return storage_type, key, numel


def _read_storage(archive, handle, name, names, storage_type, numel, byteorder, key, mmap):
    if name not in names:
        raise ArchiveError(f"storage record {name!r} is missing from the archive")
    stored = numpy_dtype(storage_type.dtype_name, byteorder)
    info = archive.getinfo(name)
    if info.file_size != numel * stored.itemsize:
        raise ArchiveError(f"storage record {name!r} holds {info.file_size} bytes, but its tensor needs "
                           f"{numel * stored.itemsize} ({numel} x {stored})")
    if info.compress_type != zipfile.ZIP_STORED:
        array = np.frombuffer(archive.read(name), dtype=stored).copy()
    elif mmap and numel:
        array = np.asarray(np.memmap(handle.name, dtype=stored, mode="c", offset=_data_start(handle, info),
                                     shape=(numel,)))
    else:
        array = _read_stored(handle, info, np.empty(numel, dtype=stored))
    return Storage(array.astype(stored.newbyteorder("="), copy=False), storage_type.dtype_name, key)


def _data_start(handle, info):
    """Where an uncompressed record's bytes begin in the file (after its local header)."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ArchiveError(f"record {info.filename!r}: bad local header")
    name_size, extra_size = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_size + extra_size


def _read_stored(handle, info, array):
    """Read an uncompressed record straight into ``array`` (one copy, not zipfile's two), checking its CRC."""
    handle.seek(_data_start(handle, info))
    data = memoryview(array).cast("B")
    if handle.readinto(data) != len(data):
        raise ArchiveError(f"record {info.filename!r} is cut short (file truncated)")
    if zlib.crc32(data) != info.CRC:
        raise ArchiveError(f"record {info.filename!r} is corrupt: its CRC-32 does not match")
    return array


def write_zip(obj, handle, archive_name="archive"):
    """Write ``obj`` to the binary file ``handle`` in torch's zip format."""
    data, storages = TorchPickler().dumps(obj)
    prefix = f"{archive_name}/"
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
        _write_record(archive, handle, prefix + "data.pkl", data)
        _write_record(archive, handle, prefix + ".format_version", b"1")
        _write_record(archive, handle, prefix + ".storage_alignment", str(_ALIGNMENT).encode())
        _write_record(archive, handle, prefix + "byteorder", sys.byteorder.encode())
        for key, array in storages:
            _write_record(archive, handle, f"{prefix}data/{key}", memoryview(array.view(np.uint8)))
        _write_record(archive, handle, prefix + "version", _FORMAT_VERSION.encode())
        serialization_id = f"{int.from_bytes(os.urandom(16), 'big'):040d}"
        _write_record(archive, handle, prefix + ".data/serialization_id", serialization_id.encode())


def _write_record(archive, handle, name, data):
    """One stored record whose data starts at a multiple of 64 bytes in the file."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    try:
        start = handle.tell()
    except (OSError, AttributeError):
        start = None
    if start is not None:
        zip64 = 20 if len(data) * 1.05 > zipfile.ZIP64_LIMIT else 0
        before = start + 30 + len(name.encode("utf-8")) + zip64 + 4
        padding = -before % _ALIGNMENT
        info.extra = struct.pack("<HH", _PADDING_FIELD, padding) + b"Z" * padding
    archive.writestr(info, data)


def archive_name(path):
    """The folder name torch gives a file's records: the file name without its suffix."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem or "archive"
