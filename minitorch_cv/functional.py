"""Top-level tensor functions (``minitorch_cv.exp(x)`` ...), thin wrappers over Tensor methods and ops."""

from .ops import elementwise as _elementwise
from .ops.reduce import axis_alias
from .ops import shape as _shape_ops
from .tensor import Tensor


def exp(x):
    return x.exp()


def log(x):
    return x.log()


def sqrt(x):
    return x.sqrt()


def abs(x):
    return x.abs()


def relu(x):
    return x.relu()


def sigmoid(x):
    return x.sigmoid()


def tanh(x):
    return x.tanh()


def clamp(x, min=None, max=None):
    return x.clamp(min, max)


clip = clamp


@axis_alias
def softmax(x, dim, dtype=None):
    return (x.to(dtype) if dtype else x).softmax(dim)


@axis_alias
def log_softmax(x, dim, dtype=None):
    return (x.to(dtype) if dtype else x).log_softmax(dim)


@axis_alias
def sum(x, dim=None, keepdim=False, dtype=None):
    return x.sum(dim, keepdim, dtype=dtype)


@axis_alias
def mean(x, dim=None, keepdim=False, dtype=None):
    return x.mean(dim, keepdim, dtype=dtype)


@axis_alias
def max(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    return x.max(dim, keepdim)


@axis_alias
def min(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return x.min(dim, keepdim)


@axis_alias
def argmax(x, dim=None, keepdim=False):
    return x.argmax(dim, keepdim)


@axis_alias
def argmin(x, dim=None, keepdim=False):
    return x.argmin(dim, keepdim)


def flatten(x, start_dim=0, end_dim=-1):
    return x.flatten(start_dim, end_dim)


@axis_alias
def squeeze(x, dim=None):
    return x.squeeze(dim)


@axis_alias
def unsqueeze(x, dim):
    return x.unsqueeze(dim)


def matmul(a, b):
    return a @ b


@axis_alias
def cat(tensors, dim=0):
    return _shape_ops.cat(tensors, dim)


@axis_alias
def stack(tensors, dim=0):
    return _shape_ops.stack(tensors, dim)


def where(condition, input=None, other=None):
    """``where(condition, input, other)`` chooses elementwise; ``where(condition)`` is ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    return _elementwise.where(condition, input, other)


def maximum(a, b):
    return _elementwise.maximum(a, b)


def minimum(a, b):
    return _elementwise.minimum(a, b)


def pow(x, exponent):
    return _elementwise.power(x, exponent)


def add(x, other, alpha=1):
    return x.add(other, alpha=alpha)


def sub(x, other, alpha=1):
    return x.sub(other, alpha=alpha)


def mul(x, other):
    return x * other


def div(x, other, rounding_mode=None):
    return x.div(other, rounding_mode=rounding_mode)


def neg(x):
    return -x


def reshape(x, shape):
    return x.reshape(shape)


def permute(x, dims):
    return x.permute(dims)


def transpose(x, dim0, dim1):
    return x.transpose(dim0, dim1)


@axis_alias
def var(x, dim=None, unbiased=True, keepdim=False, correction=None):
    return x.var(dim, unbiased, keepdim, correction)


@axis_alias
def std(x, dim=None, unbiased=True, keepdim=False, correction=None):
    return x.std(dim, unbiased, keepdim, correction)


def numel(x):
    return x.numel()


def equal(a, b):
    return a.equal(b)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return a.allclose(b, rtol, atol, equal_nan)


def isnan(x):
    return x.isnan()


def norm(x, p=2, dim=None, keepdim=False):
    return x.norm(p, dim, keepdim)
