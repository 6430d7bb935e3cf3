"""The query sandbox: a reader's SQL reads their views and nothing else.

Two independent walls, so that a gap in one is closed by the other:

1. **Statement inspection** (sqlglot, before anything runs): one statement, a query
   (``SELECT``, ``WITH``, set operations), whose every table is a readable product named
   ``domain.product`` or a name of its own ``WITH``; no table function (``read_csv``,
   ``glob``, ``query``...), no file named as a table, no function that reads files or
   the environment, no call of the masking function. Each refusal says what and why.
2. **DuckDB's own hardening** (the connection the query runs on): once the reader's
   views exist, ``allowed_paths`` is set to the replica files of those views only,
   ``enable_external_access`` is turned off (no other file, no network, no ``ATTACH``,
   no ``COPY``, no extension installation), extensions are neither installed nor loaded
   automatically, memory (``max_memory``) and threads are bounded, and
   ``lock_configuration`` makes every setting final. A query that runs longer than
   its time bound is interrupted.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from mesh_platform.access.policy import AccessError, Policy, Treatment
from mesh_platform.access.views import HASH_CHARS, MASK_FUNCTION, ReaderCatalog, view_statements
from mesh_platform.settings import MeshSettings, get_settings

MAX_SQL_CHARS = 20_000

_FILE_FUNCTIONS = frozenset(
    {
        "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json",
        "read_json_auto", "read_json_objects", "read_ndjson", "read_ndjson_auto",
        "read_ndjson_objects", "read_text", "read_blob", "read_xlsx", "glob", "sniff_csv",
        "parquet_metadata", "parquet_schema", "parquet_file_metadata",
        "parquet_kv_metadata", "iceberg_scan", "delta_scan", "sqlite_scan",
        "postgres_scan", "mysql_scan", "query", "query_table", "getenv",
        "current_setting", "which_secret", MASK_FUNCTION,
    }
)  # fmt: skip
"""Functions a reader's SQL may not call: they read files, other databases or the
environment, run SQL of their own, or hash candidate values like the masking does."""
_GENERATORS = frozenset({"range", "generate_series", "unnest"})
"""Table functions a reader may use: they generate rows, and read nothing."""
_SYSTEM_PREFIXES = ("duckdb_", "pragma_", "read_", "iceberg_", "delta_")


class QueryRefused(AccessError):
    """The reader's query is refused; the message says why."""


class QueryInterrupted(QueryRefused):
    """The reader's query ran out of time or memory."""


@dataclass(frozen=True)
class Limits:
    """The bounds of one query.

    Attributes:
        timeout_s: seconds before the query is interrupted.
        max_memory: DuckDB's memory bound (``max_memory``), e.g. ``512MB``.
        threads: DuckDB threads.
        max_rows: rows fetched at most.
    """

    timeout_s: float = 30.0
    max_memory: str = "512MB"
    threads: int = 1
    max_rows: int = 100


@dataclass(frozen=True)
class Result:
    """A query's column names and its first rows (``truncated``: there were more)."""

    headings: list[str]
    rows: list[tuple[object, ...]]
    truncated: bool


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_names()[0].lower()


def inspect(sql: str, catalog: ReaderCatalog) -> exp.Query:
    """The reader's single query, parsed, or a refusal naming the rule it breaks.

    Raises:
        QueryRefused: the SQL is not one query over readable products.
    """
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(f"refused: the query is longer than {MAX_SQL_CHARS} characters")
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as error:
        raise QueryRefused(f"refused: the query does not parse: {error}") from None
    if len(statements) != 1:
        raise QueryRefused(
            f"refused: one statement at a time ({len(statements)} given); "
            "mesh query runs a single SELECT"
        )
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        kind = (
            statement.key.upper()
            if not isinstance(statement, exp.Command)
            else (str(statement.this).upper())
        )
        raise QueryRefused(
            f"refused: {kind} is not a query; mesh query only reads "
            "(SELECT, WITH ... SELECT, UNION...): no COPY, ATTACH, INSTALL, LOAD, PRAGMA, "
            "SET or writes"
        )
    for node in statement.walk():
        if isinstance(node, exp.Into):
            raise QueryRefused("refused: SELECT ... INTO writes a table; mesh query only reads")
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if name in _FILE_FUNCTIONS or name.startswith(_SYSTEM_PREFIXES):
                raise QueryRefused(
                    f"refused: {name}() reads files, the environment or the engine's "
                    "internals; query the products by name (domain.product)"
                )
    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    for table in statement.find_all(exp.Table):
        if isinstance(table.this, exp.Func) and _function_name(table.this) in _GENERATORS:
            continue
        if not isinstance(table.this, exp.Identifier):
            raise QueryRefused(
                f"refused: {table.this.sql('duckdb')} is not a product; "
                "table functions and files are not allowed"
            )
        if table.catalog:
            raise QueryRefused(f"refused: {table.sql('duckdb')}: no other database")
        if not table.db:
            if table.name.lower() in ctes:
                continue
            raise QueryRefused(
                f"refused: {table.name!r} is not a product: name products as domain.product "
                "(e.g. sales.revenue_by_season)"
            )
        if catalog.get(table.db, table.name) is None:
            raise QueryRefused(f"refused: {catalog.why_not(table.db, table.name)}")
    return statement


