"""The checksum listing that compares two builds: order-blind, value- and type-sighted."""

from __future__ import annotations

import pytest

from mesh_platform.engines.duckdb import DuckDBEngine
from sandbox.checksums import main, table_checksums


def _fill(engine: DuckDBEngine, values: str) -> None:
    for schema in ("sales", "landing_sales"):
        engine.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        engine.execute(
            f"CREATE OR REPLACE TABLE {schema}.t AS SELECT * FROM (VALUES {values}) v(k, x)"
        )
    engine.execute("CREATE OR REPLACE TABLE sales._staging__t__run1 AS SELECT 1 AS k")


def test_checksums_list_every_table_but_staging_and_ignore_row_order() -> None:
    engine = DuckDBEngine()
    _fill(engine, "(1, 'a'), (2, 'b')")
    first = list(table_checksums(engine))
    assert [line.split("\t")[:2] for line in first] == [["landing_sales.t", "2"], ["sales.t", "2"]]
    _fill(engine, "(2, 'b'), (1, 'a')")
    assert list(table_checksums(engine)) == first
    _fill(engine, "(2, 'b'), (1, 'c')")
    assert list(table_checksums(engine)) != first
    assert [line.split("\t")[0] for line in table_checksums(engine, landing=False)] == ["sales.t"]


def test_the_command_says_when_there_is_no_warehouse(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 1
    assert "run mesh build first" in capsys.readouterr().err
    _fill(DuckDBEngine(), "(1, 'a')")
    assert main(["--no-landing"]) == 0
    assert capsys.readouterr().out.startswith("sales.t\t1\t")
