"""In-warehouse check queries derived from a contract, for DuckDB and BigQuery.

One query per rule per column (plus one for the grain), built as sqlglot expressions.
Every query returns **exactly one row** with two columns:

* ``failing_rows``: how many rows break the rule (an integer, 0 when it holds);
* ``sample_keys``: up to ``sample_size`` keys of offending rows, smallest first, as
  strings ``"customer_id=CU00000001"`` or ``"household_id=HH00000001|season=2023-24"``
  (grain columns in grain order; a NULL value reads ``<null>``).

The rules, in the order they are generated:

============== ===================================================================
rule           offending rows
============== ===================================================================
unique_grain   rows whose grain key appears more than once: a duplicated pair counts
               **2** rows; the sample lists each duplicated key once. Rows with a NULL
               in a non-nullable grain column are left to ``not_null``; a nullable grain
               column's NULL counts as a value.
not_null       NULL in a non-nullable column.
accepted_values a value outside a ``Literal`` enum.
range          a value outside ``ge`` / ``gt`` / ``le`` / ``lt`` (one query per column).
pattern        a value that does not match the whole pattern (DuckDB
               ``regexp_full_match``; BigQuery ``REGEXP_CONTAINS`` with ``^(?:...)$``).
min_length     a string shorter than ``min_length`` characters.
max_length     a string longer than ``max_length`` characters.
reference      a non-NULL value absent from the referenced ``domain.product.column``
               (NULLs are not orphans); generated only when ``resolve`` locates that
               product's table.
consent        a row (of those the contract's ``Consent`` applies to) whose customer
               holds no valid consent for the declared channels in the register; one
               query per table, last, when ``resolve`` locates the register.
============== ===================================================================

Except for ``not_null``, NULL values never break a rule (nullable columns carry their
constraints on their non-NULL values).

Sample keys. A row is named by its grain key. For ``not_null`` on a grain column the
NULL column is left out of the key (``household_id=HH00000001`` for a NULL season).
When no grain column is left to name a row (a one-column grain whose value is NULL, or
a contract without grain), the row is named by its position ``row=N``: its 1-based rank
in the table ordered by every contract column, ascending, NULLs last — the same
position on both engines.

Example:
    >>> from mesh_platform.contract import DataContract, column
    >>> class Village(DataContract, domain="resorts", product="villages",
    ...               grain=("village_id",), register=False):
    ...     '''One row per village.'''
    ...     village_id: str = column("Village code.", pattern=r"^[A-Z]{3}$")
    >>> from mesh_platform.derive.ddl import product_table
    >>> [c.name for c in check_queries(Village, "duckdb", product_table(Village))]
    ['unique_grain', 'not_null__village_id', 'pattern__village_id']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlglot import exp

from mesh_platform.contract import DataContract, columns_of
from mesh_platform.contract.rules import Rule
from mesh_platform.derive.check_sql import (
    FAILING_ROWS,
    NULL_TOKEN,
    ROW_POSITION_KEY,
    SAMPLE_KEYS,
    CheckBuilder,
    Resolver,
)
from mesh_platform.derive.sqltypes import Dialect, check_dialect
from mesh_platform.errors import RuleFailure


@dataclass(frozen=True)
class CheckQuery:
    """One rule of a contract as a query returning ``failing_rows`` and ``sample_keys``.

    Attributes:
        name: stable name, ``<rule>__<column>`` or ``unique_grain``.
        rule: the rule.
        columns: the columns the rule is about (the grain for ``unique_grain``).
        description: what the rule expects, for people (e.g. ``>= 0 and <= 1``).
        query: the query, built for ``dialect``.
        dialect: the dialect the query was built for.
        blocking: whether a failure stops the publish (a reference the contract
            declares with ``reference_severity="warn"`` only warns).
    """

    name: str
    rule: Rule
    columns: tuple[str, ...]
    description: str
    query: exp.Select
    dialect: Dialect = "duckdb"
    blocking: bool = True

    @property
    def column(self) -> str | None:
        """The column of a column rule; ``None`` for the table-level grain rule."""
        if self.rule is Rule.UNIQUE_GRAIN or len(self.columns) != 1:
            return None
        return self.columns[0]

    def sql(self, dialect: Dialect | None = None, *, pretty: bool = False) -> str:
        """The query's SQL in the dialect it was built for.

        Raises:
            ValueError: when asked for another dialect; build the checks for that
                dialect with :func:`check_queries` instead (some SQL differs).
        """
        if dialect is not None and check_dialect(dialect) != self.dialect:
            raise ValueError(
                f"check {self.name!r} was built for {self.dialect}; "
                f"build it for {dialect} with check_queries(..., {dialect!r}, ...)"
            )
        return self.query.sql(dialect=self.dialect, pretty=pretty)


@dataclass(frozen=True)
class CheckResult:
    """What one check query found."""

    check: CheckQuery
    failing_rows: int
    sample: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.failing_rows == 0

    @classmethod
    def from_row(cls, check: CheckQuery, row: Sequence[Any] | Mapping[str, Any]) -> CheckResult:
        """Read the single row a check query returned (a tuple or a mapping by column)."""
        if isinstance(row, Mapping):
            failing, sample = row[FAILING_ROWS], row[SAMPLE_KEYS]
        else:
            failing, sample = row[0], row[1]
        return cls(
            check=check,
            failing_rows=int(failing or 0),
            sample=tuple(str(key) for key in (sample or ())),
        )

    def to_rule_failure(self, product_key: str) -> RuleFailure:
        """This result as a :class:`~mesh_platform.errors.RuleFailure` of ``product_key``."""
        return RuleFailure(
            product=product_key,
            column=self.check.column,
            rule=self.check.rule.value,
            failing_rows=self.failing_rows,
            sample=self.sample,
            detail=self.check.description,
        )


class DuckDBConnection(Protocol):
    """The part of a ``duckdb.DuckDBPyConnection`` the checks use."""

    def execute(self, query: str, /) -> Any: ...


def check_queries(
    contract: type[DataContract],
    dialect: Dialect,
    table: exp.Table,
    *,
    resolve: Resolver | None = None,
    sample_size: int = 5,
) -> list[CheckQuery]:
    """Every in-warehouse check of ``contract`` on ``table``, in ``dialect``.

    Args:
        contract: the product's contract.
        dialect: ``"duckdb"`` or ``"bigquery"``.
        table: the table to check (e.g. the write-audit-publish staging table).
        resolve: locates a referenced product's table from ``(domain, product)``;
            ``reference`` checks are generated only for the references it locates.
            A reference to the contract's own product uses ``table``.
        sample_size: how many offending keys each query returns at most.

    Returns:
        ``unique_grain`` first (if the contract has a grain), then for each column in
        declaration order: ``not_null``, ``accepted_values``, ``range``, ``pattern``,
        ``min_length``, ``max_length``, ``reference``; then ``consent`` when the contract
        declares one.
    """
    dialect = check_dialect(dialect)
    if sample_size < 1:
        raise ValueError(f"sample_size must be at least 1, not {sample_size}")
    builder = CheckBuilder(contract, dialect, table, sample_size)
    built = [builder.unique_grain()] if contract.meta().grain else []
    warn_only: set[str] = set()
    for col in columns_of(contract):
        built.extend(builder.column_checks(col, resolve))
        if col.reference_severity == "warn":
            warn_only.add(col.name)
    consent = builder.consent(resolve)
    if consent is not None:
        built.append(consent)
    return [
        CheckQuery(
            b.name,
            b.rule,
            b.columns,
            b.description,
            b.query,
            dialect,
            blocking=not (b.rule is Rule.REFERENCE and set(b.columns) <= warn_only),
        )
        for b in built
    ]


def contract_checks(contract: type[DataContract]) -> list[CheckQuery]:
    """The contract's in-warehouse checks as a product declares them (their names and
    descriptions do not depend on the engine or the table they run on)."""
    meta = contract.meta()
    placeholder = exp.table_(meta.product, db=meta.domain)

    return check_queries(contract, "duckdb", placeholder, resolve=checked_upstream(contract))


def checked_upstream(contract: type[DataContract], locate: Resolver | None = None) -> Resolver:
    """The resolver of the products a contract's checks read: its own domain's (the
    references a publish checks; another domain's are reconciled apart) and its consent
    register, located by ``locate`` (by default, named ``domain.product``)."""
    meta = contract.meta()
    consent = meta.privacy.consent

    def resolve(ref_domain: str, ref_product: str) -> exp.Table | None:
        if ref_domain != meta.domain and (
            consent is None or consent.source != f"{ref_domain}.{ref_product}"
        ):
            return None
        if locate is None:
            return exp.table_(ref_product, db=ref_domain)
        return locate(ref_domain, ref_product)

    return resolve


def run_checks_duckdb(
    connection: DuckDBConnection,
    contract: type[DataContract],
    table: exp.Table,
    *,
    resolve: Resolver | None = None,
    sample_size: int = 5,
) -> list[CheckResult]:
    """Run every check of ``contract`` on ``table`` through a DuckDB connection."""
    results: list[CheckResult] = []
    for check in check_queries(contract, "duckdb", table, resolve=resolve, sample_size=sample_size):
        row = connection.execute(check.sql()).fetchone()
        results.append(CheckResult.from_row(check, row))
    return results


__all__ = [
    "FAILING_ROWS",
    "NULL_TOKEN",
    "ROW_POSITION_KEY",
    "SAMPLE_KEYS",
    "CheckQuery",
    "CheckResult",
    "DuckDBConnection",
    "Resolver",
    "check_queries",
    "checked_upstream",
    "run_checks_duckdb",
]
