"""Checksums of every table of the local warehouse, to compare two builds bit for bit.

    deploy/local/run python -m sandbox.checksums > before.txt
    deploy/local/run mesh build --scale small
    deploy/local/run python -m sandbox.checksums > after.txt && diff before.txt after.txt

One line a table, sorted: ``schema.table<TAB>rows<TAB>checksum``. The checksum is the
platform's own (:meth:`~mesh_platform.engines.duckdb.DuckDBEngine.table_checksum`): the
column names and types and every row, whatever the order rows are stored in. Staging
tables are left out; ``--no-landing`` leaves the landing zone out too. The warehouse is
the one the settings name (``MESH_STATE_DIR``), read with a shared lock.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence

from sqlglot import exp

from mesh_platform.engines.base import STAGING_PREFIX
from mesh_platform.engines.duckdb import DuckDBEngine

LANDING_PREFIX = "landing_"


def table_checksums(engine: DuckDBEngine, *, landing: bool = True) -> Iterator[str]:
    """``schema.table<TAB>rows<TAB>checksum`` for every table of the warehouse, sorted."""
    with engine.session(write=False):
        rows = engine.query_rows(
            exp.select("table_schema", "table_name")
            .from_(exp.table_("tables", db="information_schema"))
            .where(exp.column("table_type").eq(exp.Literal.string("BASE TABLE")))
            .order_by("table_schema", "table_name")
        )
        for row in rows:
            schema, name = str(row["table_schema"]), str(row["table_name"])
            if name.startswith(STAGING_PREFIX) or (
                not landing and schema.startswith(LANDING_PREFIX)
            ):
                continue
            table = exp.table_(name, db=schema, quoted=True)
            yield f"{schema}.{name}\t{engine.row_count(table)}\t{engine.table_checksum(table)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-landing", action="store_true", help="leave landing tables out")
    options = parser.parse_args(argv)
    engine = DuckDBEngine()
    if not engine.path.exists():
        print(f"no warehouse at {engine.path}: run mesh build first", file=sys.stderr)
        return 1
    for line in table_checksums(engine, landing=not options.no_landing):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