def _hidden_message(statement: exp.Query, catalog: ReaderCatalog) -> str | None:
    """The refusal of a query naming a column the reader may not see, if it names one."""
    named = {c.name for c in statement.find_all(exp.Column)}
    for table in statement.find_all(exp.Table):
        product = catalog.get(table.db, table.name)
        if product is None:
            continue
        for column in product.hidden():
            if column in named:
                spec = product.specs[column]
                return (
                    f"refused: {product.key}.{column} is {spec.classification.value}, "
                    "not shown at your clearance (contracts/access_policy.yaml)"
                )
    return None


class QuerySandbox:
    """A hardened in-memory DuckDB holding one reader's views (see the module)."""

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, catalog: ReaderCatalog, limits: Limits
    ) -> None:
        self.connection = connection
        self.catalog = catalog
        self.limits = limits

    def run(self, sql: str) -> Result:
        """Inspect and run the reader's query within its bounds.

        Raises:
            QueryRefused: inspection refused it, it named a hidden column, it ran out of
                time or memory, or DuckDB refused it.
        """
        statement = inspect(sql, self.catalog)
        timer = threading.Timer(self.limits.timeout_s, self.connection.interrupt)
        timer.start()
        try:
            cursor = self.connection.execute(statement.sql("duckdb"))
            headings = [str(d[0]) for d in cursor.description or []]
            rows = cursor.fetchmany(self.limits.max_rows + 1)
        except duckdb.InterruptException:
            raise QueryInterrupted(
                f"interrupted: the query ran longer than {self.limits.timeout_s:g} s"
            ) from None
        except duckdb.OutOfMemoryException:
            raise QueryInterrupted(
                f"interrupted: the query needed more than {self.limits.max_memory} of memory"
            ) from None
        except duckdb.PermissionException as error:
            raise QueryRefused(f"refused by the sandbox: {error}") from None
        except duckdb.BinderException as error:
            raise QueryRefused(
                _hidden_message(statement, self.catalog) or f"query failed: {error}"
            ) from None
        except duckdb.Error as error:
            raise QueryRefused(f"query failed: {error}") from None
        finally:
            timer.cancel()
        return Result(headings, rows[: self.limits.max_rows], len(rows) > self.limits.max_rows)


@contextmanager
def open_sandbox(
    catalog: ReaderCatalog,
    policy: Policy,
    limits: Limits = Limits(),
    *,
    settings: MeshSettings | None = None,
) -> Iterator[QuerySandbox]:
    """A hardened connection holding the reader's views, closed on exit.

    Args:
        catalog: the reader's products.
        policy: the access policy (how masked columns are shown).
        limits: the query's bounds.
        settings: where the masking key is (default: :func:`get_settings`).
    """
    connection = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    try:
        masked = any(
            t is Treatment.MASKED for p in catalog.products.values() for t in p.shown.values()
        )
        if masked:
            key = policy.masking.key(settings or get_settings())

            def mask(value: str) -> str:
                return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:HASH_CHARS]

            connection.create_function(MASK_FUNCTION, mask, [str], str, side_effects=False)
        try:
            _lock_down(connection, catalog, policy, limits)
        except duckdb.Error as error:
            raise AccessError(
                f"the query sandbox could not be set up ({error}); if a view failed, "
                "the published replica does not match its contract: republish the product"
            ) from error
        yield QuerySandbox(connection, catalog, limits)
    finally:
        connection.close()


def _lock_down(
    connection: duckdb.DuckDBPyConnection,
    catalog: ReaderCatalog,
    policy: Policy,
    limits: Limits,
) -> None:
    """Create the reader's views, then take away everything else (see the module)."""
    connection.execute("SET TimeZone = 'UTC'")
    for statement in view_statements(catalog, policy):
        connection.execute(statement.sql("duckdb"))
    files = sorted({str(p.file) for p in catalog.products.values()})
    connection.execute("SET temp_directory = ''")  # no spilling: memory is the bound
    connection.execute("SET allowed_paths = ?", [files])
    connection.execute("SET enable_external_access = false")
    connection.execute("SET max_memory = ?", [limits.max_memory])
    connection.execute("SET threads = ?", [limits.threads])
    connection.execute("SET lock_configuration = true")
