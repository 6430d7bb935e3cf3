"""Two major versions of one product side by side, consumers pinned to each, and the
deprecation window: warnings to the consumers' owners while it runs, refusal after.

``stock.items`` is at 2.0.0 (prices in cents); ``stock.items_v1`` keeps 1.3.0 (prices in
euros) beside it, computed from it, until a date. In ``shop``, ``basket`` still reads
v1 and ``catalog`` reads the current version.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.contract import DataContract, Deprecation, Owner, column
from mesh_platform.definition.reader import DomainDefinition, read_domain
from mesh_platform.derive.odcs import odcs_dict
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.errors import ProductDefinitionError
from mesh_platform.evolution import index
from mesh_platform.evolution.reads import mesh_reads
from mesh_platform.governance import lint
from mesh_platform.governance.mesh import Mesh
from mesh_platform.governance.notices import deprecation_notices
from mesh_platform.location import build_definitions, discover_products

STOCK = Owner(team="Stock team", contact="stock@example.com")
SHOP = Owner(team="Shop team", contact="shop@example.com")
LANDING = {"landing_stock": {"items": {"code": "STRING", "name": "STRING", "price": "FLOAT64"}}}
RAW_ITEMS = pd.DataFrame({"code": [" I001", "I002"], "name": ["mug", "lamp"], "price": [4.5, 12.0]})
runner = CliRunner()

SQL = {
    "stock": {
        "items": "SELECT TRIM(code) AS item_id, TRIM(name) AS label, "
        "CAST(ROUND(price * 100) AS INT64) AS price_cents FROM landing_stock.items",
        "items_v1": "SELECT item_id, label, price_cents / 100 AS price_eur FROM stock.items",
    },
    "shop": {
        "basket": "SELECT item_id, price_eur * 2 AS two_eur FROM stock.items_v1",
        "catalog": "SELECT item_id, label FROM stock.items",
    },
}


def mesh(until: date, *, name: str = "items_v1", successor: str = "stock.items") -> dict:
    """The contracts, with v1's window ending on ``until``."""

    class Items(
        DataContract,
        domain="stock",
        product="items",
        version="2.0.0",
        owner=STOCK,
        grain=("item_id",),
        register=False,
    ):
        """One row per item, priced in cents."""

        item_id: str = column("Item code.")
        label: str = column("Label.")
        price_cents: int = column("Unit price in cents.", ge=0)

    class ItemsV1(
        DataContract,
        domain="stock",
        product=name,
        version="1.3.0",
        owner=STOCK,
        grain=("item_id",),
        deprecation=Deprecation(
            until=until, replaced_by=successor, note="price_eur is price_cents / 100"
        ),
        register=False,
    ):
        """One row per item, priced in euros (version 1)."""

        item_id: str = column("Item code.")
        label: str = column("Label.")
        price_eur: float = column("Unit price in euros.", ge=0)

    class Basket(
        DataContract,
        domain="shop",
        product="basket",
        owner=SHOP,
        grain=("item_id",),
        register=False,
    ):
        """Twice each price."""

        item_id: str = column("Item code.")
        two_eur: float = column("Two of it, in euros.")

    class Catalog(
        DataContract,
        domain="shop",
        product="catalog",
        owner=SHOP,
        grain=("item_id",),
        register=False,
    ):
        """The items on sale."""

        item_id: str = column("Item code.")
        label: str = column("Label.")

    return {c.meta().key: c for c in (Items, ItemsV1, Basket, Catalog)}


def folder_of(tmp_path: Path, domain: str) -> Path:
    folder = tmp_path / domain
    (folder / "sql").mkdir(parents=True, exist_ok=True)
    for name, sql in SQL[domain].items():
        (folder / "sql" / f"{name}.sql").write_text(sql)
    return folder


def definitions(tmp_path: Path, contracts: dict) -> list[DomainDefinition]:
    return [
        read_domain(d, folder_of(tmp_path, d), [], contracts, LANDING) for d in ("stock", "shop")
    ]


TOMORROW = date.today() + timedelta(days=1)
YESTERDAY = date.today() - timedelta(days=1)


def test_both_versions_run_side_by_side_with_consumers_pinned_to_each(tmp_path: Path) -> None:
    contracts = mesh(TOMORROW)
    with DuckDBEngine().connection() as connection:
        connection.execute('CREATE SCHEMA IF NOT EXISTS "landing_stock"')
        connection.register("frame", RAW_ITEMS)
        connection.execute('CREATE TABLE "landing_stock"."items" AS SELECT * FROM frame')
    locations = {
        domain: build_definitions(
            domain, discover_products(domain, folder_of(tmp_path, domain), [], contracts, LANDING)
        )
        for domain in ("stock", "shop")
    }
    defs = dg.Definitions.merge(*locations.values())
    specs = {s.key: s for s in defs.resolve_all_asset_specs()}
    # The asset graph shows both versions, and who reads which.
    assert {d.asset_key for d in specs[dg.AssetKey(["shop", "basket"])].deps} == {
        dg.AssetKey(["stock", "items_v1"])
    }
    assert {d.asset_key for d in specs[dg.AssetKey(["shop", "catalog"])].deps} == {
        dg.AssetKey(["stock", "items"])
    }
    assert specs[dg.AssetKey(["stock", "items_v1"])].tags["contract_version"] == "1.3.0"

    keys = [["stock", "items"], ["stock", "items_v1"], ["shop", "basket"], ["shop", "catalog"]]
    assets = [defs.resolve_assets_def(dg.AssetKey(k)) for k in keys]
    assert dg.materialize(assets).success
    engine = DuckDBEngine()
    v2 = engine.read_product("stock", "items").sort_values("item_id")
    v1 = engine.read_product("stock", "items_v1").sort_values("item_id")
    assert v2["price_cents"].tolist() == [450, 1200]
    assert v1["price_eur"].tolist() == [4.5, 12.0]
    assert engine.read_product("shop", "basket").sort_values("item_id")["two_eur"].tolist() == [
        9.0,
        24.0,
    ]


