"""An old version is published only until its deprecation window ends."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "deprecation_expired"


def deprecation_expired(mesh: Mesh) -> Iterator[Finding]:
    """Definitions of a product whose deprecation window is over, naming the consumers
    still reading it and their owners."""
    definitions = [(s.key, s.contract, s.file) for s in mesh.sql()]
    definitions += [(p.key, p.contract, p.file) for p in mesh.python()]
    for key, contract, file in definitions:
        deprecation = contract.meta().deprecation if contract is not None else None
        if deprecation is None or not deprecation.expired(mesh.today):
            continue
        consumers = mesh.consumers_of(key)
        still = (
            "consumers still on it: " + "; ".join(c.text() for c in consumers)
            if consumers
            else "no consumer reads it any more"
        )
        yield Finding(
            key,
            None,
            RULE,
            f"deprecated until {deprecation.until.isoformat()}, replaced by "
            f"{deprecation.replaced_by}; {still}; move them to {deprecation.replaced_by}, "
            "then delete this version",
            file,
        )
