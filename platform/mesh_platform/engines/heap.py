"""Giving memory back to the system once a large read is over.

Reading millions of rows into pandas goes through three allocators that keep what they
freed for later: Arrow's memory pool (the columns as they arrive), the C library's heap
(the conversion's temporary arrays) and DuckDB's jemalloc (the query's sort and result
buffers). Their retained pages count in the process's resident memory while a model is
fitted on the frame, doubling a Python product's peak for nothing. Dask's workers trim
the C heap the same way; the frame itself is not touched.

A model's working arrays meet the same fate: glibc serves a freed array's size from its
heap next time (its mapping threshold rises up to 32 MiB), and a heap fragmented by a
fit keeps its pages. :func:`map_large_arrays` fixes the threshold, so that every array
above a mebibyte is its own mapping, returned to the system when freed.

Example:
    >>> give_back_memory() >= 0
    True
    >>> map_large_arrays() in (True, False)
    True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from functools import cache


@cache
def _libc(function: str) -> Callable[..., int] | None:
    """A function of the C library (glibc's ``malloc_trim``, ``mallopt``), or ``None``
    where the library has none (macOS, musl)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        found: Callable[..., int] = getattr(ctypes.CDLL(name), function)
    except (OSError, AttributeError):
        return None
    return found


_M_MMAP_THRESHOLD = -3
"""``mallopt``'s parameter number for the mapping threshold (glibc's ``malloc.h``)."""


@cache
def map_large_arrays(threshold: int = 1 << 20) -> bool:
    """Have glibc map every allocation above ``threshold`` bytes on its own (once per
    process); ``False`` where the C library has no ``mallopt``."""
    mallopt = _libc("mallopt")
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, threshold))


def give_back_memory() -> int:
    """Return the freed pages of Arrow's pool and of the C heap to the system.

    Returns:
        1 when the C heap gave memory back, else 0 (nothing to give, or no
        ``malloc_trim`` on this system).
    """
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:  # before Arrow is loaded its pool holds nothing
        arrow.default_memory_pool().release_unused()
    trim = _libc("malloc_trim")
    return int(trim(0)) if trim is not None else 0
