"""The emulator's files: the project's requirements, run files, locks and linked extensions."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sandbox.emulators.bigquery.environment import EmulatorError
from sandbox.processes import project_file

REQUIREMENTS = Path("deploy") / "local" / "bigquery-emulator" / "requirements.txt"
"""The emulator's pinned requirements, relative to the project's root."""


@dataclass(frozen=True)
class DuckDBRuntime:
    """What the emulator's DuckDB is and which extension files came with it.

    Attributes:
        version: DuckDB's library version, e.g. ``v1.5.5``.
        platform: DuckDB's platform string, e.g. ``linux_amd64``.
        extensions: the ``*.duckdb_extension`` files of the installed
            ``duckdb-extension-*`` packages.
    """

    version: str
    platform: str
    extensions: tuple[Path, ...]


def project_root() -> Path:
    """The project's root: the folder that holds the emulator's requirements.

    Found next to this package's sources (editable install), else from the current
    directory upwards.

    Raises:
        EmulatorError: no such folder.
    """
    found = project_file(REQUIREMENTS, EmulatorError)
    return found.parents[len(REQUIREMENTS.parts) - 1]  # the folder that holds deploy/


def place(source: Path, destination: Path) -> None:
    """Put ``source`` at ``destination``: a hard link when possible (no second copy)."""
    if destination.exists():
        if os.path.samefile(source, destination):
            return
        same = destination.stat()
        if (same.st_size, same.st_mtime) == (source.stat().st_size, source.stat().st_mtime):
            return
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.link(source, partial)
    except OSError:
        shutil.copy2(source, partial)
    partial.replace(destination)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path("/proc") / str(pid) / "cmdline"
    if cmdline.exists():  # Linux: make sure the pid was not reused by something else
        with contextlib.suppress(OSError):
            return re.search(rb"local[-_]bigquery", cmdline.read_bytes()) is not None
    return True
