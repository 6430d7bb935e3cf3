"""A reader's views over the published replica: the products they may read, masked.

For every product of the replica's manifest the reader's access
(:class:`~mesh_platform.access.policy.ReaderAccess`) decides whether they see it (public
products, and internal ones of their domains) and how each column is shown: raw,
masked (hashed with the deployment's key, or partially shown by semantic type) or
left out. The views keep the products' names (schemas are domains), so a query reads
the same for everyone and returns what its reader may see.

Landing tables, staging tables and the tables a product leaves out are never in the
replica; products without a contract are not readable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

from mesh_platform.access.policy import Partial, Policy, ReaderAccess, Treatment
from mesh_platform.contract import ColumnSpec, DataContract, columns_of
from mesh_platform.engines.replica import Manifest
from mesh_platform.landing import LANDING_PREFIX

MASK_FUNCTION = "__mesh_mask"
"""The keyed hash of masked columns, a function of the reader's connection that the
reader's own SQL may not call (it would hash candidate values to guess masked ones)."""
HASH_CHARS = 16
"""Hex characters kept of a masked value's HMAC-SHA256 (64 bits)."""

_PARTIAL_SQL: dict[Partial, str] = {
    Partial.EMAIL_DOMAIN: "LEFT(c, 1) || '***@' || SPLIT_PART(c, '@', 2)",
    Partial.LAST_FOUR: "'***' || RIGHT(c, 4)",
    Partial.YEAR: "CAST(DATE_TRUNC('year', c) AS DATE)",
}


@dataclass(frozen=True)
class ReadableProduct:
    """A product the reader sees, and how.

    Attributes:
        key: ``domain.product``.
        schema: the schema of its view (its domain's).
        table: the view's name (the product's).
        file: the replica file the view reads.
        shown: each column's treatment, in the contract's order.
    """

    key: str
    schema: str
    table: str
    file: Path
    shown: dict[str, Treatment]
    specs: dict[str, ColumnSpec] = field(repr=False, default_factory=dict)

    def hidden(self) -> list[str]:
        return [name for name, t in self.shown.items() if t is Treatment.HIDDEN]


@dataclass(frozen=True)
class ReaderCatalog:
    """What one reader may read of one published state.

    Attributes:
        products: the readable products, by ``(schema, table)`` in lower case.
        refused: why each other published product is not readable, by the same key.
    """

    products: dict[tuple[str, str], ReadableProduct]
    refused: dict[tuple[str, str], str]

    def get(self, schema: str, table: str) -> ReadableProduct | None:
        """The readable product named ``schema.table`` (in any case), if any."""
        return self.products.get((schema.lower(), table.lower()))

    def why_not(self, schema: str, table: str) -> str:
        """Why ``schema.table`` cannot be read (a refusal message)."""
        name = f"{schema}.{table}"
        if (schema.lower(), table.lower()) in self.refused:
            return self.refused[(schema.lower(), table.lower())]
        if schema.lower().startswith(LANDING_PREFIX):
            return (
                f"{name} is a landing table: only the owning domain's products read the "
                "landing zone; consumers read published products"
            )
        return f"{name} is not a published product (see `mesh contracts list`)"


def reader_catalog(
    root: Path,
    manifest: Manifest,
    contracts: dict[str, type[DataContract]],
    access: ReaderAccess,
) -> ReaderCatalog:
    """The products of ``manifest`` the reader sees, and why they do not see the others."""
    products: dict[tuple[str, str], ReadableProduct] = {}
    refused: dict[tuple[str, str], str] = {}
    for entry in manifest.products.values():
        place = (entry.schema.lower(), entry.table.lower())  # SQL names ignore case
        contract = contracts.get(entry.product)
        if contract is None:
            refused[place] = f"{entry.schema}.{entry.table} has no contract: it is not readable"
            continue
        meta = contract.meta()
        if not access.reads_product(meta.domain, meta.access):
            refused[place] = (
                f"{entry.schema}.{entry.table} is internal to the {meta.domain} domain; "
                f"your {access.describe()} reads internal products of "
                f"{', '.join(sorted(access.domains)) or 'no domain'}"
            )
            continue
        specs = {c.name: c for c in columns_of(contract)}
        shown = {c.name: access.treatment(c.classification) for c in specs.values()}
        products[place] = ReadableProduct(
            entry.product, entry.schema, entry.table, root / entry.file, shown, specs
        )
    return ReaderCatalog(products, refused)


def _masked(column: exp.Expr, spec: ColumnSpec, policy: Policy) -> exp.Expr:
    partial = policy.masking.partial.get(spec.semantic or "")
    if partial is not None:
        template = sqlglot.parse_one(_PARTIAL_SQL[partial], dialect="duckdb")
        return template.transform(
            lambda node: (
                column.copy() if isinstance(node, exp.Column) and node.name == "c" else node
            )
        )
    return exp.Anonymous(this=MASK_FUNCTION, expressions=[exp.cast(column, "VARCHAR")])


def view_statements(catalog: ReaderCatalog, policy: Policy) -> list[exp.Expr]:
    """``CREATE SCHEMA`` and ``CREATE VIEW`` statements of the reader's views.

    A raw column is selected as it is, a masked one through its mask (same name),
    a hidden one not at all.
    """
    statements: list[exp.Expr] = []
    for schema in sorted({p.schema for p in catalog.products.values()}):
        statements.append(
            exp.Create(
                this=exp.Table(this=exp.to_identifier(schema, quoted=True)),
                kind="SCHEMA",
                exists=True,
            )
        )
    for product in sorted(catalog.products.values(), key=lambda p: p.key):
        columns: list[exp.Expr] = []
        for name, treatment in product.shown.items():
            column = exp.column(name, quoted=True)
            if treatment is Treatment.RAW:
                columns.append(column)
            elif treatment is Treatment.MASKED:
                masked = _masked(column, product.specs[name], policy)
                columns.append(exp.alias_(masked, name, quoted=True))
        source = exp.func("READ_PARQUET", exp.Literal.string(str(product.file)))
        statements.append(
            exp.Create(
                this=exp.table_(product.table, db=product.schema, quoted=True),
                kind="VIEW",
                expression=exp.select(*columns).from_(source),
            )
        )
    return statements
