"""The published read replica: readers never wait for writers and see one published state."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.engines import replica
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.engines.replica import ReplicaEntry, open_snapshot, read_manifest, swap_in
from mesh_platform.wap import publish_product
from tests.conftest import REPO_ROOT
from tests.support.engine_contracts import SaleLine, Village, sale_lines_frame, villages_frame

runner = CliRunner()


def _entry(root: Path, product: str, run_id: str, *, rows: int = 1) -> ReplicaEntry:
    domain, name = product.split(".")
    path = replica.new_replica_file(root, domain, name, run_id)
    path.write_bytes(b"PAR1")
    return ReplicaEntry(
        product=product,
        schema=domain,
        table=name,
        file=path.relative_to(root).as_posix(),
        run_id=run_id,
        row_count=rows,
        published_at="2024-01-01T00:00:00+00:00",
    )


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


# --- the manifest -------------------------------------------------------------------------


def test_a_swap_keeps_the_other_products_and_retires_the_previous_file(tmp_path: Path) -> None:
    first = _entry(tmp_path, "sales.lines", "r1")
    other = _entry(tmp_path, "resorts.villages", "r1")
    swap_in(tmp_path, first, now=100.0)
    swap_in(tmp_path, other, now=101.0)
    second = _entry(tmp_path, "sales.lines", "r2", rows=2)
    deleted = swap_in(tmp_path, second, now=102.0)

    manifest = read_manifest(tmp_path)
    assert manifest.products == {"sales.lines": second, "resorts.villages": other}
    assert [(r.file, r.at) for r in manifest.retired] == [(first.file, 102.0)]
    assert deleted == []
    assert (tmp_path / first.file).exists()  # a reader of the previous manifest finds it
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json",
        "manifest.lock",
        "resorts",
        "sales",
    ]  # no temporary manifest left behind


def test_retired_and_never_named_files_are_deleted_after_the_grace(tmp_path: Path) -> None:
    first = _entry(tmp_path, "sales.lines", "r1")
    swap_in(tmp_path, first, now=time.time())
    second = _entry(tmp_path, "sales.lines", "r2")
    swap_in(tmp_path, second, now=time.time())
    orphan = replica.partial_path(tmp_path / "sales" / "lines" / "killed.parquet")
    orphan.write_bytes(b"PAR1")  # an export killed midway
    later = time.time() + replica.GRACE_S + 1
    third = _entry(tmp_path, "sales.lines", "r3")

    deleted = swap_in(tmp_path, third, now=later)

    assert sorted(deleted) == sorted([tmp_path / first.file, orphan])
    assert not (tmp_path / first.file).exists()
    assert not orphan.exists()
    assert (tmp_path / second.file).exists()
    assert (tmp_path / third.file).exists()
    assert [r.file for r in read_manifest(tmp_path).retired] == [second.file]


def test_writers_in_several_processes_lose_no_entry(tmp_path: Path) -> None:
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mesh_platform.engines import replica\n"
        "root, product = Path(sys.argv[1]), sys.argv[2]\n"
        "for i in range(25):\n"
        "    replica.swap_in(root, replica.ReplicaEntry(product, 'd', product, f'{product}/{i}',"
        " str(i), i, 'now'))\n"
    )
    products = [f"d.p{i}" for i in range(4)]
    writers = [_start("-c", program, str(tmp_path), product) for product in products]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    manifest = read_manifest(tmp_path)
    assert {k: v.run_id for k, v in manifest.products.items()} == dict.fromkeys(products, "24")
    assert len(manifest.retired) == 4 * 24


# --- readers --------------------------------------------------------------------------------


def test_a_snapshot_sees_the_state_it_opened_on(tmp_path: Path) -> None:
    engine = DuckDBEngine()
    publish_product(engine, Village, frame=villages_frame(), run_id="first")
    with engine.published_snapshot() as before:
        publish_product(engine, Village, frame=villages_frame(100), run_id="second")
        with engine.published_snapshot() as after:
            old = before.connection.execute("select min(capacity) from resorts.villages")
            new = after.connection.execute("select min(capacity) from resorts.villages")
            assert (old.fetchone(), new.fetchone()) == ((1200,), (1300,))
    entry = read_manifest(engine.replica_dir).products["resorts.villages"]
    assert (entry.run_id, entry.row_count, entry.schema, entry.table) == (
        "second",
        8,
        "resorts",
        "villages",
    )
    # nothing but published products: no staging, no landing table
    engine.execute("create schema if not exists landing_resorts")
    engine.execute("create table landing_resorts.extract as select 1 as a")
    with engine.published_snapshot() as snapshot:
        tables = snapshot.connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    assert tables == [("resorts.villages",)]


def test_readers_query_while_another_process_publishes(tmp_path: Path) -> None:
    """The writer publishes in a loop; this process reads all along, never failing."""
    engine = DuckDBEngine()
    publish_product(engine, Village, frame=villages_frame(), run_id="seed")
    publish_product(engine, SaleLine, frame=sale_lines_frame(rows=50), run_id="seed")
    writers = [
        _start("-m", "tests.support.engine_contracts", "sale_lines", "w", "--rounds", "4"),
        _start("-m", "tests.support.engine_contracts", "villages", "w", "--rounds", "4"),
    ]
    queries, states = 0, set()
    while any(w.poll() is None for w in writers) or queries < 5:
        with engine.published_snapshot() as snapshot:
            counts = snapshot.connection.execute(
                "select (select count(*) from sales.sale_lines), "
                "(select count(*) from resorts.villages)"
            ).fetchone()
            expected = tuple(
                snapshot.manifest.products[k].row_count
                for k in ("sales.sale_lines", "resorts.villages")
            )
            assert counts == expected
            states.add(snapshot.manifest.products["sales.sale_lines"].run_id)
        queries += 1
    for writer in writers:
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err.decode()
    assert read_manifest(engine.replica_dir).products["sales.sale_lines"].row_count == 200
    with engine.published_snapshot() as snapshot:
        assert snapshot.connection.execute("select count(*) from sales.sale_lines").fetchone() == (
            200,
        )
    assert "seed" in states or len(states) > 1


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the publisher ended before pausing: {process.communicate()[1].decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the publisher never reached its pause")
        time.sleep(0.05)


def test_mesh_query_answers_while_a_build_holds_the_writer_lock(
    tmp_path: Path, reader_env: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader_env("bastien")
    monkeypatch.setattr(  # the test's own villages, not the mesh's
        "mesh_platform.access.reader.all_contracts", lambda: {Village.meta().key: Village}
    )
    engine = DuckDBEngine()
    publish_product(engine, Village, frame=villages_frame(), run_id="seed")
    marker = tmp_path / "paused"
    writer = _start(
        "-m",
        "tests.support.engine_contracts",
        "villages",
        "held",
        "--value",
        "100",
        "--pause-at",
        "publish",
        "--marker",
        str(marker),
    )
    try:
        _wait_for(marker, writer)
        fd = os.open(engine.lock_path, os.O_RDWR)
        try:  # the writer holds the warehouse: the file lock, and DuckDB's own
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        result = runner.invoke(
            app, ["query", "select count(*) as n, min(capacity) as low from resorts.villages"]
        )
        assert result.exit_code == 0, result.output
        assert "│ 8 │ 1200 │" in result.stdout  # the last published state
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()


def test_mesh_query_only_reads(reader_env: Callable[[str], None]) -> None:
    reader_env("bastien")
    engine = DuckDBEngine()
    publish_product(engine, Village, frame=villages_frame(), run_id="seed")
    result = runner.invoke(app, ["query", "copy (select 1) to 'out.csv'"])
    assert result.exit_code == 1
    assert "only reads" in result.stderr
    with open_snapshot(engine.replica_dir) as snapshot:
        assert len(snapshot.manifest.products) == 1


def test_mesh_query_on_a_warehouse_without_a_replica_says_to_build() -> None:
    DuckDBEngine().ensure_schema("resorts")  # a warehouse written before the replica existed
    result = runner.invoke(app, ["query", "select 1"])
    assert result.exit_code == 1
    assert "predates it" in result.stderr
    assert "mesh build" in result.stderr
