"""A product reads the products of another domain only when they are public."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.contract import AccessLevel, DataContract
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "access"


def access(mesh: Mesh) -> Iterator[Finding]:
    """Reads of a product internal to another domain, by SQL or Python products."""
    for sql in mesh.sql():
        for read in sql.tables:
            problem = _internal(read.contract, sql.domain)
            if problem:
                yield Finding(sql.key, None, RULE, f"table {read.key}: {problem}", sql.file)
    for python in mesh.python():
        domain = python.contract.meta().domain
        for key in python.inputs.values():
            problem = _internal(mesh.contracts.get(key), domain)
            if problem:
                yield Finding(python.key, None, RULE, f"input {key}: {problem}", python.file)


def _internal(upstream: type[DataContract] | None, reader: str) -> str | None:
    """Why the domain ``reader`` may not read ``upstream``, if it may not."""
    if upstream is None:
        return None
    meta = upstream.meta()
    if meta.access is AccessLevel.INTERNAL and meta.domain != reader:
        return (
            f"it is internal to the {meta.domain} domain; the {reader} domain may read only "
            f"its public products (ask {_owner(upstream)} to publish it, or read a public one)"
        )
    return None


def _owner(contract: type[DataContract]) -> str:
    owner = contract.meta().owner
    return f"{owner.team}, {owner.contact}" if owner else f"the {contract.meta().domain} domain"
