"""The DuckDB engine and the engine-neutral builders of ``mesh_platform.engines``."""

from __future__ import annotations

import datetime as dt
import fcntl
import os

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from sqlglot import exp

from mesh_platform.engines import (
    WarehouseLockTimeout,
    get_engine,
    partition_predicate,
    staging_name,
    to_arrow,
)
from mesh_platform.engines.base import is_staging_of, sanitize_run_id
from mesh_platform.engines.bigquery import BigQueryEngine
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.errors import ContractViolation
from mesh_platform.settings import MeshSettings, get_settings
from tests.support.engine_contracts import (
    Occupancy,
    SaleLine,
    Village,
    VillageRating,
    occupancy_frame,
    sale_lines_frame,
    villages_frame,
)

# --- pure builders -------------------------------------------------------------------------


def test_staging_names_are_unique_per_run_and_recognised_per_product() -> None:
    assert staging_name("villages", "5F2c-91AB") == "_staging__villages__5f2c_91ab"
    assert sanitize_run_id("a--b__c") == "a_b_c"
    assert is_staging_of("_staging__villages__5f2c_91ab", "villages")
    assert not is_staging_of("_staging__villages__5f2c_91ab", "village")
    assert not is_staging_of("_staging__sale_lines__r1", "sale")
    assert not is_staging_of("villages", "villages")
    with pytest.raises(ValueError, match="no letter or digit"):
        sanitize_run_id("--")


def test_season_partition_is_an_equality() -> None:
    predicate = partition_predicate(VillageRating, "2023-24")
    assert predicate.sql("duckdb") == "season = '2023-24'"


def test_monthly_partition_is_a_half_open_date_range() -> None:
    predicate = partition_predicate(Occupancy, "2024-12-01")
    assert predicate.sql("duckdb") == (
        "night >= CAST('2024-12-01' AS DATE) AND night < CAST('2025-01-01' AS DATE)"
    )
    # a month key without a day means the same month
    assert partition_predicate(Occupancy, "2024-12").sql("duckdb") == predicate.sql("duckdb")


def test_partition_bounds_take_the_engine_column_type() -> None:
    timestamp = exp.DataType.build("TIMESTAMP")
    predicate = partition_predicate(Occupancy, "2024-02-01", timestamp)
    assert "CAST('2024-03-01' AS TIMESTAMP)" in predicate.sql("duckdb")


def test_partition_errors_name_the_product() -> None:
    with pytest.raises(ValueError, match=r"resorts\.villages: not partitioned"):
        partition_predicate(Village, "2024-01-01")
    with pytest.raises(ValueError, match=r"resorts\.occupancy: partition key 'winter'"):
        partition_predicate(Occupancy, "winter")


# --- type handling -------------------------------------------------------------------------


def test_to_arrow_keeps_the_contract_columns_in_order_with_exact_types() -> None:
    frame = villages_frame().assign(extra=1)[::-1]
    table = to_arrow(frame[list(reversed(frame.columns))], Village)
    assert table.column_names == [
        "village_id",
        "name",
        "country",
        "segment",
        "capacity",
        "opened_on",
    ]
    assert table.schema.field("capacity").type == pa.int64()
    assert table.schema.field("opened_on").type == pa.date32()


def test_to_arrow_accepts_polars_and_arrow_and_reads_naive_timestamps_as_utc() -> None:
    frame = sale_lines_frame(rows=3)
    frame["sold_at"] = frame["sold_at"].dt.tz_localize(None)
    from_polars = to_arrow(pl.from_pandas(frame), SaleLine)
    from_arrow = to_arrow(pa.Table.from_pandas(frame), SaleLine)
    assert from_polars.equals(from_arrow)
    assert from_arrow.schema.field("sold_at").type == pa.timestamp("us", tz="UTC")
    assert from_arrow.column("sold_at")[0].as_py() == dt.datetime(2024, 1, 1, 0, 17, tzinfo=dt.UTC)


def test_to_arrow_names_a_missing_column() -> None:
    with pytest.raises(ContractViolation) as caught:
        to_arrow(villages_frame().drop(columns=["segment"]), Village)
    (failure,) = caught.value.failures
    assert (failure.product, failure.column, failure.rule) == (
        "resorts.villages",
        "segment",
        "columns",
    )


