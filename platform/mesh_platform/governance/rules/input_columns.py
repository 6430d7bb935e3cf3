"""A Python input that names its columns names each once, at least one."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "input_columns"


def input_columns(mesh: Mesh) -> Iterator[Finding]:
    """Inputs naming no column, or a column twice."""
    for python in mesh.python():
        for name, key in python.inputs.items():
            selected = python.columns.get(name)
            if selected is not None and (not selected or len(set(selected)) != len(selected)):
                message = f"input {key}: name each column once, at least one"
                yield Finding(python.key, None, RULE, message, python.file)
