"""``.safetensors`` files (Hugging Face's format: a JSON header, then raw tensors; no pickle at all).

Read and written through the ``safetensors`` package's NumPy API, an optional extra. A file holds
one flat dict of named tensors, which is what a state_dict is.
"""
import struct

import numpy as np

from ..tensor import Tensor
from ._dtypes import UnsupportedDtype, counterpart, supported_names


def _backend():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("reading or writing .safetensors files needs the safetensors package: "
                          "pip install minitorch_cv[safetensors]") from None
    return safetensors.numpy


def looks_like_safetensors(head, size):
    """Whether a file of ``size`` bytes starting with ``head`` is a safetensors file."""
    if len(head) < 9:
        return False
    header_size = struct.unpack("<Q", head[:8])[0]
    return head[8:9] == b"{" and 8 + header_size <= size


def load_safetensors(data):
    """An OrderedDict-like dict of tensors from the bytes of a safetensors file."""
    arrays = _backend().load(data)
    tensors = {}
    for name, array in arrays.items():
        if counterpart(array.dtype) is None:
            raise UnsupportedDtype(f"tensor {name!r} is {array.dtype}, which minitorch_cv has no tensors of; "
                                   f"it has {supported_names()}")
        tensors[name] = Tensor._wrap(np.array(array))
    return tensors


def save_safetensors(obj, handle):
    """Write a flat dict of tensors (a state_dict) to the binary file ``handle``."""
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items()):
        raise TypeError("save(): a .safetensors file holds a flat dict of str -> tensor (a state_dict), got "
                        f"{type(obj).__name__}; use a .pth or .npz file for other objects")
    handle.write(_backend().save({k: np.ascontiguousarray(v.detach()._data) for k, v in obj.items()}))
