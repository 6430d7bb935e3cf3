"""A SQL product outputs each column once."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "duplicate_column"


def duplicate_column(mesh: Mesh) -> Iterator[Finding]:
    """Output columns selected more than once."""
    for sql in mesh.sql():
        outputs = sql.outputs
        for column in sorted({c for c in outputs if outputs.count(c) > 1}):
            yield Finding(sql.key, column, RULE, "selected twice", sql.file)
