"""The DuckDB engine and the engine-neutral builders of ``mesh_platform.engines``."""

from __future__ import annotations

import fcntl
import os

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from mesh_platform.engines import WarehouseLockTimeout, get_engine, staging_name
from mesh_platform.engines.base import (
    WarehouseError,
    drop_statement,
    is_staging_of,
    sanitize_run_id,
)
from mesh_platform.engines.bigquery import BigQueryEngine
from mesh_platform.engines.duckdb import DuckDBEngine, run_within_buffers
from mesh_platform.products.sql import exact_sums
from mesh_platform.settings import MeshSettings, get_settings
from mesh_platform.wap import stage
from tests.support.engine_contracts import Village, villages_frame

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
    table = exp.table_("t", db="s", quoted=True)
    assert drop_statement(table).sql("duckdb") == 'DROP TABLE IF EXISTS "s"."t"'


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


def test_warehouse_is_one_file_in_the_state_folder(engine: DuckDBEngine) -> None:
    assert engine.path == get_settings().state_dir / "warehouse.duckdb"
    assert engine.path.exists()
    assert engine.lock_path.name == "warehouse.duckdb.lock"


def test_load_arrow_appends_rows_by_column_name(engine: DuckDBEngine) -> None:
    table = exp.table_("t", db="resorts", quoted=True)
    engine.execute("CREATE TABLE resorts.t (a BIGINT, b VARCHAR)")
    engine.load_arrow(table, pa.table({"b": ["x", "y"], "a": [1, 2]}))
    assert engine.query_rows("SELECT a, b FROM resorts.t ORDER BY a") == [
        {"a": 1, "b": "x"},
        {"a": 2, "b": "y"},
    ]


def test_replace_rows_deletes_inserts_and_drops_staging_in_one_transaction(
    engine: DuckDBEngine,
) -> None:
    engine.execute("CREATE TABLE resorts.t AS SELECT range AS a FROM range(4)")
    engine.execute("CREATE TABLE resorts.s AS SELECT 10 + range AS a FROM range(2)")
    target, staging = (exp.table_(n, db="resorts", quoted=True) for n in ("t", "s"))
    insert = exp.insert(exp.select("a").from_(staging.copy()), target.copy(), columns=["a"])
    broken = exp.insert(exp.select("nope").from_(staging.copy()), target.copy(), columns=["a"])
    with pytest.raises(Exception, match="nope"):
        engine.replace_rows(staging, target, where=exp.column("a").eq(1), insert=broken)
    assert engine.row_count(target) == 4  # rolled back: nothing deleted
    engine.replace_rows(staging, target, where=exp.column("a") >= 2, insert=insert)
    assert [r["a"] for r in engine.query_rows("SELECT a FROM resorts.t ORDER BY a")] == [
        0,
        1,
        10,
        11,
    ]
    assert engine.list_tables("resorts") == ["t"]


def test_checksum_ignores_row_order_and_sees_every_change(engine: DuckDBEngine) -> None:
    first = engine.staging_table_for("resorts", "villages", "a")
    second = engine.staging_table_for("resorts", "villages", "b")
    stage(engine, Village, first, frame=villages_frame())
    stage(engine, Village, second, frame=villages_frame().iloc[::-1])
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


def test_duckdb_runs_on_the_configured_threads_every_core_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every core by default (products add up exactly whatever the threads, see below);
    MESH_DUCKDB_THREADS sets another number."""
    threads = "select current_setting('threads') as threads"
    assert DuckDBEngine().query_rows(threads) == [{"threads": os.cpu_count() or 1}]

    monkeypatch.setenv("MESH_DUCKDB_THREADS", "3")
    get_settings.cache_clear()
    assert DuckDBEngine().query_rows(threads) == [{"threads": 3}]


def test_duckdb_keeps_its_buffers_under_the_configured_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit = "select current_setting('memory_limit') as m"
    assert DuckDBEngine().query_rows(limit) == [{"m": "953.6 MiB"}]  # 1GB, DuckDB's words
    monkeypatch.setenv("MESH_DUCKDB_MEMORY_LIMIT", "500MB")
    get_settings.cache_clear()
    assert DuckDBEngine().query_rows(limit) == [{"m": "476.8 MiB"}]


def test_rows_read_into_a_frame_hold_duckdb_to_the_frame_limit_then_the_session_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A frame's read runs under ``MESH_DUCKDB_FRAME_MEMORY_LIMIT`` (its sort spills
    instead of sitting beside the frame); the session's limit holds again after it, for
    every other statement on the same connection, even when the read fails."""
    limit = "select current_setting('memory_limit') as m"
    engine = DuckDBEngine()
    assert engine.query_frame(limit)["m"].tolist() == ["244.1 MiB"]  # 256MB, DuckDB's words
    assert engine.query_rows(limit) == [{"m": "953.6 MiB"}]
    monkeypatch.setenv("MESH_DUCKDB_FRAME_MEMORY_LIMIT", "128MB")
    get_settings.cache_clear()
    engine = DuckDBEngine()
    assert engine.query_frame(limit)["m"].tolist() == ["122.0 MiB"]
    with pytest.raises(duckdb.Error):
        engine.query_frame("select * from no_such_table")
    assert engine.query_rows(limit) == [{"m": "953.6 MiB"}]


