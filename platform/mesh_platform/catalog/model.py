"""What the catalog knows about the mesh: products, their columns and their lineage.

Everything is read from the contracts and the product definitions, without Dagster:
a SQL product's upstream products and column lineage come from its query (the same
sqlglot reading the code location uses), a Python product's from its declared inputs.
Downstream products and the columns that read a column are the same edges, inverted.

Example:
    >>> edge = ColumnRef("sales.sales_lines", "amount_eur")
    >>> edge.product, edge.column, str(edge)
    ('sales.sales_lines', 'amount_eur', 'sales.sales_lines.amount_eur')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from mesh_platform.cli.contracts import constraint_text
from mesh_platform.contract import ColumnSpec, DataContract, ProductMeta, columns_of
from mesh_platform.definition.reader import DomainDefinition, PythonDefinition, SqlDefinition
from mesh_platform.derive.checks import contract_checks
from mesh_platform.products.files import product_files
from mesh_platform.products.sql import sql_product


@dataclass(frozen=True, order=True)
class ColumnRef:
    """One column of a product (or of a landing table): ``product`` is ``schema.table``."""

    product: str
    column: str

    def __str__(self) -> str:
        return f"{self.product}.{self.column}"


@dataclass(frozen=True)
class CatalogColumn:
    """A column as consumers read it, with where it comes from."""

    spec: ColumnSpec
    in_grain: bool
    constraints: str
    sources: tuple[ColumnRef, ...] = ()
    """The upstream columns it is computed from: for a SQL product, as its query computes
    it; for a Python product, every column its function reads (the function is opaque)."""
    readers: tuple[ColumnRef, ...] = ()
    """The columns of other products computed from it, or the Python products reading it
    (their column is ``*``: the whole product is computed from what it reads)."""


@dataclass(frozen=True)
class CatalogProduct:
    """One data product, everything the catalog shows about it but its runs."""

    contract: type[DataContract]
    kind: Literal["sql", "python", "none"]
    columns: tuple[CatalogColumn, ...]
    upstreams: tuple[str, ...]
    """Upstream products, then the landing tables it reads (``landing_<domain>.<table>``)."""
    downstreams: tuple[str, ...]
    files: Mapping[str, str]
    checks: tuple[str, ...]
    sql: str | None = None

    @property
    def meta(self) -> ProductMeta:
        return self.contract.meta()

    @property
    def key(self) -> str:
        return self.meta.key

    @property
    def domain(self) -> str:
        return self.meta.domain

    def upstream_products(self, products: Mapping[str, CatalogProduct]) -> list[str]:
        """The upstreams that are products of the mesh."""
        return [u for u in self.upstreams if u in products]


@dataclass(frozen=True)
class MeshCatalog:
    """Every product of the mesh and the domains, in the mesh's order."""

    domains: tuple[str, ...]
    products: Mapping[str, CatalogProduct]
    domain_edges: Mapping[tuple[str, str], tuple[tuple[str, str], ...]] = field(
        default_factory=dict
    )
    """``(upstream domain, downstream domain)`` → the product edges between them."""

    def of_domain(self, domain: str) -> list[CatalogProduct]:
        return [p for p in self.products.values() if p.domain == domain]

    def levels(self, key: str, direction: Literal["up", "down"]) -> list[list[str]]:
        """The products upstream (or downstream) of ``key``, by distance: the direct ones
        first, then theirs, and so on, each product at its shortest distance."""
        seen = {key}
        levels: list[list[str]] = []
        current = [key]
        while current:
            following: list[str] = []
            for product in current:
                found = self.products[product]
                nexts = (
                    found.upstream_products(self.products)
                    if direction == "up"
                    else list(found.downstreams)
                )
                for other in nexts:
                    if other not in seen:
                        seen.add(other)
                        following.append(other)
            if following:
                levels.append(sorted(following))
            current = following
        return levels


@dataclass
class _Edges:
    upstreams: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    sources: dict[ColumnRef, set[ColumnRef]] = field(default_factory=lambda: defaultdict(set))
    kinds: dict[str, Literal["sql", "python"]] = field(default_factory=dict)
    sql: dict[str, str] = field(default_factory=dict)


