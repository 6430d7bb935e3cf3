"""The query of a reconciliation between two products, built with sqlglot.

Each side is aggregated by its groups; the two are matched on them (a group missing on
one side counts as 0 there; a NULL group matches no other), every group of either side,
or only this product's (``groups="this"``, a left join); a group fails when
``|a - b| > tolerance * |b|``. The query returns the failing groups, the first
:data:`SAMPLE` of them, each with the count of all (``failing``).

Example:
    >>> from sqlglot import exp
    >>> from mesh_platform.contract import Reconciliation
    >>> r = Reconciliation(name="r", description="d", measure="SUM(revenue)",
    ...     against="b.lines", against_measure="SUM(amount)", by=("day",), tolerance=0.01)
    >>> sql = reconciliation_query(r, exp.to_table("a.daily"), exp.to_table("b.lines"))
    >>> print(sql.sql("duckdb").split(" SELECT COALESCE")[1])
    (a.k0, b.k0) AS day, a.v AS measure, b.v AS against, COUNT(*) OVER () AS failing FROM a \
FULL OUTER JOIN b ON a.k0 = b.k0 WHERE ABS(COALESCE(a.v, 0) - COALESCE(b.v, 0)) > 0.01 * \
ABS(COALESCE(b.v, 0)) ORDER BY day LIMIT 10
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from mesh_platform.contract import Reconciliation

AUTHORING_DIALECT = "bigquery"
"""Measures are written in GoogleSQL, like SQL products."""

SAMPLE = 10
"""Failing groups returned at most."""


def measure_expression(measure: str) -> exp.Expr:
    """A measure parsed as one GoogleSQL expression.

    Raises:
        sqlglot.errors.ParseError: it is not one expression.
    """
    return sqlglot.parse_one(measure, read=AUTHORING_DIALECT)


def _side(table: exp.Table, columns: tuple[str, ...], measure: str) -> exp.Select:
    keys = [exp.column(c).as_(f"k{i}") for i, c in enumerate(columns)]
    query = exp.select(*keys, exp.alias_(measure_expression(measure), "v")).from_(table.copy())
    return query.group_by(*(exp.column(c) for c in columns)) if columns else query


def reconciliation_query(
    reconciliation: Reconciliation, table: exp.Table, against: exp.Table
) -> exp.Query:
    """The failing groups of ``reconciliation`` between this product's ``table`` and the
    other product's ``against`` table: its groups (named as this product's columns),
    ``measure``, ``against``, ``failing`` (how many groups fail)."""
    r = reconciliation
    keys = [f"k{i}" for i in range(len(r.by))]
    a_value = exp.func("COALESCE", exp.column("v", "a"), exp.Literal.number(0))
    b_value = exp.func("COALESCE", exp.column("v", "b"), exp.Literal.number(0))
    difference = exp.Abs(this=exp.Sub(this=a_value, expression=b_value))
    allowed = exp.Mul(this=exp.Literal.number(r.tolerance), expression=exp.Abs(this=b_value.copy()))
    groups = [
        exp.alias_(exp.func("COALESCE", exp.column(k, "a"), exp.column(k, "b")), name)
        for k, name in zip(keys, r.by, strict=True)
    ]
    failing = exp.Window(this=exp.Count(this=exp.Star()))
    query = (
        exp.select(
            *groups,
            exp.alias_(exp.column("v", "a"), "measure"),
            exp.alias_(exp.column("v", "b"), "against"),
            exp.alias_(failing, "failing"),
        )
        .with_("a", as_=_side(table, r.by, r.measure))
        .with_("b", as_=_side(against, r.against_columns, r.against_measure))
        .from_(exp.to_table("a"))
    )
    if not keys:  # one aggregate row on each side
        query = query.join(exp.to_table("b"), join_type="cross")
    else:  # BigQuery's FULL OUTER JOIN wants equalities: a NULL group matches nothing
        condition = exp.and_(*(exp.column(k, "a").eq(exp.column(k, "b")) for k in keys))
        join_type = "left" if r.groups == "this" else "full outer"
        query = query.join(exp.to_table("b"), on=condition, join_type=join_type)
        query = query.order_by(*(exp.column(name) for name in r.by))
    return query.where(exp.GT(this=difference, expression=allowed)).limit(SAMPLE)
