"""One thread setting for minitorch_cv, mirroring ``torch.set_num_threads``.

minitorch_cv runs its ops in parallel on its own worker threads (``ops/tiles.py``), each running
serial numba kernels and a one-thread BLAS, so NumPy's BLAS is kept at one thread in this
process. Why not let OpenBLAS thread too: after a multi-threaded call its threads keep spinning
for about 0.1 s (OpenBLAS's THREAD_TIMEOUT), taking the cores the workers need next. Measured on
2 cores, a training step of the tutorial model at batch 64 with the Haswell BLAS kernel: 64.8 ms
with OpenBLAS at 2 threads, 37.1 ms at 1.
"""
import os

import numba
from threadpoolctl import ThreadpoolController


def get_num_threads():
    return numba.get_num_threads()


def set_num_threads(n):
    """Use ``n`` worker threads in minitorch_cv's ops from now on (NumPy's BLAS stays at one)."""
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n}")
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    single_thread_blas()


def single_thread_blas():
    """Limit every BLAS library loaded in this process so far to one thread."""
    ThreadpoolController().limit(limits=1, user_api="blas")


def default_num_threads():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
