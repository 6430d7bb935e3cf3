"""A product reads only columns its upstream products declare."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot.errors import OptimizeError

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "unknown_column"


def unknown_column(mesh: Mesh) -> Iterator[Finding]:
    """Columns a SQL query reads that no table holds, and columns a Python input loads or
    orders by that its upstream contract does not declare."""
    for sql in mesh.sql():
        if isinstance(sql.qualify_error, OptimizeError):
            yield Finding(sql.key, None, RULE, str(sql.qualify_error), sql.file)
    for python in mesh.python():
        for name, key in python.inputs.items():
            upstream = mesh.contracts.get(key)
            selected = (*python.columns.get(name, ()), *python.order.get(name, ()))
            columns = readable_columns(upstream) if upstream is not None else None
            if not selected or columns is None:
                continue
            known = {spec.name for spec in columns}
            for column in dict.fromkeys(selected):
                if column not in known:
                    yield Finding(
                        python.key,
                        column,
                        RULE,
                        f"input {key}: {key} has no column {column!r}",
                        python.file,
                    )
