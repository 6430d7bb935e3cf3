"""Where a person's identifiers are held: found from the contracts and the SQL, never
listed by hand.

- **Products**: a column holds a person's identifier when its semantic type is the
  resolved customer identifier (``customer_id``) or when it references such a column;
  a column whose semantic is ``household_id`` holds a household's (a person, when the
  household has one member). The semantic types are declared once, in the contracts.
- **Landing tables**: a landing column holds a source record's identifier when a
  product's SQL derives a ``source_customer_id`` column from it (the identity
  resolution reads the client master extracts) or joins it to one (the other domains
  translate their sources' customer identifiers through the identity map).

Example:
    >>> from mesh_platform.contract import all_contracts
    >>> columns = person_columns(all_contracts())
    >>> columns["sales.sales_lines"]
    ('payer_customer_id', 'holder_customer_id')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from mesh_platform.contract import ColumnSpec, DataContract, columns_of
from mesh_platform.definition.reader import SqlDefinition
from mesh_platform.landing import LANDING_PREFIX

CUSTOMER = "customer_id"
"""The semantic of a resolved customer identifier."""
HOUSEHOLD = "household_id"
"""The semantic of a household identifier."""
SOURCE_RECORD = "source_customer_id"
"""The semantic of a customer record's identifier in its source system."""


def _semantic_columns(
    contracts: Mapping[str, type[DataContract]], semantic: str
) -> dict[str, tuple[str, ...]]:
    specs = {key: columns_of(contract) for key, contract in contracts.items()}
    marked = {
        f"{key}.{c.name}" for key, cols in specs.items() for c in cols if c.semantic == semantic
    }

    def holds(col: ColumnSpec) -> bool:
        return col.semantic == semantic or (col.references or "") in marked

    found = {key: tuple(c.name for c in cols if holds(c)) for key, cols in specs.items()}
    return {key: names for key, names in found.items() if names}


def person_columns(contracts: Mapping[str, type[DataContract]]) -> dict[str, tuple[str, ...]]:
    """Per product (``domain.product``), its columns holding a resolved customer id."""
    return _semantic_columns(contracts, CUSTOMER)


def household_columns(
    contracts: Mapping[str, type[DataContract]],
) -> dict[str, tuple[str, ...]]:
    """Per product, its columns holding a household id."""
    return _semantic_columns(contracts, HOUSEHOLD)


def source_record_columns(
    contracts: Mapping[str, type[DataContract]],
) -> set[tuple[str, str]]:
    """``(domain.product, column)`` of every column holding a source record's id."""
    return {
        (key, col)
        for key, cols in _semantic_columns(contracts, SOURCE_RECORD).items()
        for col in cols
    }


@dataclass(frozen=True, order=True)
class LandingColumn:
    """A landing column holding a source record's identifier, and the product whose SQL
    shows it (derives a source identifier from it, or joins it to one)."""

    table: str
    """``landing_<domain>.<table>``."""
    column: str
    found_in: str


class _Resolver:
    """Resolves the columns of one query's scopes to stored columns, remembering each."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, str, str], frozenset[tuple[str, str]]] = {}

    def bases(self, column: exp.Column, scope: Scope) -> frozenset[tuple[str, str]]:
        """The stored ``(schema.table, column)`` a column of ``scope`` is computed from."""
        key = (id(scope), column.table, column.name)
        if key not in self._seen:
            self._seen[key] = frozenset()  # a cycle resolves to nothing
            self._seen[key] = self._resolve(column, scope)
        return self._seen[key]

    def _resolve(self, column: exp.Column, scope: Scope) -> frozenset[tuple[str, str]]:
        source = scope.sources.get(column.table)
        if isinstance(source, exp.Table):
            return frozenset({(f"{source.db}.{source.name}", column.name)})
        if not isinstance(source, Scope):
            return frozenset()
        branches = [b for b in _branches(source) if isinstance(b.expression, exp.Select)]
        if not branches:
            return frozenset()
        names = [p.alias_or_name for p in cast(exp.Select, branches[0].expression).selects]
        if column.name not in names:
            return frozenset()
        position = names.index(column.name)  # a UNION's branches match by position
        found: set[tuple[str, str]] = set()
        for branch in branches:
            selects = cast(exp.Select, branch.expression).selects
            if position < len(selects):
                for inner in selects[position].find_all(exp.Column):
                    found |= self.bases(inner, branch)
        return frozenset(found)

    def side(self, side: exp.Expr, scope: Scope) -> set[tuple[str, str]]:
        """The stored columns an expression of ``scope`` is computed from."""
        return {base for column in side.find_all(exp.Column) for base in self.bases(column, scope)}


def _branches(scope: Scope) -> list[Scope]:
    """The SELECT scopes of a scope: itself, or each branch of a UNION."""
    if not isinstance(scope.expression, exp.SetOperation) or not scope.set_operation_scopes:
        return [scope]
    return [leaf for branch in scope.set_operation_scopes for leaf in _branches(branch)]


def landing_columns(
    definitions: Iterable[SqlDefinition], contracts: Mapping[str, type[DataContract]]
) -> list[LandingColumn]:
    """Every landing column holding a source record's identifier, by the products' SQL."""
    sources = source_record_columns(contracts)
    found: set[LandingColumn] = set()
    for definition in definitions:
        qualified = definition.qualified
        if not isinstance(qualified, exp.Query):
            continue
        outputs = {(definition.key, name) for name in definition.outputs} & sources
        resolver = _Resolver()
        for scope in traverse_scope(qualified):
            if scope.is_root and outputs and isinstance(scope.expression, exp.Select):
                for projection in scope.expression.selects:
                    if (definition.key, projection.alias_or_name) in outputs:
                        for table, column in resolver.side(projection, scope):
                            if table.startswith(LANDING_PREFIX):
                                found.add(LandingColumn(table, column, definition.key))
            for equal in scope.expression.find_all(exp.EQ):
                left = resolver.side(equal.this, scope)
                right = resolver.side(equal.expression, scope)
                for one, other in ((left, right), (right, left)):
                    if one & sources:
                        for table, column in other:
                            if table.startswith(LANDING_PREFIX):
                                found.add(LandingColumn(table, column, definition.key))
    return sorted(found)
