"""SQL products: a GoogleSQL file plus its contract.

The platform reads the query with sqlglot once, at definitions load, and from it
derives the product's upstream products (asset dependencies, across code locations),
its column lineage, and the checks that make a wrong query fail before it ever runs:
output columns that differ from the contract, tables or columns that do not exist,
reads of another domain's internal product.

Example:
    >>> from mesh_platform.products.sql import tables_read
    >>> sorted(tables_read("with x as (select a from sales.sales_lines)"
    ...        " select a from x join customers.households using (a)"))
    [('customers', 'households'), ('sales', 'sales_lines')]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope, traverse_scope

from mesh_platform.contract import AccessLevel, DataContract, columns_of
from mesh_platform.derive.sqltypes import Dialect, sql_type
from mesh_platform.errors import ProductDefinitionError
from mesh_platform.products.macros import expand_macros

AUTHORING_DIALECT: Dialect = "bigquery"
"""SQL products are written in GoogleSQL and transpiled to the engine's dialect."""

SchemaDict = dict[str, dict[str, dict[str, str]]]

SourceSchemas = Mapping[str, Mapping[str, Mapping[str, str]]]
"""Extra readable tables: ``{schema: {table: {column: type}}}`` (e.g. landing sources)."""


@dataclass(frozen=True)
class Upstream:
    """A table a SQL product reads: another product, or a raw source of its domain."""

    schema: str
    name: str
    is_product: bool

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class SqlProduct:
    """A parsed, validated SQL product."""

    contract: type[DataContract]
    path: Path
    sql: str
    expression: exp.Query
    upstreams: tuple[Upstream, ...]
    column_lineage: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Output column → ``(upstream 'schema.table', upstream column)`` pairs."""

    @property
    def upstream_products(self) -> tuple[str, ...]:
        return tuple(u.key for u in self.upstreams if u.is_product)

    def render(self, table_for: Callable[[str, str], exp.Table]) -> exp.Query:
        """The query with every table read mapped by ``table_for(schema, name)`` to the
        engine's table (the engine casts the output to the contract's types; for a
        partitioned product the platform keeps the partition's rows)."""
        query = self.expression.copy()
        for table in source_tables(query):
            target = table_for(table.db, table.name).copy()
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
            target.set("alias", alias)
            table.replace(target)
        return query


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


def _contract_schema(contracts: Mapping[str, type[DataContract]]) -> SchemaDict:
    schema: SchemaDict = {}
    for key, contract in contracts.items():
        domain, product = key.split(".", 1)
        schema.setdefault(domain, {})[product] = {
            c.name: sql_type(c.logical_type, AUTHORING_DIALECT).sql(AUTHORING_DIALECT)
            for c in columns_of(contract)
        }
    return schema


