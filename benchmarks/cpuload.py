"""How busy other processes keep the machine (Linux ``/proc/stat``), during a run or right now,
and how fast memory streams meanwhile.

On a small shared machine other work distorts every figure, and torch's OpenMP threads suffer
most (a thread waiting at a barrier for a descheduled partner). Benchmarks report the load
they ran under; ``run_all.py`` can wait for a quiet moment before each benchmark. Other
virtual machines on the same host do not show in ``/proc/stat`` but can take memory bandwidth:
a 128 MB copy here streamed at 25.6 GB/s one morning and 17-21 GB/s two hours later, and our
memory-bound kernels slowed with it more than torch's. So each benchmark also records that
copy's speed at its start and end (``memory_stream_gbps``).
"""
import os
import time

import numpy as np

STREAM_BYTES = 128 * 2 ** 20
"""The copy ``memory_stream_gbps`` times: well past the caches (32 MB of L3 here)."""


def memory_stream_gbps(repeats=5):
    """GB/s (bytes read plus written) of a STREAM_BYTES copy on one thread, median of ``repeats``."""
    source = np.ones(STREAM_BYTES // 4, np.float32)
    target = np.empty_like(source)
    np.copyto(target, source)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(target, source)
        seconds.append(time.perf_counter() - start)
    return 2 * STREAM_BYTES / float(np.median(seconds)) / 1e9


def _snapshot():
    """(time, busy CPU seconds of the whole machine or None, CPU seconds of this process and its children)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        # user nice system idle iowait irq softirq steal [guest guest_nice, already inside user/nice]
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        busy = None
    own = os.times()
    return time.perf_counter(), busy, own.user + own.system + own.children_user + own.children_system


def _other_cores(start, end):
    (t0, busy0, own0), (t1, busy1, own1) = start, end
    if busy0 is None or busy1 is None or t1 <= t0:
        return None
    return max(0.0, (busy1 - busy0 - (own1 - own0)) / (t1 - t0))


class CpuLoadMonitor:
    """Context manager: the average number of cores other processes used while it was open, and
    the memory stream speed as it opened and closed."""

    def __enter__(self):
        self.stream_start = memory_stream_gbps()
        self.start = _snapshot()
        return self

    def __exit__(self, *exc):
        self.end = _snapshot()
        self.stream_end = memory_stream_gbps()
        return False

    def memory_stream(self):
        """``memory_stream_gbps`` when the monitor opened and when it closed."""
        return {"start": self.stream_start, "end": self.stream_end}

    def other_cores(self):
        """Average cores used by other processes (None where /proc/stat is unreadable)."""
        return _other_cores(self.start, self.end)


def other_load_now(window_s=3.0):
    """Cores other processes used over the next ``window_s`` seconds."""
    start = _snapshot()
    time.sleep(window_s)
    return _other_cores(start, _snapshot())


def wait_for_quiet(max_wait_s, threshold_cores=0.2, window_s=3.0):
    """Wait (up to ``max_wait_s``) until other processes use under ``threshold_cores``; their last load."""
    deadline = time.monotonic() + max_wait_s
    load = other_load_now(window_s)
    while load is not None and load >= threshold_cores and time.monotonic() < deadline:
        print(f"  waiting for a quiet machine: other processes use {load:.2f} cores", flush=True)
        load = other_load_now(window_s)
    return load
