"""Top-level functions of the wider tensor API (``minitorch_cv.sin(x)``, ``minitorch_cv.gather(x, 1, i)``,
``einsum``, ``result_type`` ...): most call the Tensor method of the same name.
"""
import numpy as np

from . import _dtype
from .ops import binary_math as _bm
from .ops.einsum import einsum
from .ops.promotion import operand as _operand, result_dtype as _result_dtype
from .tensor import Size, Tensor

_METHODS = (
    "sin cos tan asin acos atan sinh cosh asinh acosh atanh arcsin arccos arctan arcsinh arccosh arctanh "
    "rsqrt log2 log10 log1p expm1 exp2 reciprocal erf square floor ceil trunc fix frac round sign sgn "
    "atan2 arctan2 hypot logaddexp fmod remainder floor_divide lerp clamp_min clamp_max isclose isinf "
    "isfinite logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not "
    "bitwise_left_shift bitwise_right_shift prod cumsum cumprod cummax cummin logcumsumexp logsumexp amax "
    "amin aminmax count_nonzero sort argsort msort topk kthvalue median mode all any gather take_along_dim "
    "scatter scatter_add scatter_reduce index_select index_add index_fill masked_fill masked_select "
    "argwhere take repeat_interleave tile flip fliplr flipud roll tril triu diag diagonal diag_embed trace "
    "unflatten split chunk tensor_split unbind narrow movedim moveaxis swapaxes swapdims broadcast_to outer "
    "ger ravel index_put square_ sin_ cos_ exp_ sqrt_ floor_ ceil_ round_ trunc_ frac_ sign_ mm t log_ neg_ "
    "true_divide divide multiply subtract copysign dot inner vdot std_mean var_mean").split()

__all__ = list(dict.fromkeys(_METHODS)) + [
    "einsum", "nonzero", "result_type", "promote_types", "can_cast", "is_floating_point", "is_nonzero",
    "broadcast_tensors", "broadcast_shapes", "meshgrid", "bitwise_not", "is_same_size", "concat",
    "concatenate", "hstack", "vstack", "dstack", "column_stack", "atleast_1d", "atleast_2d", "atleast_3d",
    "cartesian_prod"]


def _method_function(name):
    def function(input, *args, out=None, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        result = getattr(input, name)(*args, **kwargs)
        return result if out is None else out.copy_(result)

    function.__name__ = name
    function.__doc__ = f"``minitorch_cv.{name}(input, ...)``: the same as ``input.{name}(...)``."
    return function


for _name in dict.fromkeys(_METHODS):
    globals()[_name] = _method_function(_name)


def nonzero(input, *, as_tuple=False):
    return input.nonzero(as_tuple=as_tuple)


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on these two operands (tensors or numbers) returns."""
    return _result_dtype(_operand(tensor1), _operand(tensor2))


def promote_types(type1, type2):
    return _dtype.promote(_dtype.as_dtype(type1), _dtype.as_dtype(type2))


def can_cast(from_, to):
    """torch.can_cast: no float into an integer, nothing but bool into bool (same-kind casting)."""
    from_, to = _dtype.as_dtype(from_), _dtype.as_dtype(to)
    return _dtype.CATEGORY[from_] <= _dtype.CATEGORY[to]


def is_floating_point(input):
    return input.is_floating_point()


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous" if input.numel()
                           else "Boolean value of Tensor with no values is ambiguous")
    return bool(input.item())


def is_same_size(a, b):
    return a.shape == b.shape


def broadcast_shapes(*shapes):
    try:
        return Size(np.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {shapes}") from None


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t.expand(*shape) for t in tensors)


def meshgrid(*tensors, indexing="ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    swap = indexing == "xy" and len(tensors) >= 2
    ordered = [tensors[1], tensors[0], *tensors[2:]] if swap else list(tensors)
    shape = [t.numel() for t in ordered]
    grids = []
    for i, t in enumerate(ordered):
        view = [1] * len(ordered)
        view[i] = -1
        grids.append(t.reshape(view).expand(*shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    from .ops.shape import stack
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], dim=1)


def bitwise_not(input):
    return _bm.bitwise_not(input)


def concat(tensors, dim=0):
    from .ops.shape import cat
    return cat(tensors, dim)


concatenate = concat


def atleast_1d(*tensors):
    out = tuple(t.reshape(1) if t.ndim == 0 else t for t in tensors)
    return out[0] if len(out) == 1 else out


def atleast_2d(*tensors):
    out = tuple(t.reshape(1, -1) if t.ndim < 2 else t for t in tensors)
    return out[0] if len(out) == 1 else out


def atleast_3d(*tensors):
    out = tuple(t.reshape(1, -1, 1) if t.ndim == 1 else t.reshape(1, 1, 1) if t.ndim == 0
                else t.unsqueeze(-1) if t.ndim == 2 else t for t in tensors)
    return out[0] if len(out) == 1 else out


def hstack(tensors):
    tensors = [atleast_1d(t) for t in tensors]
    return concat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return concat([atleast_2d(t) for t in tensors], 0)


def dstack(tensors):
    return concat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors):
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])
