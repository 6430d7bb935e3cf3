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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlglot import exp

from mesh_platform.contract import ColumnSpec, DataContract, LogicalType, columns_of
from mesh_platform.derive.sqltypes import Dialect, check_dialect, sql_type, string_type
from mesh_platform.errors import RuleFailure

FAILING_ROWS = "failing_rows"
SAMPLE_KEYS = "sample_keys"
NULL_TOKEN = "<null>"
ROW_POSITION_KEY = "row"

_SAMPLE_KEY = "sample_key"
_ROW_POSITION = "__mesh_row_position"
_DUPLICATES = "__mesh_duplicates"
_REF_KEY = "__mesh_ref_key"
_T = "t"  # alias of the checked table
_REF = "r"  # alias of the referenced table
_OFFENDING = "offending"

Resolver = Callable[[str, str], exp.Table | None]
"""``(domain, product) -> table`` of a referenced product, or ``None`` if unknown."""


class CheckRule(StrEnum):
    """The contract rules checked in the warehouse."""

    NOT_NULL = "not_null"
    UNIQUE_GRAIN = "unique_grain"
    ACCEPTED_VALUES = "accepted_values"
    RANGE = "range"
    PATTERN = "pattern"
    MAX_LENGTH = "max_length"
    MIN_LENGTH = "min_length"
    REFERENCE = "reference"


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
    """

    name: str
    rule: CheckRule
    columns: tuple[str, ...]
    description: str
    query: exp.Select
    dialect: Dialect = "duckdb"

    @property
    def column(self) -> str | None:
        """The column of a column rule; ``None`` for the table-level grain rule."""
        if self.rule is CheckRule.UNIQUE_GRAIN or len(self.columns) != 1:
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
        ``min_length``, ``max_length``, ``reference``.
    """
    dialect = check_dialect(dialect)
    if sample_size < 1:
        raise ValueError(f"sample_size must be at least 1, not {sample_size}")
    builder = _Builder(contract, dialect, table, sample_size)
    checks: list[CheckQuery] = []
    grain = contract.meta().grain
    if grain:
        checks.append(builder.unique_grain())
    for col in columns_of(contract):
        checks.extend(builder.column_checks(col, resolve))
    return checks


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


# --- building the queries --------------------------------------------------------------------


