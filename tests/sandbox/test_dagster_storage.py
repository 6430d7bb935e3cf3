"""The local instance's event log kept open between events writes what Dagster's own
reads back, and is used only for the default SQLite instance."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from sandbox.build import instance_overrides
from sandbox.dagster_home import prepare_home
from sandbox.dagster_storage import (
    OPEN_RUN_FILES,
    SQLITE_HEADER,
    PooledSqliteEventLogStorage,
    new_run_template_name,
)


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
def numbers() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"rows": 3},
        check_results=[dg.AssetCheckResult(check_name="positive", passed=True)],
    )


def test_a_build_s_events_read_back_through_dagster_s_own_storage(tmp_path: Path) -> None:
    home = prepare_home(tmp_path / "dagster_home")
    overrides = instance_overrides(home)
    assert overrides["event_log_storage"]["class"] == "PooledSqliteEventLogStorage"
    with dg.DagsterInstance.local_temp(str(home), overrides=overrides) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        runs = [dg.materialize([numbers], instance=instance) for _ in range(OPEN_RUN_FILES + 2)]
        assert all(run.success for run in runs)
        assert len(storage._engines) <= OPEN_RUN_FILES + 1  # the recent runs and the index
        assert storage.supports_asset_checks  # the checks' table, found once and remembered
        assert "asset_check_executions" in storage._index_tables
        assert not storage.has_table("no_such_table")
        assert "no_such_table" not in storage._index_tables

    # what `mesh dev` reads: Dagster's own SQLite storage on the same folder
    with dg.DagsterInstance.local_temp(str(home)) as reader:
        assert type(reader.event_log_storage).__name__ == "SqliteEventLogStorage"
        last = reader.get_latest_materialization_event(dg.AssetKey("numbers"))
        assert last is not None
        assert last.run_id == runs[-1].run_id
        records = reader.get_records_for_run(runs[0].run_id).records
        types = {r.event_log_entry.dagster_event_type for r in records if r.event_log_entry}
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
        assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in types
        check = reader.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("numbers"), "positive")]
        )
        assert check, "the check's evaluation is indexed"


def _schema(path: Path) -> tuple[list[tuple[str, str]], list[tuple[str]], str]:
    with sqlite3.connect(path) as connection:
        tables = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    return tables, revision, mode


def test_every_run_file_is_the_one_dagster_creates(tmp_path: Path) -> None:
    home = prepare_home(tmp_path / "dagster_home")
    with dg.DagsterInstance.local_temp(str(home), overrides=instance_overrides(home)) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        runs = [dg.materialize([numbers], instance=instance).run_id for _ in range(2)]
        files = [Path(storage.path_for_shard(run)) for run in runs]
        with storage.run_connection(runs[0]) as connection:  # WAL's commit without fsync
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    # Dagster's own storage creates a run file on the same folder: same schema, revision
    with dg.DagsterInstance.local_temp(str(home)) as reader:
        own = dg.materialize([numbers], instance=reader).run_id
        reference = Path(reader.event_log_storage.path_for_shard(own))  # type: ignore[attr-defined]
    tables, revision, mode = _schema(reference)
    assert revision
    assert mode == "wal"
    for path in files:
        assert _schema(path) == (tables, revision, mode)
    assert not list(path.parent.glob("*.partial"))


def _run_files_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The databases Dagster's schema is built in from now on, by URL (the index's
    included), recorded as they are made."""
    made: list[str] = []
    build = PooledSqliteEventLogStorage._initdb

    def recorded(self: PooledSqliteEventLogStorage, engine: object, **kwargs: object) -> None:
        made.append(str(getattr(engine, "url", "")))
        build(self, engine, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PooledSqliteEventLogStorage, "_initdb", recorded)
    return made


def test_a_later_process_starts_its_runs_from_the_kept_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = prepare_home(tmp_path / "dagster_home")
    with dg.DagsterInstance.local_temp(str(home), overrides=instance_overrides(home)) as first:
        storage = first.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        runs_folder = Path(storage._base_dir)
        first_run = dg.materialize([numbers], instance=first).run_id
    kept = runs_folder / new_run_template_name()
    assert kept.read_bytes().startswith(SQLITE_HEADER)
    assert not list(runs_folder.glob("*.partial"))

    made = _run_files_made(monkeypatch)  # a new instance: as a later process has
    with dg.DagsterInstance.local_temp(str(home), overrides=instance_overrides(home)) as later:
        second_run = dg.materialize([numbers], instance=later)
        assert second_run.success
        later_file = Path(later.event_log_storage.path_for_shard(second_run.run_id))  # type: ignore[attr-defined]
    assert [url for url in made if not url.endswith("index.db")] == []  # no schema built
    assert _schema(later_file) == _schema(runs_folder / f"{first_run}.db")
    # Dagster's own storage lists the runs' files: the kept one is not among them
    with dg.DagsterInstance.local_temp(str(home)) as reader:
        listed = reader.event_log_storage.get_all_run_ids()  # type: ignore[attr-defined]
    assert sorted(listed) == sorted([first_run, second_run.run_id])


def test_a_kept_file_that_is_no_database_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = prepare_home(tmp_path / "dagster_home")
    runs_folder = home / "history" / "runs"
    runs_folder.mkdir(parents=True, exist_ok=True)
    kept = runs_folder / new_run_template_name()
    kept.write_bytes(b"half a file")
    made = _run_files_made(monkeypatch)
    with dg.DagsterInstance.local_temp(str(home), overrides=instance_overrides(home)) as instance:
        assert dg.materialize([numbers], instance=instance).success
    assert [url for url in made if not url.endswith("index.db")]  # made in a scratch folder
    assert kept.read_bytes().startswith(SQLITE_HEADER)


def test_an_instance_with_its_own_storage_is_left_as_it_is(tmp_path: Path) -> None:
    home = prepare_home(tmp_path / "dagster_home")
    (home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url:\n      env: MESH_DAGSTER_POSTGRES_URL\n"
    )
    overrides = instance_overrides(home)
    assert "event_log_storage" not in overrides
    assert overrides["compute_logs"]["class"] == "UnmirroredComputeLogManager"

    (home / "dagster.yaml").write_text(
        "compute_logs:\n  module: dagster.core.storage.noop_compute_log_manager\n"
        "  class: NoOpComputeLogManager\n"
    )
    assert set(instance_overrides(home)) == {"event_log_storage"}
