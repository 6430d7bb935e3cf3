"""The simulated landing zone goes to BigQuery by load jobs, in batches, replacing what
an earlier load left, with the GoogleSQL types the SQL products were checked against."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from mesh_platform.engines.bigquery import BigQueryEngine
from mesh_platform.settings import MeshSettings
from sandbox.landing_load import load_landing

pytestmark = pytest.mark.bigquery


@pytest.fixture
def bq(bigquery_emulator: Any) -> Iterator[BigQueryEngine]:
    settings = MeshSettings(engine="bigquery", dataset_prefix=f"l{uuid.uuid4().hex[:10]}_")
    engine = BigQueryEngine(settings, endpoint=bigquery_emulator.endpoint)
    yield engine
    engine.client.delete_dataset(
        f"{engine.project}.{engine.schema_for('landing_resorts')}",
        delete_contents=True,
        not_found_ok=True,
    )


@pytest.fixture
def landing() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA landing_resorts")
    connection.execute(
        "CREATE TABLE landing_resorts.stays AS SELECT i AS stay_id, 'V' || (i % 3) AS village, "
        "DATE '2024-01-01' + CAST(i AS INTEGER) AS arrival, "
        "TIMESTAMP '2024-01-01 10:00:00' + INTERVAL (i) HOUR AS extracted_at, "
        "i / 4 AS nights FROM range(25) AS t(i)"
    )
    connection.execute("CREATE TABLE landing_resorts.empty (code VARCHAR)")
    yield connection
    connection.close()


def test_every_landing_table_is_loaded_in_batches_with_its_types(
    bq: BigQueryEngine, landing: duckdb.DuckDBPyConnection
) -> None:
    result = load_landing(bq, landing, batch_rows=10)

    assert result.rows == {"landing_resorts.stays": 25, "landing_resorts.empty": 0}
    assert result.jobs == 3 + 1
    table = bq.client.get_table(bq._ref(bq.table_for("landing_resorts", "stays")))
    assert [(f.name, f.field_type) for f in table.schema] == [
        ("stay_id", "INTEGER"),
        ("village", "STRING"),
        ("arrival", "DATE"),
        ("extracted_at", "DATETIME"),
        ("nights", "FLOAT"),
    ]
    assert bq.row_count(bq.table_for("landing_resorts", "empty")) == 0


def test_a_second_load_replaces_the_first(
    bq: BigQueryEngine, landing: duckdb.DuckDBPyConnection
) -> None:
    load_landing(bq, landing, batch_rows=10)
    landing.execute("DELETE FROM landing_resorts.stays WHERE stay_id >= 20")

    result = load_landing(bq, landing, batch_rows=10)

    assert result.rows["landing_resorts.stays"] == 20
    assert bq.row_count(bq.table_for("landing_resorts", "stays")) == 20
