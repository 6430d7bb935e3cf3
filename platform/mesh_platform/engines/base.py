"""The warehouse client: how the platform talks to an engine, whatever the engine.

A :class:`WarehouseEngine` knows where a product lives (one schema or dataset per
domain), how to run SQL, how to load a frame into a table with the contract's exact
types, how to run the contract's checks in the warehouse and how to publish a staging
table atomically. How a DataFrame is shaped before it is written (the type handling)
is :func:`to_arrow`'s job, written once for every engine.

SQL is built with sqlglot expressions and rendered in the engine's dialect; the
pure builders (:func:`partition_predicate`, :func:`staging_name`, ...) are unit-tested
on their own.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import pandas as pd
import pyarrow as pa
from sqlglot import exp

from mesh_platform.contract import DataContract, LogicalType, column_map, columns_of
from mesh_platform.derive.sqltypes import Dialect
from mesh_platform.errors import ContractViolation, MeshError, RuleFailure
from mesh_platform.settings import EngineName, MeshSettings, get_settings

if TYPE_CHECKING:
    import polars as pl

    from mesh_platform.derive.checks import CheckResult

Frame: TypeAlias = "pd.DataFrame | pa.Table | pl.DataFrame"
"""What a Python product may return: a pandas or polars DataFrame or an Arrow table."""

Resolve: TypeAlias = Callable[[str, str], "exp.Table | None"]
"""Maps ``(domain, product)`` to the table that holds it (``None``: not checked)."""

STAGING_PREFIX = "_staging__"
_CHECK_INDEX = "_check_index"

_ARROW_TYPES: dict[LogicalType, pa.DataType] = {
    LogicalType.STRING: pa.string(),
    LogicalType.INTEGER: pa.int64(),
    LogicalType.FLOAT: pa.float64(),
    LogicalType.BOOLEAN: pa.bool_(),
    LogicalType.DATE: pa.date32(),
    LogicalType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
}


class WarehouseError(MeshError):
    """The warehouse could not do what was asked (after retries, where they apply)."""


class WarehouseLockTimeout(WarehouseError):
    """Another process kept the warehouse busy for longer than the configured wait."""


# --- pure builders ------------------------------------------------------------------


def sanitize_run_id(run_id: str) -> str:
    """A run id reduced to lower-case letters, digits and single underscores.

    Example:
        >>> sanitize_run_id("3F2a-9b__c.d")
        '3f2a_9b_c_d'
    """
    cleaned = re.sub(r"[^a-z0-9]+", "_", run_id.lower()).strip("_")
    if not cleaned:
        raise ValueError(f"run id {run_id!r} has no letter or digit")
    return cleaned


def staging_name(product: str, run_id: str) -> str:
    """The staging table name of one run of a product.

    Example:
        >>> staging_name("revenue_by_season", "8c1e-77")
        '_staging__revenue_by_season__8c1e_77'
    """
    return f"{STAGING_PREFIX}{product}__{sanitize_run_id(run_id)}"


def is_staging_of(table_name: str, product: str) -> bool:
    """Whether ``table_name`` is a staging table of ``product`` (of any run).

    Example:
        >>> is_staging_of("_staging__sales__1a2b", "sales")
        True
        >>> is_staging_of("_staging__sales_lines__1a2b", "sales")
        False
    """
    prefix = f"{STAGING_PREFIX}{product}__"
    if not table_name.startswith(prefix):
        return False
    rest = table_name[len(prefix) :]
    return bool(rest) and "__" not in rest


def arrow_schema(contract: type[DataContract]) -> pa.Schema:
    """The Arrow schema of a contract's rows, the common currency of every frame."""
    return pa.schema(
        [
            pa.field(c.name, _ARROW_TYPES[c.logical_type], nullable=c.nullable)
            for c in columns_of(contract)
        ]
    )


