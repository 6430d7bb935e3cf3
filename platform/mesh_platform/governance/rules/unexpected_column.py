"""A SQL product outputs only columns its contract declares."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "unexpected_column"


def unexpected_column(mesh: Mesh) -> Iterator[Finding]:
    """Output columns the contract does not declare."""
    for sql in mesh.sql():
        if sql.contract is None:
            continue
        declared = set(sql.contract.model_fields)
        for column in dict.fromkeys(sql.outputs):
            if column not in declared:
                yield Finding(sql.key, column, RULE, "not in the contract", sql.file)