def test_to_arrow_refuses_a_lossy_cast() -> None:
    frame = villages_frame().assign(capacity=[1200.5] * 8)
    with pytest.raises(ContractViolation) as caught:
        to_arrow(frame, Village)
    (failure,) = caught.value.failures
    assert (failure.column, failure.rule) == ("capacity", "dtype")


# --- choosing the engine -------------------------------------------------------------------


def test_get_engine_is_duckdb_locally_and_bigquery_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert isinstance(get_engine(), DuckDBEngine)
    monkeypatch.setenv("MESH_ENV", "prod")
    get_settings.cache_clear()
    assert isinstance(get_engine(), BigQueryEngine)
    monkeypatch.setenv("MESH_ENGINE", "duckdb")
    get_settings.cache_clear()
    assert isinstance(get_engine(), DuckDBEngine)


def test_tables_live_in_the_domain_schema(tmp_path: os.PathLike[str]) -> None:
    engine = DuckDBEngine(MeshSettings(env="branch", branch="feat-x", state_dir=tmp_path))
    assert engine.sql(engine.table_for("resorts", "villages")) == '"feat_x__resorts"."villages"'
    staging = engine.staging_table_for("resorts", "villages", "r-1")
    assert engine.sql(staging) == '"feat_x__resorts"."_staging__villages__r_1"'


# --- the DuckDB engine ---------------------------------------------------------------------


@pytest.fixture
def engine() -> DuckDBEngine:
    engine = DuckDBEngine()
    engine.ensure_schema("resorts")
    return engine


def _column_types(engine: DuckDBEngine, table: exp.Table) -> dict[str, tuple[str, str]]:
    rows = engine.query_rows(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        f"WHERE table_schema = '{table.db}' AND table_name = '{table.name}'"
    )
    return {r["column_name"]: (r["data_type"], r["is_nullable"]) for r in rows}


def test_warehouse_is_one_file_in_the_state_folder(engine: DuckDBEngine) -> None:
    assert engine.path == get_settings().state_dir / "warehouse.duckdb"
    assert engine.path.exists()
    assert engine.lock_path.name == "warehouse.duckdb.lock"


def test_write_frame_creates_a_staging_table_with_contract_types(engine: DuckDBEngine) -> None:
    staging = engine.staging_table_for("resorts", "villages", "r1")
    engine.write_frame(staging, villages_frame(), Village)
    assert engine.row_count(staging) == 8
    assert _column_types(engine, staging) == {
        "village_id": ("VARCHAR", "YES"),
        "name": ("VARCHAR", "YES"),
        "country": ("VARCHAR", "YES"),
        "segment": ("VARCHAR", "YES"),
        "capacity": ("BIGINT", "YES"),
        "opened_on": ("DATE", "YES"),
    }


def test_create_table_as_runs_in_the_warehouse_and_casts(engine: DuckDBEngine) -> None:
    staging = engine.staging_table_for("resorts", "villages", "r1")
    engine.create_table_as(
        staging,
        "SELECT 'LAP' AS village_id, 'Laplaud' AS name, 'FR' AS country, "
        "'premium' AS segment, 812.0 AS capacity, NULL AS opened_on, 1 AS ignored",
        Village,
    )
    frame = engine.read_table(staging)
    assert list(frame.columns) == list(villages_frame().columns)
    assert frame.loc[0, "capacity"] == 812
    assert _column_types(engine, staging)["capacity"] == ("BIGINT", "YES")


def test_publish_creates_the_exact_contract_table_and_drops_staging(engine: DuckDBEngine) -> None:
    staging = engine.staging_table_for("resorts", "villages", "r1")
    target = engine.table_for("resorts", "villages")
    engine.write_frame(staging, villages_frame(), Village)
    engine.publish(Village, staging, target)
    assert engine.list_tables("resorts") == ["villages"]
    types = _column_types(engine, target)
    assert types["village_id"] == ("VARCHAR", "NO")
    assert types["opened_on"] == ("DATE", "YES")
    comments = engine.query_rows(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = 'resorts' "
        "AND table_name = 'villages'"
    )
    assert comments == [{"comment": "One row per resort village of the group."}]
    published = engine.read_product("resorts", "villages")
    assert sorted(published["village_id"]) == sorted(villages_frame()["village_id"])


