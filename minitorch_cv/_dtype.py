"""Torch-style dtype objects mapped onto NumPy dtypes, and torch's type-promotion rules.

Storage types: bool, uint8, int8, int16, int32, int64, float16, float32, float64, and
bfloat16 when the optional ``ml_dtypes`` package is installed (``pip install
minitorch_cv[bfloat16]``); bfloat16 tensors compute but do not carry gradients. ``ml_dtypes``
is imported the first time bfloat16's NumPy type is needed: its import alone takes 0.5-1 s,
a third of a ResNet-50's time from a fresh process to its first step.
"""
import importlib.util

import numpy as np

_HAS_ML_DTYPES = importlib.util.find_spec("ml_dtypes") is not None


class dtype:
    """A tensor element type; compares equal only to itself, prints like ``minitorch_cv.float32``.

    ``type_name`` is torch's name in messages and type strings: Float, Double, Long, Bool, ...
    ``numpy_dtype`` None (bfloat16): ``numpy`` is looked up on first use (``_lazy_numpy``).
    """

    def __init__(self, name, numpy_dtype, is_floating_point, type_name, itemsize=None):
        self.name = name
        if numpy_dtype is not None:
            self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = is_floating_point
        self.is_signed = name not in ("bool", "uint8")
        self.is_complex = False
        self.itemsize = itemsize or self.numpy.itemsize
        self.type_name = type_name

    def __getattr__(self, attribute):
        """Only reached for a missing attribute: the lazy ``numpy`` of bfloat16."""
        if attribute == "numpy" and self.name == "bfloat16":
            return _lazy_numpy(self)
        raise AttributeError(f"'dtype' object has no attribute {attribute!r}")

    def to_real(self):
        return self

    def __repr__(self):
        return f"minitorch_cv.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, False, "Bool")
uint8 = dtype("uint8", np.uint8, False, "Byte")
int8 = dtype("int8", np.int8, False, "Char")
int16 = dtype("int16", np.int16, False, "Short")
int32 = dtype("int32", np.int32, False, "Int")
int64 = dtype("int64", np.int64, False, "Long")
float16 = dtype("float16", np.float16, True, "Half")
float32 = dtype("float32", np.float32, True, "Float")
float64 = dtype("float64", np.float64, True, "Double")
bfloat16 = dtype("bfloat16", None, True, "BFloat16", itemsize=2) if _HAS_ML_DTYPES else None
default_float = float32

ALL = tuple(d for d in (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64) if d)
_FROM_NUMPY = {d.numpy: d for d in ALL if d is not bfloat16}
_NAMES = {d.name: d for d in ALL}
_NAMES.update({"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
               "short": int16})
if bfloat16 is not None:
    _NAMES["bfloat16"] = bfloat16


def _lazy_numpy(bfloat16_dtype):
    """Import ml_dtypes, set bfloat16's NumPy type and map it back; return it."""
    import ml_dtypes

    bfloat16_dtype.numpy = np.dtype(ml_dtypes.bfloat16)
    _FROM_NUMPY[bfloat16_dtype.numpy] = bfloat16_dtype
    return bfloat16_dtype.numpy


def _by_name(name):
    return _NAMES[name]


def from_numpy_dtype(np_dtype):
    """The minitorch_cv dtype for a NumPy dtype; other ints become int64, other floats float32."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _FROM_NUMPY:
        return _FROM_NUMPY[np_dtype]
    if bfloat16 is not None and np_dtype.name == "bfloat16" and np_dtype == bfloat16.numpy:    # the user's ml_dtypes
        return bfloat16
    if np_dtype.kind in "iu":
        return int64
    if np_dtype.kind == "f":
        return float32
    raise TypeError(f"can't convert NumPy dtype {np_dtype} to a minitorch_cv tensor: supported are "
                    f"{', '.join(d.name for d in ALL)}")


def as_dtype(value):
    """Accept a minitorch_cv dtype, a NumPy dtype/type, a Python type or a name; return a dtype."""
    if value is None or isinstance(value, dtype):
        return value
    if isinstance(value, str):
        if value in _NAMES:
            return _NAMES[value]
        if value == "bfloat16":
            raise ImportError("bfloat16 needs the ml_dtypes package: pip install minitorch_cv[bfloat16]")
        raise TypeError(f"unknown dtype name {value!r}; expected one of {sorted(_NAMES)}")
    if value is float:
        return float32
    if value is int:
        return int64
    if value is bool:
        return bool_
    return from_numpy_dtype(value)


CATEGORY = {d: (2 if d.is_floating_point else 0 if d is bool_ else 1) for d in ALL}


def promote(a, b):
    """torch.promote_types: a float beats an int beats a bool; within a kind the wider type wins
    (uint8 with int8 gives int16, float16 with bfloat16 gives float32)."""
    if a is b:
        return a
    ca, cb = CATEGORY[a], CATEGORY[b]
    if ca != cb:
        return a if ca > cb else b
    if bfloat16 is not None and {a, b} == {float16, bfloat16}:
        return float32
    return _FROM_NUMPY[np.promote_types(a.numpy, b.numpy)]


def scalar_dtype(scalar):
    """The dtype torch gives a Python scalar on its own: bool, int64 or the default float."""
    if isinstance(scalar, (bool, np.bool_)):
        return bool_
    if isinstance(scalar, (int, np.integer)):
        return int64
    if isinstance(scalar, (float, np.floating)):
        return default_float
    raise TypeError(f"expected a Python number, got {type(scalar).__name__}")


def promote_scalar(tensor_dtype, scalar):
    """Result dtype of tensor-op-Python-scalar: the scalar only lifts the category, as in torch."""
    scalar_type = scalar_dtype(scalar)
    return scalar_type if CATEGORY[scalar_type] > CATEGORY[tensor_dtype] else tensor_dtype


class finfo:
    """``torch.finfo``: bits, eps, max, min, tiny (smallest normal) and resolution of a float dtype."""

    def __init__(self, type=None):
        type = as_dtype(type) or default_float
        if not type.is_floating_point:
            raise TypeError(f"finfo(): expected a floating point dtype, got {type!r}")
        if type is bfloat16:
            import ml_dtypes

            info = ml_dtypes.finfo(type.numpy)
        else:
            info = np.finfo(type.numpy)
        self.bits, self.dtype = info.bits, type.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)


class iinfo:
    """``torch.iinfo``: bits, max and min of an integer dtype."""

    def __init__(self, type):
        type = as_dtype(type)
        if type.is_floating_point:
            raise TypeError(f"iinfo(): expected an integer dtype, got {type!r}")
        info = np.iinfo(np.uint8 if type is bool_ else type.numpy)
        self.bits, self.dtype = info.bits, type.name
        self.max, self.min = (1, 0) if type is bool_ else (int(info.max), int(info.min))
