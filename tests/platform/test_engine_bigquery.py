"""The BigQuery engine against the local BigQuery emulator, and DuckDB/BigQuery parity."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pytest
import sqlglot
from sqlglot import exp

from mesh_platform.contract import DataContract
from mesh_platform.derive.ddl import create_table, ddl_statements, insert_from
from mesh_platform.engines import WarehouseEngine, get_engine
from mesh_platform.engines.bigquery import BigQueryEngine
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.partitions import PartitionRange, partition_condition
from mesh_platform.settings import MeshSettings, get_settings
from mesh_platform.wap import AuditFailed, PublishFailed, publish_product
from tests.support.engine_contracts import (
    VILLAGE_VIOLATIONS,
    Occupancy,
    SaleLine,
    Village,
    VillageRating,
    occupancy_frame,
    orphan_ratings,
    ratings_frame,
    sale_lines_frame,
    villages_frame,
)

emulator = pytest.mark.bigquery

DOMAINS = ("resorts", "sales")
SEASON_2023 = PartitionRange.one("2023-24")
SEASON_2024 = PartitionRange.one("2024-25")


def _settings() -> MeshSettings:
    """Settings whose datasets no other test uses (the emulator lives for the session)."""
    return MeshSettings(engine="bigquery", dataset_prefix=f"t{uuid.uuid4().hex[:10]}_")


@contextmanager
def _engine(emulator: Any) -> Iterator[BigQueryEngine]:
    engine = BigQueryEngine(_settings(), endpoint=emulator.endpoint, staging_grace=dt.timedelta(0))
    try:
        yield engine
    finally:
        for domain in DOMAINS:
            engine.client.delete_dataset(
                f"{engine.project}.{engine.schema_for(domain)}",
                delete_contents=True,
                not_found_ok=True,
            )


@pytest.fixture
def bq(bigquery_emulator: Any) -> Iterator[BigQueryEngine]:
    """A BigQuery engine on empty datasets of its own."""
    with _engine(bigquery_emulator) as engine:
        yield engine


@pytest.fixture(scope="module")
def published(bigquery_emulator: Any) -> Iterator[BigQueryEngine]:
    """Villages and the 2023-24 ratings published; tests using it must publish nothing."""
    with _engine(bigquery_emulator) as engine:
        publish_product(engine, Village, frame=villages_frame(), run_id="seed")
        publish_product(
            engine, VillageRating, frame=ratings_frame("2023-24"), partition=SEASON_2023, run_id="s"
        )
        yield engine


def _tables(engine: WarehouseEngine, domain: str = "resorts") -> list[str]:
    return engine.list_tables(engine.schema_for(domain))


@emulator
def test_the_engine_reaches_the_emulator_with_anonymous_credentials(
    bigquery_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings()
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bigquery_emulator.endpoint)
    monkeypatch.setenv("MESH_ENGINE", "bigquery")
    get_settings.cache_clear()
    engine = get_engine()
    assert isinstance(engine, BigQueryEngine)
    assert engine.endpoint == bigquery_emulator.endpoint
    assert engine.client.project == get_settings().gcp_project
    # a client made elsewhere (e.g. by dagster-gcp's resource) is used as given
    given = bigquery_emulator.client(settings.gcp_project)
    assert BigQueryEngine(settings, client=given).client is given


@emulator
def test_publish_creates_the_exact_contract_table(bq: BigQueryEngine) -> None:
    with pytest.raises(AuditFailed):
        publish_product(bq, Village, frame=villages_frame().assign(capacity=-1), run_id="r-0")
    assert _tables(bq) == []
    result = publish_product(bq, Village, frame=villages_frame(), run_id="r-1")
    assert result.engine == "bigquery"
    assert result.row_count == 8
    assert all(r.passed for r in result.check_results)
    assert result.table == f"`{bq.project}`.`{bq.schema_for('resorts')}`.`villages`"
    table = bq.client.get_table(f"{bq.project}.{bq.schema_for('resorts')}.villages")
    assert table.description == "One row per resort village of the group."
    modes = {f.name: (f.field_type, f.mode, f.description) for f in table.schema}
    assert modes["village_id"] == ("STRING", "REQUIRED", "Three-letter village code.")
    assert modes["capacity"] == ("INTEGER", "REQUIRED", "Number of guest beds.")
    assert modes["opened_on"] == ("DATE", "NULLABLE", "Opening date, when known.")
    assert _tables(bq) == ["villages"]
    assert result.checksum == bq.table_checksum(bq.table_for("resorts", "villages"))


@emulator
def test_a_product_is_read_in_batches_page_by_page(published: BigQueryEngine) -> None:
    """The published rows a page of at most the rows asked at a time, in the order
    asked; put together, the frame :meth:`read_product` reads."""
    columns, order = ["village_id", "capacity", "opened_on"], ["village_id"]
    batches = list(
        published.read_product_batches(
            "resorts", "villages", rows=3, columns=columns, order_by=order
        )
    )
    whole = published.read_product("resorts", "villages", columns=columns, order_by=order)

    assert [len(b) for b in batches] == [3, 3, 2]
    pd.testing.assert_frame_equal(pd.concat(batches, ignore_index=True), whole)
    assert list(whole["village_id"]) == sorted(villages_frame()["village_id"])


@emulator
@pytest.mark.parametrize("kind", list(VILLAGE_VIOLATIONS))
def test_a_violation_leaves_the_published_table_unchanged(
    published: BigQueryEngine, kind: str
) -> None:
    breaks, rule, column = VILLAGE_VIOLATIONS[kind]
    target = published.table_for("resorts", "villages")
    before = published.table_checksum(target)
    with pytest.raises(AuditFailed) as caught:
        publish_product(published, Village, frame=breaks(villages_frame(3)), run_id="bad")
    (failure,) = caught.value.failures
    assert (failure.rule, failure.column) == (rule, column)
    assert failure.sample
    assert published.table_checksum(target) == before
    assert _tables(published) == ["village_ratings", "villages"]


@emulator
def test_an_orphan_reference_and_a_failed_query_publish_nothing(published: BigQueryEngine) -> None:
    ratings = published.table_for("resorts", "village_ratings")
    villages = published.table_for("resorts", "villages")
    before = (published.table_checksum(ratings), published.table_checksum(villages))
    with pytest.raises(AuditFailed) as caught:
        publish_product(
            published,
            VillageRating,
            frame=orphan_ratings("2023-24"),
            partition=SEASON_2023,
            run_id="orphan",
            resolve=published.table_for,
        )
    assert [(f.rule, tuple(f.sample)) for f in caught.value.failures] == [
        ("reference", ("village_id=ZZZ|season=2023-24",))
    ]
    broken = exp.select("no_such_column").from_(villages)
    with pytest.raises(PublishFailed, match="writing the staging table failed on bigquery"):
        publish_product(published, Village, select=broken, run_id="bad-sql")
    assert (published.table_checksum(ratings), published.table_checksum(villages)) == before
    assert _tables(published) == ["village_ratings", "villages"]


@emulator
def test_a_partition_publish_replaces_only_its_partition(bq: BigQueryEngine) -> None:
    publish_product(bq, Village, frame=villages_frame(), run_id="v")
    publish_product(
        bq, VillageRating, frame=ratings_frame("2023-24"), partition=SEASON_2023, run_id="r"
    )
    seeded = bq
    ratings = seeded.table_for("resorts", "village_ratings")
    season = partition_condition(VillageRating, SEASON_2023, seeded.dialect)
    kept = seeded.query_rows(exp.select("*").from_(ratings).where(season).order_by("village_id"))
    for bump in (0.0, 1.0):
        publish_product(
            seeded,
            VillageRating,
            frame=ratings_frame("2024-25", bump=bump),
            partition=SEASON_2024,
            run_id=f"b{bump:.0f}",
        )
    after = seeded.query_rows(exp.select("*").from_(ratings).where(season).order_by("village_id"))
    assert after == kept
    latest = seeded.read_product("resorts", "village_ratings")
    assert sorted(latest.loc[latest["season"] == "2024-25", "rating"]) == sorted(
        ratings_frame("2024-25", bump=1.0)["rating"]
    )


@emulator
def test_staging_tables_expire_and_recent_ones_of_other_runs_are_kept(
    bq: BigQueryEngine,
) -> None:
    bq.ensure_schema("resorts")
    staging = bq.staging_table_for("resorts", "villages", "other-run")
    bq.create_staging(create_table(Village, bq.dialect, staging, enforce_not_null=False))
    table = bq.client.get_table(f"{bq.project}.{bq.schema_for('resorts')}.{staging.name}")
    assert table.expires is not None
    patient = BigQueryEngine(bq.settings, client=bq.client)  # default grace: hours
    assert patient.cleanup_staging("resorts", "villages") == []
    assert bq.cleanup_staging("resorts", "villages") == [staging.name]


# --- statements, as pure functions (no emulator) ---------------------------------------------


def test_the_partition_merge_deletes_the_old_rows_and_inserts_the_new_ones() -> None:
    engine = BigQueryEngine(MeshSettings(engine="bigquery", gcp_project="acme"))
    staging = engine.staging_table_for("resorts", "village_ratings", "r1")
    target = engine.table_for("resorts", "village_ratings")
    merge = engine.merge_statement(
        staging,
        target,
        where=partition_condition(VillageRating, SEASON_2024, "bigquery"),
        insert=insert_from(VillageRating, "bigquery", target, staging),
    )
    assert engine.sql(merge) == (
        "MERGE INTO `acme`.`resorts`.`village_ratings` AS `_target` "
        "USING `acme`.`resorts`.`_staging__village_ratings__r1` AS `_source` ON FALSE "
        "WHEN NOT MATCHED BY SOURCE AND `_target`.`season` = '2024-25' THEN DELETE "
        "WHEN NOT MATCHED THEN INSERT (`village_id`, `season`, `rating`, `reviews`) "
        "VALUES (`_source`.`village_id`, `_source`.`season`, `_source`.`rating`, "
        "`_source`.`reviews`)"
    )


def test_the_replace_keeps_the_contract_schema_and_casts_the_staging_rows() -> None:
    engine = BigQueryEngine(MeshSettings(engine="bigquery", gcp_project="acme"))
    staging = engine.staging_table_for("resorts", "occupancy", "r1")
    target = engine.table_for("resorts", "occupancy")
    (statement,) = engine.replace_statements(
        ddl_statements(Occupancy, "bigquery", target, replace=True, with_schema=False),
        insert_from(Occupancy, "bigquery", target, staging),
    )
    sql = engine.sql(statement)
    assert sql.startswith("CREATE OR REPLACE TABLE `acme`.`resorts`.`occupancy` (")
    assert "`night` DATE NOT NULL OPTIONS (description='Night of stay.')" in sql
    assert "CAST(`src`.`measured_at` AS TIMESTAMP) AS `measured_at`" in sql
    assert sql.endswith("FROM `acme`.`resorts`.`_staging__occupancy__r1` AS `src`")
    night = partition_condition(Occupancy, PartitionRange.one("2024-02-01"), engine.dialect)
    assert engine.sql(night) == (
        "`night` >= CAST('2024-02-01' AS DATE) AND `night` < CAST('2024-03-01' AS DATE)"
    )


# --- the same products on both engines -----------------------------------------------------


def _ratings_sql(engine: WarehouseEngine) -> exp.Query:
    """A SQL product authored in GoogleSQL, pointed at the engine's tables."""
    query = sqlglot.parse_one(
        "SELECT village_id, '2024-25' AS season, ROUND(5 + capacity / 1000, 2) AS rating, "
        "capacity - 1000 AS reviews FROM resorts.villages WHERE country = 'FR'",
        read="bigquery",
    )
    for table in query.find_all(exp.Table):
        table.replace(engine.table_for(table.db, table.name))
    assert isinstance(query, exp.Query)
    return query


