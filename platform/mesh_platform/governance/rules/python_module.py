"""A module of a domain's ``python/`` folder defines exactly the product named like it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "python_module"


def python_module(mesh: Mesh) -> Iterator[Finding]:
    """Modules of ``python/`` that define no product, several, or one named otherwise.

    Example:
        >>> from mesh_platform.definition.reader import DomainDefinition
        >>> domain = DomainDefinition("web", python_modules=(("python/scores.py", ()),))
        >>> [f.line() for f in python_module(Mesh({}, (domain,)))]  # doctest: +ELLIPSIS
        ['web.scores, file python/scores.py: python_module: defines no Python product; ...']
    """
    for domain in mesh.domains:
        for file, keys in domain.python_modules:
            expected = f"{domain.domain}.{PurePosixPath(file).stem}"
            if list(keys) != [expected]:
                yield Finding(
                    expected,
                    None,
                    RULE,
                    f"defines {', '.join(keys) or 'no Python product'}; a module of python/ "
                    f"defines exactly the product named like it, {expected} (what products "
                    "share goes in a module whose name starts with an underscore)",
                    file,
                )
