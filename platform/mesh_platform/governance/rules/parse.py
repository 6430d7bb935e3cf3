"""A SQL product parses as GoogleSQL."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot.errors import OptimizeError

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "parse"


def parse(mesh: Mesh) -> Iterator[Finding]:
    """SQL files that sqlglot cannot parse (or whose query it cannot read)."""
    for sql in mesh.sql():
        if sql.parse_error is not None:
            yield Finding(sql.key, None, RULE, sql.parse_error, sql.file)
        elif sql.qualify_error is not None and not isinstance(sql.qualify_error, OptimizeError):
            yield Finding(sql.key, None, RULE, str(sql.qualify_error), sql.file)
