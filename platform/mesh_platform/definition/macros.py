"""SQL macros: business rules written once, expanded into the SQL of every product.

A SQL product calls a macro like a function, ``SEASON_OF(arrival_date)``. When the
platform parses the product it replaces each call with the rule's SQL, built with
sqlglot from the rule's one declaration (the season calendar the contracts register,
a ranking a contract declares). The expansion is plain GoogleSQL: it is transpiled to
every engine like the rest of the query, and column lineage sees the columns under
it. A call of any other name stays an ordinary function call.

The macros, one function each (:data:`MACROS` is the registry):

- ``SEASON_OF(day)``: the label (STRING, ``"2023-24"``) of the season of a DATE,
  DATETIME or TIMESTAMP; NULL for NULL;
- ``SEASON_START_YEAR(day)``: the year (INT64) the season of ``day`` starts in;
- ``SEASON_LABEL(start_year)``: the label of the season starting in ``start_year``;
- ``SEASON_FIRST_DAY(start_year)``: the first day (DATE) of that season;
- ``SEASON_HALF(day)``: ``'winter'`` or ``'summer'``, the half of its season a day
  falls in; NULL for NULL;
- ``RANK_OF(value, 'ranking')``: the rank (INT64) of ``value`` in a ranking a
  contract declares (:mod:`mesh_platform.contract.ranking`); NULL for other values.

Example:
    >>> import sqlglot
    >>> query = sqlglot.parse_one("SELECT SEASON_START_YEAR(d) AS y FROM t", read="bigquery")
    >>> expand_macros(query, calendar=SeasonCalendar(11)).sql("bigquery")
    'SELECT (EXTRACT(YEAR FROM d) - IF(EXTRACT(MONTH FROM d) < 11, 1, 0)) AS y FROM t'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import ParseError

from mesh_platform.contract.calendar import SeasonCalendar, season_calendar
from mesh_platform.contract.ranking import get_ranking


class MacroError(ParseError):
    """A macro called with the wrong arguments (reported as the product's parse rule)."""


@dataclass(frozen=True)
class Context:
    """What the macros expand from: the mesh's declarations."""

    calendar: SeasonCalendar


Expand = Callable[[Context, list[exp.Expr]], exp.Expr]


@dataclass(frozen=True)
class Macro:
    """A macro: its parameters (named for messages) and the function expanding it."""

    parameters: tuple[str, ...]
    expand: Expand


def _extract(part: str, day: exp.Expr) -> exp.Extract:
    return exp.Extract(this=exp.var(part), expression=day.copy())


def _operand(value: exp.Expr) -> exp.Expr:
    """A copy of ``value``, in parentheses when it is an operation (``y - 4``)."""
    return exp.paren(value.copy(), copy=False) if isinstance(value, exp.Binary) else value.copy()


def _string(value: exp.Expr) -> exp.Cast:
    return exp.cast(value, exp.DataType.build("STRING", dialect="bigquery"))


def season_start_year(context: Context, args: list[exp.Expr]) -> exp.Expr:
    """``EXTRACT(YEAR FROM day)``, minus one before the calendar's first month."""
    (day,) = args
    before_start = exp.LT(
        this=_extract("MONTH", day), expression=exp.Literal.number(context.calendar.first_month)
    )
    one_if_before = exp.If(
        this=before_start, true=exp.Literal.number(1), false=exp.Literal.number(0)
    )
    return exp.paren(exp.Sub(this=_extract("YEAR", day), expression=one_if_before), copy=False)


def season_label(context: Context, args: list[exp.Expr]) -> exp.Expr:
    """``'2023-24'`` for 2023: the start year, a dash, the next year's last two digits."""
    (start_year,) = args
    next_year = exp.paren(exp.Add(this=_operand(start_year), expression=exp.Literal.number(1)))
    next_two_digits = exp.Pad(
        this=_string(exp.Mod(this=next_year, expression=exp.Literal.number(100))),
        expression=exp.Literal.number(2),
        fill_pattern=exp.Literal.string("0"),
        is_left=True,
    )
    return exp.Concat(
        expressions=[_string(start_year.copy()), exp.Literal.string("-"), next_two_digits],
        safe=True,
        coalesce=False,
    )


def season_of(context: Context, args: list[exp.Expr]) -> exp.Expr:
    """The label of the season of a day: ``SEASON_LABEL(SEASON_START_YEAR(day))``."""
    return season_label(context, [season_start_year(context, args)])


def season_first_day(context: Context, args: list[exp.Expr]) -> exp.Expr:
    """``DATE(start_year, first month, 1)``."""
    (start_year,) = args
    return exp.DateFromParts(
        year=start_year.copy(),
        month=exp.Literal.number(context.calendar.first_month),
        day=exp.Literal.number(1),
    )


def season_half(context: Context, args: list[exp.Expr]) -> exp.Expr:
    """``'winter'`` for the calendar's winter months, ``'summer'`` for the others."""
    (day,) = args
    months_in = exp.Mod(
        this=exp.paren(
            exp.Add(
                this=exp.Sub(
                    this=_extract("MONTH", day),
                    expression=exp.Literal.number(context.calendar.first_month),
                ),
                expression=exp.Literal.number(12),
            ),
            copy=False,
        ),
        expression=exp.Literal.number(12),
    )
    winter = exp.LT(this=months_in, expression=exp.Literal.number(context.calendar.winter_months))
    return exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=day.copy(), expression=exp.Null()), true=exp.Null()),
            exp.If(this=winter, true=exp.Literal.string("winter")),
        ],
        default=exp.Literal.string("summer"),
    )


