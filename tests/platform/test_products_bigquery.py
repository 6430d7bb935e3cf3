"""The small mesh, built through the product factories on DuckDB and on the BigQuery
emulator: the same products, the same checks, the same published result."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlglot import exp

from mesh_platform.engines.base import WarehouseEngine
from mesh_platform.engines.bigquery import BigQueryEngine
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.products.asset import materialize_product
from mesh_platform.settings import MeshSettings
from mesh_platform.wap_accounting import rejects_table_for
from tests.platform.test_left_out_products import (
    check_published_with_rejects,
    dear_items,
    load_items,
)
from tests.platform.test_products import ORDER_LINES, RAW_ITEMS, products_by_domain
from tests.support.small_mesh import CONTRACTS

pytestmark = pytest.mark.bigquery

LANDING = {("landing_stock", "items"): RAW_ITEMS, ("landing_shop", "order_lines"): ORDER_LINES}


@pytest.fixture
def bq(bigquery_emulator: Any) -> Iterator[BigQueryEngine]:
    settings = MeshSettings(engine="bigquery", dataset_prefix=f"p{uuid.uuid4().hex[:10]}_")
    engine = BigQueryEngine(settings, endpoint=bigquery_emulator.endpoint)
    yield engine
    for schema in ("stock", "shop", "landing_stock", "landing_shop"):
        engine.client.delete_dataset(
            f"{engine.project}.{engine.schema_for(schema)}", delete_contents=True, not_found_ok=True
        )


def _load_landing(engine: WarehouseEngine) -> None:
    if isinstance(engine, DuckDBEngine):
        with engine.connection() as connection:
            for (schema, table), frame in LANDING.items():
                connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                connection.register("frame", frame)
                connection.execute(
                    f'CREATE OR REPLACE TABLE "{schema}"."{table}" AS SELECT * FROM frame'
                )
                connection.unregister("frame")
        return
    assert isinstance(engine, BigQueryEngine)
    for (schema, table), frame in LANDING.items():
        engine.ensure_schema(schema)
        destination = f"{engine.project}.{engine.schema_for(schema)}.{table}"
        engine.client.load_table_from_dataframe(frame, destination).result()


def _build(engine: WarehouseEngine) -> None:
    _load_landing(engine)
    for domain in ("stock", "shop"):
        for product in products_by_domain()[domain]:
            events = list(materialize_product(product, run_id="parity", engine=engine))
            assert events, product.contract.meta().key


def _rows(engine: WarehouseEngine, key: str) -> list[tuple[Any, ...]]:
    domain, product = key.split(".")
    rows = engine.query_rows(exp.select("*").from_(engine.table_for(domain, product)))
    return sorted(tuple(_plain(v) for v in row.values()) for row in rows)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def test_the_small_mesh_publishes_the_same_results_on_both_engines(bq: BigQueryEngine) -> None:
    duck = DuckDBEngine()
    _build(duck)
    _build(bq)
    for key in CONTRACTS:
        on_duckdb, on_bigquery = _rows(duck, key), _rows(bq, key)
        assert on_duckdb, key
        assert on_duckdb == on_bigquery, key


def test_a_sql_product_leaving_rows_out_runs_on_bigquery(
    bq: BigQueryEngine, tmp_path: Path
) -> None:
    load_items(bq)
    product = dear_items(tmp_path)
    check_published_with_rejects(bq, product)

    list(materialize_product(product, run_id="run-2", engine=bq))  # the rejects table exists

    rejects = bq.read_table(rejects_table_for(bq, product.contract))
    assert sorted(rejects["run_id"]) == ["run-1", "run-2"]