def read_catalog(
    contracts: Mapping[str, type[DataContract]],
    definitions: Sequence[DomainDefinition],
    domains: Sequence[str],
) -> MeshCatalog:
    """The catalog of the mesh.

    Args:
        contracts: the contracts by ``domain.product``.
        definitions: the product definitions of every domain (as ``mesh check`` reads them).
        domains: the domains in the mesh's order.
    """
    edges = _Edges()
    for domain in definitions:
        for definition in domain.sql:
            _add_sql(edges, definition)
        for python in domain.python:
            _add_python(edges, python, contracts)
    readers: dict[ColumnRef, set[ColumnRef]] = defaultdict(set)
    for target, sources in edges.sources.items():
        for source in sources:
            readers[source].add(target)
    downstreams: dict[str, list[str]] = defaultdict(list)
    for key, ups in edges.upstreams.items():
        for upstream in ups:
            downstreams[upstream].append(key)
    products = {
        key: _product(contract, edges, readers, sorted(downstreams.get(key, ())))
        for key, contract in contracts.items()
    }
    order = {d: i for i, d in enumerate(domains)}
    known = tuple(domains) + tuple(sorted({p.domain for p in products.values()} - set(domains)))
    ordered = dict(
        sorted(products.items(), key=lambda kv: (order.get(kv[1].domain, len(order)), kv[0]))
    )
    return MeshCatalog(known, ordered, _domain_edges(ordered))


def _add_sql(edges: _Edges, definition: SqlDefinition) -> None:
    if definition.contract is None:
        return
    key = definition.contract.meta().key
    edges.kinds[key] = "sql"
    edges.sql[key] = definition.sql
    try:
        product = sql_product(definition)
    except ValueError:  # a broken definition: `mesh check` names it; show what is known
        edges.upstreams[key].extend(t.key for t in definition.tables if t.kind != "unknown")
        return
    edges.upstreams[key].extend(u.key for u in product.upstreams)
    for column, sources in product.column_lineage.items():
        edges.sources[ColumnRef(key, column)].update(ColumnRef(t, c) for t, c in sources)


def _add_python(
    edges: _Edges, python: PythonDefinition, contracts: Mapping[str, type[DataContract]]
) -> None:
    edges.kinds[python.key] = "python"
    edges.upstreams[python.key].extend(python.inputs.values())
    read: set[ColumnRef] = set()
    for parameter, upstream in python.inputs.items():
        names = python.columns.get(parameter)
        if names is None and upstream in contracts:
            names = tuple(c.name for c in columns_of(contracts[upstream]))
        read.update(ColumnRef(upstream, name) for name in names or ())
    edges.sources[ColumnRef(python.key, "*")] = read


def _product(
    contract: type[DataContract],
    edges: _Edges,
    readers: Mapping[ColumnRef, set[ColumnRef]],
    downstreams: list[str],
) -> CatalogProduct:
    meta = contract.meta()
    grain = set(meta.grain)
    whole = tuple(sorted(edges.sources.get(ColumnRef(meta.key, "*"), ())))
    columns = tuple(
        CatalogColumn(
            spec=spec,
            in_grain=spec.name in grain,
            constraints=constraint_text(spec),
            sources=tuple(sorted(edges.sources.get(ColumnRef(meta.key, spec.name), ()))) or whole,
            readers=tuple(sorted(readers.get(ColumnRef(meta.key, spec.name), ()))),
        )
        for spec in columns_of(contract)
    )
    files = product_files(contract)
    found = {"contract": files.contract, "logic": files.logic, "tests": files.tests}
    ups = list(dict.fromkeys(edges.upstreams.get(meta.key, ())))
    return CatalogProduct(
        contract=contract,
        kind=edges.kinds.get(meta.key, "none"),
        columns=columns,
        upstreams=tuple(sorted(ups, key=lambda u: (u.startswith("landing_"), u))),
        downstreams=tuple(downstreams),
        files={k: v for k, v in found.items() if v},
        checks=tuple(sorted({check.rule.value for check in contract_checks(contract)})),
        sql=edges.sql.get(meta.key),
    )


def _domain_edges(
    products: Mapping[str, CatalogProduct],
) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    found: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for product in products.values():
        for upstream in product.upstream_products(products):
            source = products[upstream].domain
            if source != product.domain:
                found[(source, product.domain)].append((upstream, product.key))
    return {pair: tuple(sorted(items)) for pair, items in sorted(found.items())}