def test_partition_publish_replaces_one_partition(engine: DuckDBEngine) -> None:
    target = engine.table_for("resorts", "occupancy")
    for month in ("2024-02", "2024-03", "2024-02"):
        staging = engine.staging_table_for("resorts", "occupancy", f"r-{month}")
        frame = occupancy_frame(month, days=2 if month == "2024-02" else 3)
        engine.write_frame(staging, frame, Occupancy)
        engine.publish(Occupancy, staging, target, partition=f"{month}-01")
    nights = engine.read_product("resorts", "occupancy").groupby("night").size()
    assert [str(n.date()) for n in nights.index] == [
        "2024-02-01",
        "2024-02-02",
        "2024-03-01",
        "2024-03-02",
        "2024-03-03",
    ]
    assert set(nights) == {8}


def test_checksum_ignores_row_order_and_sees_every_change(engine: DuckDBEngine) -> None:
    first = engine.staging_table_for("resorts", "villages", "a")
    second = engine.staging_table_for("resorts", "villages", "b")
    engine.write_frame(first, villages_frame(), Village)
    engine.write_frame(second, villages_frame().iloc[::-1], Village)
    assert engine.table_checksum(first) == engine.table_checksum(second)
    engine.execute(
        f"UPDATE {engine.sql(second)} SET capacity = capacity + 1 WHERE village_id = 'VTH'"
    )
    assert engine.table_checksum(first) != engine.table_checksum(second)


def test_cleanup_staging_drops_only_that_products_staging(engine: DuckDBEngine) -> None:
    for product, run in (("villages", "a"), ("villages", "b"), ("village_ratings", "a")):
        engine.execute(
            f"CREATE TABLE {engine.sql(engine.staging_table_for('resorts', product, run))} (x INT)"
        )
    assert engine.cleanup_staging("resorts", "villages") == [
        "_staging__villages__a",
        "_staging__villages__b",
    ]
    assert engine.list_tables("resorts") == ["_staging__village_ratings__a"]


def test_reading_a_missing_warehouse_lists_nothing() -> None:
    engine = DuckDBEngine()
    assert engine.list_tables("resorts") == []
    assert not engine.table_exists(engine.table_for("resorts", "villages"))


def test_a_writer_waiting_too_long_gets_a_clear_error(engine: DuckDBEngine) -> None:
    fd = os.open(engine.lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        impatient = DuckDBEngine(lock_timeout=0.2)
        with pytest.raises(WarehouseLockTimeout, match="for another process to finish writing"):
            impatient.ensure_schema("sales")
    finally:
        os.close(fd)
    engine.ensure_schema("sales")  # the lock is free again


def test_sessions_nest_on_one_connection(engine: DuckDBEngine) -> None:
    with engine.session():
        engine.execute("CREATE TABLE resorts.t (x INT)")
        engine.execute("INSERT INTO resorts.t VALUES (1)")
        with engine.session():
            assert engine.row_count(exp.table_("t", db="resorts")) == 1
    frame = engine.query_frame("SELECT x FROM resorts.t")
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"x": pd.array([1], dtype="int32")}))


def test_duckdb_runs_on_the_configured_threads_one_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One thread by default: float aggregates then add up in one order, build after
    build; MESH_DUCKDB_THREADS trades that for speed."""
    threads = "select current_setting('threads') as threads"
    assert DuckDBEngine().query_rows(threads) == [{"threads": 1}]

    monkeypatch.setenv("MESH_DUCKDB_THREADS", "2")
    get_settings.cache_clear()
    assert DuckDBEngine().query_rows(threads) == [{"threads": 2}]


def test_float_sums_are_the_same_bits_run_after_run() -> None:
    """Sixteen row groups of values whose sum depends on the order of addition: the
    default engine adds them in one order every time."""
    engine = DuckDBEngine()
    engine.execute(
        "CREATE TABLE noisy AS SELECT (i % 997) * 0.1 + 1e-7 * i AS x, i % 7 AS k "
        "FROM range(2000000) AS t(i)"
    )
    query = "SELECT k, SUM(x) AS total, AVG(x) AS mean FROM noisy GROUP BY k ORDER BY k"
    first = engine.query_rows(query)
    assert all(engine.query_rows(query) == first for _ in range(3))
