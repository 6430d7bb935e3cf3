"""The landing zone's tables, as SQL products see them.

In production the landing tables are operational extracts and the booking event
stream; locally the sandbox's simulation writes them. A SQL product may read its own
domain's landing tables (``landing_<domain>.<table>``); to check such a query at
definitions load (tables and columns exist, column lineage) the platform needs their
columns without running anything, so they are recorded in ``landing_schema.json``
beside this module. The sandbox generates the file from its simulated landing zone
(``python -m sandbox.simulation.manifest``) and a test proves it is up to date.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import duckdb
from sqlglot import exp

MANIFEST = Path(__file__).with_name("landing_schema.json")
LANDING_PREFIX = "landing_"

LandingSchema = dict[str, dict[str, dict[str, str]]]
"""``{schema: {table: {column: GoogleSQL type}}}``."""


@lru_cache(maxsize=1)
def _manifest() -> LandingSchema:
    if not MANIFEST.exists():
        return {}
    data: LandingSchema = json.loads(MANIFEST.read_text())
    return data


def landing_sources(domain: str) -> LandingSchema:
    """The landing tables a domain's SQL products may read."""
    schema = f"{LANDING_PREFIX}{domain}"
    tables = _manifest().get(schema)
    return {schema: tables} if tables else {}


def read_landing_schema(connection: duckdb.DuckDBPyConnection) -> LandingSchema:
    """The landing tables present in a DuckDB warehouse, typed in GoogleSQL."""
    rows = connection.execute(
        "SELECT table_schema, table_name, column_name, data_type "
        "FROM information_schema.columns WHERE table_schema LIKE 'landing\\_%' ESCAPE '\\' "
        "ORDER BY table_schema, table_name, ordinal_position"
    ).fetchall()
    result: LandingSchema = {}
    for schema, table, column, data_type in rows:
        google_type = exp.DataType.build(data_type, dialect="duckdb").sql("bigquery")
        result.setdefault(schema, {}).setdefault(table, {})[column] = google_type
    return result


def write_manifest(schema: LandingSchema) -> None:
    """Record the landing tables in the manifest (the sandbox does, from its simulation)."""
    MANIFEST.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
    _manifest.cache_clear()
