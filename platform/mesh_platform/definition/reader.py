"""A product's definition as written, read without Dagster.

What the product-definition rules of the governance lint inspect
(:mod:`mesh_platform.governance.rules`): a SQL file parsed and qualified against the
contracts (:class:`SqlDefinition`), a Python product's declaration
(:class:`PythonDefinition`), and the products of one domain folder
(:class:`DomainDefinition`). Reading never raises for a broken product: each rule reports
what it finds, ``mesh check`` lists every finding, and a code location refuses to load
while any remains.

Example:
    >>> from mesh_platform.definition.reader import tables_read
    >>> sorted(tables_read("with x as (select a from sales.sales_lines)"
    ...        " select a from x join customers.households using (a)"))
    [('customers', 'households'), ('sales', 'sales_lines')]
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from mesh_platform.contract import DataContract, columns_of
from mesh_platform.definition import cache
from mesh_platform.definition.macros import expand_macros
from mesh_platform.derive.sqltypes import Dialect, sql_type

AUTHORING_DIALECT: Dialect = "bigquery"
"""SQL products are written in GoogleSQL and transpiled to the engine's dialect."""

SchemaDict = dict[str, dict[str, dict[str, str]]]

SourceSchemas = Mapping[str, Mapping[str, Mapping[str, str]]]
"""Extra readable tables: ``{schema: {table: {column: type}}}`` (e.g. landing sources)."""


def source_tables(expression: exp.Expr) -> list[exp.Table]:
    """The table nodes of a query that name stored tables (CTE references excluded)."""
    tables: list[exp.Table] = []
    for scope in traverse_scope(expression):
        for source in scope.sources.values():
            if isinstance(source, exp.Table) and all(source is not t for t in tables):
                tables.append(source)
    return tables


def tables_read(sql: str) -> set[tuple[str, str]]:
    """``(schema, table)`` of every stored table a query reads."""
    expression = sqlglot.parse_one(sql, read=AUTHORING_DIALECT)
    return {(t.db, t.name) for t in source_tables(expression)}


def contract_schema(contracts: Mapping[str, type[DataContract]]) -> SchemaDict:
    """The contracts as a sqlglot schema: ``{domain: {product: {column: type}}}``."""
    return {
        domain: {product: dict(columns) for product, columns in products.items()}
        for domain, products in _contract_schema(tuple(contracts.items())).items()
    }


@functools.lru_cache(maxsize=8)
def _contract_schema(contracts: tuple[tuple[str, type[DataContract]], ...]) -> SchemaDict:
    schema: SchemaDict = {}
    for key, contract in contracts:
        domain, product = key.split(".", 1)
        schema.setdefault(domain, {})[product] = {
            c.name: sql_type(c.logical_type, AUTHORING_DIALECT).sql(AUTHORING_DIALECT)
            for c in columns_of(contract)
        }
    return schema


@dataclass(frozen=True)
class TableRead:
    """A table a SQL product reads, and what it is.

    Attributes:
        table: the table as written in the query.
        kind: another product (``product``), a raw source of the product's own domain
            (``source``), or neither (``unknown``).
        contract: the upstream product's contract, for a ``product``.
    """

    table: exp.Table
    kind: Literal["product", "source", "unknown"]
    contract: type[DataContract] | None = None

    @property
    def key(self) -> str:
        return f"{self.table.db}.{self.table.name}"

    @property
    def names_project(self) -> bool:
        """Whether the query names a project (the engine decides it, not the query)."""
        return bool(self.table.catalog)


@dataclass(frozen=True)
class SqlDefinition:
    """A SQL file read against the mesh's contracts, broken or not.

    Attributes:
        path: the SQL file.
        domain: the domain whose folder holds it.
        key: ``domain.product`` (the file's name).
        contract: the product's contract, if there is one.
        sql: the file's text.
        parse_error: why the file does not parse, if it does not.
        statements: how many statements the file holds.
        expression: the query, when the file holds exactly one.
        tables: every stored table the query reads.
        reads_sources: whether the domain's raw sources were readable.
        qualified: the query with every column qualified (when every table is known).
        qualify_error: why the query could not be qualified (e.g. an unknown column).
        schema: the tables the query could read, as a sqlglot schema.
        digest: what the reading depends on (the text, the tables it may read, the
            code), when it is complete: the key of what is kept of it
            (:mod:`mesh_platform.definition.cache`).
    """

    path: Path
    domain: str
    key: str
    contract: type[DataContract] | None
    sql: str
    parse_error: str | None = None
    statements: int = 0
    expression: exp.Query | None = None
    tables: tuple[TableRead, ...] = ()
    reads_sources: bool = False
    qualified: exp.Expr | None = None
    qualify_error: SqlglotError | None = None
    schema: SchemaDict | None = None
    digest: str = ""

    @property
    def file(self) -> str:
        return self.path.as_posix()

    @property
    def outputs(self) -> list[str]:
        """The query's output columns, in order (empty until it is qualified)."""
        if isinstance(self.qualified, exp.Query):
            return list(self.qualified.named_selects)
        return []


