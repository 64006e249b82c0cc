"""``save``/``load`` of state_dicts as NumPy ``.npz`` files: no pickle, written atomically."""
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

_ROOT = "__minitorch_cv_root__"


def _flatten(obj, prefix, out):
    if isinstance(obj, Tensor):
        out[prefix] = obj.detach()._data
    elif isinstance(obj, np.ndarray):
        out[prefix + "@ndarray"] = obj
    elif isinstance(obj, dict):
        if not obj:
            out[prefix + "@emptydict"] = np.zeros(0)
        for key, value in obj.items():
            key = str(key) if not isinstance(key, int) else f"#{key}"
            if "/" in key:
                raise ValueError(f"save(): key {key!r} contains '/', which the file format reserves")
            _flatten(value, f"{prefix}/{key}" if prefix else key, out)
    elif isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        out[f"{prefix}@{kind}"] = np.asarray(len(obj))
        for i, value in enumerate(obj):
            _flatten(value, f"{prefix}/#{i}", out)
    elif obj is None:
        out[prefix + "@none"] = np.zeros(0)
    elif isinstance(obj, (bool, int, float, str)):
        out[prefix + "@" + type(obj).__name__] = np.asarray(obj)
    else:
        raise TypeError(f"save(): can't store a {type(obj).__name__} at {prefix!r}; "
                        "supported are tensors, arrays, numbers, strings, None, dicts, lists and tuples")


def save(obj, f):
    """Write a tensor, a state_dict or a nested dict/list of them to ``f`` (a path) atomically."""
    arrays = {}
    _flatten(obj if isinstance(obj, dict) else {_ROOT: obj}, "", arrays)
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_DECODERS = {
    "": lambda v: Tensor._wrap(np.array(v)),
    "ndarray": np.array,
    "int": lambda v: int(v.item()),
    "float": lambda v: float(v.item()),
    "bool": lambda v: bool(v.item()),
    "str": lambda v: str(v.item()),
    "none": lambda v: None,
}


def _unflatten(arrays):
    """Rebuild the nested structure from ``path@tag`` entry names."""
    root, kinds = {}, {}
    for name in arrays.files:
        path, _, tag = name.partition("@")
        parts = tuple(path.split("/")) if path else ()
        if tag in ("list", "tuple", "emptydict"):
            kinds[parts] = tag
            _child(root, parts)
        elif tag in _DECODERS:
            _child(root, parts[:-1])[parts[-1]] = _DECODERS[tag](arrays[name])
        else:
            raise ValueError(f"unknown entry {name!r}")
    return _rebuild(root, (), kinds)


def _child(root, parts):
    node = root
    for part in parts:
        node = node.setdefault(part, {})
    return node


def _rebuild(node, path, kinds):
    if not isinstance(node, dict):
        return node
    items = OrderedDict((_key(k), _rebuild(v, path + (k,), kinds)) for k, v in node.items())
    kind = kinds.get(path)
    if kind in ("list", "tuple"):
        sequence = [items[i] for i in range(len(items))]
        return sequence if kind == "list" else tuple(sequence)
    return items


def _key(key):
    return int(key[1:]) if key.startswith("#") and key[1:].isdigit() else key


def load(f, map_location=None, weights_only=True):
    """Read what ``save`` wrote. A missing, damaged or foreign file gets a clear error."""
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load(): no such file {path!r}")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            result = _unflatten(arrays)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        raise RuntimeError(f"load(): {path!r} is not a minitorch_cv checkpoint (a NumPy .npz file "
                           f"written by minitorch_cv.save); it may be damaged, truncated or a "
                           f"PyTorch .pth file ({type(error).__name__}: {error})") from None
    return result[_ROOT] if list(result) == [_ROOT] else result
