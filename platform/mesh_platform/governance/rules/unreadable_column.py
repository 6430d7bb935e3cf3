"""A column whose declaration the contract model cannot read at all."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.contract import ContractDeclarationError
from mesh_platform.contract.columns import column_spec
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "unreadable_column"


def unreadable_column(mesh: Mesh) -> Iterator[Finding]:
    """Columns whose type or metadata :func:`~mesh_platform.contract.columns_of` rejects."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        for position, (name, info) in enumerate(contract.model_fields.items()):
            try:
                column_spec(contract, name, info, position)
            except ContractDeclarationError as error:
                yield Finding(key, name, RULE, str(error))
