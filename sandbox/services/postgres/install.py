"""PostgreSQL's server binaries: Debian's, installed with apt-get when they are missing."""

from __future__ import annotations

from pathlib import Path

from mesh_platform.errors import MeshError
from sandbox.processes import apt_failure, apt_install, apt_refusal

DEBIAN_LIBDIR = Path("/usr/lib/postgresql")
"""Where Debian's ``postgresql-<major>`` packages put their server binaries, one folder per
major version: ``/usr/lib/postgresql/<major>/bin``."""
PACKAGE = "postgresql"
"""Debian's package of the distribution's supported PostgreSQL server."""
SERVER_PROGRAMS = ("postgres", "initdb")


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
    otherwise = f"install a PostgreSQL server so that {libdir}/<version>/bin/postgres exists"
    if refusal := apt_refusal(wanted, [PACKAGE], otherwise):
        raise PostgresError(refusal)
    done = apt_install([PACKAGE], what="PostgreSQL's server")
    if done.returncode != 0:
        raise PostgresError(apt_failure(wanted, [PACKAGE], done))
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
