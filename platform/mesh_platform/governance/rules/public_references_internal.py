"""A public product does not point its consumers at a product they may not read."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.contract import AccessLevel
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "public_references_internal"


def public_references_internal(mesh: Mesh) -> Iterator[Finding]:
    """Columns of a public product that reference an internal product."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        if contract.meta().access is not AccessLevel.PUBLIC:
            continue
        for col in readable_columns(contract) or ():
            target = col.reference_target
            if target is None:
                continue
            product_key = f"{target[0]}.{target[1]}"
            referenced = contracts.get(product_key)
            if referenced is not None and referenced.meta().access is AccessLevel.INTERNAL:
                yield Finding(
                    key,
                    col.name,
                    RULE,
                    f"a public product references the internal product {product_key}",
                )
