"""The SQL of the in-warehouse checks: one query per rule, built as sqlglot expressions.

:func:`mesh_platform.derive.checks.check_queries` is the entry point; this module holds
how each rule of :class:`~mesh_platform.contract.rules.Rule` becomes a query returning
``failing_rows`` and ``sample_keys`` (see :mod:`mesh_platform.derive.checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from mesh_platform.contract import ColumnSpec, DataContract, LogicalType, columns_of
from mesh_platform.contract.rules import Constraint, Rule, constraints_of, grain_constraint
from mesh_platform.derive.sqltypes import Dialect, sql_type, string_type

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

CHECK_ORDER: tuple[Rule, ...] = (
    Rule.NOT_NULL,
    Rule.ACCEPTED_VALUES,
    Rule.RANGE,
    Rule.PATTERN,
    Rule.MIN_LENGTH,
    Rule.MAX_LENGTH,
    Rule.REFERENCE,
)
"""The order of a column's checks (the grain's comes first, once per table)."""


@dataclass(frozen=True)
class BuiltCheck:
    """One rule's query, before it becomes a :class:`~mesh_platform.derive.checks.CheckQuery`."""

    name: str
    rule: Rule
    columns: tuple[str, ...]
    description: str
    query: exp.Select


class CheckBuilder:
    """Builds the check queries of one contract on one table, in one dialect."""

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

    def column_checks(self, col: ColumnSpec, resolve: Resolver | None) -> list[BuiltCheck]:
        """The checks of one column, in :data:`CHECK_ORDER`."""
        constraints = {c.rule: c for c in constraints_of(col)}
        checks: list[BuiltCheck] = []
        for rule in CHECK_ORDER:
            constraint = constraints.get(rule)
            if constraint is None:
                continue
            if rule is Rule.REFERENCE:
                reference = self._reference(col, constraint, resolve)
                if reference is not None:
                    checks.append(reference)
                continue
            exclude = col.name if rule is Rule.NOT_NULL else None
            checks.append(self._violations(constraint, col, self._breaks(rule, col), exclude))
        return checks

    def _breaks(self, rule: Rule, col: ColumnSpec) -> exp.Expr:
        """The condition under which a row breaks ``rule`` on ``col``."""
        value = _col(col.name)
        if rule is Rule.NOT_NULL:
            return value.is_(exp.null())
        if rule is Rule.ACCEPTED_VALUES:
            assert col.allowed_values is not None
            return exp.not_(value.isin(*(exp.convert(v) for v in col.allowed_values)))
        if rule is Rule.RANGE:
            return self._out_of_range(col)
        if rule is Rule.PATTERN:
            assert col.pattern is not None
            return exp.not_(self._full_match(value, col.pattern))
        if rule is Rule.MIN_LENGTH:
            assert col.min_length is not None
            return exp.LT(this=exp.Length(this=value), expression=_number(col.min_length))
        if rule is Rule.MAX_LENGTH:
            assert col.max_length is not None
            return exp.GT(this=exp.Length(this=value), expression=_number(col.max_length))
        raise ValueError(f"{rule} is not a row rule")

    def unique_grain(self) -> BuiltCheck:
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
        constraint = grain_constraint(grain)
        return BuiltCheck(
            name=constraint.rule.value,
            rule=constraint.rule,
            columns=tuple(grain),
            description=constraint.expectation,
            query=query,
        )

    def _out_of_range(self, col: ColumnSpec) -> exp.Expr:
        breaks: list[exp.Expr] = []
        bounds: list[tuple[float | None, type[exp.Binary]]] = [
            (col.ge, exp.LT),
            (col.gt, exp.LTE),
            (col.le, exp.GT),
            (col.lt, exp.GTE),
        ]
        for bound, broken in bounds:
            if bound is not None:
                breaks.append(broken(this=_col(col.name), expression=_number(bound)))
        return exp.or_(*breaks)

    def _reference(
        self, col: ColumnSpec, constraint: Constraint, resolve: Resolver | None
    ) -> BuiltCheck | None:
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
        return BuiltCheck(
            name=f"{constraint.rule.value}__{col.name}",
            rule=constraint.rule,
            columns=(col.name,),
            description=constraint.expectation,
            query=self._summary(offending),
        )

    def consent(self, resolve: Resolver | None) -> BuiltCheck | None:
        """Rows whose customer holds no valid consent in the register the contract's
        :class:`~mesh_platform.contract.privacy.Consent` names (only the rows it applies
        to; a NULL customer is left to ``not_null``); ``None`` when the contract declares
        no consent or ``resolve`` does not locate the register."""
        consent = self.meta.privacy.consent
        if consent is None or resolve is None:
            return None
        domain, product = consent.source.split(".")
        register = resolve(domain, product)
        if register is None:
            return None
        conditions: list[exp.Expr] = []
        if consent.register_channel:
            channels = [exp.Literal.string(c) for c in consent.channels]
            conditions.append(_col(consent.register_channel, table=None).isin(*channels))
        if consent.register_flag:
            conditions.append(exp.EQ(this=_col(consent.register_flag, None), expression=exp.true()))
        ref_key = exp.column(_REF_KEY, table=_REF, quoted=True)
        keys = (
            exp.select(exp.alias_(_col(consent.register_customer, None), _REF_KEY, quoted=True))
            .distinct()
            .from_(register.copy())
        )
        if conditions:
            keys = keys.where(exp.and_(*conditions))
        customer = _col(consent.column)
        where: list[exp.Expr] = [customer.is_(exp.null()).not_(), ref_key.copy().is_(exp.null())]
        if consent.applies_to:
            applies = sqlglot.parse_one(consent.applies_to, read="bigquery")
            for column in applies.find_all(exp.Column):
                column.set("table", exp.to_identifier(_T, quoted=True))
            where.append(exp.paren(applies))
        offending = (
            exp.select(exp.alias_(self._key(self._key_columns()), _SAMPLE_KEY, quoted=True))
            .from_(self._table_as_t())
            .join(
                keys.subquery(exp.to_identifier(_REF, quoted=True)),
                on=exp.EQ(this=customer.copy(), expression=ref_key),
                join_type="left",
            )
            .where(exp.and_(*where))
        )
        return BuiltCheck(
            name=f"{Rule.CONSENT.value}__{consent.column}",
            rule=Rule.CONSENT,
            columns=(consent.column,),
            description=consent.describe(),
            query=self._summary(offending),
        )

    # -- shared shapes ------------------------------------------------------------------------

    def _violations(
        self,
        constraint: Constraint,
        col: ColumnSpec,
        predicate: exp.Expr,
        exclude_from_key: str | None = None,
    ) -> BuiltCheck:
        """Rows of the table matching ``predicate`` break the constraint on ``col``."""
        key_columns = self._key_columns(exclude_from_key)
        source = self._table_as_t() if key_columns else self._numbered_table()
        offending = (
            exp.select(exp.alias_(self._key(key_columns), _SAMPLE_KEY, quoted=True))
            .from_(source)
            .where(predicate)
        )
        return BuiltCheck(
            name=f"{constraint.rule.value}__{col.name}",
            rule=constraint.rule,
            columns=(col.name,),
            description=constraint.expectation,
            query=self._summary(offending),
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
