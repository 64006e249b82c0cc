"""Split a batch into tiles and run them on worker threads, each worker with a one-thread BLAS
(``threads.py`` keeps NumPy's BLAS at one thread).

This is the library's only parallelism for convolution and pooling: one pool of worker threads
running serial numba kernels (numba's own parallel loops are not used, so no second thread pool
competes for the cores).

Why: a convolution is im2col + GEMM. Done on a whole batch at once, the columns (13-52 MB per
CIFAR layer at batch 64) stream through DRAM, and numba's and OpenBLAS's thread pools take turns
busy-waiting on the same cores; under load from other processes that collapses. Instead each
worker takes tiles one at a time, as it frees up, and runs serial numba kernels and a
single-threaded GEMM on buffers small enough to stay in its cache. Both release the GIL, so the
workers overlap.
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


def _tiles(count, per_tile, workers):
    """``(start, stop)`` tiles of at most ``per_tile`` items covering ``range(count)``: as many as
    ``per_tile`` needs, rounded up to a multiple of ``workers``, of near-equal sizes, and never
    more than ``count`` (an empty tile breaks the kernels' reshapes)."""
    tile_count = -(-count // per_tile)
    tile_count = min(count, tile_count + -tile_count % workers)
    bounds = [count * k // tile_count for k in range(tile_count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def _workers(count, per_tile):
    """How many worker threads tiles of ``per_tile`` items out of ``count`` keep busy."""
    return min(get_num_threads(), -(-count // per_tile))


def _serial_tiles(count, per_tile):
    """The ``(start, stop)`` tiles one thread runs in order: ``per_tile`` items each, the last shorter."""
    return [(start, min(count, start + per_tile)) for start in range(0, count, per_tile)]


def _on_workers(work, arguments):
    """``work(argument)`` for each of ``arguments``, the first on the calling thread and the
    others on pool threads; their results in order."""
    with _lock:
        executor = _get_executor(len(arguments) - 1)
        others = [executor.submit(work, argument) for argument in arguments[1:]]
        first = work(arguments[0])
        return [first] + [future.result() for future in others]


def run_tiles(work, count, per_tile):
    """Call ``work(tiles)`` once per worker thread, where ``tiles`` yields ``(start, stop)`` tiles
    of at most ``per_tile`` items covering ``range(count)``, each to whichever worker asks next.

    For work without results across tiles (each tile writes its own outputs): handing the tiles
    out one at a time, rather than in fixed shares, lets a worker that another process slows
    down take fewer of them (on this shared 2-core machine one worker's fixed share ran 7-14%
    longer than the other's, call after call, the faster one waiting). With one worker, or one
    tile, the work runs inline.
    """
    workers = _workers(count, per_tile)
    if workers <= 1:
        work(_serial_tiles(count, per_tile))
        return
    shared = iter(_tiles(count, per_tile, workers))  # a list iterator: each next() is atomic under the GIL
    _on_workers(work, [shared] * workers)


PARTIALS_BUDGET = 8 * 2 ** 20
"""Bytes ``sum_over_tiles`` may hold in partial results, one per run of tiles."""


def sum_over_tiles(worker, count, per_tile, result_bytes):
    """The results of ``process(tiles)`` summed over runs of consecutive ``(start, stop)`` tiles
    covering ``range(count)``, where ``process = worker()`` is one worker thread's function (its
    buffers set up once) and returns a tuple of arrays (or None) for the tiles it was given.

    For work summed across tiles, such as a weight gradient: the runs are fixed by the tiles and
    summed in order, so the sum comes out bit for bit the same on every run with the same thread
    count, while the runs go to whichever worker asks next, as ``run_tiles`` hands out tiles.
    There are as many runs as tiles where PARTIALS_BUDGET holds their ``result_bytes`` results;
    fewer, down to one per worker, where it does not. With one worker the work runs inline.
    """
    workers = _workers(count, per_tile)
    if workers <= 1:
        return list(worker()(_serial_tiles(count, per_tile)))
    tiles = _tiles(count, per_tile, workers)
    runs = max(workers, min(len(tiles), PARTIALS_BUDGET // max(result_bytes, 1)))
    groups = [tiles[r * len(tiles) // runs:(r + 1) * len(tiles) // runs] for r in range(runs)]
    results = [None] * runs
    shared = iter(range(runs))  # a range iterator: each next() is atomic under the GIL

    def work(_):
        process = worker()
        for run in shared:
            results[run] = process(groups[run])

    _on_workers(work, [None] * workers)
    return _sum_in_order(results)


RANGES_PER_WORKER = 4
"""``per_worker`` cuts its work into this many ranges per worker thread, handed out as
``run_tiles`` hands out tiles."""


def per_worker(count, call):
    """``call(start, stop)`` on contiguous ranges covering ``range(count)``, RANGES_PER_WORKER per
    worker thread, each to whichever worker asks next (inline with one thread): for work split
    by channels or elements rather than by tiles of images, each range writing its own outputs."""
    workers = get_num_threads()
    run_tiles(lambda ranges: [call(start, stop) for start, stop in ranges], count,
              max(1, -(-count // (workers * RANGES_PER_WORKER))) if workers > 1 else count)


def _sum_in_order(shares):
    """Tuples of arrays (or None) added position by position, in order, into the first."""
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

