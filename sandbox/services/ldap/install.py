"""OpenLDAP's server, Debian's ``slapd`` package, installed with apt-get when missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from mesh_platform.errors import MeshError

PACKAGE = "slapd"
"""Debian's package of OpenLDAP's server (``slapd``, ``slapadd``, the schemas)."""
SLAPD = Path("/usr/sbin/slapd")
MODULES = Path("/usr/lib/ldap")
"""Where Debian's package puts the server's loadable modules (``back_mdb``)."""
SCHEMAS = Path("/etc/ldap/schema")
"""Where Debian's package puts the standard schemas (core, cosine, inetorgperson)."""
APT_LOCK_TIMEOUT = 300
OUTPUT_TAIL_LINES = 15


class DirectoryServerError(MeshError):
    """The local directory server could not be installed, started, seeded or stopped."""


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


def installed() -> bool:
    """Whether the server and its standard schemas are on this machine."""
    return SLAPD.is_file() and (SCHEMAS / "inetorgperson.schema").is_file()


def ensure_slapd() -> Path:
    """The ``slapd`` program, installing Debian's package quietly if it is missing.

    Debian's package configures a directory of its own (``/etc/ldap/slapd.d``) and may
    try to start it; the sandbox never uses it: it runs its own server from a folder.

    Raises:
        DirectoryServerError: missing, and not root, no apt-get, or apt-get failed.
    """
    if installed():
        return SLAPD
    wanted = f"OpenLDAP's server is not installed (no {SLAPD})"
    if os.geteuid() != 0:
        raise DirectoryServerError(
            f"{wanted}, and installing Debian's package needs root: "
            f"run `sudo apt-get install {PACKAGE}`"
        )
    if shutil.which("apt-get") is None:
        raise DirectoryServerError(
            f"{wanted}, and this machine has no apt-get (not Debian or Ubuntu): install "
            f"OpenLDAP's server so that {SLAPD} exists"
        )
    lock = f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}"
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", lock, PACKAGE]
    print(f"installing OpenLDAP's server: {' '.join(install)}", file=sys.stderr)
    done = _run(install)
    if done.returncode != 0:
        updated = _run(["apt-get", "update", "-q", "-o", lock])
        done = _run(install) if updated.returncode == 0 else updated
    if done.returncode != 0 or not installed():
        raise DirectoryServerError(
            f"{wanted}, and installing Debian's package {PACKAGE} failed "
            f"({' '.join(done.args[:3])} ... exited {done.returncode}):\n{_tail(done)}"
        )
    return SLAPD