def to_arrow(frame: Frame, contract: type[DataContract]) -> pa.Table:
    """The frame as an Arrow table with exactly the contract's columns, order and types.

    Extra columns are dropped; a missing column or a value that cannot take its
    column's type without loss raises :class:`ContractViolation` naming the column.
    """
    key = contract.meta().key
    table = _as_arrow_table(frame)
    schema = arrow_schema(contract)
    missing = [name for name in schema.names if name not in table.column_names]
    if missing:
        raise ContractViolation(
            key,
            [
                RuleFailure(key, name, "columns", detail="column missing from the frame")
                for name in missing
            ],
        )
    arrays: list[pa.ChunkedArray] = []
    failures: list[RuleFailure] = []
    for field in schema:
        array = table.column(field.name)
        try:
            arrays.append(_cast(array, field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            failures.append(
                RuleFailure(key, field.name, "dtype", detail=f"{field.type}: {exc}".strip())
            )
    if failures:
        raise ContractViolation(key, failures)
    # Every field nullable here: a null in a required column must reach the staging
    # table, where the contract's not-null check counts and samples it.
    loose = pa.schema([field.with_nullable(True) for field in schema])
    return pa.Table.from_arrays(arrays, schema=loose)


def _as_arrow_table(frame: Frame) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    if isinstance(frame, pd.DataFrame):
        return pa.Table.from_pandas(frame, preserve_index=False)
    to_arrow_method = getattr(frame, "to_arrow", None)  # polars
    if callable(to_arrow_method):
        result = to_arrow_method()
        if isinstance(result, pa.Table):
            return result
    raise TypeError(
        f"cannot write a {type(frame).__name__}: return a pandas or polars DataFrame "
        "or a pyarrow Table"
    )


def _cast(array: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    if array.type == target:
        return array
    if pa.types.is_timestamp(target) and pa.types.is_timestamp(array.type) and not array.type.tz:
        # Naive timestamps are taken as UTC, as the contract's Timestamp type says.
        array = array.cast(pa.timestamp(array.type.unit, tz="UTC"))
    if pa.types.is_null(array.type):
        return pa.chunked_array([pa.nulls(len(array), target)])
    return array.cast(target, safe=True)


def drop_statement(table: exp.Table) -> exp.Drop:
    """``DROP TABLE IF EXISTS table``.

    Example:
        >>> drop_statement(exp.table_("t", db="s", quoted=True)).sql("duckdb")
        'DROP TABLE IF EXISTS "s"."t"'
    """
    return exp.Drop(tables=[table.copy()], kind="TABLE", exists=True)


def column_types(create: exp.Create) -> dict[str, exp.DataType]:
    """The column types of a ``CREATE TABLE`` expression, by column name."""
    schema = create.this
    found: dict[str, exp.DataType] = {}
    if isinstance(schema, exp.Schema):
        for definition in schema.expressions:
            if isinstance(definition, exp.ColumnDef):
                kind = definition.args.get("kind")
                if isinstance(kind, exp.DataType):
                    found[definition.name] = kind
    return found


PARTITION_RANGE = ".."
"""``first..last`` names a range of partitions, both included (one backfill run)."""


def partition_predicate(
    contract: type[DataContract], partition: str, column_type: exp.DataType | None = None
) -> exp.Condition:
    """The rows of one partition of a partitioned product, as a SQL condition.

    ``season`` partitions compare the column with the key; ``daily`` and ``monthly``
    ones select a half-open date range, so they work on DATE and TIMESTAMP columns.
    ``column_type`` is the column's type in the engine (from the contract's DDL); the
    bounds are cast to it. ``first..last`` selects a range of partitions, both included.

    Example:
        >>> from mesh_platform.contract import Partitioning, column
        >>> class Night(DataContract, domain="demo", product="nights", register=False,
        ...             partitioning=Partitioning(column="night", kind="monthly")):
        ...     night: dt.date = column("Night of stay.")
        >>> partition_predicate(Night, "2024-02-01").sql("duckdb")
        "night >= CAST('2024-02-01' AS DATE) AND night < CAST('2024-03-01' AS DATE)"
        >>> partition_predicate(Night, "2024-02-01..2024-04-01").sql("duckdb")
        "night >= CAST('2024-02-01' AS DATE) AND night < CAST('2024-05-01' AS DATE)"
    """
    meta = contract.meta()
    spec = meta.partitioning
    if spec is None:
        raise ValueError(f"{meta.key}: not partitioned, cannot publish partition {partition!r}")
    column = column_map(contract)[spec.column]
    target = exp.column(spec.column)
    first, _, last = partition.partition(PARTITION_RANGE)
    last = last or first
    if spec.kind == "season" or column.logical_type not in (
        LogicalType.DATE,
        LogicalType.TIMESTAMP,
    ):
        if first == last:
            return exp.EQ(this=target, expression=_literal(first, column.logical_type))
        return exp.and_(
            exp.GTE(this=target, expression=_literal(first, column.logical_type)),
            exp.LTE(this=target.copy(), expression=_literal(last, column.logical_type)),
        )
    start = _partition_start(first, spec.kind, meta.key)
    end = _next_period(_partition_start(last, spec.kind, meta.key), spec.kind)
    kind = column_type or exp.DataType.build(
        "DATE" if column.logical_type is LogicalType.DATE else "TIMESTAMP"
    )

    def bound(day: dt.date) -> exp.Cast:
        return exp.cast(exp.Literal.string(day.isoformat()), kind.copy())

    return exp.and_(
        exp.GTE(this=target, expression=bound(start)),
        exp.LT(this=target.copy(), expression=bound(end)),
    )


def _literal(value: str, logical: LogicalType) -> exp.Expression:
    if logical is LogicalType.INTEGER:
        return exp.Literal.number(int(value))
    if logical is LogicalType.FLOAT:
        return exp.Literal.number(float(value))
    return exp.Literal.string(value)


def _partition_start(partition: str, kind: str, key: str) -> dt.date:
    try:
        if kind == "monthly" and len(partition) == 7:
            return dt.date.fromisoformat(f"{partition}-01")
        start = dt.date.fromisoformat(partition[:10])
    except ValueError:
        raise ValueError(f"{key}: partition key {partition!r} is not a date") from None
    return start.replace(day=1) if kind == "monthly" else start


def _next_period(start: dt.date, kind: str) -> dt.date:
    if kind == "monthly":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


# --- the engine interface -------------------------------------------------------------


class WarehouseEngine(ABC):
    """How the platform talks to a warehouse: one instance per engine and settings.

    Tables are sqlglot :class:`~sqlglot.exp.Table` expressions; SQL arguments are
    sqlglot expressions (or strings already in the engine's dialect).
    """

    name: ClassVar[EngineName]
    dialect: ClassVar[Dialect]

    def __init__(self, settings: MeshSettings | None = None) -> None:
        self.settings = settings or get_settings()

    # -- where things live

    @property
    def catalog(self) -> str | None:
        """The catalog (BigQuery project) tables live in, if the engine names one."""
        return None

    def schema_for(self, domain: str) -> str:
        """The schema (DuckDB) or dataset (BigQuery) holding ``domain``'s products."""
        return self.settings.dataset_for(domain)

    def table_for(self, domain: str, product: str) -> exp.Table:
        """The published table of ``domain.product``."""
        return exp.table_(product, db=self.schema_for(domain), catalog=self.catalog, quoted=True)

    def staging_table_for(self, domain: str, product: str, run_id: str) -> exp.Table:
        """The staging table of one run of ``domain.product``, in the domain's schema."""
        return self.table_for(domain, staging_name(product, run_id))

    def sql(self, expression: exp.Expr | str) -> str:
        """An expression rendered in the engine's dialect (strings pass through)."""
        if isinstance(expression, str):
            return expression
        return expression.sql(dialect=self.dialect, identify=True)

    def describe(self) -> str:
        """Where this engine writes, for logs and messages."""
        return self.name.value

    # -- sessions and raw SQL

    @contextmanager
    def session(self) -> Iterator[WarehouseEngine]:
        """Group several operations (a whole write-audit-publish) on one connection.

        Engines that serialise writers hold their lock for the whole session.
        """
        yield self

    @abstractmethod
    def ensure_schema(self, domain: str) -> None:
        """Create the domain's schema or dataset if it does not exist."""

    @abstractmethod
    def execute(self, statement: exp.Expr | str) -> None:
        """Run one statement for its effect."""

    @abstractmethod
    def query_rows(self, query: exp.Expr | str) -> list[dict[str, Any]]:
        """Run a query and return its rows as dictionaries (for small results)."""

    @abstractmethod
    def query_frame(self, query: exp.Expr | str) -> pd.DataFrame:
        """Run a query and return its result as a pandas DataFrame."""

    @abstractmethod
    def table_exists(self, table: exp.Table) -> bool:
        """Whether ``table`` exists."""

    @abstractmethod
    def list_tables(self, schema: str) -> list[str]:
        """The table names of a schema or dataset (empty when it does not exist)."""

    @abstractmethod
    def drop_table(self, table: exp.Table) -> None:
        """Drop ``table`` if it exists."""

    # -- writing

    @abstractmethod
    def write_frame(self, table: exp.Table, frame: Frame, contract: type[DataContract]) -> None:
        """Create ``table`` from the contract's staging DDL and load ``frame`` into it."""

    def create_table_as(
        self, table: exp.Table, select: exp.Query | str, contract: type[DataContract]
    ) -> None:
        """Create ``table`` from the contract's staging DDL and fill it with ``select``.

        The query runs in the warehouse: no row travels through Python. Each output
        column is cast to the contract's type, in the contract's order.
        """
        self.create_staging_table(table, contract)
        self.execute(self.insert_from(table, select, contract))

    def create_staging_table(self, table: exp.Table, contract: type[DataContract]) -> None:
        """Create an empty staging table: the contract's DDL without NOT NULL.

        Staging tables accept every row so that the contract's checks can count and
        sample the offending ones, instead of a load failing on the first.
        """
        from mesh_platform.derive.ddl import create_table

        self.execute(create_table(contract, self.dialect, table, enforce_not_null=False))

    def insert_from(
        self, table: exp.Table, source: exp.Query | exp.Table | str, contract: type[DataContract]
    ) -> exp.Insert:
        """``INSERT INTO table (cols) SELECT CAST(col AS type) ... FROM (source)``."""
        types = self.column_types(contract)
        relation: exp.Expr
        if isinstance(source, exp.Table):
            relation = source.copy().as_("src")
        else:
            query = exp.maybe_parse(source, dialect=self.dialect)
            if not isinstance(query, exp.Query):
                raise TypeError(f"not a query: {self.sql(query)}")
            relation = query.subquery("src")
        names = list(types)
        select = exp.select(
            *(
                exp.cast(exp.column(name, table="src"), types[name].copy()).as_(name)
                for name in names
            )
        ).from_(relation)
        return exp.insert(select, table.copy(), columns=names)

    def column_types(self, contract: type[DataContract]) -> dict[str, exp.DataType]:
        """The contract's column types in this engine, read from its derived DDL."""
        from mesh_platform.derive.ddl import create_table

        return column_types(create_table(contract, self.dialect))

    # -- auditing

    def run_checks(
        self,
        contract: type[DataContract],
        table: exp.Table,
        resolve: Resolve | None = None,
        *,
        sample_size: int = 5,
    ) -> list[CheckResult]:
        """Run the contract's in-warehouse checks on ``table``; one result per check.

        ``resolve`` locates referenced products for the reference checks; by default
        their published tables, when they exist (a reference to a product not yet
        published is not checked).
        """
        from mesh_platform.derive.checks import (
            FAILING_ROWS,
            SAMPLE_KEYS,
            CheckResult,
            check_queries,
        )

        checks = check_queries(
            contract,
            self.dialect,
            table,
            resolve=resolve or self.published_table,
            sample_size=sample_size,
        )
        if not checks:
            return []
        # One round trip for every check: each query returns one row of the same shape.
        parts: list[exp.Query] = [
            exp.select(
                exp.Literal.number(i).as_(_CHECK_INDEX),
                exp.column(FAILING_ROWS, quoted=True),
                exp.column(SAMPLE_KEYS, quoted=True),
            ).from_(check.query.subquery(f"_check_{i}"))
            for i, check in enumerate(checks)
        ]
        union = parts[0]
        for part in parts[1:]:
            union = exp.union(union, part, distinct=False)
        rows = {int(row[_CHECK_INDEX]): row for row in self.query_rows(union)}
        return [CheckResult.from_row(check, rows[i]) for i, check in enumerate(checks)]

    def published_table(self, domain: str, product: str) -> exp.Table | None:
        """The published table of ``domain.product`` if it exists, else ``None``."""
        table = self.table_for(domain, product)
        return table if self.table_exists(table) else None

    def partition_failures(
        self,
        contract: type[DataContract],
        table: exp.Table,
        partition: str,
        *,
        sample_size: int = 5,
    ) -> list[RuleFailure]:
        """Rows of ``table`` outside ``partition`` (a partition publish holds only its own)."""
        meta = contract.meta()
        spec = meta.partitioning
        if spec is None:
            raise ValueError(f"{meta.key}: not partitioned, cannot publish partition {partition!r}")
        inside = self.partition_condition(contract, partition)
        outside = exp.not_(exp.func("COALESCE", exp.paren(inside), exp.false()))
        counted = self.query_rows(
            exp.select(exp.func("COUNT", exp.Star()).as_("n")).from_(table.copy()).where(outside)
        )
        failing = int(counted[0]["n"]) if counted else 0
        if not failing:
            return []
        keys = list(meta.grain) or [spec.column]
        sample_rows = self.query_rows(
            exp.select(*(exp.column(k) for k in keys))
            .from_(table.copy())
            .where(outside.copy())
            .order_by(*(exp.column(k) for k in keys))
            .limit(sample_size)
        )
        sample = [
            row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys) for row in sample_rows
        ]
        return [
            RuleFailure(
                meta.key,
                spec.column,
                "partition",
                failing_rows=failing,
                sample=tuple(sample),
                detail=f"only rows of partition {partition!r}",
            )
        ]

    def partition_condition(self, contract: type[DataContract], partition: str) -> exp.Condition:
        """:func:`partition_predicate` with bounds cast to this engine's column type."""
        spec = contract.meta().partitioning
        kind = self.column_types(contract).get(spec.column) if spec else None
        return partition_predicate(contract, partition, kind)

    # -- publishing

    @abstractmethod
    def publish(
        self,
        contract: type[DataContract],
        staging: exp.Table,
        target: exp.Table,
        *,
        partition: str | None = None,
    ) -> None:
        """Make ``staging`` the published ``target`` atomically, then drop ``staging``.

        With ``partition``, only that partition's rows of ``target`` are replaced.
        """

    def cleanup_staging(self, domain: str, product: str) -> list[str]:
        """Drop the leftover staging tables of ``domain.product``; returns their names."""
        schema = self.schema_for(domain)
        dropped = [name for name in self.list_tables(schema) if is_staging_of(name, product)]
        for name in dropped:
            self.drop_table(self.table_for(domain, name))
        return dropped

    # -- reading

    def row_count(self, table: exp.Table) -> int:
        """The number of rows of ``table``."""
        rows = self.query_rows(
            exp.select(exp.func("COUNT", exp.Star()).as_("n")).from_(table.copy())
        )
        return int(rows[0]["n"])

    @abstractmethod
    def table_checksum(self, table: exp.Table) -> str:
        """An order-independent checksum of ``table``'s columns, types and rows."""

    def read_table(
        self,
        table: exp.Table,
        *,
        where: exp.Condition | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The rows of ``table`` (optionally filtered, optionally only some columns) as a
        pandas DataFrame."""
        selected: list[exp.Expr] = (
            [exp.column(name, quoted=True) for name in columns] if columns else [exp.Star()]
        )
        query = exp.select(*selected).from_(table.copy())
        if where is not None:
            query = query.where(where)
        return self.query_frame(query)

    def read_product(
        self,
        domain: str,
        product: str,
        *,
        where: exp.Condition | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The published rows of ``domain.product`` as a pandas DataFrame."""
        return self.read_table(self.table_for(domain, product), where=where, columns=columns)


def checksum_of(parts: Sequence[object]) -> str:
    """A short hexadecimal digest of the given parts."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode())
    return digest.hexdigest()[:32]