def read_sql(
    path: Path,
    domain: str,
    contracts: Mapping[str, type[DataContract]],
    sources: SourceSchemas | None = None,
    contract: type[DataContract] | None = None,
) -> SqlDefinition:
    """Read the SQL product at ``path``: parse it, find what it reads, qualify it.

    Args:
        path: the SQL file.
        domain: the domain whose folder holds it.
        contracts: the mesh's contracts by ``domain.product``.
        sources: the raw tables the domain may read besides products.
        contract: the product's contract (default: ``contracts[domain.<file name>]``).
    """
    key = contract.meta().key if contract else f"{domain}.{path.stem}"
    contract = contract or contracts.get(key)
    sql = path.read_text()
    read = SqlDefinition(path, domain, key, contract, sql, reads_sources=bool(sources))
    sources = sources or {}
    schema = contract_schema(contracts)
    for db, names in sources.items():
        for name, cols in names.items():
            schema.setdefault(db, {})[name] = dict(cols)
    digest = cache.digest_of((domain, key, sql, json.dumps(schema, sort_keys=True)))
    kept = cache.load("sql", key, digest)
    if kept is not None:  # parsed, expanded and qualified before: the same text and tables
        expression, tables, qualified = kept
        return replace(
            read,
            statements=1,
            expression=expression,
            tables=tuple(_table_read(t, domain, contracts, sources) for t in tables),
            qualified=qualified,
            schema=schema,
            digest=digest,
        )
    try:
        parsed = [s for s in sqlglot.parse(sql, read=AUTHORING_DIALECT) if s is not None]
        statements = [expand_macros(s) for s in parsed]  # raises MacroError, a ParseError
    except ParseError as error:
        return replace(read, parse_error=str(error))
    expression = statements[0] if len(statements) == 1 else None
    if not isinstance(expression, exp.Query):
        return replace(read, statements=len(statements))
    tables = tuple(_table_read(t, domain, contracts, sources) for t in source_tables(expression))
    read = replace(read, statements=1, expression=expression, tables=tables)
    if any(t.kind == "unknown" or t.names_project for t in tables):
        return read  # the tables are reported; the columns cannot be resolved
    try:
        qualified = qualify(
            expression.copy(),
            schema=cast(dict[str, object], schema),
            dialect=AUTHORING_DIALECT,
            validate_qualify_columns=True,
            identify=False,
        )
    except SqlglotError as error:
        return replace(read, qualify_error=error, schema=schema)
    cache.keep("sql", key, digest, (expression, [t.table for t in tables], qualified))
    return replace(read, qualified=qualified, schema=schema, digest=digest)


def _table_read(
    table: exp.Table,
    domain: str,
    contracts: Mapping[str, type[DataContract]],
    sources: SourceSchemas,
) -> TableRead:
    upstream = contracts.get(f"{table.db}.{table.name}")
    if upstream is not None:
        return TableRead(table, "product", upstream)
    if table.name in sources.get(table.db, {}) and table.db in (f"landing_{domain}", domain):
        return TableRead(table, "source")
    return TableRead(table, "unknown")


@dataclass(frozen=True)
class PythonDefinition:
    """A Python product's declaration: its contract, function and inputs.

    Attributes:
        key: ``domain.product`` of its contract.
        contract: the product's contract.
        file: where it is written, ``module.function``.
        inputs: function parameter → upstream product ``domain.product``.
        columns: function parameter → the only columns it loads of that input.
        parameters: the function's parameters.
        order: function parameter → the columns of that input its rows are ordered by,
            when declared.
    """

    key: str
    contract: type[DataContract]
    file: str
    inputs: Mapping[str, str]
    columns: Mapping[str, tuple[str, ...]]
    parameters: tuple[str, ...]
    order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class DomainDefinition:
    """The product definitions found in one domain's folder."""

    domain: str
    sql: tuple[SqlDefinition, ...] = ()
    python: tuple[PythonDefinition, ...] = ()
    python_modules: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Each module of the domain's ``python/`` folder and the products it defines."""


def read_domain(
    domain: str,
    folder: Path,
    python: Iterable[PythonDefinition],
    contracts: Mapping[str, type[DataContract]],
    sources: SourceSchemas | None = None,
    *,
    python_modules: Mapping[str, Iterable[str]] | None = None,
) -> DomainDefinition:
    """Every product definition of ``domain``: its ``sql/*.sql`` files and ``python``
    (declared by ``python_modules``: module file → the products it defines)."""
    sql = tuple(
        read_sql(path, domain, contracts, sources) for path in sorted(folder.glob("sql/*.sql"))
    )
    modules = tuple((file, tuple(keys)) for file, keys in (python_modules or {}).items())
    return DomainDefinition(domain, sql, tuple(python), modules)
