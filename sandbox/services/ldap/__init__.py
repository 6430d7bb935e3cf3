"""OpenLDAP for the local directory, as production reads the company's.

``mesh query`` authenticates people against a directory and reads their groups
(:mod:`mesh_platform.access.directory`). Locally that directory is a server of
Debian's ``slapd`` package (installed with apt-get when missing, :func:`ensure_slapd`),
run from ``<state>/ldap`` on a free port of 127.0.0.1 and seeded on first start with a
small organisation (:mod:`sandbox.services.ldap.organisation`). ``mesh dev`` starts it
(and stops it on exit); ``python -m sandbox.services.ldap`` runs it alone.
"""

from sandbox.services.ldap.install import DirectoryServerError, ensure_slapd
from sandbox.services.ldap.server import LocalDirectory

__all__ = ["DirectoryServerError", "LocalDirectory", "ensure_slapd"]
