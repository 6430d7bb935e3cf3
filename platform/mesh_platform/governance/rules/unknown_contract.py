"""A SQL file of a domain implements a contract of that domain."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "unknown_contract"


def unknown_contract(mesh: Mesh) -> Iterator[Finding]:
    """SQL files whose name is no product of ``contracts/<domain>.py``."""
    for sql in mesh.sql():
        if sql.contract is None:
            yield Finding(
                sql.key,
                None,
                RULE,
                f"no contract {sql.key} in contracts/{sql.domain}.py",
                sql.file,
            )
