"""``mesh query``: run SQL on the published products, read-only, without waiting for builds."""

from __future__ import annotations

from typing import Annotated

import duckdb
import typer
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.output import console, fail
from mesh_platform.engines.replica import open_snapshot, read_manifest
from mesh_platform.settings import get_settings

_READING = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


def query(
    sql: Annotated[str, typer.Argument(help="The SQL to run (DuckDB dialect, SELECT only).")],
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many rows.")] = 100,
) -> None:
    """Query the last published state of every product (schemas are domains).

    Reads the published read replica, never the warehouse file: it neither waits for a
    build that is publishing nor fails on its lock, and sees one consistent state.
    """
    settings = get_settings()
    root = settings.published_dir
    if not read_manifest(root).products:
        if settings.warehouse_path.exists():
            fail(
                f"no published read replica in {root} yet (the warehouse predates it): "
                "run `mesh build` once, its publications write it"
            )
        fail(f"no published product in {root} yet: run `mesh build` first")
    try:
        with open_snapshot(root, threads=settings.duckdb_threads) as snapshot:
            connection = snapshot.connection
            statements = connection.extract_statements(sql)
            if any(s.type not in _READING for s in statements):
                fail("query failed: mesh query only reads (SELECT, WITH ... SELECT, EXPLAIN)")
            cursor = connection.execute(sql)
            if cursor.description is None:
                console().print("OK")
                return
            headings = [str(d[0]) for d in cursor.description]
            rows = cursor.fetchmany(limit + 1)
    except duckdb.Error as error:
        fail(f"query failed: {error}")
    table = Table()
    for heading in headings:
        table.add_column(heading)
    for row in rows[:limit]:
        table.add_row(*(Text("NULL", style="dim") if v is None else Text(str(v)) for v in row))
    out = console()
    out.print(table)
    out.print(f"first {limit} rows" if len(rows) > limit else f"{len(rows)} row(s)")
