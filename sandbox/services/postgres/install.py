"""PostgreSQL's server binaries: Debian's, installed with apt-get when they are missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from mesh_platform.errors import MeshError

DEBIAN_LIBDIR = Path("/usr/lib/postgresql")
"""Where Debian's ``postgresql-<major>`` packages put their server binaries, one folder per
major version: ``/usr/lib/postgresql/<major>/bin``."""
PACKAGE = "postgresql"
"""Debian's package of the distribution's supported PostgreSQL server."""
SERVER_PROGRAMS = ("postgres", "initdb")
APT_LOCK_TIMEOUT = 300
"""Seconds apt-get waits for another apt-get or dpkg to finish."""
OUTPUT_TAIL_LINES = 15


class PostgresError(MeshError):
    """The local PostgreSQL server could not be installed, created, started or stopped."""


def server_bindir(libdir: Path = DEBIAN_LIBDIR) -> Path | None:
    """The ``bin`` folder of the newest PostgreSQL server installed under ``libdir``.

    Args:
        libdir: the folder of Debian's versioned installations.

    Returns:
        ``<libdir>/<major>/bin`` for the highest major version that has every server
        program, or ``None`` when none has.
    """
    if not libdir.is_dir():
        return None
    found = [
        folder / "bin"
        for folder in libdir.iterdir()
        if folder.name.isdigit()
        and all((folder / "bin" / program).is_file() for program in SERVER_PROGRAMS)
    ]
    return max(found, key=lambda bindir: int(bindir.parent.name), default=None)


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        list(command),
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stdout + done.stderr).strip().splitlines()[-OUTPUT_TAIL_LINES:]
    return "\n".join(f"  | {line}" for line in lines)


def install_server(libdir: Path = DEBIAN_LIBDIR) -> Path:
    """Install Debian's ``postgresql`` package, quietly, refreshing apt's package lists
    when the first attempt fails (a fresh machine may have none).

    Returns:
        The installed server's ``bin`` folder.

    Raises:
        PostgresError: not root, no apt-get, or the installation failed (with the end of
            apt-get's output).
    """
    wanted = f"PostgreSQL's server is not installed (no {libdir}/<version>/bin/postgres)"
    if os.geteuid() != 0:
        raise PostgresError(
            f"{wanted}, and installing Debian's package needs root: "
            f"run `sudo apt-get install {PACKAGE}`"
        )
    if shutil.which("apt-get") is None:
        raise PostgresError(
            f"{wanted}, and this machine has no apt-get (not Debian or Ubuntu): install a "
            f"PostgreSQL server so that {libdir}/<version>/bin/postgres exists"
        )
    lock = f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}"
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", lock, PACKAGE]
    print(f"installing PostgreSQL's server: {' '.join(install)}", file=sys.stderr)
    done = _run(install)
    if done.returncode != 0:
        updated = _run(["apt-get", "update", "-q", "-o", lock])
        done = _run(install) if updated.returncode == 0 else updated
    if done.returncode != 0:
        raise PostgresError(
            f"{wanted}, and installing Debian's package {PACKAGE} failed "
            f"({' '.join(done.args[:3])} ... exited {done.returncode}):\n{_tail(done)}"
        )
    bindir = server_bindir(libdir)
    if bindir is None:
        raise PostgresError(
            f"apt-get installed {PACKAGE}, but {libdir}/<version>/bin has no "
            f"{' and no '.join(SERVER_PROGRAMS)}"
        )
    return bindir


def ensure_server(libdir: Path = DEBIAN_LIBDIR) -> Path:
    """The installed server's ``bin`` folder, installing Debian's package if needed.

    Raises:
        PostgresError: it is missing and cannot be installed.
    """
    return server_bindir(libdir) or install_server(libdir)
