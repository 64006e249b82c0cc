"""Special functions NumPy lacks, elementwise over flat arrays (math.erf compiled by numba)."""
import math

import numpy as np

from ._jit import kernel


@kernel
def _erf_flat(values, out):
    for i in range(values.size):
        out[i] = math.erf(values[i])


def erf(x):
    """The error function of every element of ``x`` (same shape and dtype)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    _erf_flat(flat, out)
    return out.reshape(np.shape(x))
