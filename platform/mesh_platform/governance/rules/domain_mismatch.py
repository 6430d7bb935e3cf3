"""A product belongs to one of the mesh's domains and is declared in that domain's module
(``contracts/<domain>.py``, or a module of the package ``contracts/<domain>/``)."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.contract.registry import CONTRACTS_PACKAGE
from mesh_platform.domains import DOMAINS
from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "domain_mismatch"


def domain_mismatch(mesh: Mesh) -> Iterator[Finding]:
    """Products of an unknown domain, or declared outside ``contracts.<domain>``."""
    contracts = mesh.contracts
    for key, contract in contracts.items():
        domain = contract.meta().domain
        if domain not in DOMAINS:
            yield Finding(key, None, RULE, f"domain {domain!r} is not one of the mesh's domains")
            continue
        expected = f"{CONTRACTS_PACKAGE}.{domain}"
        if contract.__module__ != expected and not contract.__module__.startswith(f"{expected}."):
            yield Finding(
                key,
                None,
                RULE,
                f"declared in module {contract.__module__}, expected {expected}",
            )
