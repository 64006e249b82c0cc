"""``repr`` of tensors exactly as torch prints them (``torch/_tensor_str.py``, default print options).

One formatter per tensor picks the style from the (summarised) values: integer-like floats as
``1.``, fixed 4 decimals, or scientific when magnitudes span more than 1000x, exceed 1e8 or fall
below 1e-4; every element is right-aligned to the widest one. Tensors above 1000 elements show
3 items at each edge with ``...``; lines wrap at 80 characters.
"""
import math

import numpy as np

from . import _dtype

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        magnitudes = np.abs(finite).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        for value in finite.tolist():
            if self.sci_mode:
                width = len(f"{value:.{PRECISION}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1
            else:
                width = len(f"{value:.{PRECISION}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value):
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{PRECISION}f}"
        return (self.max_width - len(text)) * " " + text


def _summarized(values):
    """The edge items torch uses to choose the format of a summarised tensor."""
    if values.ndim == 0:
        return values
    if values.ndim == 1:
        if values.shape[0] > 2 * EDGEITEMS:
            return np.concatenate((values[:EDGEITEMS], values[-EDGEITEMS:]))
        return values
    rows = range(values.shape[0])
    if values.shape[0] > 2 * EDGEITEMS:
        rows = list(range(EDGEITEMS)) + list(range(values.shape[0] - EDGEITEMS, values.shape[0]))
    return np.stack([_summarized(values[i]) for i in rows])


def _vector(values, indent, summarize, formatter):
    per_line = max(1, math.floor((LINEWIDTH - indent) / (formatter.max_width + 2)))
    if summarize and values.shape[0] > 2 * EDGEITEMS:
        items = ([formatter.format(v) for v in values[:EDGEITEMS].tolist()] + [" ..."]
                 + [formatter.format(v) for v in values[-EDGEITEMS:].tolist()])
    else:
        items = [formatter.format(v) for v in values.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(values, indent, summarize, formatter):
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _vector(values, indent, summarize, formatter)
    count = values.shape[0]
    if summarize and count > 2 * EDGEITEMS:
        slices = ([_nested(values[i], indent + 1, summarize, formatter) for i in range(EDGEITEMS)] + ["..."]
                  + [_nested(values[i], indent + 1, summarize, formatter) for i in range(count - EDGEITEMS, count)])
    else:
        slices = [_nested(values[i], indent + 1, summarize, formatter) for i in range(count)]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _with_suffixes(text, suffixes, indent):
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(tensor):
    """``tensor([[1., 2.]], requires_grad=True)``, character for character as torch."""
    values = tensor._data
    if values.dtype.kind == "V":
        values = values.astype(np.float32)
    prefix = "tensor("
    indent = len(prefix)
    dtype = tensor.dtype
    suffixes = []
    if values.size == 0:
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        if dtype is not _dtype.default_float:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if dtype not in (_dtype.default_float, _dtype.int64, _dtype.bool_):
            suffixes.append(f"dtype={dtype!r}")
        summarize = values.size > THRESHOLD
        formatter = _Formatter(_summarized(values) if summarize else values)
        body = _nested(values, indent, summarize, formatter)
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn=<{tensor.grad_fn.name()}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
