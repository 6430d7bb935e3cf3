"""A SQL product outputs every column its contract declares."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "missing_column"


def missing_column(mesh: Mesh) -> Iterator[Finding]:
    """Contract columns the query does not output."""
    for sql in mesh.sql():
        if sql.contract is None or not sql.outputs:
            continue
        outputs = sql.outputs
        for column in sql.contract.model_fields:
            if column not in outputs:
                message = "the contract declares it"
                yield Finding(sql.key, column, RULE, message, sql.file)
