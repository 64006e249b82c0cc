"""Torch-style dtype objects (float32, float64, int64, bool) mapped onto NumPy dtypes."""
import numpy as np


class dtype:
    """A tensor element type; compares equal only to itself, prints like ``minitorch_cv.float32``.

    ``type_name`` is torch's name in messages and type strings: Float, Double, Long, Bool.
    """

    def __init__(self, name, numpy_dtype, is_floating_point, type_name):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = is_floating_point
        self.type_name = type_name

    def __repr__(self):
        return f"minitorch_cv.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float32 = dtype("float32", np.float32, True, "Float")
float64 = dtype("float64", np.float64, True, "Double")
int64 = dtype("int64", np.int64, False, "Long")
bool_ = dtype("bool", np.bool_, False, "Bool")
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


CATEGORY = {bool_: 0, int64: 1, float32: 2, float64: 2}


def promote(a, b):
    """Result dtype of a binary op between two tensors, by torch's rule (a float beats an int)."""
    if a is b:
        return a
    ca, cb = CATEGORY[a], CATEGORY[b]
    if ca != cb:
        return a if ca > cb else b
    return float64 if float64 in (a, b) else a


def scalar_dtype(scalar):
    """The dtype torch gives a Python scalar on its own: bool, int64 or the default float."""
    if isinstance(scalar, bool):
        return bool_
    if isinstance(scalar, int):
        return int64
    if isinstance(scalar, float):
        return default_float
    raise TypeError(f"expected a Python number, got {type(scalar).__name__}")


def promote_scalar(tensor_dtype, scalar):
    """Result dtype of tensor-op-Python-scalar: the scalar only lifts the category, as in torch."""
    scalar_type = scalar_dtype(scalar)
    return scalar_type if CATEGORY[scalar_type] > CATEGORY[tensor_dtype] else tensor_dtype
