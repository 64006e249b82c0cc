"""The numba options every kernel is compiled with, stated once.

``cache=True`` keeps the machine code on disk, so only the first run ever compiles; kernels
are serial (the ops split work over worker threads themselves, see ``ops/tiles.py``);
no ``fastmath``: reassociating sums would break bit-level agreement with the reference loops
and float parity with torch; ``error_model="numpy"`` drops Python's division-by-zero checks
from the inner loops; ``nogil`` lets other Python threads run while a kernel works.
"""
import numba

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

