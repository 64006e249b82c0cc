"""minitorch_cv.allocator: large arrays come from malloc's heap, so freed ones are reused."""
import sys

import numpy as np
import pytest

import minitorch_cv  # noqa: F401  (importing it applies the setting)
from minitorch_cv.allocator import keep_freed_memory


def heap_range():
    with open("/proc/self/maps") as maps:
        for line in maps:
            if line.rstrip().endswith("[heap]"):
                start, end = line.split()[0].split("-")
                return int(start, 16), int(end, 16)
    return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc on Linux only")
def test_large_arrays_come_from_the_heap_and_are_reused():
    assert keep_freed_memory()
    first = np.empty(64 * 1024 * 1024, np.uint8)
    address = first.ctypes.data
    heap = heap_range()
    assert heap is not None and heap[0] <= address < heap[1], "a 64 MiB array should come from the heap, not mmap"
    del first
    second = np.empty(64 * 1024 * 1024, np.uint8)
    assert second.ctypes.data == address
