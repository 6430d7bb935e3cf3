"""Every product names its owning team and how to reach it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from mesh_platform.contract import DataContract
from mesh_platform.governance.finding import Finding

RULE = "missing_owner"


def missing_owner(contracts: Mapping[str, type[DataContract]]) -> Iterator[Finding]:
    """Products declared without ``owner=Owner(team=..., contact=...)``."""
    for key, contract in contracts.items():
        owner = contract.meta().owner
        if owner is None or not owner.team.strip() or not owner.contact.strip():
            yield Finding(
                key, None, RULE, "no owning team declared: add owner=Owner(team=..., contact=...)"
            )
