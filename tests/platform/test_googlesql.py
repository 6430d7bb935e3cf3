"""The GoogleSQL the BigQuery engine sends: each workaround of the emulator is shown
needed (sqlglot's plain rendering fails on the emulator) and sufficient (the engine's
rendering runs there and means the same), and the SQL stays GoogleSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import sqlglot
from google.api_core.exceptions import BadRequest
from sqlglot import exp

from mesh_platform.engines.bigquery import BigQueryEngine
from mesh_platform.engines.googlesql import (
    checksum_query,
    name_struct_fields,
    raw_string_holds,
    render,
)
from mesh_platform.settings import MeshSettings


@pytest.fixture
def bq(bigquery_emulator: Any) -> Iterator[BigQueryEngine]:
    settings = MeshSettings(engine="bigquery", dataset_prefix=f"g{uuid.uuid4().hex[:10]}_")
    engine = BigQueryEngine(settings, endpoint=bigquery_emulator.endpoint)
    yield engine
    engine.client.delete_dataset(
        f"{engine.project}.{engine.schema_for('sql')}", delete_contents=True, not_found_ok=True
    )


NON_ASCII = (
    r"SELECT REGEXP_CONTAINS(word, r'[^\x00-\x7F]') AS accented "
    "FROM UNNEST(['Noël', 'Noel']) AS word"
)
STRUCT = (
    "SELECT s.postal_code FROM "
    "(SELECT STRUCT(1 AS score, postal_code) AS s FROM (SELECT '73150' AS postal_code))"
)


def _values(engine: BigQueryEngine, sql: str) -> list[Any]:
    return [next(iter(row.values())) for row in engine.query_rows(sql)]


@pytest.mark.parametrize(
    ("text", "holds"),
    [(r"\d+", True), (r"[^\x00-\x7F]", True), ("it's", False), ("a\nb", False), ("end\\", False)],
)
def test_a_raw_string_holds_what_it_can_write(text: str, holds: bool) -> None:
    assert raw_string_holds(text) is holds


def test_strings_with_a_backslash_are_rendered_raw_and_others_as_before() -> None:
    query = sqlglot.parse_one(
        r"""SELECT REGEXP_REPLACE(a, r'\(0\)', ''), "it's", 'plain', 'x\\y' FROM t""",
        read="bigquery",
    )
    assert render(query) == (
        r"SELECT REGEXP_REPLACE(`a`, r'\(0\)', ''), 'it\'s', 'plain', r'x\y' FROM `t`"
    )
    # the rendering reads back as the same strings
    assert _strings(sqlglot.parse_one(render(query), read="bigquery")) == _strings(query)


def _strings(query: exp.Expr) -> list[str]:
    found = query.find_all(exp.Literal, exp.RawString)
    return [s.this for s in found if isinstance(s, exp.RawString) or s.is_string]


@pytest.mark.bigquery
def test_an_escaped_backslash_fails_on_the_emulator_and_a_raw_string_runs(
    bq: BigQueryEngine,
) -> None:
    query = sqlglot.parse_one(NON_ASCII, read="bigquery")
    with pytest.raises(BadRequest, match="unterminated quoted string"):
        bq.client.query_and_wait(query.sql("bigquery"))
    assert _values(bq, render(query)) == [True, False]


def test_bare_columns_in_a_struct_are_named_and_typed_structs_left_alone() -> None:
    query = sqlglot.parse_one(
        "SELECT STRUCT(a AS x, t.b, 1 AS c), CAST(STRUCT(d) AS STRUCT<e INT64>) FROM t",
        read="bigquery",
    )
    named = name_struct_fields(query)
    assert named.sql("bigquery") == (
        "SELECT STRUCT(a AS x, t.b AS b, 1 AS c), CAST(STRUCT(d) AS STRUCT<e INT64>) FROM t"
    )
    assert query.sql("bigquery").startswith("SELECT STRUCT(a AS x, t.b, 1 AS c)")  # a copy


@pytest.mark.bigquery
def test_a_struct_field_named_by_its_column_fails_on_the_emulator_unless_spelt_out(
    bq: BigQueryEngine,
) -> None:
    query = sqlglot.parse_one(STRUCT, read="bigquery")
    with pytest.raises(BadRequest, match='Could not find key "postal_code"'):
        bq.client.query_and_wait(query.sql("bigquery"))
    assert _values(bq, render(query)) == ["73150"]


@pytest.mark.bigquery
def test_the_checksum_sums_fingerprints_without_overflowing(bq: BigQueryEngine) -> None:
    bq.ensure_schema("sql")
    table = bq.table_for("sql", "words")
    frame = pd.DataFrame({"word": [f"word-{i}" for i in range(2000)]})
    bq.load_arrow(table, pa.Table.from_pandas(frame, preserve_index=False))

    wide = sqlglot.parse_one(
        "SELECT SUM(CAST(FARM_FINGERPRINT(CAST(x AS STRING)) AS BIGNUMERIC)) "
        "FROM UNNEST(GENERATE_ARRAY(1, 2000)) AS x",
        read="bigquery",
    )
    with pytest.raises(BadRequest, match="Overflow"):
        bq.client.query_and_wait(render(wide))

    (row,) = bq.query_rows(checksum_query(table))
    assert row["n"] == 2000
    assert 0 < row["high"] < 2000 * 2**32
    assert 0 < row["low"] < 2000 * 2**32
    before = bq.table_checksum(table)
    bq.load_arrow(table, pa.Table.from_pandas(frame.iloc[::-1], preserve_index=False))
    assert bq.table_checksum(table) != before  # twice the rows
