"""The left-out rewrite of a SQL product's query: the product's rows are exactly what a
filtering CTE would give, the left-out rows and candidate counts come from the same WITH
clause, in both dialects, and the queries run on DuckDB."""

from __future__ import annotations

import json

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from mesh_platform.products.left_out import (
    LEFT_OUT_COLUMNS,
    LeftOutError,
    left_out_stages,
    split_left_out,
)

SOURCE = """
with raw as (
  select 1 as id, 'a' as v union all select -1, 'b' union all select 2, null
  union all select 3, 'c'
),
valid as (
  select id, v,
         if(id > 0, null, 'invalid_value:id') as _left_out,
         cast(id as string) as _left_out_key
  from raw
),
complete as (
  select id, v, case when v is null then 'missing_value:v' end as _left_out from valid
)
select id, upper(v) as v from complete
"""

FILTERED = """
with raw as (
  select 1 as id, 'a' as v union all select -1, 'b' union all select 2, null
  union all select 3, 'c'
),
valid as (select id, v from raw where id > 0),
complete as (select id, v from valid where v is not null)
select id, upper(v) as v from complete
"""


def parse(sql: str) -> exp.Query:
    query = sqlglot.parse_one(sql, read="bigquery")
    assert isinstance(query, exp.Query)
    return query


def run(query: exp.Query | None) -> list[tuple]:
    assert query is not None
    return sorted(duckdb.sql(query.sql("duckdb")).fetchall(), key=repr)


def test_a_query_without_left_out_is_unchanged() -> None:
    query = parse(FILTERED)
    split = split_left_out(query)
    assert split.stages == ()
    assert split.left_out is None
    assert split.candidates is None
    assert split.product.sql("bigquery") == query.sql("bigquery")


def test_the_stages_are_the_ctes_projecting_left_out_in_order() -> None:
    assert left_out_stages(parse(SOURCE)) == ("valid", "complete")


def test_the_product_rows_are_those_of_the_filtering_query() -> None:
    split = split_left_out(parse(SOURCE))
    assert run(split.product) == run(parse(FILTERED)) == [(1, "A"), (3, "C")]
    assert split.product.named_selects == ["id", "v"]


def test_the_input_query_is_not_modified() -> None:
    query = parse(SOURCE)
    before = query.sql("bigquery")
    split_left_out(query)
    assert query.sql("bigquery") == before


@pytest.mark.parametrize("dialect", ["bigquery", "duckdb"])
def test_the_kept_rows_cte_drops_the_reserved_columns(dialect: str) -> None:
    sql = split_left_out(parse(SOURCE)).product.sql(dialect)
    word = "EXCEPT" if dialect == "bigquery" else "EXCLUDE"
    assert f"valid AS (SELECT * {word} (_left_out, _left_out_key) FROM valid__candidates" in sql
    assert f"complete AS (SELECT * {word} (_left_out) FROM complete__candidates" in sql
    assert "WHERE _left_out IS NULL" in sql


def test_the_left_out_rows_carry_stage_reason_key_and_the_row() -> None:
    split = split_left_out(parse(SOURCE))
    assert split.left_out is not None
    assert split.left_out.named_selects == list(LEFT_OUT_COLUMNS)
    rows = run(split.left_out)
    assert [(stage, reason, key) for stage, reason, key, _ in rows] == [
        ("complete", "missing_value:v", None),
        ("valid", "invalid_value:id", "-1"),
    ]
    row = json.loads(rows[1][3])
    assert row["id"] == -1
    assert row["v"] == "b"


def test_the_candidates_are_counted_per_stage() -> None:
    split = split_left_out(parse(SOURCE))
    assert run(split.candidates) == [("complete", 3), ("valid", 4)]


@pytest.mark.parametrize(
    ("dialect", "json_function"), [("bigquery", "TO_JSON_STRING("), ("duckdb", "TO_JSON(")]
)
def test_the_left_out_query_renders_in_both_dialects(dialect: str, json_function: str) -> None:
    split = split_left_out(parse(SOURCE))
    assert split.left_out is not None
    assert split.candidates is not None
    sql = split.left_out.sql(dialect, identify=True)
    assert json_function in sql
    assert sqlglot.parse_one(sql, read=dialect).named_selects == list(LEFT_OUT_COLUMNS)
    assert "COUNT(*)" in split.candidates.sql(dialect)


def test_a_single_stage_query_has_no_union() -> None:
    split = split_left_out(
        parse("with s as (select 1 as id, cast(null as string) as _left_out) select id from s")
    )
    assert split.left_out is not None
    assert "UNION" not in split.left_out.sql("bigquery")
    assert run(split.left_out) == []
    assert run(split.candidates) == [("s", 1)]


def test_a_quoted_cte_name_stays_quoted() -> None:
    split = split_left_out(
        parse("with `s` as (select 1 as id, 'duplicate' as _left_out) select id from `s`")
    )
    assert run(split.product) == []
    assert run(split.left_out)[0][:2] == ("s", "duplicate")


def test_left_out_in_a_nested_cte_is_refused() -> None:
    query = parse("select id from (with s as (select 1 as id, null as _left_out) select id from s)")
    with pytest.raises(LeftOutError, match="inside a subquery"):
        split_left_out(query)
