"""The reconciliations a contract declares with other domains' products, as Dagster
asset checks run in the warehouse after the product publishes.

A check compares the two published tables (:mod:`mesh_platform.derive.reconciliation`);
it is blocking (Dagster's ``ERROR`` severity, and downstream runs wait) or a warning, as
the contract's ``severity`` says. While either side is not published yet, it reports
that it was not evaluated, as a warning.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from mesh_platform.contract import DataContract, ProductMeta, Reconciliation
from mesh_platform.derive.reconciliation import reconciliation_query
from mesh_platform.engines import WarehouseEngine, get_engine


def _asset_key(product_key: str) -> dg.AssetKey:
    return dg.AssetKey(product_key.split(".", 1))


def reconciliation_checks(contract: type[DataContract]) -> list[dg.AssetChecksDefinition]:
    """One asset check per reconciliation of ``contract``."""
    meta = contract.meta()
    return [_check(meta, r) for r in meta.reconciliations]


def _check(meta: ProductMeta, reconciliation: Reconciliation) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=_asset_key(meta.key),
        name=reconciliation.name,
        description=f"{reconciliation.description} (against {reconciliation.against})",
        blocking=reconciliation.severity == "block",
        additional_deps=[_asset_key(reconciliation.against)],
    )
    def _reconcile() -> dg.AssetCheckResult:
        return evaluate(meta, reconciliation, get_engine())

    return _reconcile


def evaluate(
    meta: ProductMeta, reconciliation: Reconciliation, engine: WarehouseEngine
) -> dg.AssetCheckResult:
    """Run one reconciliation on the published tables: passed, or the failing groups
    (how many, and a sample with both measures)."""
    r = reconciliation
    other_domain, other_product = r.against.split(".", 1)
    table = engine.published_table(meta.domain, meta.product)
    against = engine.published_table(other_domain, other_product)
    if table is None or against is None:
        missing = meta.key if table is None else r.against
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"not evaluated: {missing} is not published",
            metadata={"evaluated": False},
        )
    rows = engine.query_rows(reconciliation_query(r, table, against))
    severity = dg.AssetCheckSeverity.ERROR if r.severity == "block" else dg.AssetCheckSeverity.WARN
    metadata: dict[str, Any] = {
        "evaluated": True,
        "against": r.against,
        "tolerance": r.tolerance,
        "failing_groups": int(rows[0]["failing"]) if rows else 0,
    }
    if rows:
        metadata["sample"] = dg.MetadataValue.json(
            [{k: _plain(v) for k, v in row.items() if k != "failing"} for row in rows]
        )
    return dg.AssetCheckResult(
        passed=not rows, severity=severity, description=r.description, metadata=metadata
    )


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    isoformat = getattr(value, "isoformat", None)
    return (
        isoformat()
        if callable(isoformat)
        else float(value)
        if hasattr(value, "__float__")
        else str(value)
    )
