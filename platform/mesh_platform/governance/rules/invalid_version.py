"""A contract's version is semantic: ``MAJOR.MINOR.PATCH``."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.contract.model import SEMVER
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "invalid_version"


def invalid_version(mesh: Mesh) -> Iterator[Finding]:
    """Products whose version is not ``MAJOR.MINOR.PATCH``."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        version = contract.meta().version
        if not SEMVER.match(version):
            yield Finding(
                key, None, RULE, f"version {version!r} is not semantic (MAJOR.MINOR.PATCH)"
            )
