"""GoogleSQL as the BigQuery engine sends it: sqlglot's BigQuery dialect, with the
differences that the engine needs to run on BigQuery and on its local emulator alike.

Each difference is a workaround of the local emulator (``local-bigquery``, which
translates GoogleSQL to DuckDB); each keeps the SQL valid GoogleSQL with the same
meaning on BigQuery, so that one rendering serves both:

- **Raw strings stay raw.** sqlglot renders the raw string ``r'[^\\x00-\\x7F]'`` as the
  escaped literal ``'[^\\\\x00-\\\\x7F]'``. BigQuery reads both as the same string; the
  emulator reads the escaped one as a NUL character and fails ("unterminated quoted
  string"). A string that holds a backslash is therefore rendered raw, ``r'...'``,
  whenever a raw string can hold it (no quote, no line break, no trailing backslash).
- **Struct fields named.** ``STRUCT(a AS x, postal_code)`` names its second field
  ``postal_code`` after the column; the emulator leaves it unnamed ("Could not find key
  \"postal_code\" in struct"). A field given by a bare column reference is rendered
  with its name spelt out, ``postal_code AS postal_code``.
- **Checksums in 64-bit integers.** The order-independent checksum of a table sums one
  ``FARM_FINGERPRINT`` per row; the sum of signed 64-bit fingerprints overflows
  ``INT64``, and the emulator's ``BIGNUMERIC`` (a DuckDB decimal of 38 digits, 19 of them
  after the point) overflows after a handful of rows.
  :func:`checksum_query` sums the fingerprint's high and low 32 bits apart instead
  (``>>`` shifts in zeros on BigQuery and on the emulator), which stays exact in
  ``INT64`` up to two billion rows.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.generators.bigquery import BigQueryGenerator

_LOW_BITS = 0xFFFFFFFF


def raw_string_holds(text: str) -> bool:
    """Whether ``text`` can be written as a GoogleSQL raw string ``r'...'``.

    Example:
        >>> raw_string_holds(r"[^\\x00-\\x7F]")
        True
        >>> raw_string_holds("it's")
        False
    """
    return "'" not in text and "\n" not in text and "\r" not in text and not text.endswith("\\")


class GoogleSQLGenerator(BigQueryGenerator):
    """sqlglot's BigQuery generator, rendering strings with a backslash as raw strings."""

    def rawstring_sql(self, expression: exp.RawString) -> str:
        text = expression.this
        if raw_string_holds(text):
            return f"r'{text}'"
        return super().rawstring_sql(expression)

    def literal_sql(self, expression: exp.Literal) -> str:
        text = expression.this or ""
        if expression.is_string and "\\" in text and raw_string_holds(text):
            return f"r'{text}'"
        return super().literal_sql(expression)


_DIALECT = BigQuery()


def name_struct_fields(expression: exp.Expr) -> exp.Expr:
    """``expression`` with every untyped ``STRUCT`` field that is a bare column reference
    given its implicit name explicitly (a copy when anything changes).

    Example:
        >>> import sqlglot
        >>> query = sqlglot.parse_one("SELECT STRUCT(a AS x, t.b) AS s FROM t", read="bigquery")
        >>> name_struct_fields(query).sql("bigquery")
        'SELECT STRUCT(a AS x, t.b AS b) AS s FROM t'
    """
    if expression.find(exp.Struct) is None:
        return expression
    expression = expression.copy()
    for struct in expression.find_all(exp.Struct):
        if isinstance(struct.parent, exp.Cast):  # STRUCT<...>(...): the type names the fields
            continue
        struct.set(
            "expressions",
            [
                exp.PropertyEQ(this=exp.to_identifier(field.name), expression=field)
                if isinstance(field, exp.Column) and field.name
                else field
                for field in struct.expressions
            ],
        )
    return expression


def render(expression: exp.Expr) -> str:
    """``expression`` as GoogleSQL, every identifier quoted, with the workarounds above.

    Example:
        >>> import sqlglot
        >>> render(sqlglot.parse_one(r"SELECT REGEXP_CONTAINS(s, r'\\d+')", read="bigquery"))
        "SELECT REGEXP_CONTAINS(`s`, r'\\\\d+')"
    """
    generator = GoogleSQLGenerator(dialect=_DIALECT, identify=True)
    return generator.generate(name_struct_fields(expression))


def checksum_query(table: exp.Table) -> exp.Select:
    """One row: the table's row count ``n`` and the sums ``high`` and ``low`` of the high
    and low 32 bits of each row's ``FARM_FINGERPRINT(TO_JSON_STRING(row))``.

    Example:
        >>> render(checksum_query(exp.table_("t", db="d")))  # doctest: +NORMALIZE_WHITESPACE
        'SELECT COUNT(*) AS `n`,
        COALESCE(SUM(FARM_FINGERPRINT(TO_JSON_STRING(`_row`)) >> 32), 0) AS `high`,
        COALESCE(SUM(FARM_FINGERPRINT(TO_JSON_STRING(`_row`)) & 4294967295), 0) AS `low`
        FROM `d`.`t` AS `_row`'
    """
    alias = "_row"
    fingerprint = exp.func(
        "FARM_FINGERPRINT", exp.func("TO_JSON_STRING", exp.column(alias)), dialect="bigquery"
    )
    high = exp.BitwiseRightShift(this=fingerprint, expression=exp.Literal.number(32))
    low = exp.BitwiseAnd(this=fingerprint.copy(), expression=exp.Literal.number(_LOW_BITS))
    return exp.select(
        exp.func("COUNT", exp.Star()).as_("n"),
        exp.func("COALESCE", exp.func("SUM", high), exp.Literal.number(0)).as_("high"),
        exp.func("COALESCE", exp.func("SUM", low), exp.Literal.number(0)).as_("low"),
    ).from_(table.copy().as_(alias))
