"""What every local service the sandbox starts needs: a free port, a lock between
processes, and the end of its log for an error message."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

LOG_TAIL_LINES = 40
"""Lines of a service's log quoted when it fails."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = LOG_TAIL_LINES, *, prefix: str = "") -> str:
    """The last ``lines`` of the log at ``path``, each after ``prefix``.

    Example:
        >>> tail(Path("/nonexistent.log"))
        '(no log)'
    """
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"{prefix}(no log)"
    return "\n".join(f"{prefix}{line}" for line in text.splitlines()[-lines:]) or (
        f"{prefix}(empty log)"
    )


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (test workers, commands) on ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
