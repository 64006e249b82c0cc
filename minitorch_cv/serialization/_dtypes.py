"""PyTorch's element types as they appear in checkpoint files, and which of them minitorch_cv has.

A file names a tensor's type either by a legacy storage class (``torch.FloatStorage``) or, for
the newer types, by ``torch.UntypedStorage`` plus a dtype (``torch.uint16``). Each entry maps
torch's dtype name to its little-endian NumPy type (None where NumPy has none, e.g. bfloat16)
and its legacy storage class name.
"""
import numpy as np

from .. import _dtype

TORCH_DTYPES = {
    "float32": ("<f4", "FloatStorage"), "float64": ("<f8", "DoubleStorage"),
    "float16": ("<f2", "HalfStorage"), "bfloat16": (None, "BFloat16Storage"),
    "int64": ("<i8", "LongStorage"), "int32": ("<i4", "IntStorage"), "int16": ("<i2", "ShortStorage"),
    "int8": ("|i1", "CharStorage"), "uint8": ("|u1", "ByteStorage"), "bool": ("|b1", "BoolStorage"),
    "complex64": ("<c8", "ComplexFloatStorage"), "complex128": ("<c16", "ComplexDoubleStorage"),
    "uint16": ("<u2", None), "uint32": ("<u4", None), "uint64": ("<u8", None),
    "qint8": (None, "QInt8Storage"), "quint8": (None, "QUInt8Storage"), "qint32": (None, "QInt32Storage"),
    "quint4x2": (None, "QUInt4x2Storage"), "quint2x4": (None, "QUInt2x4Storage"),
}
STORAGE_DTYPES = {storage: name for name, (_, storage) in TORCH_DTYPES.items() if storage}
_BY_NUMPY = {np.dtype(code).newbyteorder("="): name for name, (code, _) in TORCH_DTYPES.items() if code}


class UnsupportedDtype(TypeError):
    """A file holds an element type that minitorch_cv has no tensor type for."""


def counterpart(np_dtype):
    """The minitorch_cv dtype holding exactly NumPy type ``np_dtype`` (native order), or None."""
    try:
        found = _dtype.from_numpy_dtype(np_dtype)
    except TypeError:
        return None
    return found if found.numpy == np_dtype else None


def supported_names():
    """The torch dtype names minitorch_cv has tensors of, for error messages."""
    return ", ".join(name for name, (code, _) in TORCH_DTYPES.items()
                     if code and counterpart(np.dtype(code).newbyteorder("=")) is not None)


def numpy_dtype(torch_name, byteorder="little"):
    """The NumPy type of torch dtype ``torch_name`` as stored in a file of ``byteorder``."""
    code = TORCH_DTYPES.get(torch_name, (None, None))[0]
    if code is None:
        raise UnsupportedDtype(f"torch.{torch_name} tensors can't be read: NumPy has no such type; "
                               f"minitorch_cv reads {supported_names()} (convert with .float() in torch)")
    return np.dtype(code).newbyteorder("<" if byteorder == "little" else ">")


def minitorch_dtype(torch_name):
    """The minitorch_cv dtype for ``torch_name``, or a clear UnsupportedDtype naming what exists."""
    found = counterpart(numpy_dtype(torch_name).newbyteorder("="))
    if found is None:
        raise UnsupportedDtype(f"torch.{torch_name} tensors have no minitorch_cv counterpart; minitorch_cv "
                               f"has {supported_names()} (convert with .float() or .long() in torch first)")
    return found


def torch_name(np_dtype):
    """torch's dtype name for a NumPy type (any byte order)."""
    return _BY_NUMPY[np.dtype(np_dtype).newbyteorder("=")]


def storage_global(name):
    """How a storage of torch dtype ``name`` is named in a pickle: (module, class, dtype or None)."""
    storage = TORCH_DTYPES[name][1]
    return ("torch", storage, None) if storage else ("torch.storage", "UntypedStorage", name)