def test_product_sums_are_the_same_bits_on_any_number_of_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sixteen row groups of values whose float sum depends on the order of addition: a
    product's query adds them exactly (:func:`exact_sums`), the same bits on one thread
    and on four, run after run."""
    query = exact_sums(
        sqlglot.parse_one(
            "SELECT k, SUM(x) AS total, AVG(x) AS mean FROM noisy GROUP BY k ORDER BY k",
            read="bigquery",
        )
    )
    results = []
    for threads in ("1", "4"):
        monkeypatch.setenv("MESH_DUCKDB_THREADS", threads)
        get_settings.cache_clear()
        engine = DuckDBEngine()
        engine.execute(
            "CREATE OR REPLACE TABLE noisy AS SELECT (i % 997) * 0.1 + 1e-7 * i AS x, "
            "i % 7 AS k FROM range(2000000) AS t(i)"
        )
        results.extend(engine.query_rows(query) for _ in range(3))
    assert all(result == results[0] for result in results)


def test_a_table_is_read_in_the_order_asked_whatever_order_it_is_stored_in(
    engine: DuckDBEngine,
) -> None:
    forward = engine.staging_table_for("resorts", "villages", "a")
    backward = engine.staging_table_for("resorts", "villages", "b")
    stage(engine, Village, forward, frame=villages_frame())
    stage(engine, Village, backward, frame=villages_frame().iloc[::-1])
    assert list(engine.read_table(forward)["village_id"]) != list(
        engine.read_table(backward)["village_id"]
    )
    ordered = [engine.read_table(t, order_by=["village_id"]) for t in (forward, backward)]
    pd.testing.assert_frame_equal(ordered[0], ordered[1])
    assert list(ordered[0]["village_id"]) == sorted(villages_frame()["village_id"])


def test_frames_share_equal_text_and_are_otherwise_duckdbs_own(engine: DuckDBEngine) -> None:
    query = """
        select 'CU' || (i % 3)::varchar as customer_id,
               case when i % 4 = 0 then null else ['email', 'sms'][i % 2 + 1] end as channel,
               i::integer as n,
               case when i % 5 = 0 then null else i end as maybe,
               (i / 7)::decimal(12, 2) as amount_eur,
               date '2024-01-01' + i::integer as day,
               timestamptz '2024-01-01 10:00:00+00' + to_seconds(i) as at,
               i % 2 = 0 as even,
               'V' || (i % 2)::varchar as village_id
        from range(1000) t(i) order by i desc
    """
    with engine.connection(write=False) as connection:
        expected = connection.execute(query).df()
    frame = engine.query_frame(query)

    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert len({id(v) for v in frame["customer_id"]}) == 3  # one object per distinct value
    assert len({id(v) for v in frame["channel"].dropna()}) == 2
    only_numbers = engine.query_frame("select 1 as a, 2.5 as b")
    assert only_numbers.to_dict("records") == [{"a": 1, "b": 2.5}]


def test_a_read_in_batches_is_the_frame_cut_in_order_and_holds_the_frame_limit(
    engine: DuckDBEngine,
) -> None:
    """Batches of at most the rows asked, in the query's order; put together they are the
    frame :meth:`query_frame` reads (same dtypes, same shared text); the read runs under
    the frame limit and the session's limit holds again once the last batch is taken."""
    query = """
        select 'CU' || (i % 3)::varchar as customer_id, i::integer as n,
               timestamptz '2024-01-01 10:00:00+00' + to_seconds(i) as at,
               (i / 7)::decimal(12, 2) as amount_eur, current_setting('memory_limit') as m
        from range(1000) t(i) order by i desc
    """
    whole = engine.query_frame(query)
    batches = list(engine.query_batches(query, rows=300))

    assert [len(b) for b in batches] == [300, 300, 300, 100]
    pd.testing.assert_frame_equal(pd.concat(batches, ignore_index=True), whole, check_exact=True)
    assert batches[0]["n"].iloc[0] == 999
    assert batches[-1]["n"].iloc[-1] == 0
    assert len({id(v) for v in batches[1]["customer_id"]}) == 3
    assert set(pd.concat(batches)["m"]) == {"244.1 MiB"}  # the frame limit, as query_frame
    assert engine.query_rows("select current_setting('memory_limit') as m") == [{"m": "953.6 MiB"}]
    assert list(engine.query_batches("select 1 as n where false", rows=10)) == []
    # DuckDB's own chunks (some 120,000 rows) are gathered into batches of the size asked
    counted = engine.query_batches("select range as n from range(300000) order by n", rows=250000)
    assert [(len(b), b["n"].iloc[0]) for b in counted] == [(250000, 0), (50000, 250000)]
    with pytest.raises(ValueError, match="at least one row"):
        list(engine.query_batches(query, rows=0))


