"""Every PII or sensitive column says why it is classified so (its GDPR purpose)."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.readable import readable_columns

RULE = "pii_without_rationale"


def pii_without_rationale(mesh: Mesh) -> Iterator[Finding]:
    """PII and sensitive columns declared without ``rationale=``."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        for col in readable_columns(contract) or ():
            if col.is_pii and not (col.rationale or "").strip():
                yield Finding(
                    key,
                    col.name,
                    RULE,
                    f"a {col.classification.value} column needs a rationale (why it is kept)",
                )
