"""Who reads which column of which product, across the mesh.

A SQL product reads every column its query names, wherever it names it (the select
list, a join, a filter, a grouping), found in the query qualified against the contracts;
the columns of its own it computes from each come from its column lineage. A Python
product reads the columns its inputs name (``Input("sales.sales_lines", "amount_eur")``)
or, for an input naming none, every column (:data:`EVERY_COLUMN`); its own columns are
not traced to them.

Example:
    >>> read = Read("ci.scores", "Lab", "lab@example.com", "sales.lines", "amount", ("total",))
    >>> read.line()
    'ci.scores reads sales.lines.amount (→ total; Lab, lab@example.com)'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from mesh_platform.contract import DataContract
from mesh_platform.definition.reader import DomainDefinition, PythonDefinition, SqlDefinition
from mesh_platform.products.sql import sql_product

EVERY_COLUMN = "*"
"""The column of a read that takes the whole product: a Python input naming no column,
or a query that could not be resolved column by column."""


@dataclass(frozen=True)
class Read:
    """One column of one product read by another product.

    Attributes:
        consumer: the reading product, ``domain.product``.
        team: the team owning the consumer.
        contact: how to reach that team.
        upstream: the product read, ``domain.product``.
        column: the column read, or :data:`EVERY_COLUMN`.
        outputs: the consumer's columns computed from it (empty: it only filters, joins
            or groups by it, or the consumer is a Python product).
        language: ``sql`` or ``python``.
    """

    consumer: str
    team: str
    contact: str
    upstream: str
    column: str
    outputs: tuple[str, ...] = ()
    language: str = "sql"

    @property
    def consumer_domain(self) -> str:
        return self.consumer.split(".", 1)[0]

    def reads(self, column: str | None) -> bool:
        """Whether this read takes ``column`` of its upstream (any column for ``None``)."""
        return column is None or self.column in (column, EVERY_COLUMN)

    def line(self) -> str:
        derived = f"→ {', '.join(self.outputs)}; " if self.outputs else ""
        return (
            f"{self.consumer} reads {self.upstream}.{self.column} "
            f"({derived}{self.team}, {self.contact})"
        )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "outputs": list(self.outputs)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Read:
        return cls(**{**data, "outputs": tuple(data.get("outputs", ()))})


def mesh_reads(
    domains: Iterable[DomainDefinition], contracts: Mapping[str, type[DataContract]]
) -> list[Read]:
    """Every read of one product by another, over the product definitions of ``domains``
    (a product reading itself, as an incremental one does, is left out)."""
    found: list[Read] = []
    for domain in domains:
        for sql in domain.sql:
            found.extend(sql_reads(sql))
        for python in domain.python:
            found.extend(python_reads(python))
    return sorted(set(found), key=lambda r: (r.upstream, r.column, r.consumer))


def _owner(contract: type[DataContract] | None) -> tuple[str, str]:
    owner = contract.meta().owner if contract is not None else None
    return (owner.team, owner.contact) if owner else ("no owner", "no contact")


def sql_reads(definition: SqlDefinition) -> Iterator[Read]:
    """The columns a SQL product reads of other products."""
    team, contact = _owner(definition.contract)
    products = {t.key for t in definition.tables if t.kind == "product"} - {definition.key}
    if not isinstance(definition.qualified, exp.Query) or definition.contract is None:
        for key in sorted(products):  # unresolved: it may read any column
            yield Read(definition.key, team, contact, key, EVERY_COLUMN)
        return
    derived: dict[tuple[str, str], set[str]] = {}
    for output, sources in sql_product(definition).column_lineage.items():
        for source in sources:
            derived.setdefault(source, set()).add(output)
    read = set(derived) | set(_columns_named(definition.qualified))
    for upstream, column in sorted(read):
        if upstream in products:
            outputs = tuple(sorted(derived.get((upstream, column), ())))
            yield Read(definition.key, team, contact, upstream, column, outputs)


def _columns_named(query: exp.Query) -> Iterator[tuple[str, str]]:
    """``(schema.table, column)`` of every column a qualified query names on a stored
    table, in any clause."""
    for scope in traverse_scope(query.copy()):
        for column in scope.columns:
            source = scope.sources.get(column.table)
            if isinstance(source, exp.Table) and source.db:
                yield f"{source.db}.{source.name}", column.name


def python_reads(definition: PythonDefinition) -> Iterator[Read]:
    """The columns a Python product's inputs load of other products, or order their rows by."""
    team, contact = _owner(definition.contract)
    for parameter, upstream in definition.inputs.items():
        if upstream == definition.key:
            continue
        loaded = definition.columns.get(parameter, (EVERY_COLUMN,))
        for column in dict.fromkeys((*loaded, *definition.order.get(parameter, ()))):
            yield Read(definition.key, team, contact, upstream, column, (), "python")