def load_sql_product(
    path: Path,
    contract: type[DataContract],
    contracts: Mapping[str, type[DataContract]],
    sources: SourceSchemas | None = None,
) -> SqlProduct:
    """Parse and validate the SQL product at ``path`` against its contract.

    Raises:
        ProductDefinitionError: naming the SQL file, the column and the rule, when the
            query does not parse, reads an unknown table or column, reads another
            domain's internal product, or outputs columns other than the contract's.
    """
    meta = contract.meta()
    where = f"{path.as_posix()} ({meta.key})"
    sql = path.read_text()
    try:
        parsed = [s for s in sqlglot.parse(sql, read=AUTHORING_DIALECT) if s is not None]
        statements = [expand_macros(s) for s in parsed]  # raises MacroError, a ParseError
    except ParseError as error:
        raise ProductDefinitionError(f"{where}: rule parse: {error}") from error
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ProductDefinitionError(f"{where}: rule single_query: the file must hold one SELECT")
    expression = statements[0]

    upstreams: list[Upstream] = []
    sources = sources or {}
    for table in source_tables(expression):
        if table.catalog:
            raise ProductDefinitionError(
                f"{where}: table {table.sql(AUTHORING_DIALECT)}: rule no_project: name "
                "products as dataset.table; the engine decides the project"
            )
        key = f"{table.db}.{table.name}"
        upstream_contract = contracts.get(key)
        if upstream_contract is not None:
            upstream_meta = upstream_contract.meta()
            if upstream_meta.access is AccessLevel.INTERNAL and upstream_meta.domain != meta.domain:
                raise ProductDefinitionError(
                    f"{where}: table {key}: rule access: it is internal to the "
                    f"{upstream_meta.domain} domain"
                )
            upstream = Upstream(table.db, table.name, is_product=True)
        elif table.name in sources.get(table.db, {}) and _is_own_source(table.db, meta.domain):
            upstream = Upstream(table.db, table.name, is_product=False)
        else:
            raise ProductDefinitionError(
                f"{where}: table {key}: rule unknown_table: no such product"
                + (" (or source of this domain)" if sources else "")
            )
        if upstream not in upstreams:
            upstreams.append(upstream)

    schema = _contract_schema(contracts)
    for db, tables in sources.items():
        for name, cols in tables.items():
            schema.setdefault(db, {})[name] = dict(cols)
    try:
        qualified = qualify(
            expression.copy(),
            schema=cast(dict[str, object], schema),
            dialect=AUTHORING_DIALECT,
            validate_qualify_columns=True,
            identify=False,
        )
    except OptimizeError as error:
        raise ProductDefinitionError(f"{where}: rule unknown_column: {error}") from error
    except SqlglotError as error:
        raise ProductDefinitionError(f"{where}: rule parse: {error}") from error
    if not isinstance(qualified, exp.Query):
        raise ProductDefinitionError(f"{where}: rule single_query: the file must hold one SELECT")

    outputs = list(qualified.named_selects)
    expected = [c.name for c in columns_of(contract)]
    missing = [c for c in expected if c not in outputs]
    extra = [c for c in outputs if c not in expected]
    duplicated = sorted({c for c in outputs if outputs.count(c) > 1})
    problems = [f"column {c}: rule missing_column: the contract declares it" for c in missing]
    problems += [f"column {c}: rule unexpected_column: not in the contract" for c in extra]
    problems += [f"column {c}: rule duplicate_column: selected twice" for c in duplicated]
    if problems:
        raise ProductDefinitionError(f"{where}: " + "; ".join(problems))

    return SqlProduct(
        contract=contract,
        path=path,
        sql=sql,
        expression=expression,
        upstreams=tuple(upstreams),
        column_lineage=_column_lineage(qualified, schema, outputs),
    )


def _is_own_source(schema: str, domain: str) -> bool:
    return schema in (f"landing_{domain}", domain)


def _column_lineage(
    qualified: exp.Query, schema: SchemaDict, outputs: list[str]
) -> dict[str, tuple[tuple[str, str], ...]]:
    """Output column → the upstream ``(table, column)`` pairs it is computed from.

    One walk over the already qualified query for all columns (sqlglot shares the work
    between columns), instead of qualifying the query again for every column.
    """
    try:
        scope = build_scope(qualified.copy())
        nodes = lineage(
            None,
            qualified,
            schema=cast(dict[str, object], schema),
            dialect=AUTHORING_DIALECT,
            scope=scope,
            trim_selects=False,
        )
    except SqlglotError:
        return dict.fromkeys(outputs, ())
    assert isinstance(nodes, dict)
    result: dict[str, tuple[tuple[str, str], ...]] = {}
    for name in outputs:
        node = nodes.get(name)
        found: set[tuple[str, str]] = set()
        for leaf in node.walk() if node is not None else ():
            if leaf.downstream or not isinstance(leaf.source, exp.Table):
                continue
            table = leaf.source
            if table.db:
                found.add((f"{table.db}.{table.name}", leaf.name.split(".")[-1].strip('"`')))
        result[name] = tuple(sorted(found))
    return result
