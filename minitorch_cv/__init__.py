"""minitorch_cv: a NumPy + numba engine for computer vision with PyTorch's API.

Use it where a tutorial imports torch: ``import minitorch_cv as torch``,
``from minitorch_cv import nn, optim``.
"""
import importlib

from . import _dtype
from ._dtype import (dtype, finfo, float16, float32, float64, iinfo, int8, int16, int32, int64,
                     uint8)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .device import cuda, device
from .factories import (arange, empty, empty_like, eye, full, full_like, linspace, ones, ones_like, rand,
                        rand_like, randint, randn, randn_like, randperm, zeros, zeros_like)
from .factories import bernoulli, multinomial, normal, randint_like
from .functional import (abs, add, allclose, argmax, argmin, cat, clamp, clip, div, equal, exp, flatten,
                         isnan, log, log_softmax, matmul, max, maximum, mean, min, minimum, mul, neg,
                         norm, numel, permute, pow, relu, reshape, sigmoid, softmax, sqrt, squeeze, stack, std,
                         sub, sum, tanh, transpose, unsqueeze, var, where)
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state)
from ._torch_functions import *  # noqa: F401,F403  (the wider tensor API: sin, gather, einsum, ...)
from .serialization import load, save
from .tensor import Size, Tensor, as_tensor, from_numpy, is_tensor, tensor
from .threads import get_num_threads, set_num_threads
from . import allocator, backends, nn, optim, threads

threads.single_thread_blas()
allocator.keep_freed_memory()

float = float32
double = float64
long = int64
globals()["bool"] = _dtype.bool_
globals()["int"] = int32
short = int16
half = float16
if _dtype.bfloat16 is not None:
    bfloat16 = _dtype.bfloat16

_LAZY_SUBMODULES = ("utils", "vision", "models", "hub", "distributed")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "bfloat16":
        raise ImportError("bfloat16 needs the ml_dtypes package: pip install minitorch_cv[bfloat16]")
    raise AttributeError(f"module 'minitorch_cv' has no attribute {name!r}")
