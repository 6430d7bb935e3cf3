"""The domains of the mesh, found once: the folders under ``domains/``.

A domain is a package ``domains/<name>/`` that holds a ``definitions.py`` (its code
location). The platform lists them from the file system, never by importing a domain's
code, in the one order that the whole mesh uses (:data:`ORDER`): the build and its
summary, ``mesh dev``, and the files that ``mesh domains sync`` writes (the workspace,
the deployment files, the import rules), whose code-server ports follow it.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ORDER: tuple[str, ...] = (
    "customers",
    "bookings",
    "sales",
    "products",
    "resorts",
    "reviews",
    "campaigns",
    "web",
    "telephony",
    "media",
    "customer_intelligence",
    "territory",
)
"""The order in which the domains joined the mesh, the order of every listing.

It says where a domain stands, not which domains exist: a domain folder not named here
comes after these, in alphabetical order. Name a new domain at the end, so that no other
domain's place (nor the port of its code server) moves.
"""

DEFINITIONS = "definitions.py"
"""The module that makes a folder under ``domains/`` a domain: its code location."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class DomainsNotFoundError(LookupError):
    """The ``domains`` package is not installed beside the platform."""


def domains_folder() -> Path:
    """The folder of the ``domains`` package, located without importing it.

    Raises:
        DomainsNotFoundError: no ``domains`` package can be found.
    """
    spec = importlib.util.find_spec("domains")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise DomainsNotFoundError("no `domains` package next to the platform")
    return Path(locations[0])


def find_domains(folder: Path | None = None) -> tuple[str, ...]:
    """The domains under ``folder``, in the mesh's order.

    Args:
        folder: the ``domains`` folder; by default the installed package's.

    Returns:
        The names of the sub-folders that hold a ``definitions.py`` and are valid Python
        package names: first those of :data:`ORDER`, in its order, then the others
        alphabetically.
    """
    root = domains_folder() if folder is None else folder
    found = {
        entry.name
        for entry in root.iterdir()
        if _NAME.match(entry.name) and (entry / DEFINITIONS).is_file()
    }
    declared = [name for name in ORDER if name in found]
    return (*declared, *sorted(found - set(declared)))


DOMAINS: tuple[str, ...] = find_domains()
"""The domains of the installed mesh, in the mesh's order."""
