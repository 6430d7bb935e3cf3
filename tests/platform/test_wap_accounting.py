"""Row accounting in write-audit-publish on DuckDB: rows left out within the contract's
tolerance are published with the product and kept in its rejects table; beyond it, or
for a volume change beyond it, nothing is published and nothing recorded."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from mesh_platform import wap_accounting
from mesh_platform.contract import DataContract, Tolerance, column
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.products.left_out import split_left_out
from mesh_platform.wap import AuditFailed, PublishFailed, PublishResult, publish_product
from mesh_platform.wap_accounting import (
    FRAME_STAGE,
    LeftOutCount,
    LeftOutRows,
    left_out_staging_for,
    rejects_table_for,
)


class Ratings(
    DataContract,
    domain="demo",
    product="ratings",
    grain=("survey_id",),
    register=False,
    tolerance=Tolerance(left_out={"invalid_value": 0.25}, volume_drop=0.5),
):
    """One rating per survey."""

    survey_id: str = column("Survey.")
    score: int = column("Score.", ge=0, le=10)


class StrictRatings(DataContract, domain="demo", product="strict", register=False):
    """Ratings that may not leave a row out."""

    survey_id: str = column("Survey.")
    score: int = column("Score.")


class Growing(
    DataContract,
    domain="demo",
    product="growing",
    register=False,
    tolerance=Tolerance(volume_growth=0.5),
):
    """Ratings that may grow by half at most."""

    survey_id: str = column("Survey.")
    score: int = column("Score.")


QUERY = """
with checked as (
  select survey_id, score,
         if(score between 0 and 10, null, 'invalid_value:score') as _left_out,
         survey_id as _left_out_key
  from landing.surveys
)
select survey_id, score from checked
"""

INPUT = {"landing.surveys": exp.table_("surveys", db="landing", quoted=True)}


def land(engine: DuckDBEngine, scores: list[int]) -> None:
    frame = pd.DataFrame({"survey_id": [f"s{i}" for i in range(len(scores))], "score": scores})
    with engine.connection() as connection:
        connection.execute('CREATE SCHEMA IF NOT EXISTS "landing"')
        connection.register("frame", frame)
        connection.execute('CREATE OR REPLACE TABLE "landing"."surveys" AS SELECT * FROM frame')
        connection.unregister("frame")


def run(engine: DuckDBEngine, contract: type[DataContract], run_id: str, query: str = QUERY):
    parsed = sqlglot.parse_one(query, read="bigquery")
    assert isinstance(parsed, exp.Query)
    split = split_left_out(parsed)
    left_out = (
        LeftOutRows(select=split.left_out, candidates=split.candidates) if split.stages else None
    )
    return publish_product(
        engine, contract, select=split.product, run_id=run_id, left_out=left_out, inputs=INPUT
    )


def rejects(engine: DuckDBEngine, contract: type[DataContract]) -> pd.DataFrame:
    table = rejects_table_for(engine, contract)
    if not engine.table_exists(table):
        return pd.DataFrame()
    return engine.read_table(table).sort_values(["run_id", "row_key"]).reset_index(drop=True)


@pytest.fixture
def engine() -> DuckDBEngine:
    return DuckDBEngine()


def test_rows_left_out_within_tolerance_are_published_and_recorded(engine: DuckDBEngine) -> None:
    land(engine, [1, 2, 3, 4, 5, 6, 42, -1])

    result = run(engine, Ratings, "run-1")

    assert result.row_count == 6
    accounting = result.accounting
    assert accounting is not None
    assert accounting.rows_read == {"landing.surveys": 8}
    assert accounting.rows_published == 6
    assert accounting.previous_rows is None
    assert accounting.left_out == (
        LeftOutCount("checked", "invalid_value:score", 2, 8, ("s6", "s7")),
    )
    assert accounting.left_out[0].share == 0.25
    published = engine.read_product("demo", "ratings")
    assert sorted(published["survey_id"]) == ["s0", "s1", "s2", "s3", "s4", "s5"]
    kept = rejects(engine, Ratings)
    assert kept[["run_id", "stage", "reason", "row_key"]].values.tolist() == [
        ["run-1", "checked", "invalid_value:score", "s6"],
        ["run-1", "checked", "invalid_value:score", "s7"],
    ]
    assert json.loads(kept["row_json"][0])["score"] == 42
    assert kept["recorded_at"].notna().all()
    assert engine.list_tables("demo") == ["ratings", "ratings__left_out"]


def test_every_run_appends_its_left_out_rows(engine: DuckDBEngine) -> None:
    land(engine, [1, 2, 3, 4, 5, 6, 42, -1])
    run(engine, Ratings, "run-1")
    land(engine, [1, 2, 3, 4, 5, 6, 7, 11])

    result = run(engine, Ratings, "run-2")

    assert result.row_count == 7
    assert result.accounting is not None
    assert result.accounting.previous_rows == 6
    kept = rejects(engine, Ratings)
    assert kept.groupby("run_id").size().to_dict() == {"run-1": 2, "run-2": 1}


def test_rows_left_out_beyond_tolerance_block_the_publish(engine: DuckDBEngine) -> None:
    land(engine, [1, 2, 3, 4, 5, 6, 42, -1])
    run(engine, Ratings, "run-1")
    before_product = engine.table_checksum(engine.table_for("demo", "ratings"))
    before_rejects = engine.table_checksum(rejects_table_for(engine, Ratings))
    land(engine, [1, 2, 3, 4, 5, 12, 42, -1])

    with pytest.raises(AuditFailed) as failed:
        run(engine, Ratings, "run-2")

    message = str(failed.value)
    assert "demo.ratings" in message
    assert "left_out_tolerance" in message
    assert "left out 3 of 8 candidate rows for 'invalid_value:score' (37.5%)" in message
    assert "tolerance 25%" in message
    assert "['s5', 's6', 's7']" in message
    [failure] = failed.value.failures
    assert failure.failing_rows == 3
    assert failed.value.accounting is not None
    assert failed.value.accounting.rows_left_out == 3
    assert engine.table_checksum(engine.table_for("demo", "ratings")) == before_product
    assert engine.table_checksum(rejects_table_for(engine, Ratings)) == before_rejects
    assert engine.list_tables("demo") == ["ratings", "ratings__left_out"]


def test_a_contract_without_tolerance_leaves_no_row_out(engine: DuckDBEngine) -> None:
    land(engine, [1, 2, 42])

    with pytest.raises(AuditFailed, match=r"left out 1 of 3 .* \(33.33%\), tolerance 0%"):
        run(engine, StrictRatings, "run-1")

    assert engine.list_tables("demo") == []


def test_a_reason_outside_the_vocabulary_names_stage_and_reason(engine: DuckDBEngine) -> None:
    land(engine, [1, 2, 42])
    query = QUERY.replace("'invalid_value:score'", "'too_high'")

    with pytest.raises(AuditFailed) as failed:
        run(engine, Ratings, "run-1", query)

    message = str(failed.value)
    assert "demo.ratings" in message
    assert "stage 'checked'" in message
    assert "left-out reason 'too_high': unknown kind 'too_high'" in message


def test_a_volume_drop_beyond_tolerance_blocks_the_publish(engine: DuckDBEngine) -> None:
    land(engine, list(range(8)))
    run(engine, Ratings, "run-1")
    before = engine.table_checksum(engine.table_for("demo", "ratings"))
    land(engine, [1, 2, 3])

    with pytest.raises(AuditFailed) as failed:
        run(engine, Ratings, "run-2")

    [failure] = failed.value.failures
    assert failure.rule == "volume_change"
    assert failure.failing_rows == 5
    assert "published rows fell from 8 to 3 (62.5%), tolerance 50%" in failure.detail
    assert engine.table_checksum(engine.table_for("demo", "ratings")) == before


def test_a_volume_drop_within_tolerance_publishes(engine: DuckDBEngine) -> None:
    land(engine, list(range(8)))
    run(engine, Ratings, "run-1")
    land(engine, [1, 2, 3, 4])

    assert run(engine, Ratings, "run-2").row_count == 4


def test_a_volume_growth_beyond_tolerance_blocks_the_publish(engine: DuckDBEngine) -> None:
    land(engine, [1, 2])
    run(engine, Growing, "run-1", "select survey_id, score from landing.surveys")
    land(engine, [1, 2, 3, 4])

    with pytest.raises(AuditFailed, match=r"volume_change .*grew from 2 to 4 \(100%\)"):
        run(engine, Growing, "run-2", "select survey_id, score from landing.surveys")


def test_a_product_without_left_out_records_nothing(engine: DuckDBEngine) -> None:
    land(engine, [1, 2, 3])

    result = run(engine, StrictRatings, "run-1", "select survey_id, score from landing.surveys")

    assert result.accounting is not None
    assert result.accounting.left_out == ()
    assert result.accounting.rows_read == {"landing.surveys": 3}
    assert engine.list_tables("demo") == ["strict"]


def publish_frame(
    engine: DuckDBEngine, frame: pd.DataFrame, left_out: pd.DataFrame, read: int
) -> PublishResult:
    """A Python product's ``frame`` published as ``demo.ratings`` (run ``py-1``), with
    the rows it left out, ``read`` rows read of its input."""
    return publish_product(
        engine,
        Ratings,
        frame=frame,
        run_id="py-1",
        left_out=LeftOutRows(frame=left_out),
        inputs={"demo.surveys": read},
    )


def test_a_python_product_left_out_frame_is_accounted_and_recorded(engine: DuckDBEngine) -> None:
    frame = pd.DataFrame({"survey_id": ["s1", "s2", "s3"], "score": [1, 2, 3]})
    left_out = pd.DataFrame(
        {"reason": ["invalid_value:score"], "row_key": ["s4"], "score": [99], "note": [None]}
    )

    result = publish_frame(engine, frame, left_out, read=4)

    assert result.accounting is not None
    assert result.accounting.rows_read == {"demo.surveys": 4}
    assert result.accounting.left_out == (
        LeftOutCount(FRAME_STAGE, "invalid_value:score", 1, 4, ("s4",)),
    )
    kept = rejects(engine, Ratings)
    assert kept[["run_id", "stage", "reason", "row_key"]].values.tolist() == [
        ["py-1", FRAME_STAGE, "invalid_value:score", "s4"]
    ]
    assert json.loads(kept["row_json"][0]) == {"note": None, "score": 99}


def test_a_long_left_out_frame_is_recorded_a_chunk_at_a_time(
    engine: DuckDBEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its rows are turned into rejects rows and loaded some rows at a time (never all
    as records at once): every row is recorded, with its own key and JSON."""
    frame = pd.DataFrame({"survey_id": [f"s{i}" for i in range(30)], "score": 5})
    left_out = pd.DataFrame(
        {
            "reason": "invalid_value:score",
            "row_key": [f"x{i}" for i in range(7)],
            "score": range(100, 107),
        }
    )
    loaded: list[int] = []
    load_arrow = engine.load_arrow

    def load(table: exp.Table, rows: pa.Table) -> None:
        if table.name.endswith("_left_out"):
            loaded.append(rows.num_rows)
        load_arrow(table, rows)

    monkeypatch.setattr(engine, "load_arrow", load)
    monkeypatch.setattr(wap_accounting, "FRAME_CHUNK_ROWS", 3)
    publish_frame(engine, frame, left_out, read=37)

    assert loaded == [3, 3, 1]
    kept = rejects(engine, Ratings)
    assert kept["row_key"].tolist() == [f"x{i}" for i in range(7)]
    assert [json.loads(j) for j in kept["row_json"]] == [{"score": 100 + i} for i in range(7)]


def test_a_left_out_frame_without_reasons_is_refused(engine: DuckDBEngine) -> None:
    frame = pd.DataFrame({"survey_id": ["s1"], "score": [1]})
    refused = r"demo.ratings: writing the left-out rows failed .* needs a 'reason' column"
    with pytest.raises(PublishFailed, match=refused):
        publish_frame(engine, frame, pd.DataFrame({"row_key": ["s2"]}), read=2)
    assert rejects(engine, Ratings).empty


def test_the_left_out_staging_table_is_cleaned_with_the_product_staging(
    engine: DuckDBEngine,
) -> None:
    land(engine, [1, 2, 3])
    run(engine, Ratings, "run-1")
    leftover = left_out_staging_for(engine, Ratings, "killed-run")
    engine.execute(f"CREATE TABLE {engine.sql(leftover)} (x INTEGER)")

    result = run(engine, Ratings, "run-2")

    assert result.cleaned_staging == ("_staging__ratings__killed_run_left_out",)
    assert not engine.table_exists(leftover)
