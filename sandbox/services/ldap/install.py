"""OpenLDAP's server, Debian's ``slapd`` package, installed with apt-get when missing."""

from __future__ import annotations

from pathlib import Path

from mesh_platform.errors import MeshError
from sandbox.processes import apt_failure, apt_install, apt_refusal

PACKAGE = "slapd"
"""Debian's package of OpenLDAP's server (``slapd``, ``slapadd``, the schemas)."""
SLAPD = Path("/usr/sbin/slapd")
MODULES = Path("/usr/lib/ldap")
"""Where Debian's package puts the server's loadable modules (``back_mdb``)."""
SCHEMAS = Path("/etc/ldap/schema")
"""Where Debian's package puts the standard schemas (core, cosine, inetorgperson)."""


class DirectoryServerError(MeshError):
    """The local directory server could not be installed, started, seeded or stopped."""


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
    otherwise = f"install OpenLDAP's server so that {SLAPD} exists"
    if refusal := apt_refusal(wanted, [PACKAGE], otherwise):
        raise DirectoryServerError(refusal)
    done = apt_install([PACKAGE], what="OpenLDAP's server")
    if done.returncode != 0 or not installed():
        raise DirectoryServerError(apt_failure(wanted, [PACKAGE], done))
    return SLAPD