def rank_of(context: Context, args: list[exp.Expr]) -> exp.Expr:
    """``CASE value WHEN 'best' THEN n ... WHEN 'worst' THEN 1 END``, from the ranking."""
    value, name = args
    if not (isinstance(name, exp.Literal) and name.is_string):
        raise MacroError("RANK_OF: the second argument names a ranking, as a string literal")
    try:
        ranking = get_ranking(name.this)
    except LookupError as error:
        raise MacroError(f"RANK_OF: {error}") from error
    whens = [
        exp.If(this=exp.Literal.string(label), true=exp.Literal.number(rank))
        for label, rank in ranking.ranks().items()
    ]
    return exp.Case(this=value.copy(), ifs=whens)


MACROS: Mapping[str, Macro] = {
    "SEASON_OF": Macro(("day",), season_of),
    "SEASON_START_YEAR": Macro(("day",), season_start_year),
    "SEASON_LABEL": Macro(("start_year",), season_label),
    "SEASON_FIRST_DAY": Macro(("start_year",), season_first_day),
    "SEASON_HALF": Macro(("day",), season_half),
    "RANK_OF": Macro(("value", "ranking"), rank_of),
}
"""Every macro, by the (upper-case) name SQL calls it by."""


def expand_macros(expression: exp.Expr, calendar: SeasonCalendar | None = None) -> exp.Expr:
    """A copy of ``expression`` with every macro call replaced by its expansion.

    Calls are expanded innermost first, so a macro's argument may call another one.

    Args:
        expression: a parsed GoogleSQL statement or expression.
        calendar: the season calendar; by default the one the contracts declare.

    Raises:
        MacroError: a macro called with the wrong number or kind of arguments.
    """
    result = expression.copy()
    calls = [
        call
        for call in result.find_all(exp.Anonymous, bfs=False)
        if str(call.this).upper() in MACROS
    ]
    if not calls:
        return result
    context = Context(calendar=calendar or season_calendar())
    for call in reversed(calls):  # descendants come after their ancestors in DFS order
        name = str(call.this).upper()
        macro = MACROS[name]
        args = list(call.expressions)
        if len(args) != len(macro.parameters):
            raise MacroError(
                f"{name}({', '.join(macro.parameters)}) takes {len(macro.parameters)} "
                f"argument(s), got {len(args)}"
            )
        expanded = macro.expand(context, args)
        if call is result:
            result = expanded
        else:
            call.replace(expanded)
    return result
