"""A product declares its grain, and every grain column is one of its columns."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "unknown_grain_column"


def unknown_grain_column(mesh: Mesh) -> Iterator[Finding]:
    """Products with an empty grain, or a grain naming a column they do not have."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        grain = contract.meta().grain
        if not grain:
            yield Finding(key, None, RULE, "no grain declared: grain=(primary-key columns)")
            continue
        columns = readable_columns(contract)
        if columns is None:
            continue
        names = {col.name for col in columns}
        for name in grain:
            if name not in names:
                yield Finding(key, name, RULE, "grain column is not a column of the contract")
