"""A product's accounting leaves the platform: Dagster checks and metadata, lineage."""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd
import pytest

from mesh_platform.contract import DataContract, Tolerance, column
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.lineage import LineageEmitter
from mesh_platform.products.asset import accounting_checks, materialize_product, product_asset
from mesh_platform.products.python import ProductOutput, python_product
from mesh_platform.settings import get_settings


class Scores(
    DataContract,
    domain="demo",
    product="scores",
    grain=("survey_id",),
    register=False,
    tolerance=Tolerance(left_out={"invalid_value": 0.25}, volume_drop=0.5),
):
    """One score per survey."""

    survey_id: str = column("Survey.")
    score: int = column("Score.")


class Strict(DataContract, domain="demo", product="strict", register=False):
    """Nothing may be left out."""

    survey_id: str = column("Survey.")


KEPT = pd.DataFrame({"survey_id": ["s1", "s2", "s3"], "score": [1, 2, 3]})


def scores_product(left_out: pd.DataFrame) -> object:
    @python_product(Scores)
    def scores() -> ProductOutput:
        return ProductOutput(KEPT, {"model": "none"}, left_out=left_out)

    return scores


def lineage_events() -> list[dict]:
    return [json.loads(line) for line in get_settings().lineage_path.read_text().splitlines()]


def test_every_product_has_two_blocking_accounting_checks_from_its_contract() -> None:
    assert accounting_checks(Strict) == {
        "left_out_tolerance": "No row left out (no reason tolerated)",
        "volume_change": "Published volume not guarded (no volume_drop or volume_growth declared)",
    }
    described = accounting_checks(Scores)
    assert "invalid_value <= 0.25" in described["left_out_tolerance"]
    assert "drop <= 0.5" in described["volume_change"]
    asset = product_asset(scores_product(pd.DataFrame({"reason": []})))
    specs = {spec.name: spec for spec in asset.check_specs}
    assert specs["left_out_tolerance"].blocking
    assert specs["volume_change"].blocking


def test_the_accounting_is_materialisation_metadata_check_results_and_lineage() -> None:
    left_out = pd.DataFrame({"reason": ["invalid_value:score"], "row_key": ["s4"]})

    [result] = list(
        materialize_product(scores_product(left_out), run_id="run-1", engine=DuckDBEngine())
    )

    assert isinstance(result, dg.MaterializeResult)
    metadata = result.metadata or {}
    assert metadata["dagster/row_count"] == 3
    assert metadata["rows_left_out"] == 1
    assert metadata["rows_read"].data == {}
    [count] = metadata["left_out"].data
    assert (count["stage"], count["reason"], count["rows"], count["candidates"]) == (
        "output",
        "invalid_value:score",
        1,
        4,
    )
    checks = {c.check_name: c for c in result.check_results or []}
    assert checks["left_out_tolerance"].passed
    assert checks["volume_change"].passed
    complete = lineage_events()[-1]
    assert complete["eventType"] == "COMPLETE"
    assert complete["outputs"][0]["facets"]["rowAccounting"]["rowsLeftOut"] == 1
    assert complete["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 3


def test_beyond_tolerance_the_check_fails_and_the_fail_event_has_the_figures() -> None:
    left_out = pd.DataFrame(
        {"reason": ["invalid_value:score"] * 2, "row_key": ["s4", "s5"]}
    )  # 2 of 5 = 40% > 25%
    results: list = []

    run = materialize_product(
        scores_product(left_out), run_id="run-2", engine=DuckDBEngine(), emitter=LineageEmitter()
    )
    with pytest.raises(dg.Failure) as failure:
        results.extend(run)

    assert "left_out_tolerance" in str(failure.value.description)
    assert "left out 2 of 5 candidate rows for 'invalid_value:score' (40%)" in str(
        failure.value.description
    )
    checks = {c.check_name: c for c in results if isinstance(c, dg.AssetCheckResult)}
    assert not checks["left_out_tolerance"].passed
    assert "['s4', 's5']" in (checks["left_out_tolerance"].description or "")
    assert checks["volume_change"].passed
    fail = lineage_events()[-1]
    assert fail["eventType"] == "FAIL"
    assert fail["outputs"][0]["facets"]["rowAccounting"]["rowsLeftOut"] == 2
    assert not DuckDBEngine().table_exists(DuckDBEngine().table_for("demo", "scores"))
