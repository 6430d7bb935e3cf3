"""Assembling one domain's code location from its contracts and products."""

from __future__ import annotations

import dagster as dg

from mesh_platform.contract import DataContract, all_contracts


def domain_contracts(domain: str) -> list[type[DataContract]]:
    """The contracts the domain publishes, sorted by product name."""
    return [c for c in all_contracts().values() if c.meta().domain == domain]


def product_spec(contract: type[DataContract]) -> dg.AssetSpec:
    """The Dagster asset spec of a product, from its contract alone."""
    meta = contract.meta()
    return dg.AssetSpec(
        key=dg.AssetKey(list(meta.asset_key_path)),
        group_name=meta.domain,
        description=meta.description,
        owners=[meta.owner.contact] if meta.owner else [],
        tags={
            "domain": meta.domain,
            "access": meta.access.value,
            "tier": meta.tier,
            "contract_version": meta.version,
        },
        kinds={"duckdb"},
    )


def domain_definitions(domain: str) -> dg.Definitions:
    """The Definitions of one domain's code location."""
    return dg.Definitions(assets=[product_spec(c) for c in domain_contracts(domain)])
