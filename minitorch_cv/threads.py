"""One thread setting for both numba kernels and the BLAS, mirroring ``torch.set_num_threads``."""
import os

import numba
from threadpoolctl import threadpool_limits


def get_num_threads():
    return numba.get_num_threads()


def set_num_threads(n):
    """Use ``n`` threads in numba kernels and in NumPy's BLAS from now on."""
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n}")
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    threadpool_limits(limits=n, user_api="blas")


def default_num_threads():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
