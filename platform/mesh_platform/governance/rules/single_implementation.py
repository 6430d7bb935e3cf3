"""A product is implemented once: in SQL or in Python, not both."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "single_implementation"


def single_implementation(mesh: Mesh) -> Iterator[Finding]:
    """Products of a domain implemented by a SQL file and a Python function."""
    for domain in mesh.domains:
        in_sql = {sql.key for sql in domain.sql}
        for python in domain.python:
            if python.key in in_sql:
                yield Finding(python.key, None, RULE, "SQL and Python both", python.file)
