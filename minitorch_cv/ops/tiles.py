"""Split a batch into tiles and run them on worker threads, each worker with a one-thread BLAS
(``threads.py`` keeps NumPy's BLAS at one thread).

This is the library's only parallelism for convolution and pooling: one pool of worker threads
running serial numba kernels (numba's own parallel loops are not used, so no second thread pool
competes for the cores).

Why: a convolution is im2col + GEMM. Done on a whole batch at once, the columns (13-52 MB per
CIFAR layer at batch 64) stream through DRAM, and numba's and OpenBLAS's thread pools take turns
busy-waiting on the same cores; under load from other processes that collapses. Instead each
worker takes a contiguous share of the tiles and runs serial numba kernels and a single-threaded
GEMM on buffers small enough to stay in its cache. Both release the GIL, so the workers overlap.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

from ..threads import get_num_threads

_lock = threading.Lock()
_executor = None


def items_per_tile(count, bytes_per_item, budget=1536 * 1024):
    """How many items (images, planes) a tile holds so its buffers stay near ``budget`` bytes (at least 1)."""
    return max(1, min(count, budget // max(bytes_per_item, 1)))


def gemm_tile(count, per_tile, rows_per_item, min_rows):
    """``per_tile`` raised so that a tile's GEMM has at least ``min_rows`` rows (``rows_per_item``
    per item) where the batch has them, yet never so far that fewer tiles than worker threads
    remain: with few small images and many channels, a GEMM of few rows streams the whole
    weight matrix for little work, and one tile for the whole batch leaves all but one thread idle."""
    fewest = -(-min_rows // max(rows_per_item, 1))
    return max(1, min(max(per_tile, fewest), -(-count // get_num_threads())))


def run_tiles(work, count, per_tile):
    """Call ``work(tiles)`` on contiguous shares of ``(start, stop)`` tiles of at most ``per_tile`` items
    covering ``range(count)``.

    Returns the workers' results in tile order. With one share (one thread, or one tile) the
    work runs inline; otherwise the calling thread and ``get_num_threads() - 1`` pool threads take
    one share each.
    """
    workers = min(get_num_threads(), -(-count // per_tile))
    if workers <= 1:
        return [work([(start, min(count, start + per_tile)) for start in range(0, count, per_tile)])]
    # As many tiles as needed to respect per_tile, rounded up to a multiple of the workers, and
    # of near-equal sizes, so that every worker gets the same amount of work; never more tiles
    # than items (an empty tile breaks the kernels' reshapes).
    tile_count = -(-count // per_tile)
    tile_count = min(count, tile_count + -tile_count % workers)
    bounds = [count * k // tile_count for k in range(tile_count + 1)]
    tiles = list(zip(bounds[:-1], bounds[1:]))
    shares = [tiles[w * tile_count // workers:(w + 1) * tile_count // workers] for w in range(workers)]
    with _lock:
        executor = _get_executor(workers - 1)
        others = [executor.submit(work, share) for share in shares[1:]]
        first = work(shares[0])
        return [first] + [future.result() for future in others]


def per_worker(count, call):
    """``call(start, stop)`` on one contiguous range of ``range(count)`` per worker thread (inline
    with one thread): for work split by channels or elements rather than by tiles of images."""
    run_tiles(lambda ranges: [call(start, stop) for start, stop in ranges], count,
              max(1, -(-count // get_num_threads())))


def sum_shares(shares):
    """The workers' results (tuples of arrays or None) added position by position, in worker
    order: the same sum, bit for bit, on every run with the same thread count."""
    totals = list(shares[0])
    for share in shares[1:]:
        for k, part in enumerate(share):
            if part is not None:
                totals[k] += part
    return totals


def _get_executor(workers):
    global _executor
    if _executor is None or _executor._max_workers < workers:
        if _executor is not None:
            _executor.shutdown(wait=True)
        _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="minitorch_cv-tile")
    return _executor

