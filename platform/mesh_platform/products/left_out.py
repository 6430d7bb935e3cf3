"""Left-out rows of a SQL product: the rewrite of its query.

Any CTE of a product's query may project ``_left_out`` (STRING: NULL for a row the
product keeps, otherwise the reason the row is left out) and optionally
``_left_out_key`` (STRING: the input row's key). The platform rewrites the query so
that the product's output is exactly what it would be had the CTE filtered:

* the CTE ``x`` becomes ``x__candidates`` (the original query), and a new ``x`` keeps
  its kept rows: ``SELECT * EXCEPT (_left_out, _left_out_key) FROM x__candidates
  WHERE _left_out IS NULL``;
* a second query, from the same WITH clause, selects the left-out rows of every such
  CTE: ``stage`` (the CTE's name), ``reason``, ``row_key`` and ``row_json`` (the
  candidate row as JSON);
* a third counts the candidate rows of every such CTE (``stage``, ``candidates``), the
  denominator of the share of rows left out.

A query without ``_left_out`` is returned unchanged. The functions are pure: they take
and return sqlglot expressions, rendered in either dialect.

Example:
    >>> import sqlglot
    >>> query = sqlglot.parse_one(
    ...     "with s as (select id, if(id > 0, null, 'invalid_value:id') as _left_out"
    ...     " from t) select id from s", read="bigquery")
    >>> split = split_left_out(query)
    >>> split.stages
    ('s',)
    >>> print(split.product.sql("duckdb"))  # doctest: +NORMALIZE_WHITESPACE
    WITH s__candidates AS (SELECT id, CASE WHEN id > 0 THEN NULL ELSE 'invalid_value:id'
    END AS _left_out FROM t), s AS (SELECT * EXCLUDE (_left_out) FROM s__candidates
    WHERE _left_out IS NULL) SELECT id FROM s
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from mesh_platform.wap_accounting import LeftOutRows

LEFT_OUT = "_left_out"
"""The column a CTE projects to leave a row out: NULL (kept) or the reason."""

LEFT_OUT_KEY = "_left_out_key"
"""The optional column identifying the input row a CTE leaves out."""

CANDIDATES_SUFFIX = "__candidates"
"""Appended to a CTE's name for its original query (every candidate row)."""

LEFT_OUT_COLUMNS = ("stage", "reason", "row_key", "row_json")
"""The columns of the left-out rows query, in order."""

_ROW_ALIAS = "_candidate"


class LeftOutError(ValueError):
    """A query declares left-out rows in a way the platform cannot account for."""


@dataclass(frozen=True)
class SplitQuery:
    """A product's query split into its product rows and its left-out rows.

    Attributes:
        product: the query of the product's rows (the input query when no CTE
            projects ``_left_out``).
        stages: the CTEs that leave rows out, in query order (empty: none).
        left_out: ``stage, reason, row_key, row_json`` of every row left out
            (``None`` without stages).
        candidates: ``stage, candidates``, one row per stage (``None`` without stages).
    """

    product: exp.Query
    stages: tuple[str, ...] = ()
    left_out: exp.Query | None = None
    candidates: exp.Query | None = None

    def left_out_rows(self) -> LeftOutRows | None:
        """The left-out rows as write-audit-publish takes them; ``None`` without stages."""
        if not self.stages:
            return None
        return LeftOutRows(select=self.left_out, candidates=self.candidates)


def left_out_stages(query: exp.Query) -> tuple[str, ...]:
    """The names of the top-level CTEs of ``query`` that project ``_left_out``.

    Raises:
        LeftOutError: a CTE nested inside a subquery projects ``_left_out`` (only the
            query's own WITH clause may leave rows out).
    """
    top = list(query.ctes)
    stages = tuple(cte.alias for cte in top if LEFT_OUT in _projected(cte))
    for cte in query.find_all(exp.CTE):
        if not any(cte is t for t in top) and LEFT_OUT in _projected(cte):
            raise LeftOutError(
                f"CTE {cte.alias!r} projects {LEFT_OUT} inside a subquery: only the "
                "query's own WITH clause may leave rows out"
            )
    return stages


