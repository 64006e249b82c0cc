"""Torch-style dtype objects (float32, float64, int64, bool) mapped onto NumPy dtypes."""
import numpy as np


class dtype:
    """A tensor element type; compares equal only to itself, prints like ``minitorch_cv.float32``."""

    def __init__(self, name, numpy_dtype, is_floating_point):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = is_floating_point

    def __repr__(self):
        return f"minitorch_cv.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float32 = dtype("float32", np.float32, True)
float64 = dtype("float64", np.float64, True)
int64 = dtype("int64", np.int64, False)
bool_ = dtype("bool", np.bool_, False)
default_float = float32

_FROM_NUMPY = {d.numpy: d for d in (float32, float64, int64, bool_)}
_NAMES = {"float32": float32, "float": float32, "float64": float64, "double": float64,
          "int64": int64, "long": int64, "bool": bool_}


def _by_name(name):
    return _NAMES[name]


def from_numpy_dtype(np_dtype):
    """The minitorch_cv dtype for a NumPy dtype; other ints become int64, other floats float32."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _FROM_NUMPY:
        return _FROM_NUMPY[np_dtype]
    if np_dtype.kind in "iu":
        return int64
    if np_dtype.kind == "f":
        return float32
    raise TypeError(f"can't convert NumPy dtype {np_dtype} to a minitorch_cv tensor: "
                    "supported are float32, float64, int64 and bool")


def as_dtype(value):
    """Accept a minitorch_cv dtype, a NumPy dtype/type, a Python type or a name; return a dtype."""
    if value is None or isinstance(value, dtype):
        return value
    if isinstance(value, str):
        if value in _NAMES:
            return _NAMES[value]
        raise TypeError(f"unknown dtype name {value!r}; expected one of {sorted(_NAMES)}")
    if value is float:
        return float32
    if value is int:
        return int64
    if value is bool:
        return bool_
    return from_numpy_dtype(value)


_CATEGORY = {bool_: 0, int64: 1, float32: 2, float64: 2}


def promote(a, b):
    """Result dtype of a binary op between two tensors, by torch's rule (a float beats an int)."""
    if a is b:
        return a
    ca, cb = _CATEGORY[a], _CATEGORY[b]
    if ca != cb:
        return a if ca > cb else b
    return float64 if float64 in (a, b) else a


def promote_scalar(tensor_dtype, scalar):
    """Result dtype of tensor-op-Python-scalar: the scalar only lifts the category, as in torch."""
    if isinstance(scalar, bool):
        category = 0
    elif isinstance(scalar, (int, np.integer)):
        category = 1
    else:
        category = 2
    if category <= _CATEGORY[tensor_dtype]:
        return tensor_dtype
    return default_float if category == 2 else int64
