"""Gradient clipping by total norm or by value, in place, as torch.nn.utils computes it."""
import warnings

import numpy as np

from ...tensor import Tensor


def _tensor_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(array, norm_type):
    """||array||_p over all elements (inf: largest magnitude, -inf: smallest, 0: count of non-zeros),
    summed in float64 and returned in the array's dtype."""
    magnitude = np.abs(array.astype(np.float64, copy=False)).ravel()
    if norm_type == np.inf:
        value = magnitude.max(initial=0.0)
    elif norm_type == -np.inf:
        value = magnitude.min(initial=np.inf)
    elif norm_type == 0:
        value = float(np.count_nonzero(magnitude))
    elif norm_type == 2:
        value = np.sqrt(np.dot(magnitude, magnitude))
    else:
        value = np.sum(magnitude ** norm_type) ** (1.0 / norm_type)
    return np.asarray(value, dtype=array.dtype)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type`` norm of all ``tensors`` seen as one vector (the norm of their norms).

    ``foreach`` is accepted and ignored (one code path).
    """
    tensors = _tensor_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._wrap(np.zeros((), np.float32))
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    total = _vector_norm(np.stack(norms).astype(np.result_type(*norms)), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return Tensor._wrap(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``."""
    grads = [p.grad for p in _tensor_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data
    # torch evaluates max_norm / (total + 1e-6) as reciprocal(total + 1e-6) * max_norm, in total's dtype
    coefficient = np.reciprocal(total + total.dtype.type(1e-6)) * total.dtype.type(max_norm)
    coefficient = np.minimum(coefficient, total.dtype.type(1.0))
    with np.errstate(invalid="ignore"):   # a non-finite norm scales by nan/0, as torch, silently
        for grad in grads:
            grad._data *= coefficient.astype(grad._data.dtype)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clip the gradients of ``parameters`` in place so their total norm is at most ``max_norm``;
    returns the total norm before clipping (a 0-dim tensor)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        generator = not isinstance(parameters, (list, tuple))
        parameters = list(parameters)
        if generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated in torch in favour of ``clip_grad_norm_``; same behaviour, with torch's warning."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` in place to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    for param in _tensor_list(parameters):
        if param.grad is not None:
            grad = param.grad._data
            np.clip(grad, -clip_value, clip_value, out=grad)