def split_left_out(query: exp.Query) -> SplitQuery:
    """Split ``query`` into its product rows, left-out rows and candidate counts.

    The input is not modified. Without a CTE projecting ``_left_out`` the product
    query is the input itself (a copy).
    """
    stages = left_out_stages(query)
    if not stages:
        return SplitQuery(product=query.copy())
    product = query.copy()
    with_ = product.args["with_"]
    rewritten: list[exp.CTE] = []
    keyed: dict[str, bool] = {}
    for cte in with_.expressions:
        if cte.alias not in stages:
            rewritten.append(cte)
            continue
        projected = _projected(cte)
        keyed[cte.alias] = LEFT_OUT_KEY in projected
        reserved = [LEFT_OUT, LEFT_OUT_KEY] if keyed[cte.alias] else [LEFT_OUT]
        kept = (
            exp.select(exp.Star(except_=[exp.column(c) for c in reserved]))
            .from_(_candidates_name(cte.alias))
            .where(exp.column(LEFT_OUT).is_(exp.null()))
        )
        rewritten.append(exp.CTE(this=cte.this, alias=exp.TableAlias(this=_candidates_id(cte))))
        rewritten.append(exp.CTE(this=kept, alias=exp.TableAlias(this=cte.args["alias"].this)))
    with_.set("expressions", rewritten)
    return SplitQuery(
        product=product,
        stages=stages,
        left_out=_with(with_, _union([_left_out_rows(s, keyed[s]) for s in stages])),
        candidates=_with(with_, _union([_candidate_count(s) for s in stages])),
    )


def _projected(cte: exp.CTE) -> list[str]:
    body = cte.this
    return list(body.named_selects) if isinstance(body, exp.Query) else []


def _candidates_name(stage: str) -> str:
    return f"{stage}{CANDIDATES_SUFFIX}"


def _candidates_id(cte: exp.CTE) -> exp.Identifier:
    alias = cte.args["alias"].this
    return exp.to_identifier(_candidates_name(cte.alias), quoted=alias.quoted)


def _left_out_rows(stage: str, keyed: bool) -> exp.Select:
    row_key: exp.Expr = exp.column(LEFT_OUT_KEY, table=_ROW_ALIAS) if keyed else exp.null()
    return (
        exp.select(
            exp.Literal.string(stage).as_("stage"),
            exp.cast(exp.column(LEFT_OUT, table=_ROW_ALIAS), "STRING").as_("reason"),
            exp.cast(row_key, "STRING").as_("row_key"),
            exp.JSONFormat(this=exp.column(_ROW_ALIAS)).as_("row_json"),
        )
        .from_(exp.table_(_candidates_name(stage)).as_(_ROW_ALIAS))
        .where(exp.column(LEFT_OUT, table=_ROW_ALIAS).is_(exp.null()).not_())
    )


def _candidate_count(stage: str) -> exp.Select:
    return exp.select(
        exp.Literal.string(stage).as_("stage"),
        exp.func("COUNT", exp.Star()).as_("candidates"),
    ).from_(_candidates_name(stage))


def _union(parts: list[exp.Select]) -> exp.Query:
    union: exp.Query = parts[0]
    for part in parts[1:]:
        # the parts are fresh: copying the growing union each time is quadratic
        union = exp.union(union, part, distinct=False, copy=False)
    return union


def _with(with_: exp.With, body: exp.Query) -> exp.Query:
    """``body`` under a copy of ``with_`` (a union is wrapped so it takes the WITH)."""
    query = (
        body
        if isinstance(body, exp.Select)
        else exp.select(*(exp.column(c) for c in body.named_selects)).from_(
            body.subquery("_stages")
        )
    )
    query.set("with_", with_.copy())
    return query


__all__ = [
    "CANDIDATES_SUFFIX",
    "LEFT_OUT",
    "LEFT_OUT_COLUMNS",
    "LEFT_OUT_KEY",
    "LeftOutError",
    "SplitQuery",
    "left_out_stages",
    "split_left_out",
]