def test_a_product_is_read_in_batches_with_its_columns_and_order(engine: DuckDBEngine) -> None:
    table = engine.table_for("resorts", "villages")
    stage(engine, Village, table, frame=villages_frame().iloc[::-1])
    batches = engine.read_product_batches(
        "resorts", "villages", rows=4, columns=["village_id", "name"], order_by=["village_id"]
    )
    read = pd.concat(list(batches), ignore_index=True)
    expected = engine.read_product(
        "resorts", "villages", columns=["village_id", "name"], order_by=["village_id"]
    )
    pd.testing.assert_frame_equal(read, expected)
    assert list(read["village_id"]) == sorted(villages_frame()["village_id"])


class _FirstRunOutOfMemory:
    """A DuckDB connection whose first run of ``statement`` fails as DuckDB fails beyond
    its buffer limit (which depends on how the threads' work falls, so is not
    reproducible on demand); every other call is DuckDB's own."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, statement: str) -> None:
        self.connection, self.statement, self.failed = connection, statement, False

    def execute(self, sql: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        if sql == self.statement and not self.failed:
            self.failed = True
            raise duckdb.OutOfMemoryException(
                "Out of Memory Error: failed to allocate data of size 8.0 MiB "
                "(950.1 MiB/953.6 MiB used)\n\nPossible solutions: ..."
            )
        return self.connection.execute(sql, parameters)


def test_a_statement_beyond_the_buffer_limit_runs_again_on_one_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    connection = duckdb.connect()
    connection.execute("SET threads = 3")
    statement = "CREATE TABLE t AS SELECT current_setting('threads') AS threads, 1 AS n"
    flaky = _FirstRunOutOfMemory(connection, statement)

    with caplog.at_level("WARNING", logger="mesh_platform.engines.duckdb"):
        run_within_buffers(flaky, statement, threads=3)  # type: ignore[arg-type]

    assert flaky.failed
    assert connection.execute("SELECT threads, n FROM t").fetchall() == [(1, 1)]
    assert connection.execute("SELECT current_setting('threads')").fetchall() == [(3,)]
    (warning,) = caplog.records
    message = warning.getMessage()
    assert "buffer limit was reached on 3 threads" in message
    assert "(950.1 MiB/953.6 MiB used)" in message
    assert "Possible solutions" not in message  # DuckDB's advice, taken: one line kept
    assert "buffers held" in message


def test_a_statement_beyond_the_buffer_limit_on_one_thread_too_fails_saying_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A list per group cannot spill to disk: beyond the limit on any number of threads.
    The error says so; nothing was created; the session's threads are as they were."""
    monkeypatch.setenv("MESH_DUCKDB_MEMORY_LIMIT", "8MB")
    monkeypatch.setenv("MESH_DUCKDB_THREADS", "2")
    get_settings.cache_clear()
    engine = DuckDBEngine()
    lists = (
        "CREATE TABLE resorts.lists AS SELECT range % 7 AS k, "
        "list(range::VARCHAR || 'a long enough text') AS l FROM range(3000000) GROUP BY k"
    )
    engine.ensure_schema("resorts")
    with engine.session():
        with pytest.raises(WarehouseError, match=r"on one thread too \(DuckDB's buffers held"):
            engine.execute(lists)
        assert not engine.table_exists(exp.table_("lists", db="resorts"))
        assert engine.query_rows("SELECT current_setting('threads') AS t") == [{"t": 2}]