def _publish_mesh(engine: WarehouseEngine) -> None:
    publish_product(engine, Village, frame=villages_frame(), run_id="p1")
    publish_product(
        engine, VillageRating, frame=ratings_frame("2023-24"), partition=SEASON_2023, run_id="p2"
    )
    publish_product(
        engine, VillageRating, select=_ratings_sql(engine), partition=SEASON_2024, run_id="p3"
    )
    for month in ("2024-02", "2024-03"):
        publish_product(
            engine,
            Occupancy,
            frame=occupancy_frame(month),
            partition=PartitionRange.one(f"{month}-01"),
            run_id=month,
        )
    publish_product(engine, SaleLine, frame=sale_lines_frame(rows=300), run_id="p4")


def _rows(engine: WarehouseEngine, contract: type[DataContract]) -> list[tuple[Any, ...]]:
    meta = contract.meta()
    rows = engine.query_rows(exp.select("*").from_(engine.table_for(meta.domain, meta.product)))
    return sorted(tuple(_plain(v) for v in row.values()) for row in rows)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, float):
        return round(value, 9)
    return value


@emulator
def test_duckdb_and_bigquery_publish_the_same_results(bq: BigQueryEngine) -> None:
    duck = DuckDBEngine()
    _publish_mesh(duck)
    _publish_mesh(bq)
    for contract in (Village, VillageRating, Occupancy, SaleLine):
        on_duckdb, on_bigquery = _rows(duck, contract), _rows(bq, contract)
        assert on_duckdb, contract.meta().key
        assert on_duckdb == on_bigquery, contract.meta().key
