"""Every product and every column says what it means."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "missing_description"


def missing_description(mesh: Mesh) -> Iterator[Finding]:
    """Products without a docstring and columns without a description."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        if not contract.meta().description.strip():
            yield Finding(key, None, RULE, "the product has no description (its docstring)")
        for col in readable_columns(contract) or ():
            if not col.description.strip():
                yield Finding(key, col.name, RULE, "the column has no description")
