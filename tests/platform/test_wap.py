"""Write-audit-publish on DuckDB: only data honouring its contract is ever published."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlglot import exp

from mesh_platform import wap
from mesh_platform.derive.arrow import to_arrow
from mesh_platform.derive.checks import check_queries
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.engines.replica import read_manifest
from mesh_platform.errors import ContractViolation
from mesh_platform.partitions import PartitionRange, partition_condition
from mesh_platform.wap import (
    AuditFailed,
    HandedFrame,
    PublishFailed,
    check_union,
    publish,
    publish_product,
    stage,
)
from tests.conftest import REPO_ROOT
from tests.support.engine_contracts import (
    CONTRACTS,
    VILLAGE_VIOLATIONS,
    Occupancy,
    Village,
    VillageRating,
    frame_for,
    occupancy_frame,
    orphan_ratings,
    ratings_frame,
    villages_frame,
)

SEASON_2023 = PartitionRange.one("2023-24")
SEASON_2024 = PartitionRange.one("2024-25")


@pytest.fixture
def engine() -> DuckDBEngine:
    """A warehouse where villages and the 2023-24 ratings are published."""
    engine = DuckDBEngine()
    publish_product(engine, Village, frame=villages_frame(), run_id="seed-villages")
    publish_product(
        engine, VillageRating, frame=ratings_frame("2023-24"), partition=SEASON_2023, run_id="seed"
    )
    return engine


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


def test_publish_writes_audits_and_publishes(engine: DuckDBEngine) -> None:
    result = publish_product(engine, Village, frame=villages_frame(5), run_id="run-2")
    assert result.product == "resorts.villages"
    assert result.table == '"resorts"."villages"'
    assert result.engine == "duckdb"
    assert result.row_count == 8
    assert result.checksum == engine.table_checksum(engine.table_for("resorts", "villages"))
    names = [r.check.name for r in result.check_results]
    assert names[0] == "unique_grain"
    assert {"not_null__village_id", "accepted_values__segment", "range__capacity"} <= set(names)
    assert all(r.passed for r in result.check_results)
    published = _sorted(engine.read_product("resorts", "villages"), ["village_id"])
    expected = _sorted(villages_frame(5), ["village_id"])
    assert published["capacity"].tolist() == expected["capacity"].tolist()
    assert engine.list_tables("resorts") == ["village_ratings", "villages"]


@pytest.mark.parametrize("arrow", [False, True], ids=["pandas", "arrow"])
def test_a_handed_over_frame_is_let_go_once_staged_before_the_audit(
    engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch, arrow: bool
) -> None:
    frame = to_arrow(villages_frame(5), Village) if arrow else villages_frame(5)
    alive = weakref.ref(frame)
    audited = wap.run_checks
    seen: list[bool] = []

    def run_checks(*args: Any, **kwargs: Any) -> Any:
        seen.append(alive() is not None)
        return audited(*args, **kwargs)

    monkeypatch.setattr(wap, "run_checks", run_checks)
    handed = HandedFrame(frame)
    del frame
    result = publish_product(engine, Village, frame=handed, run_id="run-handed")
    assert seen == [False]  # nothing held the rows while they were audited
    assert result.row_count == 8
    published = _sorted(engine.read_product("resorts", "villages"), ["village_id"])
    expected = _sorted(villages_frame(5), ["village_id"])
    for column in ("village_id", "name", "capacity"):
        assert published[column].tolist() == expected[column].tolist(), column
    with pytest.raises(RuntimeError, match="taken already"):
        handed.take()


@pytest.mark.parametrize("kind", list(VILLAGE_VIOLATIONS))
def test_a_violation_fails_the_run_and_leaves_the_published_table_unchanged(
    engine: DuckDBEngine, kind: str
) -> None:
    breaks, rule, column = VILLAGE_VIOLATIONS[kind]
    target = engine.table_for("resorts", "villages")
    before = engine.table_checksum(target)
    with pytest.raises(AuditFailed) as caught:
        publish_product(engine, Village, frame=breaks(villages_frame(7)), run_id="bad-run")
    (failure,) = caught.value.failures
    assert (failure.product, failure.rule, failure.column) == ("resorts.villages", rule, column)
    assert failure.failing_rows in (1, 2)
    assert failure.sample
    assert rule in str(caught.value)
    failed = [r for r in caught.value.check_results if not r.passed]
    assert [r.check.rule.value for r in failed] == [rule]
    assert engine.table_checksum(target) == before
    assert engine.list_tables("resorts") == ["village_ratings", "villages"]
    # once the cause is fixed, a rerun publishes
    result = publish_product(engine, Village, frame=villages_frame(7), run_id="fixed-run")
    assert result.checksum != before


def test_an_orphan_reference_fails_the_run(engine: DuckDBEngine) -> None:
    target = engine.table_for("resorts", "village_ratings")
    before = engine.table_checksum(target)
    with pytest.raises(AuditFailed) as caught:
        publish_product(
            engine,
            VillageRating,
            frame=orphan_ratings("2024-25"),
            partition=SEASON_2024,
            run_id="orphan",
            resolve=engine.table_for,
        )
    (failure,) = caught.value.failures
    assert (failure.rule, failure.column, failure.failing_rows) == ("reference", "village_id", 1)
    assert list(failure.sample) == ["village_id=ZZZ|season=2024-25"]
    assert engine.table_checksum(target) == before


def test_several_violations_are_all_reported(engine: DuckDBEngine) -> None:
    frame = villages_frame()
    for kind in ("null key", "out of range", "enum outside its set"):
        frame = VILLAGE_VIOLATIONS[kind][0](frame)
    with pytest.raises(ContractViolation) as caught:
        publish_product(engine, Village, frame=frame, run_id="bad")
    assert sorted(f.rule for f in caught.value.failures) == ["accepted_values", "not_null", "range"]


def test_a_failed_query_leaves_the_published_table_unchanged(engine: DuckDBEngine) -> None:
    target = engine.table_for("resorts", "villages")
    before = engine.table_checksum(target)
    with pytest.raises(PublishFailed, match=r"resorts\.villages: writing the staging table failed"):
        publish_product(
            engine, Village, select="SELECT no_such_column FROM resorts.villages", run_id="bad-sql"
        )
    assert engine.table_checksum(target) == before
    assert engine.list_tables("resorts") == ["village_ratings", "villages"]


def test_a_sql_product_is_published_from_the_warehouse(engine: DuckDBEngine) -> None:
    select = (
        "SELECT village_id, '2024-25' AS season, 5 + capacity / 1000 AS rating, "
        "capacity AS reviews FROM resorts.villages"
    )
    result = publish_product(
        engine, VillageRating, select=select, partition=SEASON_2024, run_id="s"
    )
    assert result.row_count == 8
    ratings = engine.read_product("resorts", "village_ratings")
    assert sorted(ratings["season"].unique()) == ["2023-24", "2024-25"]


def test_a_partition_publish_replaces_only_its_partition(engine: DuckDBEngine) -> None:
    def season(name: str) -> pd.DataFrame:
        ratings = engine.read_product("resorts", "village_ratings")
        return _sorted(ratings[ratings["season"] == name], ["village_id"])

    kept = season("2023-24")
    publish_product(
        engine, VillageRating, frame=ratings_frame("2024-25"), partition=SEASON_2024, run_id="a"
    )
    publish_product(
        engine,
        VillageRating,
        frame=ratings_frame("2024-25", bump=1.0),
        partition=SEASON_2024,
        run_id="b",
    )
    pd.testing.assert_frame_equal(season("2023-24"), kept)
    expected = _sorted(ratings_frame("2024-25", bump=1.0), ["village_id"])
    assert season("2024-25")["rating"].tolist() == expected["rating"].tolist()


def test_rows_outside_the_partition_are_refused(engine: DuckDBEngine) -> None:
    with pytest.raises(AuditFailed) as caught:
        publish_product(
            engine,
            Occupancy,
            frame=occupancy_frame("2024-03"),
            partition=PartitionRange.one("2024-02-01"),
            run_id="x",
        )
    (failure,) = caught.value.failures
    assert (failure.rule, failure.column, failure.failing_rows) == ("partition", "night", 24)


def test_a_partitioned_product_needs_its_partition(engine: DuckDBEngine) -> None:
    with pytest.raises(ValueError, match=r"resorts\.village_ratings: partitioned by season"):
        publish_product(engine, VillageRating, frame=ratings_frame("2023-24"), run_id="x")
    with pytest.raises(TypeError, match="exactly one of frame= and select="):
        publish_product(engine, Village, run_id="x")


def test_a_frame_missing_a_column_is_refused_before_writing(engine: DuckDBEngine) -> None:
    with pytest.raises(ContractViolation, match=r"resorts\.villages\.segment: columns"):
        publish_product(engine, Village, frame=villages_frame().drop(columns="segment"), run_id="x")
    assert engine.list_tables("resorts") == ["village_ratings", "villages"]


def test_leftover_staging_tables_are_cleaned_by_the_next_run(engine: DuckDBEngine) -> None:
    leftover = engine.staging_table_for("resorts", "villages", "crashed")
    stage(engine, Village, leftover, frame=villages_frame())
    result = publish_product(engine, Village, frame=villages_frame(1), run_id="next")
    assert result.cleaned_staging == ("_staging__villages__crashed",)
    assert engine.list_tables("resorts") == ["village_ratings", "villages"]


# --- the steps, one by one ---------------------------------------------------------------------


@pytest.fixture
def empty() -> DuckDBEngine:
    """A warehouse with an empty ``resorts`` schema."""
    engine = DuckDBEngine()
    engine.ensure_schema("resorts")
    return engine


def _column_types(engine: DuckDBEngine, table: exp.Table) -> dict[str, tuple[str, str]]:
    rows = engine.query_rows(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        f"WHERE table_schema = '{table.db}' AND table_name = '{table.name}'"
    )
    return {r["column_name"]: (r["data_type"], r["is_nullable"]) for r in rows}


def test_stage_creates_a_staging_table_with_contract_types(empty: DuckDBEngine) -> None:
    staging = empty.staging_table_for("resorts", "villages", "r1")
    stage(empty, Village, staging, frame=villages_frame())
    assert empty.row_count(staging) == 8
    assert _column_types(empty, staging) == {
        "village_id": ("VARCHAR", "YES"),
        "name": ("VARCHAR", "YES"),
        "country": ("VARCHAR", "YES"),
        "segment": ("VARCHAR", "YES"),
        "capacity": ("BIGINT", "YES"),
        "opened_on": ("DATE", "YES"),
    }


def test_stage_runs_a_query_in_the_warehouse_and_casts(empty: DuckDBEngine) -> None:
    staging = empty.staging_table_for("resorts", "villages", "r1")
    stage(
        empty,
        Village,
        staging,
        select="SELECT 'LAP' AS village_id, 'Laplaud' AS name, 'FR' AS country, "
        "'premium' AS segment, 812.0 AS capacity, NULL AS opened_on, 1 AS ignored",
    )
    frame = empty.read_table(staging)
    assert list(frame.columns) == list(villages_frame().columns)
    assert frame.loc[0, "capacity"] == 812
    assert _column_types(empty, staging)["capacity"] == ("BIGINT", "YES")


def test_publish_creates_the_exact_contract_table_and_drops_staging(empty: DuckDBEngine) -> None:
    staging = empty.staging_table_for("resorts", "villages", "r1")
    target = empty.table_for("resorts", "villages")
    stage(empty, Village, staging, frame=villages_frame())
    publish(empty, Village, staging, target)
    assert empty.list_tables("resorts") == ["villages"]
    types = _column_types(empty, target)
    assert types["village_id"] == ("VARCHAR", "NO")
    assert types["opened_on"] == ("DATE", "YES")
    comments = empty.query_rows(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = 'resorts' "
        "AND table_name = 'villages'"
    )
    assert comments == [{"comment": "One row per resort village of the group."}]
    published = empty.read_product("resorts", "villages")
    assert sorted(published["village_id"]) == sorted(villages_frame()["village_id"])


def test_partition_publish_replaces_one_partition(empty: DuckDBEngine) -> None:
    target = empty.table_for("resorts", "occupancy")
    for month in ("2024-02", "2024-03", "2024-02"):
        staging = empty.staging_table_for("resorts", "occupancy", f"r-{month}")
        frame = occupancy_frame(month, days=2 if month == "2024-02" else 3)
        stage(empty, Occupancy, staging, frame=frame)
        where = partition_condition(Occupancy, PartitionRange.one(f"{month}-01"), "duckdb")
        publish(empty, Occupancy, staging, target, where)
    nights = empty.read_product("resorts", "occupancy").groupby("night").size()
    assert [str(n.date()) for n in nights.index] == [
        "2024-02-01",
        "2024-02-02",
        "2024-03-01",
        "2024-03-02",
        "2024-03-03",
    ]
    assert set(nights) == {8}


def test_the_checks_run_as_one_query(empty: DuckDBEngine) -> None:
    staging = empty.staging_table_for("resorts", "villages", "r1")
    checks = check_queries(Village, "duckdb", staging)
    union = check_union(checks)
    assert union.sql("duckdb").count("UNION ALL") == len(checks) - 1
    stage(empty, Village, staging, frame=villages_frame())
    rows = empty.query_rows(union)
    assert sorted(row["_check_index"] for row in rows) == list(range(len(checks)))
    assert all(row["failing_rows"] == 0 for row in rows)


# --- a process killed mid-run ----------------------------------------------------------------


def _start_publisher(product: str, run_id: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.engine_contracts", product, run_id, *extra],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the publisher ended before pausing: {err.decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the publisher never reached its pause")
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("product", "value", "pause_at"),
    [
        ("villages", "3", "audit"),  # killed with the staging table written
        ("villages", "3", "publish"),  # killed inside the publishing transaction
        ("occupancy", "2024-02", "publish"),  # after the partition's rows were deleted
    ],
)
def test_a_process_killed_mid_run_leaves_the_published_table_intact(
    engine: DuckDBEngine, tmp_path: Path, product: str, value: str, pause_at: str
) -> None:
    if product == "occupancy":
        publish_product(
            engine,
            Occupancy,
            frame=occupancy_frame("2024-02", days=5),
            partition=PartitionRange.one("2024-02-01"),
            run_id="seed",
        )
    target = engine.table_for("resorts", product)
    before = engine.table_checksum(target)
    manifest_before = read_manifest(engine.replica_dir)
    marker = tmp_path / "paused"
    process = _start_publisher(
        product, "doomed", "--value", value, "--pause-at", pause_at, "--marker", str(marker)
    )
    _wait_for(marker, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    assert engine.table_checksum(target) == before
    assert read_manifest(engine.replica_dir) == manifest_before  # readers see the same state
    leftover = f"_staging__{product}__doomed_0"
    assert leftover in engine.list_tables("resorts")
    # the next run succeeds and cleans the staging table the killed one left
    frame, partition = frame_for(product, value)
    result = publish_product(
        engine, CONTRACTS[product], frame=frame, partition=partition, run_id="rerun"
    )
    assert result.cleaned_staging == (leftover,)
    assert engine.table_checksum(target) == result.checksum != before
    assert not [t for t in engine.list_tables("resorts") if t.startswith("_staging")]
    assert _replica_matches_table(engine, f"resorts.{product}", "rerun")


def _replica_matches_table(engine: DuckDBEngine, key: str, run_id: str) -> bool:
    """Whether the manifest names ``run_id``'s replica of ``key``, holding the table's rows."""
    domain, product = key.split(".")
    entry = read_manifest(engine.replica_dir).products[key]
    table = engine.read_product(domain, product)
    with engine.published_snapshot() as snapshot:
        replica_rows = snapshot.connection.execute(f'select * from "{domain}"."{product}"').df()
    keys = list(table.columns[:2])
    left = table.sort_values(keys).reset_index(drop=True)
    right = replica_rows.sort_values(keys).reset_index(drop=True)
    return entry.run_id == run_id and entry.row_count == len(table) and left.equals(right)


def test_a_process_killed_before_the_manifest_swap_leaves_readers_on_the_last_replica(
    engine: DuckDBEngine, tmp_path: Path
) -> None:
    manifest_before = read_manifest(engine.replica_dir)
    marker = tmp_path / "paused"
    process = _start_publisher(
        "villages", "doomed", "--value", "3", "--pause-at", "replica", "--marker", str(marker)
    )
    _wait_for(marker, process)
    process.send_signal(signal.SIGKILL)
    process.wait()

    # the table was published (committed); readers still see the previous replica, whole
    assert read_manifest(engine.replica_dir) == manifest_before
    assert _replica_matches_table(engine, "resorts.villages", "seed-villages") is False
    with engine.published_snapshot() as snapshot:
        low = snapshot.connection.execute("select min(capacity) from resorts.villages").fetchone()
    assert low == (1200,)
    # the rerun converges: table and replica hold the same rows
    publish_product(engine, Village, frame=villages_frame(3), run_id="rerun")
    assert _replica_matches_table(engine, "resorts.villages", "rerun")
