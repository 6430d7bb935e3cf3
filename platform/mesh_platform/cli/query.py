"""``mesh query``: run SQL on the local warehouse, read-only."""

from __future__ import annotations

from typing import Annotated

import duckdb
import typer
from rich.table import Table
from rich.text import Text

from mesh_platform.cli.output import console, fail
from mesh_platform.settings import get_settings


def query(
    sql: Annotated[str, typer.Argument(help="The SQL to run (DuckDB dialect).")],
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many rows.")] = 100,
) -> None:
    """Run SQL on the local DuckDB warehouse (read-only) and print the result."""
    path = get_settings().warehouse_path
    if not path.exists():
        fail(f"no warehouse at {path} yet: run `mesh build` first")
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
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
