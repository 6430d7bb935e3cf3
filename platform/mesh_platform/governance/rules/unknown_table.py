"""A product reads only products of the mesh, or raw sources of its own domain."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "unknown_table"


def unknown_table(mesh: Mesh) -> Iterator[Finding]:
    """Tables a SQL product reads and inputs of a Python product that are neither."""
    for sql in mesh.sql():
        for read in sql.tables:
            if read.kind == "unknown" and not read.names_project:
                where = " (or source of this domain)" if sql.reads_sources else ""
                message = f"table {read.key}: no such product{where}"
                yield Finding(sql.key, None, RULE, message, sql.file)
    for python in mesh.python():
        for key in python.inputs.values():
            if key not in mesh.contracts:
                yield Finding(python.key, None, RULE, f"input {key}: no such product", python.file)
