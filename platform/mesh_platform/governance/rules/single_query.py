"""A SQL product file holds one query, a SELECT."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "single_query"


def single_query(mesh: Mesh) -> Iterator[Finding]:
    """SQL files holding no query, several statements, or a statement other than a query."""
    for sql in mesh.sql():
        parsed = sql.parse_error is None
        qualified = sql.qualified
        if (parsed and sql.expression is None) or (
            qualified is not None and not isinstance(qualified, exp.Query)
        ):
            yield Finding(sql.key, None, RULE, "the file must hold one SELECT", sql.file)
