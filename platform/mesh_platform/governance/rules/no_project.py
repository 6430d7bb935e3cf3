"""A SQL product names tables as ``dataset.table``: the engine decides the project."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.definition.reader import AUTHORING_DIALECT
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "no_project"


def no_project(mesh: Mesh) -> Iterator[Finding]:
    """Tables named with a project."""
    for sql in mesh.sql():
        for read in sql.tables:
            if read.names_project:
                yield Finding(
                    sql.key,
                    None,
                    RULE,
                    f"table {read.table.sql(AUTHORING_DIALECT)}: name products as "
                    "dataset.table; the engine decides the project",
                    sql.file,
                )
