"""Who reads which column, and everything downstream of a column, across domains: on the
small mesh (stock → shop), then ``mesh lineage --downstream`` on the real one."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.definition.reader import DomainDefinition, read_sql
from mesh_platform.evolution.downstream import downstream
from mesh_platform.evolution.reads import EVERY_COLUMN, Read, mesh_reads
from tests.support.small_mesh import CONTRACTS, HERE, LANDING, items, top_items

runner = CliRunner()
SOURCES = {
    **LANDING,
    "landing_shop": {
        "order_lines": {
            "order_id": "STRING",
            "email": "STRING",
            "item_id": "STRING",
            "quantity": "INT64",
            "order_date": "DATE",
        }
    },
}


def small_mesh_reads() -> list[Read]:
    def domain(name: str) -> DomainDefinition:
        sql = tuple(
            read_sql(path, name, CONTRACTS, SOURCES) for path in sorted((HERE / name).glob("*.sql"))
        )
        products = {"stock": (items,), "shop": (top_items,)}[name]
        return DomainDefinition(name, sql, tuple(p.definition() for p in products))

    return mesh_reads([domain("stock"), domain("shop")], CONTRACTS)


def test_a_query_reads_the_columns_it_names_in_any_clause() -> None:
    reads = {(r.consumer, r.upstream, r.column): r.outputs for r in small_mesh_reads()}
    # shop.orders computes amount_eur from the price, and joins on the item id.
    assert reads[("shop.orders", "stock.items", "price_eur")] == ("amount_eur",)
    assert ("shop.orders", "stock.items", "item_id") in reads
    assert ("shop.orders", "stock.items", "label") not in reads
    assert reads[("shop.daily_revenue", "shop.orders", "amount_eur")] == ("revenue_eur",)
    # grouped by, and selected: order_date; counted rows read no column.
    assert reads[("shop.daily_revenue", "shop.orders", "order_date")] == ("order_date",)
    assert ("shop.daily_revenue", "shop.orders", "quantity") not in reads


def test_a_python_product_reads_what_its_inputs_name() -> None:
    reads = [r for r in small_mesh_reads() if r.language == "python"]
    assert {(r.consumer, r.upstream, r.column) for r in reads} == {
        ("shop.top_items", "shop.orders", "item_id"),
        ("shop.top_items", "shop.orders", "amount_eur"),
        ("stock.items", "stock.raw_items", EVERY_COLUMN),  # an input naming no column
    }
    assert all((r.team, r.contact) == ("Platform tests", "tests@trident.example") for r in reads)


def test_downstream_of_a_column_is_transitive_across_domains() -> None:
    found = downstream(small_mesh_reads(), "stock.items", "price_eur")
    assert [(d.depth, d.consumer, d.column, d.reads) for d in found] == [
        (1, "shop.orders", "amount_eur", "stock.items.price_eur"),
        (2, "shop.daily_revenue", "revenue_eur", "shop.orders.amount_eur"),
        (2, "shop.top_items", EVERY_COLUMN, "shop.orders.amount_eur"),
    ]
    assert downstream(small_mesh_reads(), "stock.items", "label") == []


def test_downstream_of_a_product_follows_every_read() -> None:
    found = downstream(small_mesh_reads(), "stock.raw_items")
    assert {(d.depth, d.consumer) for d in found} == {
        (1, "stock.items"),
        (2, "shop.orders"),
        (3, "shop.daily_revenue"),
        (3, "shop.top_items"),
    }


def test_mesh_lineage_downstream_lists_consumers_of_other_domains() -> None:
    result = runner.invoke(
        app, ["lineage", "--downstream", "sales.sales_lines.amount_eur", "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    found = {(d["depth"], d["consumer"], d["column"]) for d in document["downstream"]}
    assert (1, "customer_intelligence.rfm_segments", "amount_eur") in found
    assert (1, "sales.revenue_by_season", "revenue_eur") in found
    assert any(depth == 2 and c.startswith("customer_intelligence.") for depth, c, _ in found)
    assert all(d["team"] and d["contact"] for d in document["downstream"])

    table = runner.invoke(app, ["lineage", "--downstream", "sales.sales_lines.amount_eur"])
    assert table.exit_code == 0
    assert "customer_intelligence.rfm_segments" in table.output
    assert "domain(s) downstream of sales.sales_lines.amount_eur" in table.output


def test_mesh_lineage_downstream_refuses_an_unknown_column() -> None:
    result = runner.invoke(app, ["lineage", "--downstream", "sales.sales_lines.amount"])
    assert result.exit_code == 2
    assert "has no column 'amount'" in result.output
    assert "amount_eur" in result.output  # a close match


def test_a_query_that_does_not_resolve_reads_every_column_of_its_products() -> None:
    shop = read_sql(HERE / "shop" / "orders.sql", "shop", CONTRACTS, LANDING)  # no landing_shop
    reads = mesh_reads([DomainDefinition("shop", (shop,))], CONTRACTS)
    assert [(r.upstream, r.column) for r in reads] == [("stock.items", EVERY_COLUMN)]