class _Builder:
    def __init__(
        self,
        contract: type[DataContract],
        dialect: Dialect,
        table: exp.Table,
        sample_size: int,
    ) -> None:
        self.contract = contract
        self.meta = contract.meta()
        self.columns = columns_of(contract)
        self.by_name = {c.name: c for c in self.columns}
        self.dialect: Dialect = dialect
        self.table = table
        self.sample_size = sample_size

    # -- per rule ---------------------------------------------------------------------------

    def column_checks(self, col: ColumnSpec, resolve: Resolver | None) -> list[CheckQuery]:
        checks: list[CheckQuery] = []

        def value() -> exp.Column:
            return _col(col.name)

        if not col.nullable:
            checks.append(
                self._violations(
                    CheckRule.NOT_NULL, col, "is never NULL", value().is_(exp.null()), col.name
                )
            )
        if col.allowed_values is not None:
            allowed = ", ".join(repr(v) for v in col.allowed_values)
            checks.append(
                self._violations(
                    CheckRule.ACCEPTED_VALUES,
                    col,
                    f"in {{{allowed}}}",
                    exp.not_(value().isin(*(exp.convert(v) for v in col.allowed_values))),
                )
            )
        if col.has_range:
            checks.append(self._range(col))
        if col.pattern is not None:
            checks.append(
                self._violations(
                    CheckRule.PATTERN,
                    col,
                    f"matches {col.pattern!r} as a whole",
                    exp.not_(self._full_match(value(), col.pattern)),
                )
            )
        if col.min_length is not None:
            checks.append(
                self._violations(
                    CheckRule.MIN_LENGTH,
                    col,
                    f"at least {col.min_length} character(s)",
                    exp.LT(this=exp.Length(this=value()), expression=_number(col.min_length)),
                )
            )
        if col.max_length is not None:
            checks.append(
                self._violations(
                    CheckRule.MAX_LENGTH,
                    col,
                    f"at most {col.max_length} character(s)",
                    exp.GT(this=exp.Length(this=value()), expression=_number(col.max_length)),
                )
            )
        reference = self._reference(col, resolve)
        if reference is not None:
            checks.append(reference)
        return checks

    def unique_grain(self) -> CheckQuery:
        grain = self.meta.grain
        not_null = [
            _col(name).is_(exp.null()).not_()
            for name in grain
            if name in self.by_name and not self.by_name[name].nullable
        ]
        duplicates = (
            exp.select(
                exp.alias_(self._key(list(grain)), _SAMPLE_KEY, quoted=True),
                exp.alias_(exp.Count(this=exp.Star()), _DUPLICATES, quoted=True),
            )
            .from_(self._table_as_t())
            .group_by(*(_col(name) for name in grain))
            .having(exp.GT(this=exp.Count(this=exp.Star()), expression=_number(1)))
        )
        if not_null:
            duplicates = duplicates.where(exp.and_(*not_null))
        total = exp.Coalesce(
            this=exp.Sum(this=exp.column(_DUPLICATES, quoted=True)),
            expressions=[exp.Literal.number(0)],
        )
        query = self._summary(duplicates, count=exp.cast(total, self._int_type()))
        return CheckQuery(
            name=CheckRule.UNIQUE_GRAIN.value,
            rule=CheckRule.UNIQUE_GRAIN,
            columns=tuple(grain),
            description=f"one row per ({', '.join(grain)})",
            query=query,
            dialect=self.dialect,
        )

    def _range(self, col: ColumnSpec) -> CheckQuery:
        breaks: list[exp.Expr] = []
        expects: list[str] = []
        bounds: list[tuple[float | None, str, type[exp.Binary]]] = [
            (col.ge, ">=", exp.LT),
            (col.gt, ">", exp.LTE),
            (col.le, "<=", exp.GT),
            (col.lt, "<", exp.GTE),
        ]
        for bound, symbol, broken in bounds:
            if bound is None:
                continue
            breaks.append(broken(this=_col(col.name), expression=_number(bound)))
            expects.append(f"{symbol} {_fmt(bound)}")
        return self._violations(CheckRule.RANGE, col, " and ".join(expects), exp.or_(*breaks))

    def _reference(self, col: ColumnSpec, resolve: Resolver | None) -> CheckQuery | None:
        target = col.reference_target
        if target is None or resolve is None:
            return None
        domain, product, ref_column = target
        if (domain, product) == self.meta.asset_key_path:
            ref_table: exp.Table | None = self.table
        else:
            ref_table = resolve(domain, product)
        if ref_table is None:
            return None
        ref_key = exp.column(_REF_KEY, table=_REF, quoted=True)
        keys = (
            exp.select(exp.alias_(_col(ref_column, table=None), _REF_KEY, quoted=True))
            .distinct()
            .from_(ref_table.copy())
        )
        offending = (
            exp.select(exp.alias_(self._key(self._key_columns()), _SAMPLE_KEY, quoted=True))
            .from_(self._table_as_t())
            .join(
                keys.subquery(exp.to_identifier(_REF, quoted=True)),
                on=exp.EQ(this=_col(col.name), expression=ref_key),
                join_type="left",
            )
            .where(exp.and_(_col(col.name).is_(exp.null()).not_(), ref_key.copy().is_(exp.null())))
        )
        return CheckQuery(
            name=f"{CheckRule.REFERENCE.value}__{col.name}",
            rule=CheckRule.REFERENCE,
            columns=(col.name,),
            description=f"exists in {col.references} (NULL allowed)",
            query=self._summary(offending),
            dialect=self.dialect,
        )

    # -- shared shapes ------------------------------------------------------------------------

    def _violations(
        self,
        rule: CheckRule,
        col: ColumnSpec,
        description: str,
        predicate: exp.Expr,
        exclude_from_key: str | None = None,
    ) -> CheckQuery:
        """Rows of the table matching ``predicate`` break ``rule`` on ``col``."""
        key_columns = self._key_columns(exclude_from_key)
        source = self._table_as_t() if key_columns else self._numbered_table()
        offending = (
            exp.select(exp.alias_(self._key(key_columns), _SAMPLE_KEY, quoted=True))
            .from_(source)
            .where(predicate)
        )
        return CheckQuery(
            name=f"{rule.value}__{col.name}",
            rule=rule,
            columns=(col.name,),
            description=description,
            query=self._summary(offending),
            dialect=self.dialect,
        )

    def _summary(self, offending: exp.Select, *, count: exp.Expression | None = None) -> exp.Select:
        """``failing_rows`` and ``sample_keys`` of the offending rows: always one row.

        ``offending`` selects a ``sample_key`` per offending row; ``count`` counts them
        (``COUNT(*)`` unless given).
        """
        sample_key = exp.column(_SAMPLE_KEY, quoted=True)
        failing = count if count is not None else exp.Count(this=exp.Star())
        return exp.select(
            exp.alias_(failing, FAILING_ROWS, quoted=True),
            exp.alias_(self._sample(sample_key), SAMPLE_KEYS, quoted=True),
        ).from_(offending.subquery(exp.to_identifier(_OFFENDING, quoted=True)))

    def _sample(self, key: exp.Expression) -> exp.Expression:
        """The ``sample_size`` smallest keys as an array, empty (not NULL) when none."""
        size = exp.Literal.number(self.sample_size)
        element = string_type(self.dialect)
        empty = exp.cast(
            exp.Array(expressions=[]),
            exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[element], nested=True),
        )
        aggregate: exp.Expression
        if self.dialect == "bigquery":
            aggregate = exp.ArrayAgg(
                this=exp.Limit(
                    # Keys are never NULL; BigQuery accepts no NULLS clause here.
                    this=exp.Order(
                        this=key, expressions=[exp.Ordered(this=key.copy(), nulls_first=True)]
                    ),
                    expression=size,
                )
            )
        else:
            # DuckDB's min(x, n): the n smallest values as a list, in ascending order.
            aggregate = exp.Min(this=key, count=size)
        return exp.Coalesce(this=aggregate, expressions=[empty])

    def _key_columns(self, exclude: str | None = None) -> list[str]:
        return [name for name in self.meta.grain if name != exclude]

    def _key(self, key_columns: Sequence[str]) -> exp.Expression:
        """``'a=' || value_of_a || '|b=' || ...``, or ``'row=' || position`` without columns."""
        text = string_type(self.dialect)
        if not key_columns:
            return exp.Concat(
                expressions=[
                    exp.Literal.string(f"{ROW_POSITION_KEY}="),
                    exp.cast(_col(_ROW_POSITION), text),
                ]
            )
        parts: list[exp.Expression] = []
        for i, name in enumerate(key_columns):
            parts.append(exp.Literal.string(f"{'|' if i else ''}{name}="))
            parts.append(
                exp.Coalesce(
                    this=exp.cast(_col(name), text.copy()),
                    expressions=[exp.Literal.string(NULL_TOKEN)],
                )
            )
        return exp.Concat(expressions=parts)

    def _full_match(self, value: exp.Expression, pattern: str) -> exp.Expression:
        if self.dialect == "bigquery":
            return exp.RegexpLike(
                this=value.copy(), expression=exp.Literal.string(f"^(?:{pattern})$")
            )
        return exp.RegexpFullMatch(this=value.copy(), expression=exp.Literal.string(pattern))

    def _table_as_t(self) -> exp.Table:
        table = self.table.copy()
        table.set("alias", exp.TableAlias(this=exp.to_identifier(_T, quoted=True)))
        return table

    def _numbered_table(self) -> exp.Subquery:
        """The table with each row's position (every column ascending, NULLs last)."""
        order = exp.Order(
            expressions=[exp.Ordered(this=_col(c.name), nulls_first=False) for c in self.columns]
        )
        numbered = exp.select(
            exp.Column(this=exp.Star(), table=exp.to_identifier(_T, quoted=True)),
            exp.alias_(exp.Window(this=exp.RowNumber(), order=order), _ROW_POSITION, quoted=True),
        ).from_(self._table_as_t())
        return numbered.subquery(exp.to_identifier(_T, quoted=True))

    def _int_type(self) -> exp.DataType:
        return sql_type(LogicalType.INTEGER, self.dialect)


def _col(name: str, table: str | None = _T) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _number(value: float) -> exp.Expr:
    return exp.Literal.number(_fmt(value))


def _fmt(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
