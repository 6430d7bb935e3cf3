"""The warehouse client: how the platform talks to an engine, whatever the engine.

A :class:`WarehouseEngine` knows where a product lives (one schema or dataset per
domain) and talks to its warehouse: it runs statements and queries, loads an Arrow
table, lists, checks and drops tables, and publishes a staging table atomically
(replacing the whole table, or the rows matching a condition). It derives no SQL
from a contract: write-audit-publish (:mod:`mesh_platform.wap`) hands it the
statements, derived from the contract, as sqlglot expressions, and runs the audit.

SQL is rendered in the engine's dialect; the pure builders (:func:`staging_name`,
:func:`drop_statement`, ...) are unit-tested on their own.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from sqlglot import exp

from mesh_platform.derive.sqltypes import Dialect
from mesh_platform.errors import MeshError
from mesh_platform.settings import EngineName, MeshSettings, get_settings

if TYPE_CHECKING:  # pandas and Arrow are loaded by what reads or loads frames
    import pandas as pd
    import pyarrow as pa

STAGING_PREFIX = "_staging__"


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


def drop_statement(table: exp.Table) -> exp.Drop:
    """``DROP TABLE IF EXISTS table``.

    Example:
        >>> drop_statement(exp.table_("t", db="s", quoted=True)).sql("duckdb")
        'DROP TABLE IF EXISTS "s"."t"'
    """
    return exp.Drop(tables=[table.copy()], kind="TABLE", exists=True)


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
    def query_batches(self, query: exp.Expr | str, *, rows: int) -> Iterator[pd.DataFrame]:
        """Run a query and yield its result in order, as DataFrames of at most ``rows``
        rows each (:meth:`query_frame`'s frame cut in pieces), one held at a time.

        Until the last batch is taken the read holds what a read holds (DuckDB: its
        session, so the thread's other reads share it and a write is refused)."""

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

    def create_staging(self, create: exp.Create) -> None:
        """Create a staging table from its ``CREATE TABLE`` statement.

        Engines may add what staging tables need there (e.g. an expiry).
        """
        self.execute(create)

    @abstractmethod
    def load_arrow(self, table: exp.Table, rows: pa.Table) -> None:
        """Append ``rows`` to the existing ``table``, column by column name."""

    # -- publishing

    @abstractmethod
    def replace_table(
        self,
        staging: exp.Table,
        target: exp.Table,
        *,
        create: Sequence[exp.Expr],
        insert: exp.Insert,
        swap: Sequence[exp.Expr] | None = None,
    ) -> None:
        """Replace ``target`` atomically with ``staging``'s rows; ``staging`` is gone
        afterwards.

        Args:
            staging: the audited staging table.
            target: the published table.
            create: the statements creating ``target`` (``CREATE OR REPLACE TABLE``
                and, where the engine has them, ``COMMENT ON`` statements).
            insert: ``INSERT INTO target ... SELECT ... FROM staging``.
            swap: the statements that make ``staging`` the target by renaming it
                (:func:`~mesh_platform.derive.ddl.swap_statements`), for an engine
                that runs them in one transaction instead of copying the rows;
                ``None`` where the engine cannot.
        """

    @abstractmethod
    def replace_rows(
        self,
        staging: exp.Table,
        target: exp.Table,
        *,
        where: exp.Condition,
        insert: exp.Insert,
    ) -> None:
        """Replace the rows of ``target`` matching ``where`` with ``staging``'s rows,
        atomically, then drop ``staging``.

        Args:
            staging: the audited staging table.
            target: the published table; it exists.
            where: the rows replaced (one partition, or a range of them).
            insert: ``INSERT INTO target ... SELECT ... FROM staging``.
        """

    def publish_replica(self, domain: str, product: str, run_id: str) -> None:
        """Make the table just published what readers in other processes see.

        Called by write-audit-publish after a successful publication. Engines whose
        readers already see the last committed state without waiting for writers
        (BigQuery's snapshot isolation) do nothing; DuckDB exports a read replica
        (:mod:`mesh_platform.engines.replica`).
        """
        return None

    def cleanup_staging(self, domain: str, product: str) -> list[str]:
        """Drop the leftover staging tables of ``domain.product``; returns their names."""
        schema = self.schema_for(domain)
        dropped = [name for name in self.list_tables(schema) if is_staging_of(name, product)]
        for name in dropped:
            self.drop_table(self.table_for(domain, name))
        return dropped

    def published_table(self, domain: str, product: str) -> exp.Table | None:
        """The published table of ``domain.product`` if it exists, else ``None``."""
        table = self.table_for(domain, product)
        return table if self.table_exists(table) else None

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
        order_by: Sequence[str] = (),
    ) -> pd.DataFrame:
        """The rows of ``table`` (optionally filtered, optionally only some columns, in
        the order of ``order_by`` when given) as a pandas DataFrame."""
        return self.query_frame(read_query(table, where=where, columns=columns, order_by=order_by))

    def read_product(
        self,
        domain: str,
        product: str,
        *,
        where: exp.Condition | None = None,
        columns: Sequence[str] | None = None,
        order_by: Sequence[str] = (),
    ) -> pd.DataFrame:
        """The published rows of ``domain.product`` as a pandas DataFrame."""
        return self.read_table(
            self.table_for(domain, product), where=where, columns=columns, order_by=order_by
        )

    def read_product_batches(
        self,
        domain: str,
        product: str,
        *,
        rows: int,
        columns: Sequence[str] | None = None,
        order_by: Sequence[str] = (),
    ) -> Iterator[pd.DataFrame]:
        """The published rows of ``domain.product`` as :meth:`read_product` reads them, a
        DataFrame of at most ``rows`` rows at a time (:meth:`query_batches`)."""
        query = read_query(self.table_for(domain, product), columns=columns, order_by=order_by)
        return self.query_batches(query, rows=rows)


def read_query(
    table: exp.Table,
    *,
    where: exp.Condition | None = None,
    columns: Sequence[str] | None = None,
    order_by: Sequence[str] = (),
) -> exp.Select:
    """The query reading ``table``: some columns or all, optionally filtered, in the order
    of ``order_by`` when given.

    Example:
        >>> read_query(exp.table_("t", db="d"), columns=["a"], order_by=["b"]).sql()
        'SELECT "a" FROM d.t ORDER BY "b"'
    """
    selected: list[exp.Expr] = (
        [exp.column(name, quoted=True) for name in columns] if columns else [exp.Star()]
    )
    query = exp.select(*selected).from_(table.copy())
    if where is not None:
        query = query.where(where)
    if order_by:
        query = query.order_by(*(exp.column(name, quoted=True) for name in order_by))
    return query


def checksum_of(parts: Sequence[object]) -> str:
    """A short hexadecimal digest of the given parts."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode())
    return digest.hexdigest()[:32]
