"""minitorch_cv's own checkpoint format: state_dicts as NumPy ``.npz`` files, no pickle.

A nested structure (dicts with str or int keys, lists, tuples, tensors, arrays, numbers,
strings, None) is flattened into one array per leaf, named by its path: ``layer.weight``,
``state/#0/momentum_buffer`` (``#`` marks an int key or list position), followed by ``@tag``
saying what the leaf was. Characters that would clash (``/ @ %`` and a leading ``#``) are
%-escaped. A marker entry identifies the file as ours, so foreign files fail clearly.
"""
import zipfile
from collections import OrderedDict

import numpy as np

from ..tensor import Tensor

_MARKER = "__minitorch_cv_checkpoint__"
_FORMAT_VERSION = 1
_ROOT = "__root__"
_ESCAPES = (("%", "%25"), ("/", "%2F"), ("@", "%40"))


def _encode_key(key):
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError(f"save(): dict keys must be str or int, got {key!r} ({type(key).__name__})")
    if isinstance(key, int):
        return f"#{key}"
    if key == "":
        return "%"
    for raw, escaped in _ESCAPES:
        key = key.replace(raw, escaped)
    return "%23" + key[1:] if key.startswith("#") else key


def _decode_key(text):
    if text.startswith("#"):
        return int(text[1:])
    if text == "%":
        return ""
    text = text.replace("%23", "#") if text.startswith("%23") else text
    for raw, escaped in reversed(_ESCAPES):
        text = text.replace(escaped, raw)
    return text


def _join(prefix, part):
    return f"{prefix}/{part}" if prefix else part


def _flatten(obj, prefix, out):
    if isinstance(obj, Tensor):
        out[prefix + ("@grad" if obj.requires_grad else "@tensor")] = obj.detach()._data
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            raise TypeError(f"save(): can't store a NumPy array of dtype {obj.dtype} at {_where(prefix)} "
                            "without pickle")
        out[prefix + "@ndarray"] = obj
    elif isinstance(obj, dict):
        out[prefix + ("@odict" if isinstance(obj, OrderedDict) else "@dict")] = np.asarray(len(obj))
        for key, value in obj.items():
            _flatten(value, _join(prefix, _encode_key(key)), out)
    elif isinstance(obj, (list, tuple)):
        out[prefix + ("@list" if isinstance(obj, list) else "@tuple")] = np.asarray(len(obj))
        for i, value in enumerate(obj):
            _flatten(value, _join(prefix, f"#{i}"), out)
    elif obj is None:
        out[prefix + "@none"] = np.zeros(0)
    elif isinstance(obj, np.generic):
        _flatten(obj.item(), prefix, out)
    elif isinstance(obj, (bool, int, float, str)):
        value = np.asarray(obj)
        if value.dtype.kind == "O":
            raise TypeError(f"save(): the int at {_where(prefix)} does not fit in 64 bits")
        out[prefix + "@" + type(obj).__name__] = value
    else:
        raise TypeError(f"save(): can't store a {type(obj).__name__} at {_where(prefix)}; supported are tensors, "
                        "NumPy arrays, numbers, strings, None, and dicts, lists and tuples of them")


def _where(prefix):
    """The user's view of an entry path (without the internal root key)."""
    path = prefix.partition("/")[2]
    return repr(path) if path else "the top level"


def save_npz(obj, handle):
    """Write a tensor, a state_dict or a nested dict/list of them to the binary file ``handle``."""
    arrays = {_MARKER: np.asarray(_FORMAT_VERSION)}
    _flatten({_ROOT: obj}, "", arrays)
    np.savez(handle, **arrays)


def _decode_leaf(tag, array):
    if tag in ("tensor", "grad"):
        return Tensor._wrap(np.array(array), requires_grad=tag == "grad")
    if tag == "ndarray":
        return np.array(array)
    if tag == "none":
        return None
    if tag in ("int", "float", "bool", "str"):
        return {"int": int, "float": float, "bool": bool, "str": str}[tag](array.item())
    raise ValueError(f"unknown entry tag {tag!r}")


def _unflatten(arrays):
    """Rebuild the nested structure from ``path@tag`` entry names (containers come before their items)."""
    kinds, children = {}, {}
    for name in arrays.files:
        if name == _MARKER:
            continue
        path, sep, tag = name.rpartition("@")
        if not sep:
            raise ValueError(f"unexpected entry {name!r}")
        parts = tuple(path.split("/")) if path else ()
        if tag in ("dict", "odict", "list", "tuple"):
            kinds[parts], children[parts] = tag, []
            entry = (True, parts)
        else:
            entry = (False, _decode_leaf(tag, arrays[name]))
        if parts:
            children[parts[:-1]].append((_decode_key(parts[-1]), entry))

    def build(parts):
        items = [(key, build(value) if is_container else value)
                 for key, (is_container, value) in children[parts]]
        if kinds[parts] in ("dict", "odict"):
            return (dict if kinds[parts] == "dict" else OrderedDict)(items)
        values = [value for _, value in items]
        return values if kinds[parts] == "list" else tuple(values)

    return build(())[_ROOT]


def load_npz(f, name):
    """Read what ``save_npz`` wrote (a path or a binary file); ``name`` names it in errors."""
    try:
        with np.load(f, allow_pickle=False) as arrays:
            files = set(arrays.files)
            if _MARKER not in files:
                raise _Foreign(f"it is a NumPy .npz archive without minitorch_cv's marker (entries: "
                               f"{sorted(files)[:5]}); save checkpoints with minitorch_cv.save")
            return _unflatten(arrays)
    except _Foreign as foreign:
        raise RuntimeError(f"load(): {name} is not a minitorch_cv checkpoint: {foreign}") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, AttributeError, TypeError) as error:
        raise RuntimeError(f"load(): {name} is not a readable minitorch_cv checkpoint (a NumPy .npz file "
                           f"written by minitorch_cv.save); it may be damaged or truncated "
                           f"({type(error).__name__}: {error})") from None


class _Foreign(Exception):
    """A readable .npz that minitorch_cv.save did not write."""
