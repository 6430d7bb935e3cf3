"""Warehouse column types of a contract's logical types, per SQL dialect.

DuckDB is the local engine, BigQuery the production one. Both readings of a contract
column's type are written here once:

============  ===========  =========
logical type  DuckDB       BigQuery
============  ===========  =========
string        VARCHAR      STRING
integer       BIGINT       INT64
float         DOUBLE       FLOAT64
boolean       BOOLEAN      BOOL
date          DATE         DATE
timestamp     TIMESTAMP    TIMESTAMP
============  ===========  =========

A contract timestamp is a UTC instant: BigQuery's ``TIMESTAMP`` is one (sqlglot calls
it ``TIMESTAMPTZ``); on DuckDB it is stored as a naive ``TIMESTAMP`` holding UTC.
sqlglot prints DuckDB's ``VARCHAR`` as its synonym ``TEXT``.

Example:
    >>> sql_type(LogicalType.INTEGER, "bigquery").sql("bigquery")
    'INT64'
    >>> sql_type(LogicalType.TIMESTAMP, "bigquery").sql("bigquery")
    'TIMESTAMP'
    >>> sql_type(LogicalType.FLOAT, "duckdb").sql("duckdb")
    'DOUBLE'
"""

from __future__ import annotations

from typing import Literal, get_args

from sqlglot import exp

from mesh_platform.contract import LogicalType

Dialect = Literal["duckdb", "bigquery"]
"""The SQL dialects the platform derives SQL for (sqlglot dialect names)."""

DIALECTS: tuple[Dialect, ...] = get_args(Dialect)

_T = exp.DType

_TYPES: dict[Dialect, dict[LogicalType, exp.DType]] = {
    "duckdb": {
        LogicalType.STRING: _T.VARCHAR,
        LogicalType.INTEGER: _T.BIGINT,
        LogicalType.FLOAT: _T.DOUBLE,
        LogicalType.BOOLEAN: _T.BOOLEAN,
        LogicalType.DATE: _T.DATE,
        LogicalType.TIMESTAMP: _T.TIMESTAMP,
    },
    "bigquery": {
        LogicalType.STRING: _T.VARCHAR,
        LogicalType.INTEGER: _T.BIGINT,
        LogicalType.FLOAT: _T.DOUBLE,
        LogicalType.BOOLEAN: _T.BOOLEAN,
        LogicalType.DATE: _T.DATE,
        # sqlglot's TIMESTAMP is BigQuery's DATETIME; TIMESTAMPTZ is BigQuery's TIMESTAMP.
        LogicalType.TIMESTAMP: _T.TIMESTAMPTZ,
    },
}

_BIGQUERY_FIELD_TYPES: dict[LogicalType, str] = {
    LogicalType.STRING: "STRING",
    LogicalType.INTEGER: "INT64",
    LogicalType.FLOAT: "FLOAT64",
    LogicalType.BOOLEAN: "BOOL",
    LogicalType.DATE: "DATE",
    LogicalType.TIMESTAMP: "TIMESTAMP",
}


def check_dialect(dialect: str) -> Dialect:
    """``dialect`` if the platform derives SQL for it; a ValueError naming the choices otherwise.

    Example:
        >>> check_dialect("duckdb")
        'duckdb'
    """
    for known in DIALECTS:
        if dialect == known:
            return known
    raise ValueError(f"unsupported SQL dialect {dialect!r}; use one of {', '.join(DIALECTS)}")


def sql_type(logical_type: LogicalType, dialect: Dialect) -> exp.DataType:
    """The column type of ``logical_type`` in ``dialect``, as a sqlglot expression."""
    return exp.DataType(this=_TYPES[check_dialect(dialect)][logical_type], nested=False)


def string_type(dialect: Dialect) -> exp.DataType:
    """The dialect's string type (``VARCHAR`` / ``STRING``), used to render keys."""
    return sql_type(LogicalType.STRING, dialect)


def bigquery_field_type(logical_type: LogicalType) -> str:
    """The BigQuery API's standard-SQL type name of ``logical_type`` (for ``SchemaField``).

    Example:
        >>> bigquery_field_type(LogicalType.BOOLEAN)
        'BOOL'
    """
    return _BIGQUERY_FIELD_TYPES[logical_type]
