"""``mesh rejects DOMAIN.PRODUCT``: the rows a product's runs left out, filtered."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from typer.testing import CliRunner

from mesh_platform.cli import app
from mesh_platform.contract import get_contract
from mesh_platform.derive.left_out_table import left_out_ddl
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.wap_accounting import rejects_table_for

runner = CliRunner()
PRODUCT = "resorts.villages"


@pytest.fixture
def recorded() -> None:
    """Two runs of resorts.villages left rows out."""
    contract = get_contract(PRODUCT)
    engine = DuckDBEngine()
    table = rejects_table_for(engine, contract)
    rows = pd.DataFrame(
        {
            "run_id": ["run-1", "run-1", "run-2"],
            "stage": ["villages", "villages", "villages"],
            "reason": ["missing_value:village_code", "duplicate", "missing_value:village_code"],
            "row_key": ["V1", None, "V9"],
            "row_json": ['{"name": "Alpha"}', None, '{"name": "Omega"}'],
            "recorded_at": [
                dt.datetime(2026, 1, 1),
                dt.datetime(2026, 1, 1),
                dt.datetime(2026, 2, 1),
            ],
        }
    )
    with engine.connection() as connection:
        connection.execute('CREATE SCHEMA IF NOT EXISTS "resorts"')
        connection.execute(engine.sql(left_out_ddl(contract, "duckdb", table)))
        connection.register("frame", rows)
        connection.execute(f"INSERT INTO {engine.sql(table)} SELECT * FROM frame")
        connection.unregister("frame")


def test_rejects_lists_every_row_newest_run_first(recorded: None) -> None:
    result = runner.invoke(app, ["rejects", PRODUCT])

    assert result.exit_code == 0, result.output
    assert result.stdout.index("run-2") < result.stdout.index("run-1")
    assert "V9" in result.stdout
    assert '{"name": "Alpha"}' in result.stdout
    assert "3 row(s) left out by resorts.villages" in result.stdout


def test_rejects_filters_by_run_reason_kind_and_limits(recorded: None) -> None:
    by_run = runner.invoke(app, ["rejects", PRODUCT, "--run", "run-1"])
    assert "run-2" not in by_run.stdout
    assert "2 row(s) left out by resorts.villages (run run-1)" in by_run.stdout

    by_kind = runner.invoke(app, ["rejects", PRODUCT, "--reason", "missing_value"])
    assert "duplicate" not in by_kind.stdout
    assert "2 row(s)" in by_kind.stdout

    by_reason = runner.invoke(app, ["rejects", PRODUCT, "--reason", "duplicate", "--run", "run-1"])
    assert "1 row(s)" in by_reason.stdout

    limited = runner.invoke(app, ["rejects", PRODUCT, "--limit", "1"])
    assert "first 1 rows" in limited.stdout
    assert "run-1" not in limited.stdout

    none = runner.invoke(app, ["rejects", PRODUCT, "--run", "run-3"])
    assert none.exit_code == 0
    assert "No rows left out by resorts.villages (run run-3)" in none.stdout


def test_rejects_of_a_product_that_left_nothing_out() -> None:
    result = runner.invoke(app, ["rejects", PRODUCT])
    assert result.exit_code == 0
    assert "resorts.villages has left no row out yet" in result.stdout


def test_rejects_of_an_unknown_product_fails_cleanly() -> None:
    result = runner.invoke(app, ["rejects", "resorts.nowhere"])
    assert result.exit_code == 2
    assert "no data product 'resorts.nowhere'" in result.stderr
