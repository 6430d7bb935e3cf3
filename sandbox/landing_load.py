"""The simulated landing zone, loaded into BigQuery the way production's extracts arrive:
by load jobs of Parquet files, never row by row.

The simulation writes the landing zone into the local DuckDB warehouse
(:mod:`sandbox.simulation`); when the mesh runs on BigQuery, each ``landing_<domain>``
table is then read from there in batches of Arrow record batches, written as Parquet and
loaded into the ``landing_<domain>`` dataset with its GoogleSQL types (the same types
``landing_schema.json`` records for the SQL products' definitions). The first batch
replaces the table, the others append to it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from mesh_platform.engines.bigquery import BigQueryEngine
from mesh_platform.landing import read_landing_schema

BATCH_ROWS = 1_000_000
"""Rows per load job: one Parquet file of a few tens of megabytes at most."""


@dataclass
class LandingLoad:
    """What loading the landing zone into BigQuery did."""

    rows: dict[str, int] = field(default_factory=dict)
    """Rows loaded per ``landing_<domain>.<table>``."""
    jobs: int = 0
    """Load jobs run."""


def load_landing(
    engine: BigQueryEngine,
    connection: duckdb.DuckDBPyConnection,
    *,
    batch_rows: int = BATCH_ROWS,
) -> LandingLoad:
    """Load every ``landing_*`` table of the DuckDB ``connection`` into ``engine``.

    Raises:
        RuntimeError: a table whose loaded row count differs from its DuckDB count (a
            load job that dropped rows without failing).
    """
    result = LandingLoad()
    for schema, tables in read_landing_schema(connection).items():
        engine.ensure_schema(schema)
        for table, columns in tables.items():
            source = exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(
                exp.table_(table, db=schema, quoted=True)
            )
            reader = connection.sql(source.sql(dialect="duckdb")).to_arrow_reader(batch_rows)
            target = engine.table_for(schema, table)
            loaded = 0
            for number, batch in enumerate(_batches(reader)):
                loaded += engine.load_parquet(
                    target, _parquet(batch), schema=columns, replace=number == 0
                )
                result.jobs += 1
            expected = _count(connection, schema, table)
            if loaded != expected:
                raise RuntimeError(
                    f"loading {schema}.{table} into BigQuery loaded {loaded:,} rows of {expected:,}"
                )
            result.rows[f"{schema}.{table}"] = loaded
    return result


def _batches(reader: pa.RecordBatchReader) -> Iterator[pa.Table]:
    """The reader's batches as tables; one empty table when it has none (an empty landing
    table is loaded too, so that it exists with its columns)."""
    empty = True
    for batch in reader:
        empty = False
        yield pa.Table.from_batches([batch])
    if empty:
        yield reader.schema.empty_table()


def _parquet(rows: pa.Table) -> io.BytesIO:
    buffer = io.BytesIO()
    pq.write_table(rows, buffer)
    buffer.seek(0)
    return buffer


def _count(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    query = exp.select(exp.func("COUNT", exp.Star())).from_(
        exp.table_(table, db=schema, quoted=True)
    )
    ((count,),) = connection.execute(query.sql(dialect="duckdb")).fetchall()
    return int(count)
