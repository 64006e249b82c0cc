"""``repr`` of tensors in torch's style: ``tensor([[1., 2.]], requires_grad=True)``."""
import numpy as np

from . import _dtype


def _float_formatter(values):
    """Pick torch's float style for these values: integer-like, fixed 4 decimals, or scientific."""
    finite = np.abs(values[np.isfinite(values)]) if values.size else values
    if finite.size and np.all(finite == np.round(finite)) and finite.max() < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    nonzero = finite[finite != 0] if finite.size else finite
    if nonzero.size and (nonzero.max() / nonzero.min() > 1000 or nonzero.max() > 1e8 or nonzero.min() < 1e-4):
        return lambda v: f"{v:.4e}"
    return lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)


def tensor_repr(tensor):
    data = tensor._data
    prefix = "tensor("
    options = {"separator": ", ", "prefix": prefix, "threshold": 1000, "edgeitems": 3,
               "max_line_width": 80}
    if data.dtype.kind == "f":
        options["formatter"] = {"float_kind": _float_formatter(data.astype(np.float64).ravel())}
    body = np.array2string(data, **options) if data.size else "[]"
    extras = []
    if data.size == 0 and data.ndim != 1:
        extras.append(f"size={tuple(data.shape)}")
    dtype = tensor.dtype
    if dtype not in (_dtype.float32, _dtype.int64) or (dtype is _dtype.int64 and data.size == 0):
        if not (dtype is _dtype.bool_ and data.size):
            extras.append(f"dtype={dtype!r}")
    if tensor.grad_fn is not None:
        extras.append(f"grad_fn={tensor.grad_fn!r}")
    elif tensor.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
