"""A SQL product that leaves rows out, read like any product and materialised through
write-audit-publish: its rows are those of the filtering query, its left-out rows are
accounted for, audited against the contract's tolerance and recorded."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from mesh_platform.contract import AccessLevel, DataContract, Tolerance, column
from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.products.asset import materialize_product
from mesh_platform.products.sql import SqlProduct, load_sql_product
from mesh_platform.wap import AuditFailed
from mesh_platform.wap_accounting import rejects_table_for
from tests.platform.test_products import RAW_ITEMS
from tests.support.small_mesh import CONTRACTS, LANDING, OWNER

SQL = """
WITH priced AS (
  SELECT TRIM(code) AS item_id, TRIM(name) AS label, price AS price_eur,
         IF(price < 10, 'out_of_scope:cheap', NULL) AS _left_out,
         TRIM(code) AS _left_out_key
  FROM landing_stock.items
)
SELECT item_id, label, price_eur FROM priced
"""


class DearItems(
    DataContract,
    domain="stock",
    product="dear_items",
    owner=OWNER,
    grain=("item_id",),
    access=AccessLevel.INTERNAL,
    tier="bronze",
    register=False,
    tolerance=Tolerance(left_out={"out_of_scope:cheap": 0.5}),
):
    """Items of 10 euros or more."""

    item_id: str = column("Item code.", pattern=r"^I[0-9]{3}$")
    label: str = column("Label.", max_length=40)
    price_eur: float = column("Unit price in euros.", ge=0)


class StrictDearItems(
    DataContract,
    domain="stock",
    product="strict_dear_items",
    owner=OWNER,
    grain=("item_id",),
    access=AccessLevel.INTERNAL,
    tier="bronze",
    register=False,
):
    """Items of 10 euros or more; nothing may be left out."""

    item_id: str = column("Item code.")
    label: str = column("Label.")
    price_eur: float = column("Unit price in euros.")


def dear_items(folder: Path, contract: type[DataContract] = DearItems) -> SqlProduct:
    path = folder / f"{contract.meta().product}.sql"
    path.write_text(SQL)
    contracts = {**CONTRACTS, contract.meta().key: contract}
    return load_sql_product(path, contract, contracts, dict(LANDING))


def load_items(engine: WarehouseEngine) -> None:
    if isinstance(engine, DuckDBEngine):
        with engine.connection() as connection:
            connection.execute('CREATE SCHEMA IF NOT EXISTS "landing_stock"')
            connection.register("frame", RAW_ITEMS)
            connection.execute(
                'CREATE OR REPLACE TABLE "landing_stock"."items" AS SELECT * FROM frame'
            )
            connection.unregister("frame")
        return
    engine.ensure_schema("landing_stock")
    destination = f"{engine.catalog}.{engine.schema_for('landing_stock')}.items"
    engine.client.load_table_from_dataframe(RAW_ITEMS, destination).result()  # type: ignore[attr-defined]


def check_published_with_rejects(engine: WarehouseEngine, product: SqlProduct) -> None:
    """Materialise ``product``; its rows, accounting and rejects are right."""
    [result] = list(materialize_product(product, run_id="run-1", engine=engine))
    assert isinstance(result, dg.MaterializeResult)
    metadata = result.metadata or {}
    assert metadata["dagster/row_count"] == 2
    assert metadata["rows_read"].data == {"landing_stock.items": 3}
    [count] = metadata["left_out"].data
    assert (count["stage"], count["reason"], count["rows"], count["candidates"]) == (
        "priced",
        "out_of_scope:cheap",
        1,
        3,
    )
    assert count["sample_keys"] == ["I001"]
    published = engine.read_product("stock", product.contract.meta().product)
    assert sorted(published["item_id"]) == ["I002", "I003"]
    rejects = engine.read_table(rejects_table_for(engine, product.contract))
    assert rejects[["run_id", "stage", "reason", "row_key"]].values.tolist() == [
        ["run-1", "priced", "out_of_scope:cheap", "I001"]
    ]
    row = json.loads(rejects["row_json"][0])
    assert (row["item_id"], row["price_eur"]) == ("I001", 4.5)


def test_a_sql_product_leaving_rows_out_loads_with_lineage_of_the_query_as_written(
    tmp_path: Path,
) -> None:
    product = dear_items(tmp_path)
    assert product.column_lineage["price_eur"] == (("landing_stock.items", "price"),)
    split = product.render_split(lambda schema, name: DuckDBEngine().table_for(schema, name))
    assert split.stages == ("priced",)
    assert split.product.named_selects == ["item_id", "label", "price_eur"]


def test_a_sql_product_leaving_rows_out_within_tolerance_on_duckdb(tmp_path: Path) -> None:
    engine = DuckDBEngine()
    load_items(engine)
    check_published_with_rejects(engine, dear_items(tmp_path))


def test_a_sql_product_may_not_leave_rows_out_without_tolerance(tmp_path: Path) -> None:
    engine = DuckDBEngine()
    load_items(engine)
    product = dear_items(tmp_path, StrictDearItems)

    with pytest.raises(dg.Failure) as failure:
        list(materialize_product(product, run_id="run-1", engine=engine))

    assert isinstance(failure.value.__cause__, AuditFailed)
    description = failure.value.description or ""
    assert "stock.strict_dear_items: left_out_tolerance" in description
    assert "left out 1 of 3 candidate rows for 'out_of_scope:cheap' (33.33%), tolerance 0%" in (
        description
    )
    assert engine.list_tables("stock") == []
