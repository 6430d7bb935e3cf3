"""Right to erasure end to end on the tiny world: one person erased from every table
(products, rejects tables, landing, read replica), the audit entry written, and a
rebuild from a fresh landing simulation that does not bring the person back.

The erasure changes the mesh, so it runs on a copy of the session's tiny mesh, in a
state folder of its own, which the rebuild then builds again.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.settings import MeshSettings, get_settings
from sandbox.build import BuildReport, build
from tests.support.tiny_mesh import TinyMesh

pytestmark = pytest.mark.slow

REASON = "request DPO-2026-017: GDPR art. 17, the customer withdrew all consent"


@dataclass(frozen=True)
class Erased:
    """The mesh after one erasure: its state folder and what the commands said."""

    state: Path
    customer_id: str
    source_ids: tuple[str, ...]
    exported: dict[str, Any]
    erase_output: str


def _customer_in_many_products(connection: duckdb.DuckDBPyConnection) -> str:
    """A customer who bought, booked, received campaigns, browsed and called."""
    row = connection.execute(
        """
        SELECT payer_customer_id FROM sales.sales_lines
        WHERE payer_customer_id IN (SELECT customer_id FROM campaigns.campaign_sends)
          AND payer_customer_id IN (SELECT customer_id FROM web.web_sessions)
          AND payer_customer_id IN (SELECT customer_id FROM telephony.calls)
          AND payer_customer_id IN (SELECT customer_id FROM bookings.bookings)
        GROUP BY payer_customer_id ORDER BY COUNT(*) DESC, payer_customer_id LIMIT 1
        """
    ).fetchone()
    assert row is not None, "the tiny world has no customer active everywhere"
    return str(row[0])


def _remaining(state: Path, tokens: tuple[str, ...]) -> dict[str, int]:
    """Rows of every warehouse table (the erasure register aside) holding one of
    ``tokens``: equal to a text column, or named inside a rejects table's row."""
    pattern = "(^|[^0-9A-Za-z_-])(" + "|".join(tokens) + ")([^0-9A-Za-z_-]|$)"
    found: dict[str, int] = {}
    connection = duckdb.connect(str(MeshSettings(state_dir=state).warehouse_path), read_only=True)
    try:
        columns = connection.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_schema NOT IN ('privacy', 'information_schema')"
        ).fetchall()
        for schema, table, column in columns:
            name = f'"{schema}"."{table}"'
            if column in ("row_json", "row_key"):
                where = f'regexp_matches("{column}", ?)'
                parameters: list[Any] = [pattern]
            else:
                where = f'TRIM("{column}") IN ({", ".join("?" for _ in tokens)})'
                parameters = list(tokens)
            (rows,) = connection.execute(
                f"SELECT COUNT(*) FROM {name} WHERE {where}", parameters
            ).fetchone() or (0,)
            if rows:
                found[f"{schema}.{table}.{column}"] = int(rows)
    finally:
        connection.close()
    return found


def _replica_rows(state: Path, customer_id: str) -> dict[str, int]:
    """Rows of the published read replica naming the customer, per product."""
    found: dict[str, int] = {}
    engine = DuckDBEngine(MeshSettings(state_dir=state))
    with engine.published_snapshot() as snapshot:
        connection = snapshot.connection
        columns = connection.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            (rows,) = connection.execute(
                f'SELECT COUNT(*) FROM "{schema}"."{table}" WHERE "{column}" = ?', [customer_id]
            ).fetchone() or (0,)
            if rows:
                found[f"{schema}.{table}.{column}"] = int(rows)
    return found


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("gdpr-mesh")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MESH_STATE_DIR", str(folder))
        for name in ("MESH_ENGINE", "MESH_ENV", "MESH_DUCKDB_PATH", "MESH_OPERATOR"):
            patch.delenv(name, raising=False)
        get_settings.cache_clear()
        try:
            yield folder
        finally:
            get_settings.cache_clear()


def _build(state: Path) -> BuildReport:
    get_settings.cache_clear()
    report = build(scale="tiny")
    failures = [f"{o.key}: {o.error}" for o in report.outcomes if not o.success]
    assert not failures, "\n".join(failures)
    return report


@pytest.fixture(scope="module")
def erased(state: Path, tiny_mesh: TinyMesh) -> Erased:
    shutil.copytree(tiny_mesh.state, state, dirs_exist_ok=True)  # the session's tiny world
    connection = duckdb.connect(str(MeshSettings(state_dir=state).warehouse_path), read_only=True)
    try:
        customer_id = _customer_in_many_products(connection)
    finally:
        connection.close()
    runner = CliRunner()
    exported = runner.invoke(app, ["gdpr", "export", "--customer-id", customer_id])
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.output)
    erase = runner.invoke(
        app,
        ["gdpr", "erase", "--customer-id", customer_id, "--reason", REASON, "--by", "dpo.jane"],
    )
    assert erase.exit_code == 0, erase.output
    return Erased(state, customer_id, tuple(document["source_records"]), document, erase.output)


def test_export_gives_the_persons_data_as_one_document(erased: Erased) -> None:
    tables = erased.exported["tables"]
    assert erased.exported["customer_id"] == erased.customer_id
    assert tables["customers.customer_profile"][0]["customer_id"] == erased.customer_id
    for product in ("sales.sales_lines", "campaigns.campaign_sends", "web.web_sessions"):
        assert tables[product], product
    assert any(name.startswith("landing_") for name in tables)
    assert erased.source_ids


def test_no_row_of_the_person_remains_after_erasure(erased: Erased) -> None:
    tokens = (erased.customer_id, *erased.source_ids)
    assert _remaining(erased.state, tokens) == {}
    assert _replica_rows(erased.state, erased.customer_id) == {}


def test_the_audit_entry_says_who_when_why_where_and_how_many(erased: Erased) -> None:
    connection = duckdb.connect(
        str(MeshSettings(state_dir=erased.state).warehouse_path), read_only=True
    )
    try:
        rows = connection.execute(
            "SELECT requested_by, reason, erased_at, tables, rows_erased "
            "FROM privacy.erasure_audit WHERE customer_id = ?",
            [erased.customer_id],
        ).fetchall()
        kinds = connection.execute(
            "SELECT kind, identifier FROM privacy.erasure_suppression"
        ).fetchall()
    finally:
        connection.close()
    ((by, reason, erased_at, tables, total),) = rows
    assert (by, reason) == ("dpo.jane", REASON)
    assert erased_at is not None
    per_table = {entry["table"]: entry["rows"] for entry in json.loads(tables)}
    exported = {name: len(rows) for name, rows in erased.exported["tables"].items()}
    assert {name: n for name, n in per_table.items() if name in exported} == exported
    assert total == sum(per_table.values())
    assert ("customer_id", erased.customer_id) in kinds
    assert {("source_customer_id", s) for s in erased.source_ids} <= set(kinds)
    assert f"{total:,} row(s) erased" in erased.erase_output


def test_a_rebuild_does_not_bring_the_person_back(erased: Erased) -> None:
    report = _build(erased.state)
    assert report.landing_rows
    tokens = (erased.customer_id, *erased.source_ids)
    assert _remaining(erased.state, tokens) == {}
    assert _replica_rows(erased.state, erased.customer_id) == {}
