"""Read the CIFAR batch pickles without letting a file run code.

``pickle.load`` calls whatever functions a file names, so a crafted "batch" could run anything.
This loader resolves only the names a numpy array's pickle uses and rebuilds each array itself
from checked parts (shape, a plain numeric dtype, raw bytes of exactly the right length), so
numpy's own unpickling hooks never see file data. Any other name is refused, and the result
may hold only dicts, lists, tuples, strings, bytes, numbers, None and numeric arrays.
"""
import math
import pickle

import numpy as np


class UnsafePickleError(pickle.UnpicklingError):
    """The file asks for something a data batch never contains."""


class _NDArrayType:
    """Stands for ``numpy.ndarray`` as the subtype argument of ``_reconstruct``, and only that."""

    def __call__(self, *args, **kwargs):
        raise UnsafePickleError("numpy.ndarray may only be named as the type _reconstruct builds")


_NDARRAY = _NDArrayType()


class _DType:
    """A plain numeric dtype named by the file; its pickled state may only set the byte order."""

    def __init__(self, spec, align=False, copy=False):
        if not isinstance(spec, str):
            raise UnsafePickleError(f"dtype spec must be a string, got {type(spec).__name__}")
        self.dtype = np.dtype(spec)
        if self.dtype.kind not in "biuf":
            raise UnsafePickleError(f"refusing dtype {self.dtype!r}: only numeric arrays are allowed")

    def __setstate__(self, state):
        simple = (isinstance(state, tuple) and len(state) in (8, 9)
                  and state[2] is None and state[3] is None and state[4] is None and state[7] == 0
                  and (len(state) == 8 or not state[8]))
        if not simple or state[1] not in ("<", ">", "|", "="):
            raise UnsafePickleError(f"refusing dtype state {state!r}: only plain numeric dtypes")
        if state[1] in "<>":
            self.dtype = self.dtype.newbyteorder(state[1])


def _array_from_parts(shape, dtype, fortran, raw):
    """A writable array from checked parts: the byte count must match shape and dtype."""
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        raise UnsafePickleError(f"bad array shape {shape!r}")
    if not isinstance(dtype, _DType):
        raise UnsafePickleError(f"bad array dtype {dtype!r}")
    if isinstance(raw, str):
        raw = raw.encode("latin1")  # Python 2 pickles store the bytes as a str
    if not isinstance(raw, (bytes, bytearray, pickle.PickleBuffer)):
        raise UnsafePickleError(f"array data must be raw bytes, got {type(raw).__name__}")
    raw = memoryview(raw).cast("B")
    expected = math.prod(shape) * dtype.dtype.itemsize
    if raw.nbytes != expected:
        raise pickle.UnpicklingError(f"array data has {raw.nbytes} bytes, expected {expected} for "
                                     f"shape {shape} and dtype {dtype.dtype}")
    return np.frombuffer(raw, dtype=dtype.dtype).reshape(shape, order="F" if fortran else "C").copy()


class _Reconstructed:
    """The array ``numpy.core.multiarray._reconstruct`` would make, filled in by BUILD."""

    array = None

    def __init__(self, subtype, shape, dtype_spec):
        if subtype is not _NDARRAY:
            raise UnsafePickleError("_reconstruct may only build a numpy.ndarray")

    def __setstate__(self, state):
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise UnsafePickleError(f"bad ndarray state of type {type(state).__name__}")
        self.array = _array_from_parts(*state[-4:])


def _frombuffer(buffer, dtype, shape, order):
    """Protocol-5 arrays: ``numpy.core.numeric._frombuffer``, with checked arguments."""
    return _array_from_parts(shape, dtype, order == "F", buffer)


def _latin1_bytes(text, encoding):
    """``_codecs.encode``, used by protocol-2 pickles of bytes; only latin-1 text to bytes."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError("_codecs.encode is only allowed for latin-1 text")
    return text.encode("latin1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _Reconstructed,
    ("numpy._core.multiarray", "_reconstruct"): _Reconstructed,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DType,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("_codecs", "encode"): _latin1_bytes,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(f"it asks for {module}.{name}, which a data batch never "
                                    "contains") from None


def _finish(obj):
    """Swap rebuilt arrays in and refuse anything that is not plain data."""
    if isinstance(obj, _Reconstructed):
        if obj.array is None:
            raise UnsafePickleError("an array was never given its data")
        return obj.array
    if isinstance(obj, (str, bytes, int, float, type(None), np.ndarray)):
        return obj
    if isinstance(obj, list):
        return [_finish(x) for x in obj]
    if isinstance(obj, tuple):
        return tuple(_finish(x) for x in obj)
    if isinstance(obj, dict):
        return {_finish(k): _finish(v) for k, v in obj.items()}
    raise UnsafePickleError(f"unexpected object of type {type(obj).__name__}")


def load(path):
    """Unpickle ``path`` (latin-1 strings, as torchvision reads CIFAR) and return plain data.

    Raises ``UnsafePickleError`` for anything that could run code and ``pickle.UnpicklingError``
    for a truncated or corrupt file; both name the file.
    """
    try:
        with open(path, "rb") as f:
            return _finish(_RestrictedUnpickler(f, encoding="latin1").load())
    except UnsafePickleError as exc:
        raise UnsafePickleError(f"refusing to load {path}: {exc}; the file may be malicious "
                                "or is not a data batch") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
            AttributeError, MemoryError, RecursionError, UnicodeDecodeError) as exc:
        raise pickle.UnpicklingError(f"{path} is truncated or corrupt ({type(exc).__name__}: "
                                     f"{exc})") from None
