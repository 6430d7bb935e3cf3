"""Several processes materialising into one DuckDB file at once: no lock error, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.engines.replica import read_manifest
from mesh_platform.wap import publish_product
from tests.conftest import REPO_ROOT
from tests.support.engine_contracts import (
    Occupancy,
    SaleLine,
    Village,
    VillageRating,
    frame_for,
    villages_frame,
)

ROUNDS = 3


def _publisher(product: str, run_id: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.engine_contracts", product, run_id, *extra],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_processes_publishing_at_once_all_succeed_and_lose_nothing() -> None:
    engine = DuckDBEngine()
    publish_product(engine, Village, frame=villages_frame(), run_id="seed")
    jobs = {
        "villages": ("--value", "40"),
        "sale_lines": ("--value", "1001"),
        "occupancy": ("--value", "2024-07"),
        "village_ratings": ("--value", "2024-25"),
    }
    processes = {
        product: _publisher(product, f"proc-{product}", "--rounds", str(ROUNDS), *extra)
        for product, extra in jobs.items()
    }
    outputs = {product: p.communicate(timeout=300) for product, p in processes.items()}
    for product, process in processes.items():
        out, err = outputs[product]
        assert process.returncode == 0, f"{product}: {err.decode()}"
        assert "Traceback" not in err.decode()
        assert (
            out.decode().count(f"published resorts.{product}")
            + out.decode().count(f"published sales.{product}")
            == ROUNDS
        )

    expected = {
        (Village, None): frame_for("villages", "40")[0],
        (SaleLine, None): frame_for("sale_lines", "1001")[0],
        (Occupancy, "2024-07-01"): frame_for("occupancy", "2024-07")[0],
        (VillageRating, "2024-25"): frame_for("village_ratings", "2024-25")[0],
    }
    for (contract, _), frame in expected.items():
        meta = contract.meta()
        published = engine.read_product(meta.domain, meta.product)
        keys = list(meta.grain)
        assert len(published) == len(frame), meta.key
        left = published.sort_values(keys)[keys].astype(str).reset_index(drop=True)
        right = frame.sort_values(keys)[keys].astype(str).reset_index(drop=True)
        assert left.equals(right), meta.key
    assert engine.read_product("resorts", "villages")["capacity"].min() == 1240
    leftovers = [
        t for s in ("resorts", "sales") for t in engine.list_tables(s) if t.startswith("_staging")
    ]
    assert leftovers == []
    # every writer's replica is in the manifest, none lost to another's swap
    manifest = read_manifest(engine.replica_dir)
    for contract in (Village, SaleLine, Occupancy, VillageRating):
        meta = contract.meta()
        entry = manifest.products[meta.key]
        assert entry.run_id == f"proc-{meta.product}-{ROUNDS - 1}"
        assert entry.row_count == engine.row_count(engine.table_for(meta.domain, meta.product))


def test_a_writer_retries_while_another_program_holds_the_file(tmp_path: Path) -> None:
    engine = DuckDBEngine()
    engine.ensure_schema("resorts")
    release = tmp_path / "release"
    opened = tmp_path / "opened"
    # A program outside the platform (no platform lock) keeps the file open for writing.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, pathlib, sys, time\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "pathlib.Path(sys.argv[2]).write_text('open')\n"
            "while not pathlib.Path(sys.argv[3]).exists(): time.sleep(0.05)\n"
            "con.close()\n",
            str(engine.path),
            str(opened),
            str(release),
        ],
    )
    try:
        deadline = time.monotonic() + 60
        while not opened.exists():
            assert holder.poll() is None, "the holder ended early"
            assert time.monotonic() < deadline, "the holder never opened the file"
            time.sleep(0.05)
        writer = _publisher("villages", "blocked", "--value", "7")
        stderr_seen = b""
        assert writer.stderr is not None
        os.set_blocking(writer.stderr.fileno(), False)
        while b"database file busy, retrying" not in stderr_seen:
            assert writer.poll() is None, "the writer ended without retrying"
            assert time.monotonic() < deadline + 60, "the writer never retried"
            stderr_seen += writer.stderr.read() or b""
            time.sleep(0.05)
        release.write_text("go")
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, (stderr_seen + err).decode()
        assert out.decode().startswith("published resorts.villages 8 rows")
    finally:
        release.write_text("go")
        holder.wait(timeout=60)
    villages = engine.read_product("resorts", "villages")
    assert sorted(villages["capacity"])[0] == 1207


def test_readers_share_the_file_between_publications() -> None:
    engine = DuckDBEngine()
    publish_product(engine, Village, frame=villages_frame(), run_id="seed")
    others = [DuckDBEngine() for _ in range(2)]
    with engine.session(write=False):
        # read sessions nest and share the file with other readers of this process
        for other in others:
            assert other.row_count(other.table_for("resorts", "villages")) == 8
