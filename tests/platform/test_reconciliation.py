"""Reconciliations between domains: declared in a contract, linted, and checked in the
warehouse as Dagster asset checks after the product publishes (small mesh, DuckDB)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from mesh_platform.contract import DataContract, Reconciliation, column
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.governance import lint
from mesh_platform.location import build_definitions
from mesh_platform.products.reconcile import evaluate, reconciliation_checks
from mesh_platform.products.sql import load_sql_product
from tests.platform.test_products import products_by_domain, write_landing
from tests.support.small_mesh import CONTRACTS, HERE, LANDING, OWNER

MATCHES_ORDERS = Reconciliation(
    name="revenue_matches_orders",
    description="A day's revenue is the sum of the day's order lines.",
    measure="SUM(revenue_eur)",
    against="shop.orders",
    against_measure="SUM(amount_eur)",
    by=("order_date",),
    tolerance=0.001,
    severity="block",
)


def daily_revenue(*reconciliations: Reconciliation) -> type[DataContract]:
    class DailyRevenue(
        DataContract,
        domain="shop",
        product="daily_revenue",
        owner=OWNER,
        grain=("order_date",),
        reconciliations=reconciliations,
        register=False,
    ):
        """Revenue per day."""

        order_date: dt.date = column("Day.")
        orders: int = column("Order lines.", ge=0)
        revenue_eur: float = column("Revenue in euros.", ge=0)

    return DailyRevenue


KEYS = ("stock.raw_items", "stock.items", "shop.orders", "shop.daily_revenue")


def locations(contract: type[DataContract]) -> dg.Definitions:
    """The small mesh's locations, with ``contract`` for ``shop.daily_revenue``."""
    contracts = {**CONTRACTS, contract.meta().key: contract}
    products = products_by_domain()
    daily = load_sql_product(HERE / "shop" / "daily_revenue.sql", contract, contracts, LANDING)
    products["shop"] = [
        daily if p.contract.meta().product == "daily_revenue" else p for p in products["shop"]
    ]
    return dg.Definitions.merge(*(build_definitions(d, p) for d, p in products.items()))


def assets(defs: dg.Definitions) -> list[dg.AssetsDefinition]:
    return [defs.resolve_assets_def(dg.AssetKey(k.split("."))) for k in KEYS]


def test_a_reconciliation_is_a_dagster_check_run_after_the_publish() -> None:
    write_landing()
    contract = daily_revenue(MATCHES_ORDERS)
    defs = locations(contract)
    check = dg.AssetCheckKey(dg.AssetKey(["shop", "daily_revenue"]), "revenue_matches_orders")
    assert check in defs.resolve_asset_graph().asset_check_keys  # the location declares it
    (definition,) = reconciliation_checks(contract)
    (spec,) = definition.check_specs
    assert spec.blocking
    assert dg.AssetKey(["shop", "orders"]) in {d.asset_key for d in spec.additional_deps}

    result = dg.materialize([*assets(defs), definition])
    assert result.success
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == check.name]
    assert evaluation.passed
    assert evaluation.metadata["failing_groups"].value == 0


def test_a_broken_promise_names_the_groups_and_both_measures() -> None:
    write_landing()
    contract = daily_revenue(MATCHES_ORDERS)
    assert dg.materialize(assets(locations(contract))).success
    engine = DuckDBEngine()
    assert evaluate(contract.meta(), MATCHES_ORDERS, engine).passed
    with engine.connection() as connection:
        connection.execute(
            "UPDATE shop.daily_revenue SET revenue_eur = revenue_eur + 5 "
            "WHERE order_date = DATE '2024-01-02'"
        )
    result = evaluate(contract.meta(), MATCHES_ORDERS, engine)
    assert not result.passed
    assert result.severity is dg.AssetCheckSeverity.ERROR
    assert result.metadata["failing_groups"].value == 1
    (row,) = result.metadata["sample"].value
    assert row["order_date"] == "2024-01-02"
    assert row["measure"] == pytest.approx(row["against"] + 5)
    warn = MATCHES_ORDERS.model_copy(update={"severity": "warn"})
    assert evaluate(contract.meta(), warn, engine).severity is dg.AssetCheckSeverity.WARN


def test_only_this_products_groups_are_compared_when_it_says_so() -> None:
    write_landing()
    contract = daily_revenue(MATCHES_ORDERS)
    assert dg.materialize(assets(locations(contract))).success
    engine = DuckDBEngine()
    with engine.connection() as connection:  # the product keeps its last day only
        connection.execute(
            "DELETE FROM shop.daily_revenue "
            "WHERE order_date < (SELECT MAX(order_date) FROM shop.daily_revenue)"
        )
    both = evaluate(contract.meta(), MATCHES_ORDERS, engine)
    assert not both.passed  # the other days count as 0 here
    assert both.metadata["failing_groups"].value >= 1
    this = MATCHES_ORDERS.model_copy(update={"groups": "this"})
    assert evaluate(contract.meta(), this, engine).passed


def test_a_reconciliation_with_an_unpublished_side_is_not_evaluated() -> None:
    result = evaluate(daily_revenue(MATCHES_ORDERS).meta(), MATCHES_ORDERS, DuckDBEngine())
    assert not result.passed
    assert result.severity is dg.AssetCheckSeverity.WARN
    assert result.description == "not evaluated: shop.daily_revenue is not published"


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ({"against": "shop.nowhere"}, "against unknown product 'shop.nowhere'"),
        (
            {"against": "stock.raw_items", "against_measure": "SUM(price_eur)", "by": ()},
            "internal to the stock domain",
        ),
        (
            {"by": ("order_day",), "against_by": ("order_date",)},
            "shop.daily_revenue has no column 'order_day' to group by",
        ),
        (
            {"against_by": ("order_date", "item_id")},
            "groups by 1 column(s) here and 2 in shop.orders",
        ),
        ({"measure": "SUM(revenue)"}, "names 'revenue', not a column of shop.daily_revenue"),
        ({"against_measure": "SUM(amount_eur"}, "does not parse"),
    ],
)
def test_the_lint_checks_a_reconciliation(update: dict[str, object], message: str) -> None:
    contract = daily_revenue(MATCHES_ORDERS.model_copy(update=update))
    findings = [
        f for f in lint({**CONTRACTS, "shop.daily_revenue": contract}) if f.rule == "reconciliation"
    ]
    assert len(findings) == 1, findings
    assert message in findings[0].message
    assert findings[0].product == "shop.daily_revenue"


def test_a_clean_reconciliation_lints_clean() -> None:
    contract = daily_revenue(MATCHES_ORDERS)
    assert [
        f for f in lint({**CONTRACTS, "shop.daily_revenue": contract}) if f.rule == "reconciliation"
    ] == []


def test_the_odcs_document_carries_the_reconciliation() -> None:
    from mesh_platform.derive.odcs import odcs_dict, odcs_yaml

    contract = daily_revenue(MATCHES_ORDERS)
    assert odcs_yaml(contract)  # valid against the standard's schema
    (rule,) = [
        q for q in odcs_dict(contract)["schema"][0]["quality"] if q["name"] == MATCHES_ORDERS.name
    ]
    assert (rule["severity"], rule["implementation"]["against"]) == ("error", "shop.orders")
