"""SQL macros: the season calendar and the rankings of the contracts, expanded with sqlglot.

Expansion cases are data: tests/fixtures/sql/macros.yaml. The expansions are run on
DuckDB against the calendar's own Python answers, boundary days included.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml

from mesh_platform.contract.calendar import SeasonCalendar, season_calendar
from mesh_platform.contract.ranking import Ranking, get_ranking, register_ranking
from mesh_platform.definition.macros import MACROS, MacroError, expand_macros
from mesh_platform.errors import ProductDefinitionError
from mesh_platform.products.sql import load_sql_product
from tests.support.small_mesh import CONTRACTS, LANDING

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sql"
CASES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "macros.yaml").read_text("utf-8"))
DOMAINS = Path(__file__).resolve().parents[2] / "domains"

MEDALS = register_ranking(Ranking("test_medal", ("GOLD", "SILVER", "BRONZE")))


def expand(sql: str, first_month: int = 11) -> sqlglot.exp.Expr:
    return expand_macros(sqlglot.parse_one(sql, read="bigquery"), SeasonCalendar(first_month))


def one_line(sql: str) -> str:
    return " ".join(sql.split()).replace("( ", "(").replace(" )", ")")


@pytest.mark.parametrize("case", CASES, ids=[c["title"] for c in CASES])
def test_expansion_in_both_dialects(case: dict[str, Any]) -> None:
    expanded = expand(case["sql"], case["first_month"])
    assert expanded.sql("bigquery") == one_line(case["bigquery"])
    assert expanded.sql("duckdb") == one_line(case["duckdb"])
    # the BigQuery text reads back as the same query: what is transpiled is what was built
    assert sqlglot.parse_one(expanded.sql("bigquery"), read="bigquery") == expanded


def test_expansion_leaves_its_input_untouched() -> None:
    query = sqlglot.parse_one("SELECT SEASON_OF(d) AS s FROM t", read="bigquery")
    before = query.sql("bigquery")
    expand_macros(query, SeasonCalendar(11))
    assert query.sql("bigquery") == before


def test_the_default_calendar_is_the_one_the_contracts_declare() -> None:
    assert season_calendar().first_month == 11
    default = expand_macros(sqlglot.parse_one("SELECT SEASON_OF(d) FROM t", read="bigquery"))
    assert default == expand("SELECT SEASON_OF(d) FROM t", 11)


DAYS = [
    dt.date(2023, 10, 31),
    dt.date(2023, 11, 1),
    dt.date(2023, 12, 31),
    dt.date(2024, 1, 1),
    dt.date(2024, 2, 29),
    dt.date(2024, 6, 30),
    dt.date(2024, 7, 1),
    dt.date(2024, 10, 31),
    dt.date(2024, 11, 1),
    dt.date(1999, 11, 1),
    dt.date(2099, 12, 31),
]


@pytest.mark.parametrize("first_month", [11, 7, 1])
def test_duckdb_runs_the_expansion_with_the_calendars_answers(first_month: int) -> None:
    calendar = SeasonCalendar(first_month)
    query = expand(
        "SELECT d, SEASON_OF(d) AS season, SEASON_START_YEAR(d) AS start_year,"
        " SEASON_FIRST_DAY(SEASON_START_YEAR(d)) AS first_day, SEASON_HALF(d) AS half"
        " FROM days ORDER BY d",
        first_month,
    )
    connection = duckdb.connect()
    connection.execute("CREATE TABLE days (d DATE)")
    connection.executemany("INSERT INTO days VALUES (?)", [[d] for d in DAYS])
    rows = connection.execute(query.sql("duckdb")).fetchall()
    assert rows == [
        (
            d,
            calendar.of(d),
            calendar.start_year(d.year, d.month),
            calendar.bounds(calendar.of(d))[0],
            "winter" if calendar.is_winter(d.month) else "summer",
        )
        for d in sorted(DAYS)
    ]


def test_duckdb_runs_the_expansion_on_timestamps_and_null() -> None:
    query = expand(
        "SELECT SEASON_OF(t) AS season, SEASON_START_YEAR(t) AS y, SEASON_HALF(t) AS half"
        " FROM moments ORDER BY i"
    )
    connection = duckdb.connect()
    connection.execute("CREATE TABLE moments (i INT, t TIMESTAMP)")
    connection.executemany(
        "INSERT INTO moments VALUES (?, ?)",
        [
            [1, dt.datetime(2023, 10, 31, 23, 59, 59, 999999)],
            [2, dt.datetime(2023, 11, 1, 0, 0)],
            [3, None],
        ],
    )
    rows = connection.execute(query.sql("duckdb")).fetchall()
    assert rows == [("2022-23", 2022, "summer"), ("2023-24", 2023, "winter"), (None, None, None)]


def test_the_label_of_a_null_year_is_null() -> None:
    query = expand("SELECT SEASON_LABEL(y) AS s, SEASON_LABEL(y + 1) AS n FROM years ORDER BY y")
    connection = duckdb.connect()
    connection.execute("CREATE TABLE years AS SELECT * FROM (VALUES (2023), (NULL)) AS v(y)")
    assert connection.execute(query.sql("duckdb")).fetchall() == [
        (None, None),  # GoogleSQL sorts NULL first
        ("2023-24", "2024-25"),
    ]


def test_rank_of_reads_the_declared_ranking() -> None:
    query = expand("SELECT RANK_OF(medal, 'test_medal') AS r FROM medals ORDER BY medal")
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE medals AS SELECT * FROM (VALUES ('BRONZE'), ('GOLD'), ('TIN')) AS v(medal)"
    )
    assert connection.execute(query.sql("duckdb")).fetchall() == [(1,), (3,), (None,)]
    assert MEDALS.ranks() == {"GOLD": 3, "SILVER": 2, "BRONZE": 1}


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT SEASON_OF(a, b) FROM t", "SEASON_OF(day) takes 1 argument(s), got 2"),
        ("SELECT SEASON_LABEL() FROM t", "SEASON_LABEL(start_year) takes 1 argument(s), got 0"),
        ("SELECT RANK_OF(medal) FROM t", "RANK_OF(value, ranking) takes 2 argument(s), got 1"),
        ("SELECT RANK_OF(medal, name) FROM t", "names a ranking, as a string literal"),
        ("SELECT RANK_OF(medal, 'no_such') FROM t", "no ranking 'no_such'"),
    ],
)
def test_a_macro_called_wrongly_is_refused(sql: str, message: str) -> None:
    with pytest.raises(MacroError, match=message.replace("(", r"\(").replace(")", r"\)")):
        expand(sql)


def test_a_product_calling_a_macro_wrongly_fails_at_load_with_the_parse_rule(
    tmp_path: Path,
) -> None:
    path = tmp_path / "daily_revenue.sql"
    path.write_text(
        "SELECT SEASON_OF(order_date, 1) AS order_date, COUNT(*) AS orders, "
        "SUM(amount_eur) AS revenue_eur FROM shop.orders GROUP BY 1"
    )
    with pytest.raises(ProductDefinitionError, match=r"daily_revenue.sql .*rule parse: SEASON_OF"):
        load_sql_product(path, CONTRACTS["shop.daily_revenue"], CONTRACTS, LANDING)


def test_column_lineage_sees_the_columns_under_a_macro(tmp_path: Path) -> None:
    path = tmp_path / "daily_revenue.sql"
    path.write_text(
        "SELECT SEASON_FIRST_DAY(SEASON_START_YEAR(order_date)) AS order_date,"
        " COUNT(*) AS orders, SUM(amount_eur) AS revenue_eur FROM shop.orders GROUP BY 1"
    )
    product = load_sql_product(path, CONTRACTS["shop.daily_revenue"], CONTRACTS, LANDING)
    assert product.column_lineage["order_date"] == (("shop.orders", "order_date"),)
    assert "SEASON" not in product.expression.sql("bigquery")


def test_every_macro_has_a_case() -> None:
    called = {name for case in CASES for name in MACROS if name in case["sql"].upper()}
    assert called == set(MACROS)


def test_rankings_are_declared_once_with_distinct_values() -> None:
    with pytest.raises(ValueError, match="distinct values"):
        Ranking("twice", ("A", "A"))
    with pytest.raises(ValueError, match="already declared"):
        register_ranking(Ranking("test_medal", ("GOLD", "BRONZE")))
    assert register_ranking(Ranking("test_medal", ("GOLD", "SILVER", "BRONZE"))) == MEDALS
    assert get_ranking("test_medal") is MEDALS


def test_no_domain_sql_spells_the_season_rule() -> None:
    spellings = [
        r"EXTRACT\(\s*MONTH\s+FROM[^)]*\)\s*(<|>=)",
        r"INTERVAL\s+2\s+MONTH",
        r"'-',\s*SUBSTR\(CAST\(",
        r"November\s+to\s+October",
        r"EXTRACT\(\s*MONTH\s+FROM[^)]*\)\s*IN\s*\(",
    ]
    found = [
        f"{path.relative_to(DOMAINS)}: {pattern}"
        for path in sorted(DOMAINS.glob("*/sql/*.sql"))
        for pattern in spellings
        if re.search(pattern, path.read_text(), flags=re.IGNORECASE)
    ]
    assert found == []
