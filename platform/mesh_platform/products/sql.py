"""SQL products: a GoogleSQL file plus its contract.

The platform reads the query with sqlglot once, at definitions load, and from it
derives the product's upstream products (asset dependencies, across code locations)
and its column lineage. Reading the file (:mod:`mesh_platform.definition.reader`) and
judging it are apart: the product-definition rules of the governance lint (output
columns that differ from the contract, tables or columns that do not exist, reads of
another domain's internal product...) report what is wrong, and a wrong query is
refused before it ever runs.

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

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import lineage
from sqlglot.optimizer.scope import build_scope

from mesh_platform.contract import DataContract
from mesh_platform.definition import cache
from mesh_platform.definition.reader import (
    AUTHORING_DIALECT,
    DomainDefinition,
    SchemaDict,
    SourceSchemas,
    SqlDefinition,
    read_sql,
    source_tables,
    tables_read,
)
from mesh_platform.governance.lint import refuse_broken
from mesh_platform.products.left_out import SplitQuery, split_left_out


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
        """The query of the product's rows, with every table read mapped by
        ``table_for(schema, name)`` to the engine's table (the engine casts the output to
        the contract's types; for a partitioned product the platform keeps the
        partition's rows). The rows its CTEs leave out (``_left_out``) are filtered out:
        :meth:`render_split` also gives the queries of those rows."""
        return self.render_split(table_for).product

    def render_split(
        self,
        table_for: Callable[[str, str], exp.Table],
        restrict: Mapping[str, exp.Condition] | None = None,
    ) -> SplitQuery:
        """The rendered query split into the product's rows, the rows its CTEs leave out
        and the candidate counts of those CTEs (:mod:`mesh_platform.products.left_out`);
        a query without ``_left_out`` gives its product query unchanged.

        ``restrict`` reads only some rows of some inputs, by ``schema.table``: each read
        of such a table becomes a read of its rows the condition selects (an
        incremental refresh reads only the keys it refreshes).
        """
        return split_left_out(self._mapped(table_for, restrict or {}))

    def _mapped(
        self, table_for: Callable[[str, str], exp.Table], restrict: Mapping[str, exp.Condition]
    ) -> exp.Query:
        query = self.expression.copy()
        for table in source_tables(query):
            target: exp.Expr = table_for(table.db, table.name).copy()
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
            if (condition := restrict.get(f"{table.db}.{table.name}")) is not None:
                target = exp.select(exp.Star()).from_(target).where(condition.copy()).subquery()
            target.set("alias", alias)
            table.replace(target)
        return exact_sums(query)


EXACT_SUM_TYPE = "DECIMAL(38, 9)"
"""What ``SUM`` and ``AVG`` add up in: BigQuery's ``NUMERIC``, exact to the
billionth (cents and rates alike), up to 10^29."""


def exact_sums(query: exp.Query) -> exp.Query:
    """``query`` with every ``SUM`` and ``AVG`` (windowed or not) adding its argument as
    an exact decimal (:data:`EXACT_SUM_TYPE`).

    Floating-point addition depends on its order, and a warehouse adds a group's values
    in whatever order its threads deliver them: the same rows would sum to different
    last digits from one build to the next. Decimal addition is exact, so a product is
    the same bits on every run and on any number of threads. Integers add up as they
    did; a float argument is rounded to the billionth first; the output is cast to the
    contract's type as always.

    Example:
        >>> import sqlglot
        >>> query = sqlglot.parse_one("SELECT k, SUM(x) AS s, AVG(y) AS a FROM t GROUP BY k")
        >>> print(exact_sums(query).sql("duckdb", pretty=True))
        SELECT
          k,
          SUM(CAST(x AS DECIMAL(38, 9))) AS s,
          AVG(CAST(y AS DECIMAL(38, 9))) AS a
        FROM t
        GROUP BY
          k
    """
    for aggregate in list(query.find_all(exp.Sum, exp.Avg)):
        argument = aggregate.this
        if isinstance(argument, exp.Cast) and argument.to.is_type(*exp.DataType.REAL_TYPES):
            argument = argument.this  # the cast to a float would undo the exact addition
        aggregate.set("this", exp.cast(argument.copy(), exp.DataType.build(EXACT_SUM_TYPE)))
    return query


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
    definition = read_sql(path, meta.domain, contracts, sources, contract=contract)
    refuse_broken([DomainDefinition(meta.domain, sql=(definition,))], contracts)
    return sql_product(definition)


def sql_product(definition: SqlDefinition) -> SqlProduct:
    """The product of a SQL definition that breaks no product-definition rule."""
    qualified = definition.qualified
    if (
        definition.contract is None
        or definition.expression is None
        or not isinstance(qualified, exp.Query)
        or definition.schema is None
    ):
        raise ValueError(f"{definition.file}: not a valid product definition")
    outputs = definition.outputs
    schema = definition.schema
    upstreams: list[Upstream] = []
    for read in definition.tables:
        upstream = Upstream(read.table.db, read.table.name, is_product=read.kind == "product")
        if upstream not in upstreams:
            upstreams.append(upstream)
    return SqlProduct(
        contract=definition.contract,
        path=definition.path,
        sql=definition.sql,
        expression=definition.expression,
        upstreams=tuple(upstreams),
        column_lineage=(
            cache.cached(
                "lineage",
                definition.key,
                definition.digest,
                lambda: _column_lineage(qualified, schema, outputs),
            )
            if definition.digest
            else _column_lineage(qualified, schema, outputs)
        ),
    )


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


__all__ = [
    "AUTHORING_DIALECT",
    "SourceSchemas",
    "SqlProduct",
    "Upstream",
    "exact_sums",
    "load_sql_product",
    "source_tables",
    "sql_product",
    "tables_read",
]
