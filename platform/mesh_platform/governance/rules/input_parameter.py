"""The inputs of a Python product and the parameters of its function match."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "input_parameter"


def input_parameter(mesh: Mesh) -> Iterator[Finding]:
    """Inputs the function does not take, and parameters that are no input."""
    for python in mesh.python():
        parameters = set(python.parameters)
        for name in python.inputs:
            if name not in parameters:
                message = f"input {name}: the function has no parameter {name!r}"
                yield Finding(python.key, None, RULE, message, python.file)
        missing = parameters - set(python.inputs) - {"partition"}
        if missing:
            message = f"parameters {sorted(missing)}: every parameter must be an input product"
            yield Finding(python.key, None, RULE, message, python.file)
