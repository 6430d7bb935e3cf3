"""Production, proven on the emulator: the whole mesh built on BigQuery by ``mesh build``
with ``MESH_ENGINE=bigquery`` (landing zone loaded by load jobs, every product through
write-audit-publish, its checks, lineage and row accounting), then compared product by
product with the same world built on DuckDB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from sqlglot import exp

from mesh_platform.catalog import build_catalog
from mesh_platform.contract import all_contracts
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.landing import read_landing_schema
from mesh_platform.lineage import LineageEmitter
from mesh_platform.location import domain_products
from mesh_platform.partitions import PartitionRange
from mesh_platform.products.asset import materialize_product
from sandbox.parity import FLOAT_TOLERANCE, compare_mesh
from tests.support.bigquery_mesh import BigQueryMesh
from tests.support.tiny_mesh import TinyMesh

pytestmark = [pytest.mark.slow, pytest.mark.bigquery]


def _completed(state: Path) -> dict[str, dict[str, Any]]:
    """The last COMPLETE lineage event's output dataset facets, per product."""
    events = [
        json.loads(line)
        for line in (state / "lineage" / "events.jsonl").read_text().splitlines()
        if line.strip()
    ]
    return {
        e["job"]["name"]: {**e["outputs"][0]["facets"], "_tags": e["run"]["facets"]["tags"]}
        for e in events
        if e["eventType"] == "COMPLETE"
    }


def _plain(facet: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def test_mesh_build_on_bigquery_publishes_every_product(bigquery_mesh: BigQueryMesh) -> None:
    assert bigquery_mesh.returncode == 0, bigquery_mesh.output[-6000:]
    assert f"BigQuery project trident-local at {bigquery_mesh.endpoint}" in bigquery_mesh.output
    engine = bigquery_mesh.engine()
    empty = [
        key for key in all_contracts() if engine.row_count(engine.table_for(*key.split("."))) == 0
    ]
    assert not empty, f"published but empty on BigQuery: {empty}"


def test_every_check_passes_and_is_recorded_in_lineage(bigquery_mesh: BigQueryMesh) -> None:
    completed = _completed(bigquery_mesh.state)
    assert set(completed) == set(all_contracts())
    for key, facets in completed.items():
        tags = {t["key"]: t["value"] for t in facets["_tags"]["tags"]}
        assert tags["engine"] == "bigquery", key
        assertions = facets["dataQualityAssertions"]["assertions"]
        assert assertions, key
        failed = [a["assertion"] for a in assertions if not a["success"]]
        assert not failed, f"{key}: {failed}"


def test_landing_zone_is_loaded_by_load_jobs(bigquery_mesh: BigQueryMesh) -> None:
    engine = bigquery_mesh.engine()
    warehouse = bigquery_mesh.settings.warehouse_path
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        landing = read_landing_schema(connection)
        expected = {
            (schema, table): connection.execute(
                exp.select(exp.func("COUNT", exp.Star()))
                .from_(exp.table_(table, db=schema, quoted=True))
                .sql("duckdb")
            ).fetchall()[0][0]
            for schema, tables in landing.items()
            for table in tables
        }
    loaded = {(s, t): engine.row_count(engine.table_for(s, t)) for s, t in expected}
    assert loaded == expected
    jobs = list(engine.client.list_jobs())
    load_jobs = [job for job in jobs if job.job_type == "load"]
    assert len(load_jobs) >= len(expected)
    destinations = {(j.destination.dataset_id, j.destination.table_id) for j in load_jobs}
    assert set(expected) <= destinations


def test_every_product_is_the_same_on_duckdb_and_bigquery(
    tiny_mesh: TinyMesh, bigquery_mesh: BigQueryMesh, capsys: pytest.CaptureFixture[str]
) -> None:
    results = compare_mesh(DuckDBEngine(tiny_mesh.settings), bigquery_mesh.engine())
    assert {r.product for r in results} == set(all_contracts())
    with capsys.disabled():
        print(f"\nparity, DuckDB against BigQuery (floats within {FLOAT_TOLERANCE}):")
        for r in results:
            status = "same" if r.equal else f"{len(r.differences)} column(s) differ"
            print(f"  {r.product:45} {r.left_rows:>7,} {r.right_rows:>7,}  {status}")
        print(f"  {len(results)} products, {sum(r.left_rows for r in results):,} rows")
    differences = [d.describe(r.product) for r in results for d in r.differences]
    assert not differences, "\n".join(differences)


def test_row_accounting_is_the_same_on_both_engines(
    tiny_mesh: TinyMesh, bigquery_mesh: BigQueryMesh
) -> None:
    duck, bigquery = _completed(tiny_mesh.state), _completed(bigquery_mesh.state)
    for key in all_contracts():
        assert _plain(bigquery[key]["rowAccounting"]) == _plain(duck[key]["rowAccounting"]), key


def test_a_partition_rebuilt_alone_on_bigquery_changes_nothing(
    bigquery_mesh: BigQueryMesh, tmp_path: Path
) -> None:
    """One season of a season-partitioned product replaced by a MERGE, the rest untouched."""
    engine = bigquery_mesh.engine()
    (product,) = [
        p for p in domain_products("sales") if p.contract.meta().product == "revenue_by_season"
    ]
    table = engine.table_for("sales", "revenue_by_season")
    seasons = engine.query_rows(
        exp.select(exp.column("season"), exp.func("COUNT", exp.Star()).as_("n"))
        .from_(table)
        .group_by(exp.column("season"))
        .order_by(exp.column("n").desc())
    )
    season = str(seasons[0]["season"])
    before = engine.table_checksum(table)
    emitter = LineageEmitter(lineage_path=tmp_path / "events.jsonl")
    results = list(
        materialize_product(
            product,
            run_id="one-season",
            partition=PartitionRange.one(season),
            engine=engine,
            emitter=emitter,
        )
    )
    (published,) = [r for r in results if isinstance(r, dg.MaterializeResult)]
    assert published.metadata is not None
    assert published.metadata["dagster/row_count"] == seasons[0]["n"]
    assert engine.table_checksum(table) == before


def test_the_catalog_draws_the_same_pictures_from_bigquery(
    tiny_mesh: TinyMesh, bigquery_mesh: BigQueryMesh, tmp_path: Path
) -> None:
    """The catalog reads the published products through the BigQuery engine (the local
    replica on DuckDB): the same products pictured, the same last runs."""
    on_bigquery = build_catalog(tmp_path / "bigquery", bigquery_mesh.settings)
    on_duckdb = build_catalog(tmp_path / "duckdb", tiny_mesh.settings)
    assert on_bigquery.pictures
    assert on_bigquery.pictures == on_duckdb.pictures
    assert on_bigquery.runs == on_duckdb.runs == len(all_contracts())
