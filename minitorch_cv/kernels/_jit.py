"""The numba options every kernel is compiled with, stated once.

``cache=True`` keeps the machine code on disk, so only the first run ever compiles; kernels
are serial (the ops split work over worker threads themselves, see ``ops/tiles.py``);
no ``fastmath``: reassociating sums would break bit-level agreement with the reference loops
and float parity with torch; ``error_model="numpy"`` drops Python's division-by-zero checks
from the inner loops; ``nogil`` lets other Python threads run while a kernel works.
``generated_kernel`` compiles the register-blocked kernels, which also fuse multiplies and adds.
"""
import sys

import numba
import numpy as np
from numba.core.compiler_lock import global_compiler_lock

_OPTIONS = dict(cache=True, nogil=True, error_model="numpy")


def kernel(function):
    """Compile a serial kernel."""
    return numba.njit(**_OPTIONS)(function)


def summing_kernel(function):
    """Compile a serial kernel whose sums may be reassociated (``fastmath={"reassoc"}`` only), so
    LLVM vectorizes them: for per-channel statistics accumulated in float64, where the order of
    the additions is below float32's resolution. The order is still fixed by the compiled code:
    runs on one machine are bit-identical."""
    return numba.njit(fastmath={"reassoc"}, **_OPTIONS)(function)


def generated_kernel(source, name, signature, module_name):
    """Compile ``name``, defined by Python ``source`` built at import by module ``module_name``,
    eagerly for ``signature``, with ``fastmath={"contract"}`` and LLVM's SLP vectorizer on.

    For register-blocked kernels (``kernels/register_conv.py``): their accumulators are written
    out as one scalar each, because numba keeps small local arrays in memory, and LLVM turns
    straight-line code on neighbouring scalars into vector instructions only with SLP, which
    numba switches off for everything (numba issue 8705: a miscompile in other code; these
    kernels are checked against torch). It is switched on here for this compilation alone,
    under numba's compiler lock so no other compilation sees it. The function belongs to
    ``module_name`` and its file, so numba's disk cache keys it to that file as any kernel's.
    """
    namespace = {"__name__": module_name, "np": np, "U": np.uint64}
    exec(compile(source, sys.modules[module_name].__file__, "exec"), namespace)
    with global_compiler_lock:
        previous = numba.core.config.SLP_VECTORIZE
        numba.core.config.SLP_VECTORIZE = 1
        try:
            return numba.njit(signature, fastmath={"contract"}, **_OPTIONS)(namespace[name])
        finally:
            numba.core.config.SLP_VECTORIZE = previous
