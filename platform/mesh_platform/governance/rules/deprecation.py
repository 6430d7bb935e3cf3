"""An old major version kept beside its successor is named after it and older than it:
``<domain>.<product>_v<major>``, replaced by ``<domain>.<product>`` of a higher major."""

from __future__ import annotations

from collections.abc import Iterator

from mesh_platform.governance.finding import Finding
from mesh_platform.governance.mesh import Mesh

RULE = "deprecation"


def deprecation(mesh: Mesh) -> Iterator[Finding]:
    """Deprecations naming an unknown successor, one of another domain or of no higher
    major version, or a product not named ``<successor>_v<major>``."""
    for key, contract in mesh.contracts.items():
        meta = contract.meta()
        if meta.deprecation is None:
            continue
        successor_key = meta.deprecation.replaced_by
        successor = mesh.contracts.get(successor_key)
        if successor is None:
            yield Finding(key, None, RULE, f"replaced by unknown product {successor_key!r}")
            continue
        new = successor.meta()
        if new.domain != meta.domain:
            yield Finding(
                key, None, RULE, f"replaced by {successor_key}, a product of another domain"
            )
        if new.major <= meta.major:
            yield Finding(
                key,
                None,
                RULE,
                f"replaced by {successor_key} {new.version}, not a higher major version than "
                f"{meta.version}",
            )
        expected = f"{new.product}_v{meta.major}"
        if meta.product != expected:
            yield Finding(
                key,
                None,
                RULE,
                f"an old version kept beside {successor_key} is named {meta.domain}.{expected}",
            )
