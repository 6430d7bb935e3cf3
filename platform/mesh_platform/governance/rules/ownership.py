"""A domain implements only its own products."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "ownership"


def ownership(mesh: Mesh) -> Iterator[Finding]:
    """Python products of a domain that implement a contract of another domain."""
    for domain in mesh.domains:
        for python in domain.python:
            if python.contract.meta().domain != domain.domain:
                message = f"implements {python.key}, a product of another domain"
                yield Finding(python.key, None, RULE, message, python.file)
