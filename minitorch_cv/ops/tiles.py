"""Split a batch into tiles and run them on worker threads, each worker with a one-thread BLAS.

Why: a convolution is im2col + GEMM. Done on a whole batch at once, the columns (13-52 MB per
CIFAR layer at batch 64) stream through DRAM, and numba's and OpenBLAS's thread pools take turns
busy-waiting on the same cores; under load from other processes that collapses. Instead each
worker takes a contiguous share of the tiles and runs serial numba kernels and a single-threaded
GEMM on buffers small enough to stay in its cache. Both release the GIL, so the workers overlap.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

from threadpoolctl import ThreadpoolController

from ..threads import get_num_threads

_lock = threading.Lock()
_executor = None
_blas_libraries = None


def images_per_tile(batch, bytes_per_image, budget=1536 * 1024):
    """How many images a tile holds so that its largest buffer stays near ``budget`` bytes (at least 1)."""
    return max(1, min(batch, budget // max(bytes_per_image, 1)))


def run_tiles(work, batch, per_tile):
    """Call ``work(tiles)`` on contiguous shares of the ``(start, stop)`` tiles covering ``range(batch)``.

    Returns the workers' results in tile order. With one share (one thread, or one tile) the
    work runs inline and the BLAS keeps its own threads; otherwise the shares run on
    ``get_num_threads()`` workers with the BLAS limited to one thread meanwhile.
    """
    tiles = [(start, min(batch, start + per_tile)) for start in range(0, batch, per_tile)]
    workers = min(get_num_threads(), len(tiles))
    if workers <= 1:
        return [work(tiles)]
    shares = [tiles[w * len(tiles) // workers:(w + 1) * len(tiles) // workers] for w in range(workers)]
    with _lock:
        executor = _get_executor(workers)
        libraries = _blas()
        previous = [library.get_num_threads() for library in libraries]
        for library in libraries:
            library.set_num_threads(1)
        try:
            return list(executor.map(work, shares))
        finally:
            for library, threads in zip(libraries, previous):
                library.set_num_threads(threads)


def _get_executor(workers):
    global _executor
    if _executor is None or _executor._max_workers < workers:
        if _executor is not None:
            _executor.shutdown(wait=True)
        _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="minitorch_cv-tile")
    return _executor


def _blas():
    """The loaded BLAS libraries (NumPy's OpenBLAS), found once."""
    global _blas_libraries
    if _blas_libraries is None:
        _blas_libraries = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    return _blas_libraries