def test_while_the_window_runs_only_the_consumers_owners_are_warned(tmp_path: Path) -> None:
    contracts = mesh(TOMORROW)
    domains = definitions(tmp_path, contracts)
    assert [f for f in lint(contracts, domains) if f.rule != "domain_mismatch"] == []
    notices = deprecation_notices(Mesh(contracts, tuple(domains)))
    # basket reads three columns of v1: one notice, to its owner; catalog is not told.
    assert [n.line() for n in notices] == [
        f"shop.basket (Shop team, shop@example.com): reads stock.items_v1 1.3.0, deprecated: "
        f"published until {TOMORROW.isoformat()}, then refused; move to stock.items "
        "(price_eur is price_cents / 100)"
    ]
    document = odcs_dict(contracts["stock.items_v1"])
    assert document["status"] == "deprecated"
    assert {"property": "replacedBy", "value": "stock.items"} in document["customProperties"]


def test_after_the_window_the_old_version_is_refused_at_load_naming_its_consumers(
    tmp_path: Path,
) -> None:
    contracts = mesh(YESTERDAY)
    shop = definitions(tmp_path, contracts)[1]
    # What the stock location knows of the others when it loads: who reads its products.
    consumers = index.consumers_from_reads(mesh_reads([shop], contracts))
    with pytest.raises(ProductDefinitionError) as refused:
        discover_products(
            "stock", folder_of(tmp_path, "stock"), [], contracts, LANDING, consumers=consumers
        )
    message = str(refused.value)
    assert "(stock.items_v1): rule deprecation_expired:" in message
    assert f"deprecated until {YESTERDAY.isoformat()}, replaced by stock.items" in message
    assert "consumers still on it: shop.basket (Shop team, shop@example.com)" in message
    assert "shop.catalog" not in message
    # The current version and the consumers' own location still load.
    discover_products("shop", folder_of(tmp_path, "shop"), [], contracts, LANDING)


def test_mesh_check_warns_then_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (the test domains are not the mesh's: each contract has a domain_mismatch finding)
    for until in (TOMORROW, YESTERDAY):
        contracts = mesh(until)
        domains = definitions(tmp_path, contracts)
        monkeypatch.setattr("mesh_platform.cli.check.all_contracts", lambda c=contracts: c)
        monkeypatch.setattr("mesh_platform.cli.check.read_domains", lambda _, d=domains: d)
        result = runner.invoke(app, ["check"])
        lines = [line for line in result.stdout.splitlines() if "domain_mismatch" not in line]
        warned = "warning: shop.basket (Shop team, shop@example.com): reads stock.items_v1"
        if until == TOMORROW:
            assert lines == []
            assert warned in result.stderr
            assert result.stderr.count("warning:") == 1
        else:
            assert result.exit_code == 1
            (line,) = lines
            assert line.startswith("stock.items_v1, file ")
            assert ": deprecation_expired: " in line
            assert "shop.basket (Shop team, shop@example.com)" in line
            assert warned not in result.stderr


def test_the_consuming_asset_carries_the_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contracts = mesh(TOMORROW)
    reads = tuple(mesh_reads(definitions(tmp_path, contracts), contracts))
    monkeypatch.setattr(index, "kept_reads", lambda: reads)
    monkeypatch.setattr("mesh_platform.contract.all_contracts", lambda: contracts)
    metadata = index.location_metadata(["shop.basket", "shop.catalog", "stock.items_v1"])
    assert "stock.items_v1" in metadata["shop.basket"]["deprecated_inputs"].value
    assert "deprecated_inputs" not in metadata["shop.catalog"]
    assert "deprecated_inputs" not in metadata["stock.items_v1"]  # its owner is not a consumer
    rows = [r.data["product"] for r in metadata["stock.items_v1"]["downstream"].records]
    assert rows == ["shop.basket"]


@pytest.mark.parametrize(
    ("name", "successor", "message"),
    [
        ("items_v1", "stock.nowhere", "replaced by unknown product 'stock.nowhere'"),
        ("items_v1", "shop.catalog", "a product of another domain"),
        ("items_old", "stock.items", "is named stock.items_v1"),
    ],
)
def test_a_deprecation_names_its_successor_and_follows_the_naming(
    name: str, successor: str, message: str
) -> None:
    findings = [
        f for f in lint(mesh(TOMORROW, name=name, successor=successor)) if f.rule == "deprecation"
    ]
    assert findings
    assert any(message in f.message for f in findings), findings
