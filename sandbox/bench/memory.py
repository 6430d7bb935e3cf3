"""A process's peak resident memory, and resetting it between two measured steps.

Linux keeps the high-water mark of a process's resident set (``VmHWM`` in
``/proc/self/status``) and resets it when ``5`` is written to ``/proc/self/clear_refs``;
elsewhere the peak since the process started (``ru_maxrss``) is the best there is.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def peak_rss() -> int:
    """The peak resident memory of this process, in bytes, since the last
    :func:`reset_peak` (since it started where the peak cannot be reset)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return maxrss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def current_rss() -> int:
    """The resident memory of this process now, in bytes (0 where unknown)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def reset_peak() -> bool:
    """Start measuring the peak anew from the current resident memory; ``False`` where
    the system cannot (the peak then stays the process's)."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def maxrss_bytes(ru_maxrss: int) -> int:
    """``ru_maxrss`` in bytes: kilobytes on Linux, bytes on macOS.

    Example:
        >>> maxrss_bytes(1024) in (1024, 1024 * 1024)
        True
    """
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024
