"""A reference the contract declares with ``reference_severity="warn"``: values missing
from the referenced product are published and reported as a warning, not refused."""

from __future__ import annotations

import dagster as dg

from contracts.common import Count, Season, VillageId
from mesh_platform.contract import DataContract, Partitioning, column
from mesh_platform.derive.checks import contract_checks
from mesh_platform.derive.odcs import odcs_dict
from mesh_platform.engines.duckdb import DuckDBEngine
from mesh_platform.partitions import PartitionRange
from mesh_platform.products.asset import _check_results
from mesh_platform.wap import publish_product
from tests.support.engine_contracts import TEAM, Village, orphan_ratings, villages_frame


class LenientRating(
    DataContract,
    domain="resorts",
    product="village_ratings",
    version="1.0.0",
    owner=TEAM,
    grain=("village_id", "season"),
    partitioning=Partitioning(column="season", kind="season"),
    register=False,
):
    """Average guest rating per village and season; a village not yet in the villages
    product is published all the same."""

    village_id: VillageId = column(
        "Rated village.", references="resorts.villages.village_id", reference_severity="warn"
    )
    season: Season = column("Season of the stays rated.")
    rating: float = column("Average rating out of 10.", ge=0, le=10)
    reviews: Count = column("Number of reviews averaged.")


def test_a_warned_orphan_is_published_and_reported() -> None:
    engine = DuckDBEngine()
    publish_product(engine, Village, frame=villages_frame(), run_id="villages")
    result = publish_product(
        engine,
        LenientRating,
        frame=orphan_ratings("2024-25"),
        partition=PartitionRange.one("2024-25"),
        run_id="lenient",
        resolve=engine.table_for,
    )
    (reference,) = [r for r in result.check_results if r.check.name == "reference__village_id"]
    assert not reference.passed
    assert reference.sample == ("village_id=ZZZ|season=2024-25",)
    assert "ZZZ" in engine.read_product("resorts", "village_ratings")["village_id"].tolist()
    (check,) = [
        c
        for c in _check_results(LenientRating, result.check_results)
        if c.check_name == "reference__village_id"
    ]
    assert (check.passed, check.severity) == (False, dg.AssetCheckSeverity.WARN)


def test_the_check_is_not_blocking_and_the_documents_say_so() -> None:
    checks = {c.name: c.blocking for c in contract_checks(LenientRating)}
    assert checks["reference__village_id"] is False
    assert all(blocking for name, blocking in checks.items() if name != "reference__village_id")
    village = odcs_dict(LenientRating)["schema"][0]["properties"][0]
    assert {"property": "referenceSeverity", "value": "warn"} in village["customProperties"]
