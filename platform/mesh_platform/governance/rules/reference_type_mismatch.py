"""A foreign key has the logical type of the column it references."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "reference_type_mismatch"


def reference_type_mismatch(mesh: Mesh) -> Iterator[Finding]:
    """Referencing columns whose logical type differs from the referenced column's."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        for col in readable_columns(contract) or ():
            target = col.reference_target
            if target is None:
                continue
            referenced = contracts.get(f"{target[0]}.{target[1]}")
            if referenced is None:
                continue
            by_name = {c.name: c for c in readable_columns(referenced) or ()}
            other = by_name.get(target[2])
            if other is not None and other.logical_type is not col.logical_type:
                yield Finding(
                    key,
                    col.name,
                    RULE,
                    f"is {col.logical_type.value} but references {col.references} "
                    f"({other.logical_type.value})",
                )
