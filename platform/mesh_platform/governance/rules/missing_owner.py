"""Every product names its owning team and how to reach it."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "missing_owner"


def missing_owner(mesh: Mesh) -> Iterator[Finding]:
    """Products declared without ``owner=Owner(team=..., contact=...)``."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        owner = contract.meta().owner
        if owner is None or not owner.team.strip() or not owner.contact.strip():
            yield Finding(
                key, None, RULE, "no owning team declared: add owner=Owner(team=..., contact=...)"
            )
